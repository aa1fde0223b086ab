package realnets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets/data"
)

// tangentEigen returns the eigenvalues of the symmetric part of the dense
// matrix of op (built column by column from its products) whose
// eigenvectors are orthogonal to x, in increasing order.
func tangentEigen(op analysis.SymOperator, x []float64) ([]float64, *mat.SymDense) {
	d := op.Dim()
	cols := denseOf(op)
	s := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			s.SetSym(i, j, (cols.At(i, j)+cols.At(j, i))/2)
		}
	}
	var es mat.EigenSym
	es.Factorize(s, true)
	vals := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	u := mat.NewVecDense(d, append([]float64(nil), x...))
	u.ScaleVec(1/mat.Norm(u, 2), u)
	var out []float64
	for j, l := range vals {
		if math.Abs(mat.Dot(vecs.ColView(j), u)) < 0.5 {
			out = append(out, l)
		}
	}
	return out, s
}

// TestLandscapeSLQDense is the network acceptance test of SLQ: on a tiny
// MLP (78 SI weights) the quadrature of the effective tangent Hessian
// matches the dense eigendecomposition of the same operator built from 78
// Hessian-vector products, and the exact float64 Hessian of the reference
// implementation projected on the tangent space.
func TestLandscapeSLQDense(t *testing.T) {
	m, x, y, r := sharpMLP(3)
	l, err := NewLandscape(m, Batches{X: x, Y: y, N: len(y)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := l.Point()
	d := len(w)
	eff := l.Effective()
	fromHVP, _ := tangentEigen(eff, w)
	// Exact: ||x||^2 P H P from the float64 reference (denseExact).
	_, h, _ := denseExact(r, w)
	exact, _ := tangentEigen(analysis.ScaledOperator{A: analysis.NewTangentOperator(analysis.MatOperator{A: h}, w, 0), C: l.Norm() * l.Norm()}, w)
	if len(fromHVP) != d-1 || len(exact) != d-1 {
		t.Fatalf("%d and %d tangent eigenvalues, want %d", len(fromHVP), len(exact), d-1)
	}
	scale := math.Max(math.Abs(exact[0]), exact[d-2])
	for i := range exact {
		// Finite differences of float32 gradients: 3e-4 relative (Sharpness).
		if math.Abs(fromHVP[i]-exact[i]) > 2e-3*scale {
			t.Errorf("eigenvalue %d: from HVPs %v, exact %v", i, fromHVP[i], exact[i])
		}
	}
	// SLQ with 30 steps and 20 probes against the exact spectrum: the
	// extreme Ritz values and the kernel densities.
	s := analysis.SLQ(eff, analysis.SLQConfig{Probes: 20, Steps: 30, Seed: 1})
	if s.Dim != d-1 {
		t.Fatalf("Dim = %d", s.Dim)
	}
	lo, hi := s.Range()
	if math.Abs(hi-exact[d-2]) > 2e-3*scale || math.Abs(lo-exact[0]) > 2e-3*scale {
		t.Errorf("extreme Ritz values %v, %v; exact %v, %v", lo, hi, exact[0], exact[d-2])
	}
	ex := analysis.Spectrum{Dim: d - 1, Probes: []analysis.Quadrature{{Nodes: exact, Weights: make([]float64, d-1)}}}
	for i := range exact {
		ex.Probes[0].Weights[i] = 1 / float64(d-1)
	}
	grid := analysis.Grid(exact[0]-0.2*scale, exact[d-2]+0.2*scale, 200)
	sigma := 0.05 * scale
	got, want := s.Density(grid, sigma), ex.Density(grid, sigma)
	var l1 float64
	for i := range grid {
		l1 += math.Abs(got[i]-want[i]) * (grid[1] - grid[0])
	}
	t.Logf("d=%d exact range [%.4g, %.4g], SLQ [%.4g, %.4g], L1 density distance %.3g", d, exact[0], exact[d-2], lo, hi, l1)
	// 20 probes of a 77-dimensional space: Monte Carlo error of the
	// weights of order sqrt(2/(20*77)) = 0.04 per eigenvalue cluster.
	if l1 > 0.15 {
		t.Errorf("L1 distance of the SLQ density to the exact one %v", l1)
	}
	// Each probe's quadrature is exact for the operator's moments: the
	// first moment is the Rayleigh quotient, whose mean over probes
	// estimates tr/(d-1).
	// The Rayleigh quotient of a random unit vector has variance about
	// 2 Var(lambda)/(d+1); the tolerance is 4 standard errors over 20 probes.
	var tr, tr2 float64
	for _, e := range exact {
		tr += e
		tr2 += e * e
	}
	mean := tr / float64(d-1)
	se := math.Sqrt(2*(tr2/float64(d-1)-mean*mean)/float64(d)) / math.Sqrt(20)
	if m1 := s.Moment(1); math.Abs(m1-mean) > 4*se {
		t.Errorf("first moment %v, exact tr/(d-1) = %v (standard error %v)", m1, mean, se)
	}
}

// TestLandscapeBatchSharpness: the batch sharpness of one batch is the
// Rayleigh quotient of the exact Hessian at the batch gradient. (The loss
// of a ReLU network is only piecewise smooth: at seed 4 of this tiny MLP a
// unit flips within the finite-difference step along g, and the curvature
// along g then depends on the step, 188 to 7700 for steps 3e-5 to 3e-4; at
// seed 3 it is stable to 1e-5 over steps 3e-5 to 1e-3.)
func TestLandscapeBatchSharpness(t *testing.T) {
	m, x, y, r := sharpMLP(3)
	l, err := NewLandscape(m, Batches{X: x, Y: y, N: len(y)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := l.Point()
	g, h, _ := denseExact(r, w)
	gv := mat.NewVecDense(len(g), g)
	want := l.Norm() * l.Norm() * mat.Inner(gv, h, gv) / floats.Dot(g, g)
	bs := l.BatchSharpness()
	if math.Abs(bs.Ratio-want) > 2e-3*math.Abs(want) || bs.Mean != bs.Ratio {
		t.Errorf("batch sharpness %v (mean %v), exact %v", bs.Ratio, bs.Mean, want)
	}
}

// TestLandscapeScaleInvariance: the mean batch loss, and so a slice, does
// not change when the SI vector is rescaled, except through BatchNorm's eps:
// BatchNorm divides by sqrt(Var + eps), and Var scales with the square of
// the weights, so a slice at radius c ||x|| differs from the exact SI one by
// about eps/(2 c^2 Var) relative. At this tiny MLP's own radius that is
// 1e-4 (measured below); from 16 times the radius on it is below 1e-6,
// the tolerance, and what remains is float32 rounding (rescaling by
// powers of two is exact in float32 up to BatchNorm).
func TestLandscapeScaleInvariance(t *testing.T) {
	m, x, y, _ := sharpMLP(5)
	l, err := NewLandscape(m, Batches{X: x, Y: y, N: len(y), Size: 8}, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := l.Point()
	rng := rand.New(rand.NewPCG(1, 2))
	dir := make([]float64, len(w))
	analysis.FilterNormalized(dir, w, l.Filters(), rng)
	angles := analysis.Grid(-1, 1, 11)
	slice := func(c float64) analysis.Slice {
		wc, dc := make([]float64, len(w)), make([]float64, len(w))
		floats.ScaleTo(wc, c, w)
		floats.ScaleTo(dc, c, dir)
		s, err := analysis.Slice1D(l.Loss, wc, dc, angles)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	worst := func(a, b analysis.Slice) float64 {
		var e float64
		for j := range angles {
			e = max(e, math.Abs(a.Loss[0][j]-b.Loss[0][j])/math.Abs(a.Loss[0][j]))
		}
		return e
	}
	s1, s16 := slice(1), slice(16)
	for _, c := range []float64{64, 1024} {
		if e := worst(s16, slice(c)); e > 1e-6 {
			t.Errorf("radius x%v against x16: slices differ by %.2g relative, want <= 1e-6", c, e)
		}
	}
	e1 := worst(s1, s16)
	t.Logf("the slice at the model's own radius differs from the rescaled one by %.2g relative (BatchNorm eps)", e1)
	if e1 > 1e-3 || e1 < 1e-7 {
		t.Errorf("eps effect at radius 1: %.2g relative, want about 1e-4", e1)
	}
	if got := l.Loss(w); got != s1.Loss[0][5] {
		t.Errorf("the slice at angle 0 (%v) is not the loss at the point (%v)", s1.Loss[0][5], got)
	}
}

// TestLandscapeEvalLoss: the Eval-mode loss with BatchNorm statistics
// recomputed per point equals, at the landscape's own point, the loss after
// RecomputeBN; it restores the parameters and running statistics; and its
// slices are scale invariant (the recomputed running variance scales with
// the weights squared) to 1e-6 from 16 times the radius, as in
// TestLandscapeScaleInvariance.
func TestLandscapeEvalLoss(t *testing.T) {
	m, x, y, _ := sharpMLP(5)
	train := &data.Set{N: len(y), C: 1, H: 1, W: 8, Classes: 3, X: x, Y: y}
	l, err := NewLandscape(m, Batches{X: x, Y: y, N: len(y)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := l.Point()
	params0 := SIVector(nil, m.Params())
	var bufs0 []float32
	for _, b := range m.Buffers() {
		bufs0 = append(bufs0, b.Data...)
	}
	f := l.EvalLoss(train, train, 8)
	got := f(w)
	if !slices.Equal(SIVector(nil, m.Params()), params0) {
		t.Fatal("EvalLoss changed the parameters")
	}
	var bufs1 []float32
	for _, b := range m.Buffers() {
		bufs1 = append(bufs1, b.Data...)
	}
	if !slices.Equal(bufs0, bufs1) {
		t.Fatal("EvalLoss changed the running statistics")
	}
	if err := RecomputeBN(m, train, 8); err != nil {
		t.Fatal(err)
	}
	want, _ := NewEvaluator(m).Loss(train, Eval)
	if got != want {
		t.Errorf("EvalLoss at the point %v, loss after RecomputeBN %v", got, want)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	dir := make([]float64, len(w))
	analysis.FilterNormalized(dir, w, l.Filters(), rng)
	angles := analysis.Grid(-0.5, 0.5, 5)
	slice := func(c float64) analysis.Slice {
		wc, dc := make([]float64, len(w)), make([]float64, len(w))
		floats.ScaleTo(wc, c, w)
		floats.ScaleTo(dc, c, dir)
		s, err := analysis.Slice1D(f, wc, dc, angles)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := slice(16), slice(256)
	for j := range angles {
		if e := math.Abs(a.Loss[0][j]-b.Loss[0][j]) / a.Loss[0][j]; e > 1e-6 {
			t.Errorf("angle %v: eval slices at x16 and x256 differ by %.2g relative", angles[j], e)
		}
	}
}
