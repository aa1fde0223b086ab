package experiment

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	"github.com/regimes/regimes/realnets/run"
)

// tinyMLPn returns an 8-6-5-3 MLP (78 SI weights) and n Gaussian images
// with random labels in batches of size.
func tinyMLPn(n, size int) (realnets.Model, realnets.Batches) {
	m := realnets.NewMLP(realnets.MLPConfig{Sizes: []int{8, 6, 5, 3}, Seed: 3, HeadSeed: 9, Workers: 1})
	rng := rand.New(rand.NewPCG(3, 77))
	x := make([]float32, n*8)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(3)
	}
	return m, realnets.Batches{X: x, Y: y, N: n, Size: size}
}

// TestStabilityOfExact checks the protocol on exact operators: random
// positive semidefinite batch matrices H_B = A_B^T A_B (rank 3, order 10)
// with TopK and Lanczos steps covering the whole space, where the
// compression is exact: lambda_max must be the top eigenvalue of the mean
// and the mean-square threshold analysis.MSThresholdBatches of the full
// matrices, which is never above the GD threshold.
func TestStabilityOfExact(t *testing.T) {
	const d, nb = 10, 6
	rng := rand.New(rand.NewPCG(4, 0))
	var ops []analysis.SymOperator
	var full []*mat.SymDense
	mean := mat.NewSymDense(d, nil)
	for range nb {
		a := mat.NewDense(3, d, nil)
		for i := range 3 {
			for j := range d {
				a.Set(i, j, rng.NormFloat64())
			}
		}
		h := mat.NewSymDense(d, nil)
		h.SymOuterK(1, a.T())
		full = append(full, h)
		ops = append(ops, analysis.MatOperator{A: h})
		mean.AddSym(mean, h)
	}
	mean.ScaleSym(1/float64(nb), mean)
	th, err := StabilityOf(ops, StabilityConfig{TopK: d, LanczosSteps: d, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ms, gd, err := analysis.MSThresholdBatches(full)
	if err != nil {
		t.Fatal(err)
	}
	var es mat.EigenSym
	es.Factorize(mean, false)
	v := es.Values(nil)
	if th.K != d || math.Abs(th.LambdaMax-v[d-1]) > 1e-9*v[d-1] || math.Abs(th.GDThreshold-gd) > 1e-9*gd || math.Abs(th.MSThreshold-ms) > 1e-9*ms {
		t.Errorf("k %d lambda_max %v GD %v MS %v; want %d, %v, %v, %v", th.K, th.LambdaMax, th.GDThreshold, th.MSThreshold, d, v[d-1], gd, ms)
	}
	if !(ms < gd) {
		t.Errorf("MS %v not below GD %v", ms, gd)
	}
	if th.Asymmetry > 1e-12 || math.Abs(th.LambdaDirect-th.LambdaMax) > 1e-9*th.LambdaMax {
		t.Errorf("exact products: asymmetry %v, direct curvature %v against lambda_max %v", th.Asymmetry, th.LambdaDirect, th.LambdaMax)
	}
	if !(th.MSThresholdCI[0] <= th.MSThreshold*1.5 && th.MSThresholdCI[1] >= th.MSThreshold/1.5 && th.MSThresholdCI[0] < th.MSThresholdCI[1]) {
		t.Errorf("bootstrap CI %v for %v", th.MSThresholdCI, th.MSThreshold)
	}
	// With the top 3 only the compressed problem is a restriction: its GD
	// threshold is still exact (the top eigenvector is in the subspace).
	th3, err := StabilityOf(ops, StabilityConfig{TopK: 3, LanczosSteps: d, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(th3.GDThreshold-gd) > 1e-9*gd || th3.K != 3 {
		t.Errorf("top-3: GD %v k %d, want %v and 3", th3.GDThreshold, th3.K, gd)
	}
	t.Logf("MS full %.6g, top-3 subspace %.6g, GD %.6g", ms, th3.MSThreshold, gd)
	// With a tolerance Lanczos stops once the top 3 have converged, at
	// most at the rank of the mean (nb*3 > d here, so d).
	tol, err := StabilityOf(ops, StabilityConfig{TopK: 3, LanczosTol: 1e-10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !tol.Converged || tol.LanczosSteps > d || math.Abs(tol.GDThreshold-gd) > 1e-9*gd {
		t.Errorf("with a tolerance: converged %v after %d steps, GD %v; want converged within %d steps, GD %v", tol.Converged, tol.LanczosSteps, tol.GDThreshold, d, gd)
	}
}

// TestStabilityNet runs the whole protocol on a tiny MLP: the batch
// sharpness threshold is 2/ratio, the mean-square threshold is positive and
// not above the GD one.
func TestStabilityNet(t *testing.T) {
	m, b := tinyMLPn(128, 32)
	r, err := Stability(m, b, StabilityConfig{TopK: 3, LanczosSteps: 20, FDStep: 3e-4, Seed: 1, SLQProbes: 2, SLQSteps: 10, GNProbes: 2})
	if err != nil {
		t.Fatal(err)
	}
	// The Gauss-Newton spectrum: on the tangent space, its Ritz values
	// inside the dense operator's spectral range (Cauchy interlacing), which
	// is non-negative.
	if r.GNSpectrum == nil || r.GNSpectrum.Dim != 77 || r.GNSpectrumTime == nil || r.SpectrumTime == nil {
		t.Fatalf("GN spectrum %v, times %v %v", r.GNSpectrum, r.GNSpectrumTime, r.SpectrumTime)
	}
	l, err := realnets.NewLandscape(m, b, 3e-4)
	if err != nil {
		t.Fatal(err)
	}
	gn, err := l.EffectiveGaussNewton()
	if err != nil {
		t.Fatal(err)
	}
	d := gn.Dim()
	dense := mat.NewSymDense(d, nil)
	e, c := make([]float64, d), make([]float64, d)
	cols := make([][]float64, d)
	for j := range d {
		clear(e)
		e[j] = 1
		gn.Apply(c, e)
		cols[j] = append([]float64(nil), c...)
	}
	for i := range d {
		for j := i; j < d; j++ {
			dense.SetSym(i, j, (cols[j][i]+cols[i][j])/2)
		}
	}
	var es mat.EigenSym
	es.Factorize(dense, false)
	vals := es.Values(nil)
	top := vals[d-1]
	if vals[0] < -1e-3*top {
		t.Errorf("dense GN has eigenvalue %v (top %v)", vals[0], top)
	}
	lo, hi := r.GNSpectrum.Range()
	if lo < -2e-3*top || hi > top*(1+2e-3) {
		t.Errorf("GN Ritz values [%v, %v] outside the dense range [%v, %v]", lo, hi, vals[0], top)
	}
	if !(r.MSThreshold > 0 && r.MSThreshold <= r.GDThreshold*(1+1e-9)) {
		t.Errorf("mean-square threshold %v, GD %v", r.MSThreshold, r.GDThreshold)
	}
	if r.Batches != 4 || r.Images != 128 || r.K < 1 || r.Spectrum == nil || r.Spectrum.Dim != 77 {
		t.Errorf("batches %d images %d k %d", r.Batches, r.Images, r.K)
	}
	if math.Abs(r.BatchThreshold-2/r.BatchSharpness.Ratio) > 1e-12 {
		t.Errorf("batch threshold %v, ratio %v", r.BatchThreshold, r.BatchSharpness.Ratio)
	}
}

// ExampleStability measures the linear stability of a tiny MLP's point:
// the GD threshold 2/lambda_max of the mean effective tangent Hessian and
// the mean-square threshold of the batch Hessians, which is never larger.
func ExampleStability() {
	m, b := tinyMLPn(128, 32)
	r, err := Stability(m, b, StabilityConfig{TopK: 3, LanczosSteps: 30, FDStep: 3e-4, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d batches, mean-square threshold <= GD threshold: %v\n", r.Batches, r.MSThreshold <= r.GDThreshold)
	// Output:
	// 4 batches, mean-square threshold <= GD threshold: true
}

// TestBoundary12 reads the committed reproduction's bracket: its README
// reports regime 1 up to 8.25e-3 and regime 2 at 2.74e-2 (testdata/mnist).
func TestBoundary12(t *testing.T) {
	b, err := Boundary12("../testdata/mnist/summary.json")
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(b[0]-0.00825404185268019) > 1e-15 || math.Abs(b[1]-0.027384196342643607) > 1e-15 {
		t.Errorf("bracket %v", b)
	}
}

// TestStabilityFigures draws the figures from synthetic results and checks
// the counts of the summary against the bracket.
func TestStabilityFigures(t *testing.T) {
	var rs []StabilityResult
	for i, e := range []float64{1e-4, 1e-3} {
		for _, ep := range []int{1, 5, 20} {
			lam := 3000 / float64(ep) / float64(i+1)
			r := StabilityResult{Epoch: ep, ELR: e, LambdaMax: lam, GDThreshold: 2 / lam, GDThresholdCI: [2]float64{1.8 / lam, 2.2 / lam},
				MSThreshold: 1.9 / lam, MSThresholdCI: [2]float64{1.7 / lam, 2.1 / lam}, BatchThreshold: 3 / lam}
			r.BatchSharpness.Ratio, r.BatchSharpness.Mean, r.BatchSharpness.MeanStdErr = lam/1.5, lam/1.5, lam/20
			if ep == 20 {
				r.Spectrum = &analysis.Spectrum{Dim: 10, Probes: []analysis.Quadrature{{Nodes: []float64{-1, 0, lam}, Weights: []float64{0.2, 0.7, 0.1}}}}
				r.GNSpectrum = &analysis.Spectrum{Dim: 10, Probes: []analysis.Quadrature{{Nodes: []float64{0, lam / 2}, Weights: []float64{0.9, 0.1}}}}
			}
			rs = append(rs, r)
		}
	}
	dir := t.TempDir()
	s, err := StabilityFigures(dir, rs, [2]float64{8e-3, 3e-2})
	if err != nil {
		t.Fatal(err)
	}
	// Last epochs: lambda 150 (GD 0.0133, inside) and 75 (GD 0.0267, inside);
	// MS 1.9/150 = 0.0127 and 0.0253 inside; batch 0.02 and 0.04, with a
	// relative half-width 1.96 (1/20)/(1/1.5) = 14.7%: [0.0174, 0.0234]
	// inside, [0.0349, 0.0469] above 3e-2.
	if len(s.Rows) != 2 || s.GD.Inside != 2 || s.MS.Inside != 2 || s.Batch.Inside != 1 || s.Batch.Above != 1 {
		t.Errorf("summary %+v", s)
	}
	for _, f := range []string{"track.png", "check.svg", "summary.json", "spectrum.png", "gn-spectrum-0.001.csv", "spectrum-0.0001.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// The histograms drawn hold every eigenvalue: Dim in all, on the bins
	// of ELR x eigenvalue shared by the runs (here 1e-3 x 75 = 0.075 at most,
	// so the axis reaches GD's limit 2).
	for _, f := range []string{"spectrum-hist-0.001.csv", "gn-spectrum-hist-0.0001.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var total, hi float64
		for _, r := range recs[1:] {
			lo, _ := strconv.ParseFloat(r[0], 64)
			h, _ := strconv.ParseFloat(r[1], 64)
			c, _ := strconv.ParseFloat(r[2], 64)
			total += c * (h - lo)
			hi = h
		}
		elr := 1e-3
		if strings.Contains(f, "0.0001") {
			elr = 1e-4
		}
		if math.Abs(total-10) > 1e-9 || !(hi*elr > 2) {
			t.Errorf("%s: %v eigenvalues up to ELR x %v = %v; want 10, past 2", f, total, hi, hi*elr)
		}
	}
}

// TestRunStabilityProgress runs RunStability on two tiny MLP runs and
// checks its progress off a terminal: a line per training epoch and per
// measurement (one a run), each with the elapsed time and an ETA, ending at 100%; a
// second run reuses the trainings and reports only the measurements.
func TestRunStabilityProgress(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two small runs")
	}
	sc := StabilityConfig{Batches: 2, TopK: 2, LanczosSteps: 6, Bootstrap: 20, FDStep: 3e-4, Seed: 1}
	cfg := StabilityRunConfig{
		Out:  t.TempDir(),
		ELRs: []float64{1e-3, 3e-3},
		Train: realnets.TrainConfig{Model: "mlp", Width: 16, Data: data.Config{Name: "mnist", Subset: 256},
			Epochs: 2, Batch: 64, Seed: 1, TestSubset: 100, GradMetrics: "none", Workers: 1},
		Epochs: []int{2}, Final: sc, Tracking: sc,
	}
	line := regexp.MustCompile(`^stability: stage ([12])/2 \((\d+)%\), elapsed [0-9hms]+, ETA ([0-9hms]+), ELR 0\.00[13]:? (training epoch [12]/2, train loss|epoch [12]: lambda_max) `)
	for round, want := range []int{6, 2} {
		var log strings.Builder
		rs, err := RunStability(context.Background(), cfg, &log)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
		if len(rs) != 2 || len(lines) != want {
			t.Fatalf("round %d: %d results, %d lines, want 2 and %d:\n%s", round+1, len(rs), len(lines), want, log.String())
		}
		for i, l := range lines {
			if !line.MatchString(l) {
				t.Errorf("round %d line %d %q does not match %v", round+1, i+1, l, line)
			}
		}
		if end := lines[len(lines)-1]; !strings.HasPrefix(end, "stability: stage 2/2 (100%)") || !strings.Contains(end, "ETA 0s") {
			t.Errorf("round %d: last line %q", round+1, end)
		}
	}
}

// TestRunStabilityResume: a training interrupted after its first epoch
// (its later checkpoints removed) resumes, and the measurement at its last
// epoch is bitwise that of the uninterrupted run; a folder holding another
// training is refused.
func TestRunStabilityResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a small run")
	}
	sc := StabilityConfig{Batches: 2, TopK: 2, LanczosSteps: 6, Bootstrap: 20, FDStep: 3e-4, Seed: 1}
	cfg := StabilityRunConfig{
		Out:  t.TempDir(),
		ELRs: []float64{1e-3},
		Train: realnets.TrainConfig{Model: "mlp", Width: 16, Data: data.Config{Name: "mnist", Subset: 256},
			Epochs: 2, Batch: 64, Seed: 1, TestSubset: 100, GradMetrics: "none", Workers: 1},
		Epochs: []int{2}, Final: sc, Tracking: sc,
	}
	first, err := RunStability(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cfg.Out, "elr-00")
	names, _ := filepath.Glob(filepath.Join(dir, "*.ckpt"))
	removed := 0
	for _, n := range names {
		if b := filepath.Base(n); b != "epoch-000000.ckpt" && b != "epoch-000001.ckpt" {
			if err := os.Remove(n); err != nil {
				t.Fatal(err)
			}
			removed++
		}
	}
	if removed == 0 {
		t.Fatalf("no checkpoint after epoch 1 among %v", names)
	}
	again, err := RunStability(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again[0].LambdaMax != first[0].LambdaMax || again[0].Loss != first[0].Loss || again[0].BatchThreshold != first[0].BatchThreshold {
		t.Errorf("resumed run measures lambda_max %v loss %v, uninterrupted %v %v", again[0].LambdaMax, again[0].Loss, first[0].LambdaMax, first[0].Loss)
	}
	// Another ELR in the same folder: refused, naming the folder.
	for _, n := range names {
		if filepath.Base(n) != "epoch-000000.ckpt" && filepath.Base(n) != "epoch-000001.ckpt" {
			os.Remove(n)
		}
	}
	cfg.ELRs = []float64{2e-3}
	if _, err := RunStability(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "another training") {
		t.Errorf("another training in %s: error %v", dir, err)
	}
}

// TestRunSpectra trains a tiny MLP run and computes the spectra at its
// checkpoints: one record per epoch checkpoint in epoch order, written to
// spectrum.jsonl; the Hessian spectrum is bitwise Stability's with the same
// probes, steps, batches and step; the Gauss-Newton nodes are those of a
// positive semi-definite operator.
func TestRunSpectra(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a small run")
	}
	dir := filepath.Join(t.TempDir(), "run")
	tc := realnets.TrainConfig{Model: "mlp", Width: 16, Data: data.Config{Name: "mnist", Subset: 256}, ELR: 1e-3,
		Epochs: 2, Batch: 64, Seed: 1, TestSubset: 100, GradMetrics: "none", Workers: 1, Out: dir}
	if err := run.Run(context.Background(), tc, nil); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	cfg := SpectraConfig{Probes: 2, Steps: 8, Batches: 2, FDStep: 3e-4, Seed: 1}
	recs, err := RunSpectra(dir, cfg, &log)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Epoch != 1 || recs[1].Epoch != 2 {
		t.Fatalf("%d records", len(recs))
	}
	if n := strings.Count(log.String(), "\n"); n != 2 || !strings.Contains(log.String(), "checkpoint 2/2 (epoch 2), elapsed") {
		t.Errorf("progress:\n%s", log.String())
	}
	st, err := StabilityAt(filepath.Join(dir, "epoch-000002.ckpt"), StabilityConfig{Batches: 2, TopK: 2, LanczosSteps: 6, Bootstrap: 10,
		SLQProbes: 2, SLQSteps: 8, GNProbes: 2, FDStep: 3e-4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for p := range 2 {
		if !slices.Equal(st.Spectrum.Probes[p].Nodes, recs[1].Hessian.Probes[p].Nodes) || !slices.Equal(st.GNSpectrum.Probes[p].Nodes, recs[1].GaussNewton.Probes[p].Nodes) {
			t.Errorf("probe %d: RunSpectra's nodes differ from Stability's", p)
		}
		q := recs[1].GaussNewton.Probes[p]
		if top := q.Nodes[len(q.Nodes)-1]; !(top > 0) || q.Nodes[0] < -1e-2*top {
			t.Errorf("Gauss-Newton nodes %v", q.Nodes)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, SpectrumFile))
	if err != nil || strings.Count(string(b), "\n") != 2 {
		t.Errorf("%s: %d lines, %v", SpectrumFile, strings.Count(string(b), "\n"), err)
	}
	if _, err := RunSpectra(t.TempDir(), cfg, nil); err == nil {
		t.Error("no error for a folder without checkpoints")
	}
}

// cubicOperator is H v + Gamma H (v o v o v): a symmetric matrix with a
// nonlinear term, standing in for the finite-difference products of a
// piecewise-smooth loss, which are not exactly linear.
type cubicOperator struct {
	H     *mat.SymDense
	Gamma float64
}

func (c cubicOperator) Dim() int { return c.H.SymmetricDim() }

func (c cubicOperator) Apply(dst, v []float64) {
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = x + c.Gamma*x*x*x
	}
	mat.NewVecDense(len(dst), dst).MulVec(c.H, mat.NewVecDense(len(w), w))
}

// TestStabilityOfNonlinear checks that lambda_max is the Rayleigh-Ritz
// value of the products Lanczos computed, so that it stays at the top Ritz
// value when the products are not linear: re-evaluating the products on the
// Ritz vector (what StabilityOf once did) moves it by far more.
func TestStabilityOfNonlinear(t *testing.T) {
	const d, nb = 40, 4
	rng := rand.New(rand.NewPCG(5, 0))
	var ops []analysis.SymOperator
	for range nb {
		a := mat.NewDense(d, d, nil)
		for i := range d {
			for j := range d {
				a.Set(i, j, rng.NormFloat64())
			}
		}
		h := mat.NewSymDense(d, nil)
		h.SymOuterK(1.0/d, a.T())
		ops = append(ops, cubicOperator{H: h, Gamma: 30})
	}
	cfg := StabilityConfig{TopK: 3, LanczosSteps: 12, Seed: 1}
	th, err := StabilityOf(ops, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The old estimate: the mean's products re-evaluated on the top Ritz
	// vector.
	rec := &krylovRecorder{batches: ops, prods: make([][][]float64, nb)}
	e := analysis.Lanczos(rec, analysis.LanczosConfig{K: 3, Steps: 12, Seed: 1, Stream: 1})
	y := e.Vectors[0]
	hy := make([]float64, d)
	rec.Apply(hy, y)
	old := floats.Dot(y, hy)
	newErr, oldErr := math.Abs(th.LambdaMax-th.RitzValues[0]), math.Abs(old-th.RitzValues[0])
	t.Logf("Ritz %.6g, lambda_max %.6g (off %.2g), re-evaluated %.6g (off %.2g)", th.RitzValues[0], th.LambdaMax, newErr, old, oldErr)
	if th.RitzValues[0] != e.Values[0] {
		t.Fatalf("Ritz values %v and %v of the same Lanczos", th.RitzValues, e.Values)
	}
	if !(newErr < 1e-2*th.RitzValues[0] && newErr < oldErr/5) {
		t.Errorf("lambda_max %v is %v from the Ritz value %v (re-evaluated: %v off)", th.LambdaMax, newErr, th.RitzValues[0], oldErr)
	}
	// The direct curvature is the mean batch curvature along Vector.
	var direct float64
	hv := make([]float64, d)
	for _, op := range ops {
		op.Apply(hv, th.Vector)
		direct += floats.Dot(th.Vector, hv) / nb
	}
	if math.Abs(direct-th.LambdaDirect) > 1e-12*direct || math.Abs(floats.Norm(th.Vector, 2)-1) > 1e-12 || !(th.Asymmetry > 1e-3) {
		t.Errorf("direct curvature %v, want %v; |v| %v; asymmetry %v", th.LambdaDirect, direct, floats.Norm(th.Vector, 2), th.Asymmetry)
	}
	t.Logf("direct curvature %.6g, asymmetry %.3g", th.LambdaDirect, th.Asymmetry)
	if th.LanczosSteps != 12 || th.Converged {
		t.Errorf("steps %d converged %v, want 12 without a tolerance", th.LanczosSteps, th.Converged)
	}
}
