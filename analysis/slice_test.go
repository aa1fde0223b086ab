package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// rayleigh is the SI function x^T A x / x^T x.
func rayleigh(a *mat.SymDense) func(x []float64) float64 {
	return func(x []float64) float64 {
		v := mat.NewVecDense(len(x), x)
		return mat.Inner(v, a, v) / floats.Dot(x, x)
	}
}

// TestSliceScaleInvariance: for an SI loss, rescaling the point (and so the
// filter-normalised directions drawn with the same seed, which scale with
// the filters' norms) leaves every slice unchanged: the points scale by c
// and an SI loss does not see c. 1e-12 is rounding.
func TestSliceScaleInvariance(t *testing.T) {
	const n = 30
	ev := make([]float64, n)
	for i := range ev {
		ev[i] = float64(i)
	}
	f := rayleigh(rotated(ev, 1))
	rng := rand.New(rand.NewPCG(2, 0))
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	filters := []int{10, 10, 5, 5}
	angles := Grid(-1, 1, 21)
	slices := func(c float64) (Slice, Slice) {
		xc := make([]float64, n)
		floats.ScaleTo(xc, c, x)
		r := rand.New(rand.NewPCG(3, 0))
		d1, d2 := make([]float64, n), make([]float64, n)
		FilterNormalized(d1, xc, filters, r)
		FilterNormalized(d2, xc, filters, r)
		s1, err := Slice1D(f, xc, d1, angles)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := Slice2D(f, xc, d1, d2, angles, []float64{-0.2, -0.1, 0, 0.1, 0.2})
		if err != nil {
			t.Fatal(err)
		}
		return s1, s2
	}
	a1, a2 := slices(1)
	for _, c := range []float64{1e-3, 7, 1e4} {
		b1, b2 := slices(c)
		for j := range angles {
			if math.Abs(a1.Loss[0][j]-b1.Loss[0][j]) > 1e-12 {
				t.Errorf("c=%v: 1-D slice at %v: %v against %v", c, angles[j], b1.Loss[0][j], a1.Loss[0][j])
			}
			for i := range a2.B {
				if math.Abs(a2.Loss[i][j]-b2.Loss[i][j]) > 1e-12 {
					t.Errorf("c=%v: 2-D slice at (%v, %v)", c, a2.A[j], a2.B[i])
				}
			}
		}
	}
	// The 2-D slice's b = 0 row is the 1-D slice.
	for j := range angles {
		if math.Abs(a2.Loss[2][j]-a1.Loss[0][j]) > 1e-15 {
			t.Errorf("2-D row b=0 differs from the 1-D slice")
		}
	}
}

