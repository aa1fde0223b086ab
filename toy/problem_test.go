package toy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// testProblems returns one small instance of every toy, built from fixed
// seeds, with a batch to test beside the full problem.
func testProblems(t *testing.T) []struct {
	p Problem
	b *Batch
} {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	a := mat.NewDense(3, 6, nil)
	for i := range 3 {
		for j := range 6 {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	lsq, err := NewLSQ(a)
	if err != nil {
		t.Fatal(err)
	}
	circle, err := NewCircle(1.7)
	if err != nil {
		t.Fatal(err)
	}
	vmf, err := NewVMF([]float64{0.5, -1, 0.25, 2, 0}, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	vb := &Batch{}
	vmf.DrawNoise(vb, 3, rng)
	la := mat.NewDense(7, 4, nil)
	y := make([]float64, 7)
	for i := range 7 {
		for j := range 4 {
			la.Set(i, j, 0.3*rng.NormFloat64())
		}
		y[i] = float64(2*(i%2) - 1)
	}
	logistic, err := NewLogistic(la, y, 3) // alpha 3 keeps the sigmoid away from saturation for finite differences
	if err != nil {
		t.Fatal(err)
	}
	return []struct {
		p Problem
		b *Batch
	}{
		{lsq, nil}, {lsq, &Batch{Index: []int{2, 0, 2}}},
		{circle, nil}, {circle, &Batch{Index: []int{0}}},
		{vmf, nil}, {vmf, vb},
		{logistic, nil}, {logistic, &Batch{Index: []int{6, 1, 1, 3}}},
	}
}

func batchName(b *Batch) string {
	if b == nil {
		return "full"
	}
	return "batch"
}

func randVec(rng *rand.Rand, d int, scale float64) []float64 {
	x := make([]float64, d)
	for j := range x {
		x[j] = scale * rng.NormFloat64()
	}
	return x
}

// TestScaleInvariance checks the identities of SCIENCE.md section 1
// for every toy, at points far from the unit sphere.
func TestScaleInvariance(t *testing.T) {
	const tol = 1e-12 // relative; every identity is exact up to rounding
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range testProblems(t) {
		p, b := tc.p, tc.b
		t.Run(p.Name()+"/"+batchName(b), func(t *testing.T) {
			d := p.Dim()
			for range 5 {
				x := randVec(rng, d, 2.5)
				v := randVec(rng, d, 1)
				g, gs := make([]float64, d), make([]float64, d)
				hv, hvs := make([]float64, d), make([]float64, d)
				p.Grad(g, x, b)
				p.HessVec(hv, x, v, b)
				gn := floats.Norm(g, 2)
				for _, s := range []float64{0.3, 7} {
					xs := make([]float64, d)
					floats.ScaleTo(xs, s, x)
					if f0, f1 := p.Loss(x, b), p.Loss(xs, b); !scalar.EqualWithinAbsOrRel(f0, f1, tol, tol) {
						t.Errorf("F(%g x) = %v, F(x) = %v", s, f1, f0)
					}
					p.Grad(gs, xs, b)
					floats.Scale(s, gs)
					if !floats.EqualApprox(gs, g, tol*gn) {
						t.Errorf("%g grad F(%g x) = %v, grad F(x) = %v", s, s, gs, g)
					}
					p.HessVec(hvs, xs, v, b)
					floats.Scale(s*s, hvs)
					if !floats.EqualApprox(hvs, hv, tol*(floats.Norm(hv, 2)+1)) {
						t.Errorf("%g^2 Hess F(%g x) v = %v, Hess F(x) v = %v", s, s, hvs, hv)
					}
				}
				if e := floats.Dot(g, x); math.Abs(e) > tol*gn*floats.Norm(x, 2) {
					t.Errorf("Euler: <grad F(x), x> = %v", e)
				}
				p.HessVec(hvs, x, x, b)
				floats.Add(hvs, g)
				if !floats.EqualApprox(hvs, make([]float64, d), tol*(gn+1)) {
					t.Errorf("Hess F(x) x + grad F(x) = %v, want 0", hvs)
				}
				// Gradient descent never shrinks the norm:
				// ||x - eta g||^2 = ||x||^2 + eta^2 ||g||^2.
				const eta = 0.37
				step := make([]float64, d)
				floats.AddScaledTo(step, x, -eta, g)
				lhs, rhs := floats.Dot(step, step), floats.Dot(x, x)+eta*eta*gn*gn
				if !scalar.EqualWithinAbsOrRel(lhs, rhs, tol, tol) {
					t.Errorf("||x - eta g||^2 = %v, want %v", lhs, rhs)
				}
			}
		})
	}
}

// TestDerivatives checks Grad and HessVec against central finite differences
// (gonum diff/fd) of Loss and Grad, at non-unit points.
func TestDerivatives(t *testing.T) {
	const tol = 1e-6 // central differences with step 1e-5 are accurate to about 1e-9 relative here
	rng := rand.New(rand.NewPCG(5, 6))
	settings := &fd.Settings{Formula: fd.Central, Step: 1e-5}
	for _, tc := range testProblems(t) {
		p, b := tc.p, tc.b
		t.Run(p.Name()+"/"+batchName(b), func(t *testing.T) {
			d := p.Dim()
			for range 3 {
				x := randVec(rng, d, 1.3)
				v := randVec(rng, d, 1)
				g := make([]float64, d)
				p.Grad(g, x, b)
				want := fd.Gradient(nil, func(y []float64) float64 { return p.Loss(y, b) }, x, settings)
				if !floats.EqualApprox(g, want, tol*(floats.Norm(want, 2)+1)) {
					t.Errorf("Grad = %v, finite differences %v", g, want)
				}
				jac := mat.NewDense(d, d, nil)
				fd.Jacobian(jac, func(dst, y []float64) { p.Grad(dst, y, b) }, x, &fd.JacobianSettings{Formula: fd.Central, Step: 1e-5})
				hv := make([]float64, d)
				p.HessVec(hv, x, v, b)
				wantHV := mat.NewVecDense(d, nil)
				wantHV.MulVec(jac, mat.NewVecDense(d, v))
				if !floats.EqualApprox(hv, wantHV.RawVector().Data, tol*(mat.Norm(wantHV, 2)+1)) {
					t.Errorf("HessVec = %v, finite differences %v", hv, wantHV.RawVector().Data)
				}
			}
		})
	}
}

// TestRandomLevel compares RandomLevel with a Monte Carlo average of F over
// uniform points on the sphere.
func TestRandomLevel(t *testing.T) {
	const samples = 40000
	rng := rand.New(rand.NewPCG(7, 8))
	probs := testProblems(t)
	for k := 0; k < len(probs); k += 2 {
		p := probs[k].p
		t.Run(p.Name(), func(t *testing.T) {
			x := make([]float64, p.Dim())
			var s, s2 float64
			for range samples {
				for j := range x {
					x[j] = rng.NormFloat64()
				}
				f := p.Loss(x, nil)
				s += f
				s2 += f * f
			}
			mean := s / samples
			se := math.Sqrt((s2/samples - mean*mean) / samples)
			// Five standard errors: a false alarm has probability below 1e-6.
			if got := p.RandomLevel(); math.Abs(got-mean) > 5*se+1e-12 {
				t.Errorf("RandomLevel = %v, Monte Carlo %v ± %v", got, mean, se)
			}
		})
	}
}

// TestSoftplusSphereMean checks the quadrature against closed forms: for
// d = 3 the projection t is uniform on [-1, 1] (Archimedes), so the mean is
// (1/(2 kappa)) int_{-kappa}^{kappa} softplus, and for kappa = 0 it is log 2.
func TestSoftplusSphereMean(t *testing.T) {
	// int softplus(z) dz = -Li2(-e^z); softplus(z) - softplus(-z) = z, so
	// the symmetric integral equals kappa^2/2 + 2 int_0^kappa softplus(-z) dz
	// = kappa^2/2 + 2 (pi^2/12 + Li2(-e^-kappa)) with Li2(-q) = sum (-q)^k/k^2.
	li2neg := func(q float64) float64 {
		var s float64
		p := 1.0
		for k := 1; k < 200; k++ {
			p *= -q
			s += p / float64(k*k)
		}
		return s
	}
	for _, kappa := range []float64{0.5, 3, 10, 40} {
		want := (kappa*kappa/2 + 2*(math.Pi*math.Pi/12+li2neg(math.Exp(-kappa)))) / (2 * kappa)
		if got := softplusSphereMean(kappa, 3); !scalar.EqualWithinAbsOrRel(got, want, 1e-12, 1e-12) {
			t.Errorf("kappa=%v, d=3: %v, want %v", kappa, got, want)
		}
	}
	for _, d := range []int{2, 5, 24, 1000} {
		if got := softplusSphereMean(0, d); !scalar.EqualWithinAbsOrRel(got, math.Ln2, 1e-12, 1e-12) {
			t.Errorf("kappa=0, d=%d: %v, want log 2", d, got)
		}
	}
}

// TestLogisticStable checks that the loss neither overflows nor loses the
// tail: at margin s the loss is log1p(exp(-s)).
func TestLogisticStable(t *testing.T) {
	a := mat.NewDense(1, 2, []float64{1, 0})
	for _, tc := range []struct{ y, alpha, want float64 }{
		{1, 1000, math.Log1p(math.Exp(-1000))}, // exp(-1000) underflows to 0; softplus gives 0
		{-1, 1000, 1000},                       // log(1 + e^1000) = 1000 + log1p(e^-1000)
		{1, 30, math.Log1p(math.Exp(-30))},     // 9.357622968840175e-14, not 0
	} {
		p, err := NewLogistic(a, []float64{tc.y}, tc.alpha)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Loss([]float64{2, 0}, nil); got != tc.want || math.IsNaN(got) {
			t.Errorf("y=%v alpha=%v: loss %v, want %v", tc.y, tc.alpha, got, tc.want)
		}
		g := make([]float64, 2)
		p.Grad(g, []float64{2, 0.1}, nil)
		if math.IsNaN(g[0]) || math.IsNaN(g[1]) {
			t.Errorf("y=%v alpha=%v: gradient %v", tc.y, tc.alpha, g)
		}
	}
}

func TestConstructorErrors(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		err  func() error
	}{
		{"lsq n>=d", func() error { _, err := NewLSQ(mat.NewDense(3, 3, nil)); return err }},
		{"lsq nan", func() error { _, err := NewLSQ(mat.NewDense(1, 3, []float64{0, nan, 0})); return err }},
		{"lsq nil", func() error { _, err := NewLSQ(nil); return err }},
		{"circle 0", func() error { _, err := NewCircle(0); return err }},
		{"vmf d=1", func() error { _, err := NewVMF([]float64{1}, 1); return err }},
		{"vmf sigma<0", func() error { _, err := NewVMF([]float64{1, 0}, -1); return err }},
		{"logistic label", func() error { _, err := NewLogistic(mat.NewDense(1, 2, []float64{1, 0}), []float64{0}, 1); return err }},
		{"logistic labels", func() error { _, err := NewLogistic(mat.NewDense(1, 2, []float64{1, 0}), nil, 1); return err }},
		{"logistic alpha", func() error { _, err := NewLogistic(mat.NewDense(1, 2, []float64{1, 0}), []float64{1}, -1); return err }},
	} {
		if err := tc.err(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func ExampleNewCircle() {
	p, _ := NewCircle(1)
	phi := 0.3
	u := []float64{math.Cos(phi), math.Sin(phi)}
	fmt.Printf("%.6f %.6f\n", p.Loss(u, nil), 0.5*math.Sin(phi)*math.Sin(phi))
	// Output: 0.043666 0.043666
}

// TestLogisticRandomLevelDefault checks the quadrature random level of the
// default logistic toy (alpha = 10, d = 24, n = 64) against Monte Carlo.
func TestLogisticRandomLevelDefault(t *testing.T) {
	p, err := Config{Toy: "logistic"}.Build()
	if err != nil {
		t.Fatal(err)
	}
	const samples = 20000
	rng := rand.New(rand.NewPCG(9, 10))
	x := make([]float64, p.Dim())
	var s, s2 float64
	for range samples {
		for j := range x {
			x[j] = rng.NormFloat64()
		}
		f := p.Loss(x, nil)
		s += f
		s2 += f * f
	}
	mean := s / samples
	se := math.Sqrt((s2/samples - mean*mean) / samples)
	if got := p.RandomLevel(); math.Abs(got-mean) > 5*se { // 5 standard errors
		t.Errorf("RandomLevel = %v, Monte Carlo %v ± %v", got, mean, se)
	}
}
