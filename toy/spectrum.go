package toy

import (
	"fmt"

	"github.com/regimes/regimes/analysis"
)

// Hessian is the Euclidean Hessian of a toy's loss f_B at X as an
// analysis.SymOperator: its products are p.HessVec. Wrap it in
// analysis.NewTangentOperator for the Hessian on the tangent space of the
// sphere (SCIENCE.md section 10.1).
type Hessian struct {
	P Problem
	X []float64
	// B is the mini-batch (nil: the full problem).
	B *Batch
}

var _ analysis.SymOperator = Hessian{}

// Dim returns the toy's dimension.
func (h Hessian) Dim() int { return h.P.Dim() }

// Apply sets dst to Hess f_B(X) v.
func (h Hessian) Apply(dst, v []float64) {
	if len(h.X) != h.P.Dim() {
		panic(fmt.Sprintf("toy: Hessian at a point of length %d in dimension %d", len(h.X), h.P.Dim()))
	}
	h.P.HessVec(dst, h.X, v, h.B)
}
