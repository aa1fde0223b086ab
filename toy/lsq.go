package toy

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// LSQ is the scale-invariant least-squares toy of SCIENCE.md section
// 6.1: with data rows a_1..a_n in R^d (n < d),
//
//	f_i(x) = 0.5 <a_i,x>^2 / ||x||^2,   F = mean_i f_i.
//
// Its minima form the great sub-sphere {u : A u = 0}, where every per-sample
// gradient vanishes (interpolation). An LSQ is read-only after construction
// and safe for concurrent use.
type LSQ struct {
	a      *mat.Dense
	n, d   int
	rows   []float64 // row-major copy of a, stride d
	lambda []float64 // lambda_i = ||a_i||^2
}

var _ Problem = (*LSQ)(nil)

// NewLSQ returns the lsq toy on the rows of a. It returns an error if a is
// empty, holds a NaN or an infinity, has a largest absolute entry outside
// [MinDataScale, MaxDataScale], or has n >= d rows (the toy needs n < d so
// that the minimum set is not empty).
func NewLSQ(a *mat.Dense) (*LSQ, error) {
	if a == nil || a.IsEmpty() {
		return nil, errors.New("lsq: empty data matrix")
	}
	n, d := a.Dims()
	if n >= d {
		return nil, fmt.Errorf("lsq: need fewer samples than dimensions, have n=%d >= d=%d", n, d)
	}
	p := &LSQ{a: mat.DenseCopyOf(a), n: n, d: d, rows: make([]float64, n*d), lambda: make([]float64, n)}
	for i := range n {
		row := p.rows[i*d : (i+1)*d]
		mat.Row(row, i, a)
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("lsq: non-finite value %v at row %d, column %d", v, i+1, j+1)
			}
		}
		p.lambda[i] = floats.Dot(row, row)
	}
	if err := checkScale("lsq", p.rows, d); err != nil {
		return nil, err
	}
	return p, nil
}

// Name returns "lsq".
func (p *LSQ) Name() string { return "lsq" }

// Dim returns d.
func (p *LSQ) Dim() int { return p.d }

// Len returns n.
func (p *LSQ) Len() int { return p.n }

// A returns the data matrix, one sample per row. The caller must not modify it.
func (p *LSQ) A() *mat.Dense { return p.a }

// Row returns a_i. The caller must not modify it.
func (p *LSQ) Row(i int) []float64 { return p.rows[i*p.d : (i+1)*p.d : (i+1)*p.d] }

// Lambda returns lambda_i = ||a_i||^2.
func (p *LSQ) Lambda(i int) float64 { return p.lambda[i] }

// RandomLevel returns tr(H)/(2d) = mean_i lambda_i / (2d), the uniform-sphere
// average of F (SCIENCE.md section 6.1): E[<a,u>^2] = ||a||^2/d.
func (p *LSQ) RandomLevel() float64 {
	return floats.Sum(p.lambda) / float64(p.n) / (2 * float64(p.d))
}

// batchLen returns the number of terms of b and panics on an empty batch.
func batchLen(b *Batch, n int) int {
	if b == nil {
		return n
	}
	if len(b.Index) == 0 {
		panic("toy: empty batch")
	}
	return len(b.Index)
}

// sample returns the index of the k-th term of b (b nil: the k-th sample).
func sample(b *Batch, k int) int {
	if b == nil {
		return k
	}
	return b.Index[k]
}

// Loss returns f_B(x) = mean_{i in B} 0.5 <a_i,x>^2/||x||^2, or F(x) when b is nil.
func (p *LSQ) Loss(x []float64, b *Batch) float64 {
	p.check(x)
	m := batchLen(b, p.n)
	var s float64
	for k := range m {
		c := floats.Dot(p.Row(sample(b, k)), x)
		s += c * c
	}
	return 0.5 * s / (float64(m) * floats.Dot(x, x))
}

// Grad stores grad f_B(x) = mean_i [c_i a_i/||x||^2 - c_i^2 x/||x||^4], c_i = <a_i,x>, in dst.
func (p *LSQ) Grad(dst, x []float64, b *Batch) {
	p.check(x)
	if len(dst) != p.d {
		panic("toy: dst length does not match the dimension")
	}
	m := batchLen(b, p.n)
	r2 := floats.Dot(x, x)
	clear(dst)
	var s2 float64
	for k := range m {
		a := p.Row(sample(b, k))
		c := floats.Dot(a, x)
		floats.AddScaled(dst, c, a)
		s2 += c * c
	}
	inv := 1 / (float64(m) * r2)
	for j := range dst {
		dst[j] = inv * (dst[j] - s2/r2*x[j])
	}
}

// HessVec stores Hess f_B(x) v in dst. For one sample, with c = <a,x>,
// r2 = ||x||^2 and the derivative of the gradient formula of Grad,
//
//	Hess f v = a<a,v>/r2 - 2c(a<x,v> + x<a,v>)/r2^2 - c^2 v/r2^2 + 4c^2 x<x,v>/r2^3.
func (p *LSQ) HessVec(dst, x, v []float64, b *Batch) {
	p.check(x)
	if len(dst) != p.d || len(v) != p.d {
		panic("toy: vector length does not match the dimension")
	}
	m := batchLen(b, p.n)
	r2 := floats.Dot(x, x)
	xv := floats.Dot(x, v)
	clear(dst)
	var cx, cv float64 // coefficients of x and v
	for k := range m {
		a := p.Row(sample(b, k))
		c := floats.Dot(a, x)
		av := floats.Dot(a, v)
		floats.AddScaled(dst, av/r2-2*c*xv/(r2*r2), a)
		cx += -2*c*av/(r2*r2) + 4*c*c*xv/(r2*r2*r2)
		cv += -c * c / (r2 * r2)
	}
	inv := 1 / float64(m)
	for j := range dst {
		dst[j] = inv * (dst[j] + cx*x[j] + cv*v[j])
	}
}

func (p *LSQ) check(x []float64) {
	if len(x) != p.d {
		panic("toy: x length does not match the dimension")
	}
}
