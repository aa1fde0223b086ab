package analysis

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"gonum.org/v1/gonum/floats"
)

// This file holds loss slices on the sphere (SCIENCE.md section 10.2): the
// loss along great circles through a point x of the sphere of radius ||x||,
// in geodesic coordinates (angles in radians), rather than along the
// straight lines x + a d of Li et al. 2018, which leave the sphere.

// TangentUnit sets dst to the component of d orthogonal to x, rescaled to
// norm ||x||: the direction of a great circle through x, in the units of
// SphereExp. It returns an error when d is (numerically) parallel to x.
func TangentUnit(dst, x, d []float64) error {
	if len(dst) != len(x) || len(d) != len(x) {
		panic("analysis: TangentUnit slice lengths do not match")
	}
	nx := floats.Norm(x, 2)
	if nx == 0 {
		panic("analysis: tangent space at the zero vector")
	}
	nd := floats.Norm(d, 2)
	c := floats.Dot(x, d) / (nx * nx)
	floats.AddScaledTo(dst, d, -c, x)
	nt := floats.Norm(dst, 2)
	if !(nt > 1e-12*nd) {
		return fmt.Errorf("analysis: slice direction is parallel to the point (tangent part %.3g of %.3g)", nt, nd)
	}
	floats.Scale(nx/nt, dst)
	return nil
}

// SphereExp sets dst to the point of the sphere of radius ||x|| reached
// from x along the great circle with direction t (orthogonal to x, of norm
// ||x||, as TangentUnit returns) at the angle a radians:
// dst = cos(a) x + sin(a) t. dst may alias neither x nor t.
func SphereExp(dst, x, t []float64, a float64) {
	if len(dst) != len(x) || len(t) != len(x) {
		panic("analysis: SphereExp slice lengths do not match")
	}
	exp2(dst, x, t, nil, a, 0)
}

// FilterNormalized sets dst to a random direction normalised per filter as
// in Li et al. 2018 ("Visualizing the Loss Landscape of Neural Nets",
// section 4): entries of a standard normal vector, each consecutive segment
// (filter) of the lengths in filters rescaled to the norm of the same
// segment of x (zero where x's segment is zero). The segments must cover x
// exactly. The direction is not yet tangent: pass it to TangentUnit.
func FilterNormalized(dst, x []float64, filters []int, rng *rand.Rand) {
	if len(dst) != len(x) {
		panic("analysis: FilterNormalized slice lengths do not match")
	}
	for i := range dst {
		dst[i] = rng.NormFloat64()
	}
	off := 0
	for _, n := range filters {
		if n < 1 || off+n > len(x) {
			panic(fmt.Sprintf("analysis: filter segments %v do not cover %d entries", filters, len(x)))
		}
		seg := dst[off : off+n]
		nd, nx := floats.Norm(seg, 2), floats.Norm(x[off:off+n], 2)
		if nd == 0 {
			clear(seg)
		} else {
			floats.Scale(nx/nd, seg)
		}
		off += n
	}
	if off != len(x) {
		panic(fmt.Sprintf("analysis: filter segments %v cover %d of %d entries", filters, off, len(x)))
	}
}

// A Slice is a loss surface on the sphere sampled on a grid of angles: a
// 1-D slice has one row (len(B) == 1, B[0] == 0), a 2-D slice one row per
// entry of B.
type Slice struct {
	// A and B are the angles (radians) of the grid along the first and
	// second direction; Loss[i][j] is the loss at (A[j], B[i]).
	A, B []float64
	Loss [][]float64
}

// Slice1D returns the loss f along the great circle through x with
// direction d (any vector not parallel to x; only its tangent part counts),
// at the angles a: f(cos(a) x + sin(a) t) with t = TangentUnit(x, d).
func Slice1D(f func(x []float64) float64, x, d []float64, a []float64) (Slice, error) {
	t := make([]float64, len(x))
	if err := TangentUnit(t, x, d); err != nil {
		return Slice{}, err
	}
	s := Slice{A: append([]float64(nil), a...), B: []float64{0}, Loss: [][]float64{make([]float64, len(a))}}
	p := make([]float64, len(x))
	for j, aj := range a {
		exp2(p, x, t, nil, aj, 0)
		s.Loss[0][j] = f(p)
	}
	return s, nil
}

