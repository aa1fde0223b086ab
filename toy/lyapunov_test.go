package toy

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"

	"github.com/regimes/regimes/analysis"
)

// lyapProblems returns one instance of every toy.
func lyapProblems(t *testing.T) []Problem {
	t.Helper()
	a, err := GenerateLSQ(8, 24, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	lsq, err := NewLSQ(a)
	if err != nil {
		t.Fatal(err)
	}
	circle, err := NewCircle(1.3)
	if err != nil {
		t.Fatal(err)
	}
	mu := make([]float64, 5)
	mu[0] = 2
	vmf, err := NewVMF(mu, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	la, ly, err := GenerateLogistic(10, 6, 2)
	if err != nil {
		t.Fatal(err)
	}
	logistic, err := NewLogistic(la, ly, 10)
	if err != nil {
		t.Fatal(err)
	}
	return []Problem{lsq, circle, vmf, logistic}
}

func randomUnit(d int, rng *rand.Rand) []float64 {
	u := make([]float64, d)
	for j := range u {
		u[j] = rng.NormFloat64()
	}
	floats.Scale(1/floats.Norm(u, 2), u)
	return u
}

// TestStepMapJacobian compares J v of StepMap with central finite differences
// of the step map along the curve c(h) = (u + h v)/||u + h v|| (c'(0) = v for
// a tangent v), with the same batch for every evaluation (equal seeds).
// It also measures how far the Riemannian Hessian P Hess P is off in place of
// the Euclidean one (SCIENCE.md section 7 says 30-57%).
func TestStepMapJacobian(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var worst float64
	for _, p := range lyapProblems(t) {
		for _, elr := range []float64{0.3, 3} {
			for _, batch := range []int{0, 1, 3} {
				d := p.Dim()
				u := randomUnit(d, rng)
				v := randomUnit(d, rng)
				floats.AddScaled(v, -floats.Dot(u, v), u) // tangent at u
				const seed = 11
				m := NewStepMap(p, elr, batch, IID, seed)
				x := append([]float64(nil), u...)
				jv := append([]float64(nil), v...)
				m.Step(x, [][]float64{jv})
				// Central differences with step 1e-5: truncation error of
				// order h^2 times third derivatives, below 1e-7 here.
				const h = 1e-5
				step := func(s float64) []float64 {
					y := append([]float64(nil), u...)
					floats.AddScaled(y, s, v)
					floats.Scale(1/floats.Norm(y, 2), y)
					NewStepMap(p, elr, batch, IID, seed).Step(y, nil)
					return y
				}
				fd := step(h)
				floats.Sub(fd, step(-h))
				floats.Scale(1/(2*h), fd)
				diff := append([]float64(nil), fd...)
				floats.Sub(diff, jv)
				scale := floats.Norm(fd, 2)
				if err := floats.Norm(diff, 2); err > 1e-6*math.Max(scale, 1) {
					t.Errorf("%s elr %v batch %d: |Jv - FD| = %v, |FD| = %v", p.Name(), elr, batch, err, scale)
				}
				// The Riemannian-Hessian variant: v - e P Hess(P v), then P'/N.
				var b Batch
				SimConfig{Batch: batch, Seed: seed}.NewSampler(p).Next(&b)
				hv := make([]float64, d)
				p.HessVec(hv, u, v, &b)
				floats.AddScaled(hv, -floats.Dot(u, hv), u)
				g := make([]float64, d)
				p.Grad(g, u, &b)
				w := append([]float64(nil), u...)
				floats.AddScaled(w, -elr, g)
				nw := floats.Norm(w, 2)
				floats.Scale(1/nw, w)
				jr := append([]float64(nil), v...)
				floats.AddScaled(jr, -elr, hv)
				floats.AddScaled(jr, -floats.Dot(w, jr), w)
				floats.Scale(1/nw, jr)
				floats.Sub(jr, fd)
				rel := floats.Norm(jr, 2) / scale
				worst = math.Max(worst, rel)
				t.Logf("%s elr %v batch %d: Riemannian Hessian Jacobian relative error %.3f", p.Name(), elr, batch, rel)
			}
		}
	}
	// The finite differences must tell the two formulas apart: the
	// Riemannian variant is off by tens of percent somewhere in this table
	// (measured: up to 105%; 0.1% to 2% on lsq near random points).
	if worst < 0.1 {
		t.Errorf("Riemannian-Hessian Jacobian within %v of finite differences everywhere", worst)
	}
}

func TestCircleExponent(t *testing.T) {
	c, err := NewCircle(1)
	if err != nil {
		t.Fatal(err)
	}
	x0 := []float64{math.Cos(0.3), math.Sin(0.3)}
	for _, tc := range []struct {
		elr, want float64
	}{
		// Below the flip (ELR lambda < 2) the orbit converges to phi = 0,
		// whose multiplier is 1 - ELR lambda (SCIENCE.md 6.2).
		{0.5, math.Log(0.5)},
		{1.5, math.Log(0.5)},
		{1.9, math.Log(0.9)},
		// Above it the orbit converges to the 2-cycle, whose multiplier over
		// two steps is (1 - 8/(ELR lambda)^2)^2: exponent half its log per step.
		{2.5, 0.5 * math.Log(math.Pow(1-8/6.25, 2))},
		{4, 0.5 * math.Log(math.Pow(1-8/16.0, 2))},
	} {
		m := NewStepMap(c, tc.elr, 0, Full, 1)
		est := analysis.MapLyapunov(m, x0, analysis.LyapunovSettings{Steps: 1000, Burn: 2000, Blocks: 4})
		// After 2000 burn-in steps the orbit is on its attractor to rounding
		// (the slowest contraction, 0.9 per step, gives 0.9^2000 ~ 1e-92).
		if math.Abs(est.Exponent-tc.want) > 1e-9 {
			t.Errorf("circle elr %v: exponent %v, want %v", tc.elr, est.Exponent, tc.want)
		}
	}
}

// referenceLSQ returns the reference data set of SCIENCE.md section 6.1:
// n = 8, d = 24, unit-norm Gaussian rows.
func referenceLSQ(t testing.TB, seed uint64) *LSQ {
	a, err := GenerateLSQ(8, 24, seed, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewLSQ(a)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLSQFullBatchExponent(t *testing.T) {
	p := referenceLSQ(t, 1)
	x0 := randomUnit(24, rand.New(rand.NewPCG(5, 5)))
	// ELR 3 is below the GD threshold 2/lambda_max(H) (about 7 to 9 here): the
	// orbit converges to a minimum, where the neutral rotations inside null(A)
	// give the top exponent 0.
	m := NewStepMap(p, 3, 0, Full, 1)
	est := analysis.MapLyapunov(m, x0, analysis.LyapunovSettings{Steps: 2000, Burn: 2000, Blocks: 4, Vectors: 2})
	for j, e := range est.Spectrum {
		if math.Abs(e) > 1e-6 {
			t.Errorf("full-batch lsq exponent %d = %v, want 0", j, e)
		}
	}
	// Transverse to them, the exponent is the log of the spectral radius of
	// (I - e H) on range(A^T): max(|1 - e h_min|, |1 - e h_max|).
	m = NewStepMap(p, 3, 0, Full, 1)
	m.Transverse = true
	est = analysis.MapLyapunov(m, x0, analysis.LyapunovSettings{Steps: 2000, Burn: 2000, Blocks: 4})
	h := Range(p.A()).HEigen()
	want := math.Log(math.Max(math.Abs(1-3*h[0]), math.Abs(1-3*h[len(h)-1])))
	if math.Abs(est.Exponent-want) > 1e-6 {
		t.Errorf("full-batch lsq transverse exponent %v, want %v", est.Exponent, want)
	}
}

// lsqExponents returns the full top exponent, the exponent transverse to the
// neutral directions, and the two-copy estimate of projected SGD on p at
// the given ELR with b = 1, all driven by the same batch sequence.
func lsqExponents(p *LSQ, elr float64, s analysis.LyapunovSettings) (full, transverse, two analysis.LyapunovEstimate) {
	x0 := randomUnit(p.Dim(), rand.New(rand.NewPCG(5, 5)))
	s.Vectors = 2
	full = analysis.MapLyapunov(NewStepMap(p, elr, 1, IID, 1), x0, s)
	m := NewStepMap(p, elr, 1, IID, 1)
	m.Transverse = true
	transverse = analysis.MapLyapunov(m, x0, s)
	s.Vectors, s.Sphere = 1, true
	// delta 1e-7 rad with rescaling every 10 steps: the separation grows by
	// at most exp(10 * 0.01) in between, far from the nonlinear range.
	two = analysis.TwoCopyLyapunov(NewCopyMap(p, elr, 1, IID, 1), x0, 1e-7, 10, s)
	return full, transverse, two
}

// TestLSQRegimeExponents checks the signs of SCIENCE.md section 7 on the
// reference data of section 6.1 (n = 8, d = 24, unit-norm Gaussian rows,
// b = 1): in regime 1 (ELR 1.8) the top exponent is 0 (neutral rotations in
// null(A)) and the transverse one negative; in regime 2 (ELR 3) the exponent
// is positive, about +0.001 to +0.01 per step; in regime 3 (ELR 100)
// measured: negative, about -0.40 (identical batches synchronise the copies;
// at ELR 10 about -0.035, at ELR 5 within 0.003 of zero).
func TestLSQRegimeExponents(t *testing.T) {
	p := referenceLSQ(t, 1)
	s := analysis.LyapunovSettings{Steps: 4000, Burn: 10000, Blocks: 8}

	full, tr, _ := lsqExponents(p, 1.8, s)
	// The neutral exponent is lim log||q_t||/t, and ||q|| has converged.
	if math.Abs(full.Exponent) > 1e-5 || tr.CI[1] >= 0 {
		t.Errorf("regime 1: top exponent %v (want 0), transverse %v CI %v (want < 0)", full.Exponent, tr.Exponent, tr.CI)
	}
	full, tr, two := lsqExponents(p, 3, s)
	if tr.CI[0] <= 0 || tr.Exponent > 0.02 || math.Abs(full.Exponent-tr.Exponent) > 1e-9 {
		t.Errorf("regime 2: transverse %v CI %v (want in (0, 0.02)), full %v", tr.Exponent, tr.CI, full.Exponent)
	}
	// The two-copy and Jacobian estimates follow different rounding of the
	// same chaotic trajectory: compare within 3 joint standard errors.
	if d := math.Abs(two.Exponent - full.Exponent); d > 3*math.Hypot(two.StdErr, full.StdErr) {
		t.Errorf("regime 2: two-copy %v +- %v and Jacobian %v +- %v disagree", two.Exponent, two.StdErr, full.Exponent, full.StdErr)
	}
	full, _, two = lsqExponents(p, 100, s)
	if full.CI[1] >= 0 || math.Abs(two.Exponent-full.Exponent) > 3*math.Hypot(two.StdErr, full.StdErr) {
		t.Errorf("regime 3 (ELR 100): Jacobian %v CI %v, two-copy %v; measured about -0.40 before", full.Exponent, full.CI, two.Exponent)
	}
	t.Logf("ELR 100: Jacobian %v +- %v, two-copy %v +- %v", full.Exponent, full.StdErr, two.Exponent, two.StdErr)
}

// TestLSQExponentScan scans three data sets and six ELRs across the regimes
// (with -long-as) and checks two relations that hold whatever the regime.
func TestLSQExponentScan(t *testing.T) {
	if !*longAS {
		t.Skip("needs -long-as")
	}
	s := analysis.LyapunovSettings{Steps: 10000, Burn: 20000, Blocks: 10}
	for _, seed := range []uint64{1, 2, 3} {
		p := referenceLSQ(t, seed)
		for _, elr := range []float64{1.8, 2.2, 3, 5, 10, 100} {
			full, tr, two := lsqExponents(p, elr, s)
			t.Logf("data seed %d ELR %5.1f: top %.5f+-%.5f transverse %.5f+-%.5f two-copy %.5f+-%.5f",
				seed, elr, full.Exponent, full.StdErr, tr.Exponent, tr.StdErr, two.Exponent, two.StdErr)
			// The top exponent is the largest over all directions, so the
			// one transverse to the neutral rotations cannot exceed it
			// (up to 3 joint standard errors of the two estimates).
			if tr.Exponent > full.Exponent+3*math.Hypot(tr.StdErr, full.StdErr) {
				t.Errorf("seed %d ELR %g: transverse exponent %v above the top exponent %v", seed, elr, tr.Exponent, full.Exponent)
			}
			// Above the regime 1|2 threshold (2 for b = 1 and unit rows,
			// SCIENCE.md 6.1) the chaotic trajectory has no neutral
			// direction left on top, and the two-copy estimate, an
			// independent method (separation of two nearby copies rather
			// than the tangent map), must agree with the Jacobian one.
			if elr >= 3 {
				if d := math.Abs(two.Exponent - full.Exponent); d > 3*math.Hypot(two.StdErr, full.StdErr) {
					t.Errorf("seed %d ELR %g: two-copy %v +- %v and Jacobian %v +- %v disagree", seed, elr, two.Exponent, two.StdErr, full.Exponent, full.StdErr)
				}
			}
		}
	}
}

func BenchmarkStepMapLSQ(b *testing.B) {
	p := referenceLSQ(b, 1)
	m := NewStepMap(p, 3, 1, IID, 1)
	u := randomUnit(24, rand.New(rand.NewPCG(1, 1)))
	vs := [][]float64{randomUnit(24, rand.New(rand.NewPCG(2, 2)))}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.Step(u, vs)
		floats.Scale(1/floats.Norm(vs[0], 2), vs[0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}
