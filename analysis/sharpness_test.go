package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// symWithSpectrum returns Q diag(vals) Q^T with Q orthogonal, from the QR
// factorisation of a Gaussian matrix.
func symWithSpectrum(vals []float64, rng *rand.Rand) *mat.SymDense {
	d := len(vals)
	g := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	a := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			var s float64
			for k := range d {
				s += q.At(i, k) * vals[k] * q.At(j, k)
			}
			a.SetSym(i, j, s)
		}
	}
	return a
}

// gaussianSym returns a symmetric matrix with independent N(0,1) entries on
// and above the diagonal: indefinite, like a Hessian away from a minimum.
func gaussianSym(d int, rng *rand.Rand) *mat.SymDense {
	a := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			a.SetSym(i, j, rng.NormFloat64())
		}
	}
	return a
}

func TestHutchinsonDiagonalIsExact(t *testing.T) {
	// For a diagonal matrix z^T A z = sum_i A_ii z_i^2 = tr A for every
	// Rademacher probe, so the estimate is exact with zero standard error.
	a := mat.NewSymDense(5, nil)
	for i, v := range []float64{3, -1, 2.5, 0, 7} {
		a.SetSym(i, i, v)
	}
	e := Hutchinson(MatOperator{a}, HutchinsonConfig{Probes: 4, Seed: 1})
	if e.Trace != 11.5 || e.StdErr != 0 { // 3 - 1 + 2.5 + 0 + 7
		t.Errorf("diagonal: got %v ± %v, want 11.5 ± 0", e.Trace, e.StdErr)
	}
}

// TestHutchinsonCoverage checks that the confidence interval covers the
// exact trace at about its nominal rate, for an indefinite and a positive
// definite matrix.
func TestHutchinsonCoverage(t *testing.T) {
	const trials = 400
	rng := rand.New(rand.NewPCG(7, 0))
	spd := make([]float64, 30)
	for i := range spd {
		spd[i] = math.Pow(0.8, float64(i)) * 10 // a decaying spectrum, like a Fisher
	}
	for _, tc := range []struct {
		name string
		a    *mat.SymDense
	}{
		{"gaussian-indefinite", gaussianSym(30, rng)},
		{"decaying-spd", symWithSpectrum(spd, rng)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exact := mat.Trace(tc.a)
			cover := 0
			var z float64
			for s := range trials {
				e := Hutchinson(MatOperator{tc.a}, HutchinsonConfig{Probes: 30, Seed: uint64(s), Stream: 3})
				if e.Lo <= exact && exact <= e.Hi {
					cover++
				}
				z += (e.Trace - exact) / e.StdErr
			}
			rate := float64(cover) / trials
			// Binomial(400, 0.95) has standard deviation 0.011; allow 4 of
			// them (the t interval of a skewed mean can undercover a bit).
			if rate < 0.95-0.044 || rate > 0.95+0.044 {
				t.Errorf("coverage %v of nominal 0.95 over %d trials", rate, trials)
			}
			// The mean standardised error is 0 ± 1/sqrt(400) = 0.05 for an
			// unbiased estimator; allow 4 standard deviations.
			if m := z / trials; math.Abs(m) > 0.2 {
				t.Errorf("mean standardised error %v, want about 0 (bias)", m)
			}
		})
	}
}

func TestHutchinsonDeterministic(t *testing.T) {
	a := gaussianSym(20, rand.New(rand.NewPCG(1, 1)))
	e1 := Hutchinson(MatOperator{a}, HutchinsonConfig{Seed: 5})
	e2 := Hutchinson(MatOperator{a}, HutchinsonConfig{Seed: 5})
	e3 := Hutchinson(MatOperator{a}, HutchinsonConfig{Seed: 6})
	if e1 != e2 {
		t.Errorf("same seed, different estimates %+v %+v", e1, e2)
	}
	if e1 == e3 {
		t.Errorf("different seeds, same estimate %+v", e1)
	}
}

// exactEigen returns the eigenvalues of a in decreasing order.
func exactEigen(t *testing.T, a mat.Symmetric) []float64 {
	var es mat.EigenSym
	if !es.Factorize(a, false) {
		t.Fatal("EigenSym failed")
	}
	v := es.Values(nil)
	slices.Reverse(v)
	return v
}

