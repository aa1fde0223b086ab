package realnets

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets/data"
)

// Batches is a fixed set of images split into consecutive mini-batches of
// Size images (the last one shorter, dropped if it has one image): the
// loss of a network on it is the mean of its batches' losses, each with
// BatchNorm in TrainEval mode (batch statistics of that batch, recomputed
// at every point; running statistics untouched), as in training.
type Batches struct {
	X    []float32 // N images
	Y    []int
	N    int
	Size int // images per batch; 0 means N (one batch)
}

func (b Batches) split(m Model) ([][2]int, error) {
	if b.N < 2 || len(b.Y) < b.N {
		return nil, fmt.Errorf("realnets: a batch set needs at least 2 labelled images, got %d", b.N)
	}
	c, h, w := m.InputShape()
	if len(b.X) < b.N*c*h*w {
		return nil, fmt.Errorf("realnets: %d values for %d images of %dx%dx%d", len(b.X), b.N, c, h, w)
	}
	size := b.Size
	if size <= 0 || size > b.N {
		size = b.N
	}
	var out [][2]int
	for lo := 0; lo < b.N; lo += size {
		hi := min(lo+size, b.N)
		if hi-lo >= 2 {
			out = append(out, [2]int{lo, hi})
		}
	}
	return out, nil
}

// Landscape evaluates a model's SI loss, gradients and Hessian-vector
// products on a fixed Batches at points of the joint SI vector (the SI
// parameters concatenated in Params order), leaving the parameters as it
// found them after every call (it overwrites Param.Grad). It implements
// analysis.SymOperator: Apply is the product with the Hessian H of the mean
// batch loss at the point it was made at, by central differences of
// float32 gradients as in Sharpness (error about 3e-4 relative at the
// default step). A Landscape is not safe for concurrent use.
type Landscape struct {
	ops    []*siOperator // one per batch
	x0     []float64
	norm   float64
	size   int // image size
	b      Batches
	ranges [][2]int
	g      []float64
}

var _ analysis.SymOperator = (*Landscape)(nil)

// NewLandscape returns the landscape of m on b at m's current parameters.
// fdStep is the finite-difference step of the Hessian-vector product
// relative to ||x|| (0 means Sharpness's default 3e-4).
func NewLandscape(m Model, b Batches, fdStep float64) (*Landscape, error) {
	if fdStep == 0 {
		fdStep = 3e-4
	}
	if !(fdStep > 0) {
		return nil, fmt.Errorf("realnets: finite-difference step %v", fdStep)
	}
	ranges, err := b.split(m)
	if err != nil {
		return nil, err
	}
	var si []*Param
	var x0 []float32
	for _, p := range m.Params() {
		if p.SI {
			if p.Grad == nil {
				return nil, fmt.Errorf("realnets: SI parameter %s has no gradient (frozen)", p.Name)
			}
			si = append(si, p)
			x0 = append(x0, p.Data...)
		}
	}
	if len(si) == 0 {
		return nil, errors.New("realnets: the model has no SI parameters")
	}
	c, h, w := m.InputShape()
	l := &Landscape{size: c * h * w, b: b, ranges: ranges}
	l.x0 = make([]float64, len(x0))
	for i, v := range x0 {
		l.x0[i] = float64(v)
	}
	l.norm = floats.Norm(l.x0, 2)
	u := make([]float64, len(x0))
	floats.ScaleTo(u, 1/l.norm, l.x0)
	d := len(x0)
	for _, r := range ranges {
		l.ops = append(l.ops, &siOperator{
			m: m, si: si, x: b.X[r[0]*l.size : r[1]*l.size], y: b.Y[r[0]:r[1]], n: r[1] - r[0],
			x0: x0, x64: l.x0, norm: l.norm, u: u, step: fdStep,
			gp: make([]float64, d), gm: make([]float64, d), w: make([]float64, d),
		})
	}
	l.g = make([]float64, d)
	return l, nil
}

// Dim returns the number of SI weights.
func (l *Landscape) Dim() int { return len(l.x0) }

// Batches returns the number of batches.
func (l *Landscape) Batches() int { return len(l.ops) }

// Point returns a copy of the SI vector x the landscape was made at.
func (l *Landscape) Point() []float64 { return append([]float64(nil), l.x0...) }

// Norm returns ||x||.
func (l *Landscape) Norm() float64 { return l.norm }

// Filters returns the lengths of the filters of the SI vector in order:
// one per output channel of a convolution, one per row of a linear layer
// (the first dimension of each SI tensor), for analysis.FilterNormalized.
func (l *Landscape) Filters() []int {
	var f []int
	for _, p := range l.ops[0].si {
		out := p.Shape[0]
		for range out {
			f = append(f, len(p.Data)/out)
		}
	}
	return f
}

// Apply sets dst to H v, H the Hessian of the mean batch loss at x.
func (l *Landscape) Apply(dst, v []float64) {
	clear(dst)
	tmp := l.g
	for _, o := range l.ops {
		o.Apply(tmp, v)
		floats.Add(dst, tmp)
	}
	floats.Scale(1/float64(len(l.ops)), dst)
}

// BatchHessian returns the Hessian of batch k's loss at x as an operator.
func (l *Landscape) BatchHessian(k int) analysis.SymOperator { return l.ops[k] }

