package experiment

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
)

// StabilityConfig configures Stability. The zero value of a field means its
// documented default.
type StabilityConfig struct {
	// Batches is the number of training mini-batches of the run's batch size
	// the Hessians are averaged over, taken in the order of the next
	// epoch's permutation (default 8; at most the epoch's full batches).
	Batches int `json:"batches"`
	// TopK is the number of top eigenvectors of the mean effective tangent
	// Hessian that span the subspace of the mean-square threshold (default 8).
	TopK int `json:"top_k"`
	// LanczosSteps is the number of Lanczos steps for them (default 24),
	// or with LanczosTol the most steps taken (default 100).
	LanczosSteps int `json:"lanczos_steps"`
	// LanczosTol, when positive, stops Lanczos once every one of the TopK
	// Ritz pairs has a residual bound of at most LanczosTol times its value
	// (analysis.LanczosConfig.Tol); zero takes exactly LanczosSteps steps.
	LanczosTol float64 `json:"lanczos_tol,omitempty"`
	// Bootstrap is the number of bootstrap resamples of the batches for the
	// confidence intervals of the thresholds (default 200).
	Bootstrap int `json:"bootstrap"`
	// Level is the confidence level (default 0.95).
	Level float64 `json:"level"`
	// SLQProbes and SLQSteps, when positive, add the SLQ spectrum of the
	// mean effective tangent Hessian.
	SLQProbes int `json:"slq_probes,omitempty"`
	SLQSteps  int `json:"slq_steps,omitempty"`
	// GNProbes, when positive (and SLQSteps too), adds the SLQ spectrum of
	// the mean effective tangent Gauss-Newton matrix
	// (realnets.Landscape.EffectiveGaussNewton), SLQSteps steps per probe.
	GNProbes int `json:"gn_probes,omitempty"`
	// FDStep is the finite-difference step of the Hessian-vector products
	// relative to ||x|| (an angle in radians; default 1e-3). The loss of a
	// ReLU network is only piecewise smooth, and along its sharpest
	// directions the curvature depends on the scale it is measured at
	// (SCIENCE.md section 10.4): 1e-3 is the order of one SGD step's angle
	// at the ELRs of regime 1.
	FDStep float64 `json:"fd_step"`
	// Seed seeds Lanczos, SLQ and the bootstrap.
	Seed uint64 `json:"seed"`
}

func (c StabilityConfig) withDefaults() StabilityConfig {
	if c.Batches == 0 {
		c.Batches = 8
	}
	if c.TopK == 0 {
		c.TopK = 8
	}
	if c.LanczosSteps == 0 {
		c.LanczosSteps = 24
		if c.LanczosTol > 0 {
			c.LanczosSteps = 100
		}
	}
	if c.Bootstrap == 0 {
		c.Bootstrap = 200
	}
	if c.Level == 0 {
		c.Level = 0.95
	}
	if c.FDStep == 0 {
		c.FDStep = 1e-3
	}
	return c
}