func TestLanczos(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 0))
	known := make([]float64, 60)
	for i := range known {
		known[i] = 5 - float64(i)*0.2 // 5, 4.8, ..., -6.8: indefinite, evenly spaced
	}
	gapped := make([]float64, 200)
	for i := range gapped {
		gapped[i] = float64(i%17)/17 - 0.5 // bulk in [-0.5, 0.5)
	}
	gapped[0], gapped[1], gapped[2] = 40, 20, 10 // three outliers, as in a Hessian's top
	for _, tc := range []struct {
		name  string
		a     *mat.SymDense
		k     int
		steps int
		tol   float64 // required agreement with the exact top-k values, or 0 for the bound only
	}{
		// Steps = dimension: the Krylov space is everything and the Ritz
		// values are the eigenvalues up to rounding.
		{"known-full", symWithSpectrum(known, rng), 4, 60, 1e-9},
		// Few steps on a uniform spectrum: not converged, but within the bound.
		{"known-partial", symWithSpectrum(known, rng), 3, 12, 0},
		// Well-separated outliers converge fast (Kaniel-Paige theory).
		{"gapped-outliers", symWithSpectrum(gapped, rng), 3, 30, 1e-6},
		{"gaussian-indefinite", gaussianSym(80, rng), 2, 40, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exact := exactEigen(t, tc.a)
			e := Lanczos(MatOperator{tc.a}, LanczosConfig{K: tc.k, Steps: tc.steps, Seed: 2})
			if len(e.Values) != tc.k {
				t.Fatalf("got %d values, want %d", len(e.Values), tc.k)
			}
			for i, th := range e.Values {
				// Some exact eigenvalue lies within the residual bound
				// (Golub and Van Loan, Theorem 8.1.13 applied to the Ritz pair).
				near := math.Inf(1)
				for _, l := range exact {
					near = min(near, math.Abs(l-th))
				}
				if near > e.Residuals[i]*(1+1e-6)+1e-10 {
					t.Errorf("Ritz value %d = %v: nearest eigenvalue at %v, outside the bound %v", i, th, near, e.Residuals[i])
				}
				// Cauchy interlacing: the i-th largest Ritz value never exceeds
				// the i-th largest eigenvalue.
				if th > exact[i]+1e-9 {
					t.Errorf("Ritz value %d = %v above eigenvalue %v", i, th, exact[i])
				}
				if tc.tol > 0 && math.Abs(th-exact[i]) > tc.tol {
					t.Errorf("value %d = %v, want %v within %v", i, th, exact[i], tc.tol)
				}
				// The Ritz vector's true residual matches the bound.
				y := e.Vectors[i]
				ay := make([]float64, len(y))
				MatOperator{tc.a}.Apply(ay, y)
				var r float64
				for j := range y {
					r += (ay[j] - th*y[j]) * (ay[j] - th*y[j])
				}
				if r = math.Sqrt(r); math.Abs(r-e.Residuals[i]) > 1e-8*(1+math.Abs(th)) {
					t.Errorf("value %d: true residual %v, bound %v", i, r, e.Residuals[i])
				}
			}
		})
	}
}

// TestLanczosInvariantSubspace checks early termination on a low-rank
// operator: the Krylov space of a rank-3 matrix has dimension at most 4.
func TestLanczosInvariantSubspace(t *testing.T) {
	vals := make([]float64, 50)
	vals[0], vals[1], vals[2] = 3, 2, -1
	a := symWithSpectrum(vals, rand.New(rand.NewPCG(3, 3)))
	e := Lanczos(MatOperator{a}, LanczosConfig{K: 2, Steps: 20, Seed: 1})
	if e.Steps > 4 || !e.Converged {
		t.Errorf("took %d steps on a rank-3 matrix (converged %v), want at most 4 and converged", e.Steps, e.Converged)
	}
	for i, want := range []float64{3, 2} {
		if math.Abs(e.Values[i]-want) > 1e-10 || e.Residuals[i] != 0 {
			t.Errorf("value %d = %v ± %v, want %v ± 0", i, e.Values[i], e.Residuals[i], want)
		}
	}
}

