package realnets

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/regimes/regimes/analysis"
)

// outputGradModel is a model whose backward pass can start from a given
// gradient with respect to its logits (the models of this package, through
// batchCore).
type outputGradModel interface {
	logitModel
	setOutputGradient(g []float32)
}

// gnOperator is the Gauss-Newton matrix of one batch's loss in the SI
// vector at x0 (see Landscape.GaussNewton).
type gnOperator struct {
	o      *siOperator
	m      outputGradModel
	nc     int
	p      []float64 // n×classes softmax probabilities at x0, set on first use
	zp, zm []float64 // logits at x0 ± h v, then J v
	u      []float32 // the logit gradient H_out J v / n
}

func (g *gnOperator) Dim() int { return g.o.Dim() }

// logits runs the batch forward (TrainEval, no gradient) at the current
// parameters and writes its logits to dst.
func (g *gnOperator) logits(dst []float64) {
	o := g.o
	g.m.Forward(o.x, o.y, o.n, TrainEval, false)
	o.passes++
	for i, v := range g.m.Logits() {
		dst[i] = float64(v)
	}
}

// Apply sets dst to G v = (1/n) sum_i J_i^T (diag p_i - p_i p_i^T) J_i v:
// J v is the central difference (z(x0 + h v) - z(x0 - h v)) / (2h) of the
// float32 logits with h ||v|| = FDStep ||x0||, J^T u the backward pass at
// x0 started from the logit gradient u. Three passes over the batch (one
// more on the first call, for p).
func (g *gnOperator) Apply(dst, v []float64) {
	o := g.o
	nv := floats.Norm(v, 2)
	if nv == 0 {
		clear(dst)
		return
	}
	if g.p == nil {
		g.p = make([]float64, o.n*g.nc)
		o.set(0, nil)
		g.logits(g.p)
		for i := range o.n {
			softmaxInPlace(g.p[i*g.nc : (i+1)*g.nc])
		}
	}
	h := o.step * o.norm / nv
	o.set(h, v)
	g.logits(g.zp)
	o.set(-h, v)
	g.logits(g.zm)
	o.set(0, nil)
	nc := g.nc
	inv := 1 / float64(o.n)
	for i := range o.n {
		p, jv := g.p[i*nc:(i+1)*nc], g.zp[i*nc:(i+1)*nc]
		var pj float64
		for k := range jv {
			jv[k] = (jv[k] - g.zm[i*nc+k]) / (2 * h)
			pj += p[k] * jv[k]
		}
		for k := range jv {
			g.u[i*nc+k] = float32(inv * p[k] * (jv[k] - pj))
		}
	}
	g.m.setOutputGradient(g.u)
	defer g.m.setOutputGradient(nil)
	o.grad(dst, o.y)
}

// softmaxInPlace replaces z by softmax(z).
func softmaxInPlace(z []float64) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, v)
	}
	var t float64
	for k, v := range z {
		z[k] = math.Exp(v - mx)
		t += z[k]
	}
	floats.Scale(1/t, z)
}

// gaussNewton is the mean of the batches' Gauss-Newton operators.
type gaussNewton struct {
	ops []*gnOperator
	tmp []float64
}

func (g *gaussNewton) Dim() int { return g.ops[0].Dim() }

func (g *gaussNewton) Apply(dst, v []float64) {
	clear(dst)
	for _, o := range g.ops {
		o.Apply(g.tmp, v)
		floats.Add(dst, g.tmp)
	}
	floats.Scale(1/float64(len(g.ops)), dst)
}

// GaussNewton returns the generalised Gauss-Newton matrix of the mean batch
// loss at x as an operator,
//
//	G = mean over batches of (1/n) sum_i J_i^T (diag p_i - p_i p_i^T) J_i,
//
// with J_i the Jacobian of image i's logits in the SI vector through its
// batch (BatchNorm coupling included, as in Sharpness's Fisher) and p_i
// their softmax: the Hessian of the loss with the network linearised at x
// (the output-layer Hessian of softmax cross-entropy is diag p - p p^T).
// G is symmetric positive semi-definite, and for an SI loss J_i x = 0, so
// G x = 0 and G = P G P is its own tangent-space version. A product costs
// three passes over each batch: J v by central differences of the float32
// logits at the landscape's step, J^T u by one backward pass. It returns an
// error when the model's backward pass cannot start from a given logit
// gradient (models outside this package).
func (l *Landscape) GaussNewton() (analysis.SymOperator, error) {
	m, ok := l.ops[0].m.(outputGradModel)
	if !ok {
		return nil, fmt.Errorf("realnets: model %T has no Gauss-Newton product (no logit-gradient backward pass)", l.ops[0].m)
	}
	nc := m.Classes()
	g := &gaussNewton{tmp: make([]float64, len(l.x0))}
	for _, o := range l.ops {
		g.ops = append(g.ops, &gnOperator{o: o, m: m, nc: nc,
			zp: make([]float64, o.n*nc), zm: make([]float64, o.n*nc), u: make([]float32, o.n*nc)})
	}
	return g, nil
}

// EffectiveGaussNewton returns the effective tangent Gauss-Newton matrix
// ||x||^2 P G P on the tangent space at x, the counterpart of Effective for
// the Hessian (for an SI loss G and P G P coincide; projecting removes the
// finite-difference and BatchNorm-eps residue along x).
func (l *Landscape) EffectiveGaussNewton() (analysis.ScaledOperator, error) {
	g, err := l.GaussNewton()
	if err != nil {
		return analysis.ScaledOperator{}, err
	}
	return analysis.ScaledOperator{A: analysis.NewTangentOperator(g, l.x0, 0), C: l.norm * l.norm}, nil
}