// StabilityResult is the linear stability of the point of a network on the
// sphere under fixed-ELR SGD (SCIENCE.md section 10.4). All curvatures are
// effective (times ||x||^2, the values on the unit sphere) and restricted
// to the tangent space; thresholds are ELRs.
type StabilityResult struct {
	Epoch int     `json:"epoch"`
	ELR   float64 `json:"elr"`
	// Loss is the mean batch loss over the batches used.
	Loss float64 `json:"loss"`
	// RitzValues are the top Ritz values of Lanczos on the mean effective
	// tangent Hessian Hbar, with their residual bounds.
	RitzValues   []float64 `json:"ritz_values"`
	RitzResidual []float64 `json:"ritz_residual"`
	// LanczosSteps is the number of Lanczos steps taken, RitzConverged
	// whether the Ritz pairs met StabilityConfig.LanczosTol by then.
	LanczosSteps  int  `json:"lanczos_steps,omitempty"`
	RitzConverged bool `json:"ritz_converged,omitempty"`
	// LambdaMax is the top eigenvalue of the mean of the batch Hessians
	// compressed to the Krylov space of Lanczos (Rayleigh-Ritz from the
	// very products Lanczos computed; StabilityOf), the estimate the
	// thresholds use. It differs from RitzValues[0] only by the products'
	// departure from symmetry and linearity (finite differences of a
	// piecewise-smooth loss).
	LambdaMax float64 `json:"lambda_max"`
	// LambdaDirect is the curvature measured again along LambdaMax's
	// eigenvector, v^T Hbar(v) with fresh products, and Asymmetry the
	// relative size of the antisymmetric part of the compressed mean
	// (Thresholds): both say how far the finite-difference products are
	// from a symmetric linear operator at this point (LambdaDirect =
	// LambdaMax and Asymmetry = 0 for exact products).
	LambdaDirect float64 `json:"lambda_direct,omitempty"`
	Asymmetry    float64 `json:"asymmetry,omitempty"`
	// GDThreshold is 2/LambdaMax: the ELR above which the point is
	// unstable for (full-batch) gradient descent on the mean batch loss.
	GDThreshold   float64    `json:"gd_threshold"`
	GDThresholdCI [2]float64 `json:"gd_threshold_ci"`
	// MSThreshold is the mean-square threshold of the linearised SGD with
	// the batch Hessians compressed to the top K eigenvectors of Hbar
	// (analysis.MSThresholdBatches), K the number of positive
	// eigendirections of the compressed mean kept; CI from a bootstrap
	// over batches.
	MSThreshold   float64    `json:"ms_threshold"`
	MSThresholdCI [2]float64 `json:"ms_threshold_ci"`
	K             int        `json:"k"`
	// BatchSharpness is Andreyev and Beneventano's batch sharpness;
	// BatchThreshold = 2/BatchSharpness.Ratio.
	BatchSharpness realnets.BatchSharpnessResult `json:"batch_sharpness"`
	BatchThreshold float64                       `json:"batch_threshold"`
	// Spectrum is the SLQ estimate of Hbar's spectrum, when asked for.
	Spectrum *analysis.Spectrum `json:"spectrum,omitempty"`
	// GNSpectrum is the SLQ estimate of the spectrum of the mean effective
	// tangent Gauss-Newton matrix on the same batches, when asked for.
	GNSpectrum *analysis.Spectrum `json:"gn_spectrum,omitempty"`
	// SpectrumTime and GNSpectrumTime are the costs of the two SLQ runs.
	SpectrumTime   *Cost `json:"spectrum_time,omitempty"`
	GNSpectrumTime *Cost `json:"gn_spectrum_time,omitempty"`
	// Batches and Images are what the Hessians were averaged over.
	Batches int `json:"batches"`
	Images  int `json:"images"`
	// WallTime is the computation's wall time in seconds, CPUTime the
	// process's user and system CPU time over it (both under whatever load
	// the machine had).
	WallTime float64 `json:"wall_time"`
	CPUTime  float64 `json:"cpu_time,omitempty"`
}

// Cost is the wall time and the process's CPU time (user plus system) of
// a computation, in seconds.
type Cost struct {
	Wall float64 `json:"wall"`
	CPU  float64 `json:"cpu"`
}

// costSince returns the cost since the wall time start and the process CPU
// time cpu0 (processCPU).
func costSince(start time.Time, cpu0 float64) *Cost {
	return &Cost{Wall: time.Since(start).Seconds(), CPU: processCPU() - cpu0}
}