func ExampleLanczos() {
	// The matrix tridiag(-1, 2, -1) of order 50 has eigenvalues
	// 2 - 2 cos(k pi / 51), k = 1..50; the largest is 2 + 2 cos(pi / 51).
	a := mat.NewSymDense(50, nil)
	for i := range 50 {
		a.SetSym(i, i, 2)
		if i+1 < 50 {
			a.SetSym(i, i+1, -1)
		}
	}
	e := Lanczos(MatOperator{a}, LanczosConfig{K: 1, Steps: 50, Seed: 1})
	fmt.Printf("Lanczos %.10f, exact %.10f\n", e.Values[0], 2+2*math.Cos(math.Pi/51))
	// Output:
	// Lanczos 3.9962066575, exact 3.9962066575
}

func ExampleHutchinson() {
	// The trace of the same matrix is 100; 200 Rademacher probes estimate it.
	a := mat.NewSymDense(50, nil)
	for i := range 50 {
		a.SetSym(i, i, 2)
		if i+1 < 50 {
			a.SetSym(i, i+1, -1)
		}
	}
	e := Hutchinson(MatOperator{a}, HutchinsonConfig{Probes: 200, Seed: 1})
	fmt.Println(e.Lo <= 100 && 100 <= e.Hi, e.StdErr < 1)
	// Output:
	// true true
}

// TestLanczosTol checks the residual stop: on outliers above a bulk the
// process stops early with every residual within the relative tolerance
// and the values within it of the exact ones; on a top cluster (10,
// 9.99, 9.98 above a bulk, the shape of a network's Hessian top) a cap
// too small to resolve it is reported as not converged, and a large
// enough cap converges to the top of the cluster.
func TestLanczosTol(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 0))
	gapped := make([]float64, 300)
	for i := range gapped {
		gapped[i] = float64(i%23)/23 - 0.5
	}
	gapped[0], gapped[1] = 50, 20
	cluster := make([]float64, 300)
	for i := range cluster {
		cluster[i] = 8 * float64(i%29) / 29 // bulk in [0, 8)
	}
	cluster[0], cluster[1], cluster[2] = 10, 9.99, 9.98
	for _, tc := range []struct {
		name      string
		a         *mat.SymDense
		k, steps  int
		tol       float64
		converged bool
		maxSteps  int // the stop must come by this step
	}{
		{"gapped", symWithSpectrum(gapped, rng), 2, 0, 1e-8, true, 60},
		{"cluster-capped", symWithSpectrum(cluster, rng), 1, 8, 1e-6, false, 8},
		{"cluster", symWithSpectrum(cluster, rng), 1, 300, 1e-6, true, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exact := exactEigen(t, tc.a)
			e := Lanczos(MatOperator{tc.a}, LanczosConfig{K: tc.k, Steps: tc.steps, Tol: tc.tol, Seed: 3})
			if e.Converged != tc.converged || e.Steps > tc.maxSteps {
				t.Fatalf("converged %v after %d steps, want %v by step %d (residuals %v)", e.Converged, e.Steps, tc.converged, tc.maxSteps, e.Residuals)
			}
			t.Logf("%d steps, values %v, residuals %v", e.Steps, e.Values, e.Residuals)
			for i, th := range e.Values {
				if th > exact[i]+1e-9 {
					t.Errorf("Ritz value %d = %v above eigenvalue %v", i, th, exact[i])
				}
				if !tc.converged {
					continue
				}
				if e.Residuals[i] > tc.tol*math.Abs(th) {
					t.Errorf("value %d: residual %v above %v x %v", i, e.Residuals[i], tc.tol, th)
				}
				if math.Abs(th-exact[i]) > tc.tol*math.Abs(exact[i]) {
					t.Errorf("value %d = %v, exact %v: off by more than the tolerance", i, th, exact[i])
				}
			}
			if !tc.converged && e.Residuals[0] <= tc.tol*math.Abs(e.Values[0]) {
				t.Errorf("not converged, yet residual %v within the tolerance", e.Residuals[0])
			}
		})
	}
	// Tol = 0 keeps the fixed number of steps.
	if e := Lanczos(MatOperator{symWithSpectrum(gapped, rng)}, LanczosConfig{K: 2, Steps: 40}); e.Steps != 40 || e.Converged {
		t.Errorf("without Tol: %d steps, converged %v; want 40 and false", e.Steps, e.Converged)
	}
}
