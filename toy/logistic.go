package toy

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mat"
)

// DefaultAlpha is the default frozen output scale of the logistic toy: the
// paper freezes the last layer at norm 10.
const DefaultAlpha = 10

// Logistic is the scale-invariant linear classifier of SCIENCE.md
// section 6.4:
//
//	f_i(x) = log(1 + exp(-alpha y_i <a_i,x>/||x||)),   y_i in {-1, +1},
//
// with alpha the frozen output scale. A Logistic is read-only after
// construction and safe for concurrent use.
type Logistic struct {
	a      *mat.Dense
	n, d   int
	rows   []float64
	y      []float64
	alpha  float64
	random float64
}

var _ Problem = (*Logistic)(nil)

// NewLogistic returns the logistic toy on the rows of a with labels y
// (each -1 or +1) and output scale alpha (0 means DefaultAlpha). It returns
// an error for empty or non-finite data, data whose largest absolute entry
// lies outside [MinDataScale, MaxDataScale], a label count that differs from the
// row count, a label other than -1 or +1, or a negative alpha.
func NewLogistic(a *mat.Dense, y []float64, alpha float64) (*Logistic, error) {
	if a == nil || a.IsEmpty() {
		return nil, errors.New("logistic: empty data matrix")
	}
	n, d := a.Dims()
	if d < 2 {
		return nil, fmt.Errorf("logistic: need dimension d >= 2, have %d", d)
	}
	if len(y) != n {
		return nil, fmt.Errorf("logistic: have %d labels for %d samples", len(y), n)
	}
	if alpha == 0 {
		alpha = DefaultAlpha
	}
	if !(alpha > 0) || math.IsInf(alpha, 0) {
		return nil, fmt.Errorf("logistic: alpha must be positive and finite, have %v", alpha)
	}
	p := &Logistic{a: mat.DenseCopyOf(a), n: n, d: d, rows: make([]float64, n*d), y: append([]float64(nil), y...), alpha: alpha}
	var level float64
	for i := range n {
		if y[i] != 1 && y[i] != -1 {
			return nil, fmt.Errorf("logistic: label %v of sample %d is not -1 or +1", y[i], i+1)
		}
		row := p.rows[i*d : (i+1)*d]
		mat.Row(row, i, a)
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("logistic: non-finite value %v at row %d, column %d", v, i+1, j+1)
			}
		}
	}
	if err := checkScale("logistic", p.rows, d); err != nil {
		return nil, err
	}
	for i := range n {
		row := p.rows[i*d : (i+1)*d]
		level += softplusSphereMean(alpha*math.Sqrt(floats.Dot(row, row)), d)
	}
	p.random = level / float64(n)
	return p, nil
}

// Name returns "logistic".
func (p *Logistic) Name() string { return "logistic" }

// Dim returns d.
func (p *Logistic) Dim() int { return p.d }

// Len returns n.
func (p *Logistic) Len() int { return p.n }

// A returns the data matrix. The caller must not modify it.
func (p *Logistic) A() *mat.Dense { return p.a }

// Labels returns the labels. The caller must not modify them.
func (p *Logistic) Labels() []float64 { return p.y }

// Alpha returns the output scale alpha.
func (p *Logistic) Alpha() float64 { return p.alpha }

// RandomLevel returns the uniform-sphere average of F, computed once by
// quadrature (see softplusSphereMean).
func (p *Logistic) RandomLevel() float64 { return p.random }

// Error returns the fraction of samples misclassified by sign(<a_i,x>).
func (p *Logistic) Error(x []float64) float64 {
	var wrong int
	for i := range p.n {
		if p.y[i]*floats.Dot(p.row(i), x) <= 0 {
			wrong++
		}
	}
	return float64(wrong) / float64(p.n)
}

func (p *Logistic) row(i int) []float64 { return p.rows[i*p.d : (i+1)*p.d : (i+1)*p.d] }