// processCPU returns the process's user plus system CPU time in seconds
// (0 where getrusage is not available).
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// Stability measures the linear stability of the model's current point on
// the batches b (see StabilityResult). It leaves the parameters as they
// were and overwrites Param.Grad.
func Stability(m realnets.Model, b realnets.Batches, cfg StabilityConfig) (StabilityResult, error) {
	cfg = cfg.withDefaults()
	start, cpu0 := time.Now(), processCPU()
	l, err := realnets.NewLandscape(m, b, cfg.FDStep)
	if err != nil {
		return StabilityResult{}, err
	}
	var res StabilityResult
	res.Batches, res.Images = l.Batches(), b.N
	var loss float64
	g := make([]float64, l.Dim())
	for k := range l.Batches() {
		loss += l.BatchGradient(g, k)
	}
	res.Loss = loss / float64(l.Batches())
	eff := l.Effective()
	r2 := l.Norm() * l.Norm()
	// The batch operators carry the mean's shift, so that their mean is eff.
	shift := eff.A.(*analysis.TangentOperator).Shift
	batches := make([]analysis.SymOperator, l.Batches())
	for bi := range batches {
		batches[bi] = analysis.ScaledOperator{A: analysis.NewTangentOperator(l.BatchHessian(bi), l.Point(), shift), C: r2}
	}
	th, err := StabilityOf(batches, cfg)
	if err != nil {
		return res, err
	}
	res.RitzValues, res.RitzResidual, res.LambdaMax, res.K = th.RitzValues, th.RitzResidual, th.LambdaMax, th.K
	res.LanczosSteps, res.RitzConverged = th.LanczosSteps, th.Converged
	res.LambdaDirect, res.Asymmetry = th.LambdaDirect, th.Asymmetry
	res.GDThreshold, res.GDThresholdCI, res.MSThreshold, res.MSThresholdCI = th.GDThreshold, th.GDThresholdCI, th.MSThreshold, th.MSThresholdCI
	res.BatchSharpness = l.BatchSharpness()
	res.BatchThreshold = 2 / res.BatchSharpness.Ratio
	if cfg.SLQProbes > 0 && cfg.SLQSteps > 0 {
		t0, c0 := time.Now(), processCPU()
		s := analysis.SLQ(eff, analysis.SLQConfig{Probes: cfg.SLQProbes, Steps: cfg.SLQSteps, Seed: cfg.Seed, Stream: 2})
		res.Spectrum, res.SpectrumTime = &s, costSince(t0, c0)
	}
	if cfg.GNProbes > 0 && cfg.SLQSteps > 0 {
		t0, c0 := time.Now(), processCPU()
		gn, err := l.EffectiveGaussNewton()
		if err != nil {
			return res, err
		}
		s := analysis.SLQ(gn, analysis.SLQConfig{Probes: cfg.GNProbes, Steps: cfg.SLQSteps, Seed: cfg.Seed, Stream: 2})
		res.GNSpectrum, res.GNSpectrumTime = &s, costSince(t0, c0)
	}
	c := costSince(start, cpu0)
	res.WallTime, res.CPUTime = c.Wall, c.CPU
	return res, nil
}

// Thresholds are the stability thresholds of StabilityOf.
type Thresholds struct {
	RitzValues, RitzResidual []float64
	// LanczosSteps is the number of Lanczos steps taken and Converged
	// whether every Ritz pair met StabilityConfig.LanczosTol by then.
	LanczosSteps int
	Converged    bool
	// LambdaMax is the top eigenvalue of the symmetrised compression of
	// the mean to the Krylov space, Vector its unit eigenvector in the
	// full space, and LambdaDirect the curvature measured again along it,
	// Vector^T Hbar(Vector) (one more product per batch): for linear
	// products the two agree. Asymmetry is ||C - C^T||_F / ||C||_F of the
	// unsymmetrised compression C of the mean, 0 for a symmetric linear
	// operator.
	LambdaMax, LambdaDirect, Asymmetry float64
	Vector                             []float64
	K                                  int
	GDThreshold, MSThreshold           float64
	GDThresholdCI, MSThresholdCI       [2]float64
}

// krylovRecorder is the mean of batch operators that keeps every vector it
// is applied to and each batch's product with it, so that the batches can
// be compressed to the Krylov space of the mean without further products.
type krylovRecorder struct {
	batches []analysis.SymOperator
	vecs    [][]float64
	prods   [][][]float64 // prods[b][j]: batch b applied to vecs[j]
}

func (r *krylovRecorder) Dim() int { return r.batches[0].Dim() }

func (r *krylovRecorder) Apply(dst, v []float64) {
	clear(dst)
	r.vecs = append(r.vecs, slices.Clone(v))
	for b, op := range r.batches {
		p := make([]float64, len(v))
		op.Apply(p, v)
		r.prods[b] = append(r.prods[b], p)
		floats.Add(dst, p)
	}
	floats.Scale(1/float64(len(r.batches)), dst)
}