// TestSliceGeometry: every point of a slice lies on the sphere of radius
// ||x|| at the angle hypot(a, b) from x, and on a great circle of the 2-D
// slice the angle between points (a, 0) and (0, b) is the spherical law of
// cosines' arccos(cos a cos b) (the axes are orthogonal geodesics).
func TestSliceGeometry(t *testing.T) {
	const n = 12
	rng := rand.New(rand.NewPCG(5, 0))
	x, d1, d2 := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range x {
		x[i], d1[i], d2[i] = 2*rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
	}
	nx := floats.Norm(x, 2)
	var pts [][]float64
	rec := func(p []float64) float64 {
		pts = append(pts, append([]float64(nil), p...))
		return 0
	}
	a := []float64{-2, -0.5, 0, 0.3, 3}
	s, err := Slice2D(rec, x, d1, d2, a, a)
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	angle := func(p, q []float64) float64 {
		return math.Acos(max(-1, min(1, floats.Dot(p, q)/(floats.Norm(p, 2)*floats.Norm(q, 2)))))
	}
	for _, b := range s.B {
		for _, aj := range s.A {
			p := pts[k]
			k++
			if math.Abs(floats.Norm(p, 2)-nx) > 1e-12*nx {
				t.Errorf("(%v, %v): radius %v, want %v", aj, b, floats.Norm(p, 2), nx)
			}
			r := math.Hypot(aj, b)
			want := r - 2*math.Pi*math.Floor(r/(2*math.Pi))
			want = min(want, 2*math.Pi-want) // arc length folded to [0, pi]
			if math.Abs(angle(p, x)-want) > 1e-7 {
				t.Errorf("(%v, %v): angle from x %v, want %v", aj, b, angle(p, x), want)
			}
		}
	}
	// (0.3, 0) is row 2 column 3, (0, -0.5) row 1 column 2.
	pa, pb := pts[2*5+3], pts[1*5+2]
	if got, want := angle(pa, pb), math.Acos(math.Cos(0.3)*math.Cos(-0.5)); math.Abs(got-want) > 1e-12 {
		t.Errorf("angle between the axes' points %v, want %v", got, want)
	}
	// Great circle: endpoints and constant speed.
	y := make([]float64, n)
	for i := range y {
		y[i] = 5 * rng.NormFloat64()
	}
	pts = nil
	_, w, err := GreatCircle(rec, x, y, []float64{0, 0.25, 1})
	if err != nil {
		t.Fatal(err)
	}
	if angle(pts[0], x) > 1e-7 || angle(pts[2], y) > 1e-7 || math.Abs(floats.Norm(pts[2], 2)-nx) > 1e-12*nx {
		t.Errorf("great circle does not join x and y on the sphere of radius ||x||")
	}
	if math.Abs(angle(pts[0], pts[1])-w/4) > 1e-12 || math.Abs(w-angle(x, y)) > 1e-12 {
		t.Errorf("great circle speed: %v, want %v", angle(pts[0], pts[1]), w/4)
	}
	if err := TangentUnit(d1, x, x); err == nil {
		t.Error("a direction parallel to x was accepted")
	}
}

// ExampleSlice1D slices the SI function (x_1^2 + 3 x_2^2)/||x||^2 through
// its minimum e_1 towards e_2: along the great circle it is
// cos^2 a + 3 sin^2 a = 1 + 2 sin^2 a.
func ExampleSlice1D() {
	f := func(x []float64) float64 { return (x[0]*x[0] + 3*x[1]*x[1]) / floats.Dot(x, x) }
	s, _ := Slice1D(f, []float64{1, 0}, []float64{0, 1}, []float64{0, math.Pi / 4, math.Pi / 2})
	for j, a := range s.A {
		fmt.Printf("angle %.4f loss %.4f\n", a, s.Loss[0][j])
	}
	// Output:
	// angle 0.0000 loss 1.0000
	// angle 0.7854 loss 2.0000
	// angle 1.5708 loss 3.0000
}

// TestSphereExp checks the great circle of SphereExp: at angle a the point
// keeps the norm of x and makes the angle a with x (cos a = <x,dst>/|x|^2),
// and a = 0 returns x.
func TestSphereExp(t *testing.T) {
	x := []float64{3, 0, 4}  // ||x|| = 5
	tv := []float64{0, 5, 0} // orthogonal to x, of norm ||x||
	dst := make([]float64, 3)
	for _, a := range []float64{0, 0.3, math.Pi / 2, 2.5} {
		SphereExp(dst, x, tv, a)
		if n := floats.Norm(dst, 2); math.Abs(n-5) > 1e-12 {
			t.Errorf("a = %v: norm %v, want 5", a, n)
		}
		if c := floats.Dot(x, dst) / 25; math.Abs(c-math.Cos(a)) > 1e-12 {
			t.Errorf("a = %v: cos of the angle to x %v, want %v", a, c, math.Cos(a))
		}
	}
	SphereExp(dst, x, tv, 0)
	if !floats.EqualApprox(dst, x, 1e-15) {
		t.Errorf("a = 0: %v, want x = %v", dst, x)
	}
}