// Slice2D returns the loss f on the geodesic normal coordinates of the
// sphere at x spanned by d1 and d2: with t1 = TangentUnit(x, d1) and t2 the
// tangent unit of d2 after removing its t1 component (Gram-Schmidt), the
// point at (a, b) is the exponential map
//
//	Exp_x(a t1 + b t2) = cos(r) x + sin(r) (a t1 + b t2)/r,   r = sqrt(a^2 + b^2),
//
// so both axes and every ray from the centre are great circles, and r is
// the angle from x. It returns an error when the tangent parts of d1 and d2
// are parallel.
func Slice2D(f func(x []float64) float64, x, d1, d2 []float64, a, b []float64) (Slice, error) {
	t1, t2 := make([]float64, len(x)), make([]float64, len(x))
	if err := TangentUnit(t1, x, d1); err != nil {
		return Slice{}, err
	}
	if err := TangentUnit(t2, x, d2); err != nil {
		return Slice{}, err
	}
	nx2 := floats.Dot(x, x)
	floats.AddScaled(t2, -floats.Dot(t1, t2)/nx2, t1)
	n2 := floats.Norm(t2, 2)
	if !(n2 > 1e-9*math.Sqrt(nx2)) {
		return Slice{}, fmt.Errorf("analysis: the two slice directions are parallel on the tangent space")
	}
	floats.Scale(math.Sqrt(nx2)/n2, t2)
	s := Slice{A: append([]float64(nil), a...), B: append([]float64(nil), b...), Loss: make([][]float64, len(b))}
	p := make([]float64, len(x))
	for i, bi := range b {
		s.Loss[i] = make([]float64, len(a))
		for j, aj := range a {
			exp2(p, x, t1, t2, aj, bi)
			s.Loss[i][j] = f(p)
		}
	}
	return s, nil
}

// exp2 sets dst to cos(r) x + sin(r) (a t1 + b t2)/r, r = hypot(a, b), for
// t1, t2 orthogonal to x and to each other with norm ||x|| (t2 may be nil
// when b = 0).
func exp2(dst, x, t1, t2 []float64, a, b float64) {
	r := math.Hypot(a, b)
	if r == 0 {
		copy(dst, x)
		return
	}
	c, s := math.Cos(r), math.Sin(r)/r
	for i := range dst {
		dst[i] = c*x[i] + s*a*t1[i]
	}
	if b != 0 {
		floats.AddScaled(dst, s*b, t2)
	}
}

// GreatCircle returns the loss f along the great circle through x0 and x1
// (both rescaled to the radius ||x0||; a loss that is SI does not see the
// radius): at the fractions t, the point
//
//	||x0|| (sin((1-t) W) u0 + sin(t W) u1) / sin(W),   W = angle(x0, x1),
//
// which is u0 at t = 0 and u1 at t = 1 (spherical linear interpolation;
// t outside [0, 1] continues the circle). The angle from x0 is t W; A holds
// it. It returns an error when x0 and x1 are parallel or opposite.
func GreatCircle(f func(x []float64) float64, x0, x1 []float64, t []float64) (Slice, float64, error) {
	if len(x1) != len(x0) {
		panic("analysis: GreatCircle slice lengths do not match")
	}
	n0, n1 := floats.Norm(x0, 2), floats.Norm(x1, 2)
	c := floats.Dot(x0, x1) / (n0 * n1)
	w := math.Acos(max(-1, min(1, c)))
	if !(math.Sin(w) > 1e-12) {
		return Slice{}, 0, fmt.Errorf("analysis: the two points are (anti)parallel: no unique great circle")
	}
	s := Slice{A: make([]float64, len(t)), B: []float64{0}, Loss: [][]float64{make([]float64, len(t))}}
	p := make([]float64, len(x0))
	for j, tj := range t {
		c0 := math.Sin((1-tj)*w) / math.Sin(w)
		c1 := math.Sin(tj*w) / math.Sin(w) * n0 / n1
		for i := range p {
			p[i] = c0*x0[i] + c1*x1[i]
		}
		s.A[j] = tj * w
		s.Loss[0][j] = f(p)
	}
	return s, w, nil
}

// WriteCSV writes the slice as "a,b,loss" rows (b = 0 for a 1-D slice).
func (s Slice) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"a", "b", "loss"})
	for i, b := range s.B {
		for j, a := range s.A {
			cw.Write([]string{fmtF(a), fmtF(b), strconv.FormatFloat(s.Loss[i][j], 'g', -1, 64)})
		}
	}
	cw.Flush()
	return cw.Error()
}