// StabilityOf returns the GD and mean-square thresholds of the linearised
// SGD with the given batch operators (effective, on the tangent space),
// whose mean is the operator Lanczos is run on. Every batch is compressed
// to the Krylov space of the mean that Lanczos builds, from the products
// Lanczos itself computed (the batches' products with each Lanczos vector
// q_j; no further products): C_B = sym(Q^T H_B Q). The mean of the C_B is
// then exactly the compression of the mean, so its top eigenvalue is the
// Rayleigh-Ritz estimate of lambda_max whatever the products' departure
// from linearity (finite differences of a piecewise-smooth loss). The
// batches are compressed on to the top cfg.TopK positive eigenvectors of
// that mean and analysis.MSThresholdBatches gives both thresholds, with
// bootstrap intervals over the batches. It keeps Steps x len(batches)
// products of length Dim in memory.
func StabilityOf(batches []analysis.SymOperator, cfg StabilityConfig) (Thresholds, error) {
	cfg = cfg.withDefaults()
	var th Thresholds
	if len(batches) == 0 {
		return th, errors.New("experiment: no batches")
	}
	rec := &krylovRecorder{batches: batches, prods: make([][][]float64, len(batches))}
	e := analysis.Lanczos(rec, analysis.LanczosConfig{K: cfg.TopK, Steps: cfg.LanczosSteps, Tol: cfg.LanczosTol, Seed: cfg.Seed, Stream: 1})
	th.RitzValues, th.RitzResidual = e.Values, e.Residuals
	th.LanczosSteps, th.Converged = e.Steps, e.Converged

	m := len(rec.vecs)
	// The compression is a Rayleigh-Ritz one only in an orthonormal basis:
	// Lanczos applies the operator once to each of its (reorthogonalised)
	// vectors and to nothing else.
	for i := range m {
		for j := range i + 1 {
			want := 0.0
			if i == j {
				want = 1
			}
			if d := floats.Dot(rec.vecs[i], rec.vecs[j]); math.Abs(d-want) > 1e-8 {
				return th, fmt.Errorf("experiment: the Lanczos vectors %d and %d have the inner product %v, not %v", i, j, d, want)
			}
		}
	}
	cs := make([]*mat.SymDense, len(batches))
	raw := mat.NewDense(m, m, nil) // the unsymmetrised compression of the mean
	qhq := mat.NewDense(m, m, nil) // one batch's Q^T H_B Q
	for b := range cs {
		for i := range m {
			for j := range m {
				qhq.Set(i, j, floats.Dot(rec.vecs[i], rec.prods[b][j]))
			}
		}
		raw.Add(raw, qhq)
		cs[b] = symPart(qhq)
	}
	raw.Scale(1/float64(len(batches)), raw)
	var skew mat.Dense
	skew.Sub(raw, raw.T())
	th.Asymmetry = mat.Norm(&skew, 2) / math.Max(mat.Norm(raw, 2), math.SmallestNonzeroFloat64)
	hs, w, err := positivePart(cs, cfg.TopK)
	if err != nil {
		return th, err
	}
	// The top eigenvector of the compressed mean (w's first column, in the
	// Lanczos basis), and the curvature measured along it.
	y := make([]float64, batches[0].Dim())
	for j := range m {
		floats.AddScaled(y, w.At(j, 0), rec.vecs[j])
	}
	floats.Scale(1/floats.Norm(y, 2), y)
	hy := make([]float64, len(y))
	rec.Apply(hy, y)
	th.Vector, th.LambdaDirect = y, floats.Dot(y, hy)
	th.K = hs[0].SymmetricDim()
	ms, gd, err := analysis.MSThresholdBatches(hs)
	if err != nil {
		return th, err
	}
	th.MSThreshold, th.GDThreshold, th.LambdaMax = ms, gd, 2/gd
	// Bootstrap over batches: resample the batch matrices.
	rng := rand.New(rand.NewPCG(cfg.Seed, 3))
	var bms, bgd []float64
	re := make([]*mat.SymDense, len(hs))
	for range cfg.Bootstrap {
		for i := range re {
			re[i] = hs[rng.IntN(len(hs))]
		}
		m, gd, err := analysis.MSThresholdBatches(re)
		if err != nil {
			continue // a resample whose mean is not positive definite
		}
		bms = append(bms, m)
		bgd = append(bgd, gd)
	}
	th.MSThresholdCI = percentileCI(bms, cfg.Level)
	th.GDThresholdCI = percentileCI(bgd, cfg.Level)
	return th, nil
}