// set writes the SI vector x into the parameters (nil: the original point).
func (l *Landscape) set(x []float64) {
	o := l.ops[0]
	k := 0
	for _, p := range o.si {
		for j := range p.Data {
			if x == nil {
				p.Data[j] = o.x0[k]
			} else {
				p.Data[j] = float32(x[k])
			}
			k++
		}
	}
}

// Loss returns the mean batch loss at the SI vector x (any radius: the
// loss is SI up to BatchNorm's eps), leaving the parameters at the
// landscape's point.
func (l *Landscape) Loss(x []float64) float64 {
	if len(x) != len(l.x0) {
		panic(fmt.Sprintf("realnets: Landscape.Loss at a point of length %d, want %d", len(x), len(l.x0)))
	}
	l.set(x)
	defer l.set(nil)
	var s float64
	for _, o := range l.ops {
		loss, _ := o.m.Forward(o.x, o.y, o.n, TrainEval, false)
		s += loss
	}
	return s / float64(len(l.ops))
}

// BatchGradient sets dst to the gradient of batch k's loss at x and
// returns that loss.
func (l *Landscape) BatchGradient(dst []float64, k int) float64 {
	l.set(nil)
	return l.ops[k].grad(dst, l.ops[k].y)
}

// Effective returns the effective tangent Hessian ||x||^2 (P H P - s P) on
// the tangent space at x, with s = <grad L, x>/||x||^2 (zero for an exactly
// SI loss; BatchNorm's eps makes it tiny but not zero), that is the
// Riemannian Hessian of the loss on the sphere rescaled to the unit sphere
// (SCIENCE.md section 10.1). It costs one gradient pass per batch.
func (l *Landscape) Effective() analysis.ScaledOperator {
	var dot float64
	for k := range l.ops {
		l.BatchGradient(l.g, k)
		dot += floats.Dot(l.g, l.x0)
	}
	shift := dot / float64(len(l.ops)) / (l.norm * l.norm)
	return analysis.ScaledOperator{A: analysis.NewTangentOperator(l, l.x0, shift), C: l.norm * l.norm}
}

// BatchSharpnessResult is the batch sharpness of Andreyev and Beneventano
// (arXiv 2412.20553) on the sphere: the curvature of the mini-batch loss
// along its own gradient, in effective units (times ||x||^2).
type BatchSharpnessResult struct {
	// Ratio is ||x||^2 sum_B g_B^T H_B g_B / sum_B ||g_B||^2: the step
	// x - eta g_B lowers the batch loss on average to second order iff
	// ELR < 2/Ratio (SCIENCE.md section 10.3).
	Ratio float64 `json:"ratio"`
	// Mean is the mean over batches of the Rayleigh quotients
	// ||x||^2 g_B^T H_B g_B / ||g_B||^2, with its standard error.
	Mean       float64 `json:"mean"`
	MeanStdErr float64 `json:"mean_stderr"`
	// Quotients are the per-batch Rayleigh quotients (effective).
	Quotients []float64 `json:"quotients"`
	// GradNorm2 is the mean of ||g_B||^2 ||x||^2 (effective).
	GradNorm2 float64 `json:"grad_norm2"`
}

// BatchSharpness returns the batch sharpness at x over the landscape's
// batches: 3 gradient passes per batch.
func (l *Landscape) BatchSharpness() BatchSharpnessResult {
	d := len(l.x0)
	g, hg := make([]float64, d), make([]float64, d)
	r2 := l.norm * l.norm
	var num, den float64
	res := BatchSharpnessResult{Quotients: make([]float64, len(l.ops))}
	for k, o := range l.ops {
		l.BatchGradient(g, k)
		o.Apply(hg, g)
		ghg, gg := floats.Dot(g, hg), floats.Dot(g, g)
		num += ghg
		den += gg
		res.Quotients[k] = r2 * ghg / gg
	}
	res.Ratio = r2 * num / den
	res.GradNorm2 = r2 * den / float64(len(l.ops))
	n := float64(len(res.Quotients))
	res.Mean = floats.Sum(res.Quotients) / n
	if n > 1 {
		var ss float64
		for _, q := range res.Quotients {
			ss += (q - res.Mean) * (q - res.Mean)
		}
		res.MeanStdErr = math.Sqrt(ss / (n - 1) / n)
	}
	return res
}

// EvalLoss returns the loss of the model on eval in Eval mode at SI vectors
// x, with the BatchNorm running statistics recomputed at every point on
// train (RecomputeBN in batches of batch), as the follow-up evaluates points
// off a trajectory: the function for slices of test-mode losses. It leaves
// the parameters and the running statistics as it found them. Each call
// costs one Train-mode pass over train and one Eval-mode pass over eval.
func (l *Landscape) EvalLoss(train, eval *data.Set, batch int) func(x []float64) float64 {
	m := l.ops[0].m
	ev := NewEvaluator(m)
	return func(x []float64) float64 {
		if len(x) != len(l.x0) {
			panic(fmt.Sprintf("realnets: Landscape.EvalLoss at a point of length %d, want %d", len(x), len(l.x0)))
		}
		bufs := m.Buffers()
		saved := make([][]float32, len(bufs))
		for i, b := range bufs {
			saved[i] = append([]float32(nil), b.Data...)
		}
		l.set(x)
		defer func() {
			l.set(nil)
			for i, b := range bufs {
				copy(b.Data, saved[i])
			}
		}()
		if err := RecomputeBN(m, train, batch); err != nil {
			return math.NaN()
		}
		loss, _ := ev.Loss(eval, Eval)
		return loss
	}
}