// softplus returns log(1+exp(z)) without overflow or loss of precision.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// sigmoid returns 1/(1+exp(-z)); exp overflows harmlessly to +Inf.
func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// softplusSphereMean returns E[log(1+exp(kappa t))] for t = <e,u>, u uniform
// on the unit sphere of R^d. The density of t is proportional to
// (1-t^2)^((d-3)/2); with t = cos theta it becomes sin^(d-2) theta on
// [0, pi], which is smooth for every d >= 2, so a 1000-point Gauss-Legendre
// rule (gonum integrate/quad) is accurate to rounding for kappa up to
// several hundred. The normalising integral uses the same rule.
func softplusSphereMean(kappa float64, d int) float64 {
	const nodes = 1000
	w := func(th float64) float64 { return math.Pow(math.Sin(th), float64(d-2)) }
	num := quad.Fixed(func(th float64) float64 { return softplus(kappa*math.Cos(th)) * w(th) }, 0, math.Pi, nodes, quad.Legendre{}, 0)
	den := quad.Fixed(w, 0, math.Pi, nodes, quad.Legendre{}, 0)
	return num / den
}

func (p *Logistic) check(x []float64) {
	if len(x) != p.d {
		panic("toy: x length does not match the dimension")
	}
}

// Loss returns f_B(x), or F(x) when b is nil.
func (p *Logistic) Loss(x []float64, b *Batch) float64 {
	p.check(x)
	m := batchLen(b, p.n)
	r := math.Sqrt(floats.Dot(x, x))
	var s float64
	for k := range m {
		i := sample(b, k)
		s += softplus(-p.alpha * p.y[i] * floats.Dot(p.row(i), x) / r)
	}
	return s / float64(m)
}

// Grad stores grad f_B(x) in dst. For one sample, with t = <a,x>/r,
// k = alpha y and phi(s) = log(1+exp(-s)),
//
//	grad f = phi'(k t) k (a/r - t x/r^2),   phi'(s) = -sigmoid(-s).
func (p *Logistic) Grad(dst, x []float64, b *Batch) {
	p.check(x)
	if len(dst) != p.d {
		panic("toy: dst length does not match the dimension")
	}
	m := batchLen(b, p.n)
	r2 := floats.Dot(x, x)
	r := math.Sqrt(r2)
	clear(dst)
	var cx float64
	for k := range m {
		i := sample(b, k)
		a := p.row(i)
		kk := p.alpha * p.y[i]
		t := floats.Dot(a, x) / r
		d1 := -sigmoid(-kk*t) * kk
		floats.AddScaled(dst, d1/r, a)
		cx -= d1 * t / r2
	}
	inv := 1 / float64(m)
	for j := range dst {
		dst[j] = inv * (dst[j] + cx*x[j])
	}
}

// HessVec stores Hess f_B(x) v in dst. For one sample, with the notation of
// Grad, grad t = a/r - t x/r^2 and
//
//	Hess t v = -(a<x,v> + x<a,v>)/r^3 - t v/r^2 + 3 t x<x,v>/r^4,
//	Hess f v = phi''(kt) k^2 grad t <grad t, v> + phi'(kt) k Hess t v,
//
// with phi”(s) = sigmoid(s) sigmoid(-s).
func (p *Logistic) HessVec(dst, x, v []float64, b *Batch) {
	p.check(x)
	if len(dst) != p.d || len(v) != p.d {
		panic("toy: vector length does not match the dimension")
	}
	m := batchLen(b, p.n)
	r2 := floats.Dot(x, x)
	r := math.Sqrt(r2)
	r3 := r2 * r
	xv := floats.Dot(x, v)
	clear(dst)
	var cx, cv float64
	for k := range m {
		i := sample(b, k)
		a := p.row(i)
		kk := p.alpha * p.y[i]
		t := floats.Dot(a, x) / r
		av := floats.Dot(a, v)
		s := kk * t
		d1 := -sigmoid(-s) * kk                  // phi' k
		d2 := sigmoid(s) * sigmoid(-s) * kk * kk // phi'' k^2
		gtv := av/r - t*xv/r2                    // <grad t, v>
		floats.AddScaled(dst, d2*gtv/r-d1*xv/r3, a)
		cx += -d2*gtv*t/r2 + d1*(-av/r3+3*t*xv/(r2*r2))
		cv += -d1 * t / r2
	}
	inv := 1 / float64(m)
	for j := range dst {
		dst[j] = inv * (dst[j] + cx*x[j] + cv*v[j])
	}
}