func percentileCI(v []float64, level float64) [2]float64 {
	if len(v) < 2 {
		return [2]float64{math.NaN(), math.NaN()}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	q := func(p float64) float64 {
		x := p * float64(len(s)-1)
		i := int(x)
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		return s[i] + (x-float64(i))*(s[i+1]-s[i])
	}
	return [2]float64{q((1 - level) / 2), q((1 + level) / 2)}
}

// CheckpointBatches returns the first n full mini-batches of the run's
// batch size in the order of epoch's permutation of the run's training set
// (the batches that epoch would train on).
func CheckpointBatches(ds *data.Dataset, ck *realnets.Checkpoint, epoch, n int) realnets.Batches {
	tr := ds.Train
	b := ck.Config.Batch
	if b == 0 {
		b = 128
	}
	n = min(n, tr.N/b)
	perm := make([]int, tr.N)
	data.Permutation(perm, ck.Config.Seed, epoch)
	x := make([]float32, n*b*tr.ImageSize())
	y := make([]int, n*b)
	tr.Gather(x, y, perm[:n*b])
	return realnets.Batches{X: x, Y: y, N: n * b, Size: b}
}

// StabilityAt measures Stability at the checkpoint name on the batches of
// the epoch after it.
func StabilityAt(name string, cfg StabilityConfig) (StabilityResult, error) {
	m, ds, ck, err := realnets.FromCheckpoint(name)
	if err != nil {
		return StabilityResult{}, err
	}
	cfg = cfg.withDefaults()
	res, err := Stability(m, CheckpointBatches(ds, ck, ck.Epoch+1, cfg.Batches), cfg)
	res.Epoch, res.ELR = ck.Epoch, ck.Config.ELR
	if err != nil {
		return res, fmt.Errorf("%s: %v", name, err)
	}
	return res, nil
}

// positivePart compresses the batch matrices to the eigenvectors of their
// mean with the top (at most) k eigenvalues that are positive, and returns
// those eigenvectors as the columns of w, largest eigenvalue first.
func positivePart(hs []*mat.SymDense, k int) (out []*mat.SymDense, w *mat.Dense, err error) {
	n := hs[0].SymmetricDim()
	mean := mat.NewSymDense(n, nil)
	for _, h := range hs {
		mean.AddSym(mean, h)
	}
	mean.ScaleSym(1/float64(len(hs)), mean)
	var es mat.EigenSym
	if !es.Factorize(mean, true) {
		return nil, nil, fmt.Errorf("experiment: eigendecomposition of the compressed mean Hessian failed")
	}
	vals := es.Values(nil)
	var v mat.Dense
	es.VectorsTo(&v)
	var keep []int // descending
	for i := n - 1; i >= 0 && len(keep) < k; i-- {
		if vals[i] > 0 {
			keep = append(keep, i)
		}
	}
	if len(keep) == 0 {
		return nil, nil, fmt.Errorf("experiment: the compressed mean Hessian has no positive eigenvalue (top %v)", vals[max(n-k, 0):])
	}
	w = mat.NewDense(n, len(keep), nil)
	for j, i := range keep {
		w.SetCol(j, mat.Col(nil, i, &v))
	}
	out = make([]*mat.SymDense, len(hs))
	for b, h := range hs {
		var t, r mat.Dense
		t.Mul(h, w)
		r.Mul(w.T(), &t)
		out[b] = symPart(&r)
	}
	return out, w, nil
}

// symPart returns (a + a^T)/2 of the square matrix a.
func symPart(a mat.Matrix) *mat.SymDense {
	n, _ := a.Dims()
	s := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return s
}
