package analysis

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// A SymOperator is a symmetric linear operator on R^Dim given only through
// its products, such as a Hessian- or Fisher-vector product of a network.
type SymOperator interface {
	// Dim returns the dimension of the space the operator acts on.
	Dim() int
	// Apply sets dst to A v. dst and v have length Dim and do not overlap.
	Apply(dst, v []float64)
}

// MatOperator is the SymOperator of an explicit symmetric matrix.
type MatOperator struct{ A mat.Symmetric }

var _ SymOperator = MatOperator{}

// Dim returns the order of the matrix.
func (m MatOperator) Dim() int { return m.A.SymmetricDim() }

// Apply sets dst to A v.
func (m MatOperator) Apply(dst, v []float64) {
	mat.NewVecDense(len(dst), dst).MulVec(m.A, mat.NewVecDense(len(v), v))
}

// HutchinsonConfig configures Hutchinson. The zero value of a field means
// its documented default.
type HutchinsonConfig struct {
	// Probes is the number of Rademacher probe vectors (default 30, at
	// least 2 so that the probe variance can be estimated).
	Probes int
	// Level is the confidence level of the interval (default 0.95).
	Level float64
	// Seed and Stream seed the probes: rand.NewPCG(Seed, Stream).
	Seed, Stream uint64
}

func (c HutchinsonConfig) withDefaults() HutchinsonConfig {
	if c.Probes == 0 {
		c.Probes = 30
	}
	if c.Level == 0 {
		c.Level = 0.95
	}
	if c.Probes < 2 {
		panic(fmt.Sprintf("analysis: Hutchinson needs at least 2 probes, got %d", c.Probes))
	}
	if !(c.Level > 0 && c.Level < 1) {
		panic(fmt.Sprintf("analysis: confidence level %v outside (0, 1)", c.Level))
	}
	return c
}

// TraceEstimate is a stochastic estimate of the trace of an operator.
type TraceEstimate struct {
	// Trace is the mean of the probe values.
	Trace float64 `json:"trace"`
	// StdErr is the standard error of Trace: the sample standard deviation
	// of the probe values over sqrt(Probes).
	StdErr float64 `json:"stderr"`
	// Lo and Hi bound the Student-t confidence interval
	// Trace ± t_{Probes-1} StdErr at the configured level.
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	// Level is the confidence level of [Lo, Hi].
	Level float64 `json:"level"`
	// Probes is the number of probe values.
	Probes int `json:"probes"`
}

// TraceFromSamples returns the trace estimate from independent unbiased
// samples of the trace (the values z^T A z of Hutchinson's probes, or any
// other unbiased per-sample estimator): their mean, standard error and a
// Student-t confidence interval at the given level (0 means 0.95). It
// panics with fewer than 2 samples.
func TraceFromSamples(s []float64, level float64) TraceEstimate {
	if level == 0 {
		level = 0.95
	}
	if len(s) < 2 {
		panic(fmt.Sprintf("analysis: a trace estimate needs at least 2 samples, got %d", len(s)))
	}
	m := MeanCI(s, level)
	return TraceEstimate{Trace: m.Mean, StdErr: m.SD / math.Sqrt(float64(m.N)), Lo: m.Lo, Hi: m.Hi, Level: level, Probes: len(s)}
}

// Hutchinson estimates the trace of a by Hutchinson's estimator with
// Rademacher probes z (independent ±1 entries): E[z^T A z] = tr A, and the
// variance of one probe value is 2 sum_{i≠j} A_ij^2, the least among probes
// with independent entries (M. F. Hutchinson 1990, "A stochastic estimator
// of the trace of the influence matrix for Laplacian smoothing splines";
// H. Avron and S. Toledo 2011, J. ACM 58(2)). It costs cfg.Probes products
// with a and is deterministic given the seed.
func Hutchinson(a SymOperator, cfg HutchinsonConfig) TraceEstimate {
	cfg = cfg.withDefaults()
	d := a.Dim()
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Stream))
	z := make([]float64, d)
	az := make([]float64, d)
	s := make([]float64, cfg.Probes)
	for p := range s {
		Rademacher(z, rng)
		a.Apply(az, z)
		s[p] = floats.Dot(z, az)
	}
	return TraceFromSamples(s, cfg.Level)
}

// Rademacher fills z with independent ±1 values from rng, 64 per draw.
func Rademacher(z []float64, rng *rand.Rand) {
	var bits uint64
	for i := range z {
		if i%64 == 0 {
			bits = rng.Uint64()
		}
		if bits&1 == 0 {
			z[i] = 1
		} else {
			z[i] = -1
		}
		bits >>= 1
	}
}

// LanczosConfig configures Lanczos. The zero value of a field means its
// documented default.
type LanczosConfig struct {
	// K is the number of largest eigenvalues returned (default 1).
	K int
	// Steps is the number of Lanczos steps, that is of products with the
	// operator (default max(2K+10, 20), at most the dimension). With Tol
	// set it is the most steps taken (default 100, at most the dimension).
	Steps int
	// Tol, when positive, stops the process at the first step at which
	// every one of the K Ritz pairs has a residual norm of at most Tol
	// times the magnitude of its value (so each value is within a relative
	// Tol of an eigenvalue); EigenEstimate.Converged says whether that
	// happened within Steps. Zero takes exactly Steps steps.
	Tol float64
	// Seed and Stream seed the Gaussian starting vector:
	// rand.NewPCG(Seed, Stream).
	Seed, Stream uint64
}

// EigenEstimate holds Ritz values of a symmetric operator.
type EigenEstimate struct {
	// Values are the K largest Ritz values, in decreasing order.
	Values []float64 `json:"values"`
	// Residuals are the Ritz residual norms ||A y - θ y|| of the unit Ritz
	// vectors y; A has an eigenvalue within Residuals[i] of Values[i]
	// (Golub and Van Loan, Matrix Computations, 4th ed., section 10.1.4).
	Residuals []float64 `json:"residuals"`
	// Steps is the number of Lanczos steps taken (fewer than configured when
	// an invariant subspace was found, in which case the residuals are 0).
	Steps int `json:"steps"`
	// Converged reports that every residual is at most the configured
	// relative tolerance (LanczosConfig.Tol) times its value, or that an
	// invariant subspace was found.
	Converged bool `json:"converged"`
	// Vectors are the unit Ritz vectors of Values.
	Vectors [][]float64 `json:"-"`
}

// Lanczos estimates the cfg.K largest (algebraic, so the most positive for
// an indefinite operator) eigenvalues of a by the Lanczos process with full
// reorthogonalisation (classical Gram-Schmidt applied twice) and the Ritz
// residual bound |β_m s_mi| as the error estimate (Golub and Van Loan,
// Matrix Computations, 4th ed., sections 10.1 and 10.3.1). It costs
// cfg.Steps products with a, keeps cfg.Steps vectors of length a.Dim(), and
// is deterministic given the seed.
func Lanczos(a SymOperator, cfg LanczosConfig) EigenEstimate {
	d := a.Dim()
	if cfg.K == 0 {
		cfg.K = 1
	}
	if cfg.Steps == 0 {
		cfg.Steps = max(2*cfg.K+10, 20)
		if cfg.Tol > 0 {
			cfg.Steps = max(cfg.Steps, 100)
		}
	}
	cfg.Steps = min(cfg.Steps, d)
	if cfg.K < 0 || cfg.K > cfg.Steps {
		panic(fmt.Sprintf("analysis: Lanczos with K=%d needs 0 < K <= Steps=%d", cfg.K, cfg.Steps))
	}
	if !(cfg.Tol >= 0) {
		panic(fmt.Sprintf("analysis: Lanczos with tolerance %v, want >= 0", cfg.Tol))
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Stream))
	v := make([]float64, d)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	// residuals returns the top min(K, m) Ritz values of the tridiagonal
	// matrix of alpha and beta, their residual norms |β_m s_mi|, and its
	// eigenvectors.
	residuals := func(alpha, beta []float64, scale float64) (vals, res []float64, s *mat.Dense) {
		m := len(alpha)
		all, s := tridiagEigen(alpha, beta) // ascending
		last := beta[m-1]
		if last <= 1e-12*scale {
			last = 0
		}
		for i := range min(cfg.K, m) {
			c := m - 1 - i
			vals = append(vals, all[c])
			res = append(res, math.Abs(last*s.At(m-1, c)))
		}
		return vals, res, s
	}
	converged := func(vals, res []float64) bool {
		if len(vals) < cfg.K {
			return false
		}
		for i, r := range res {
			if r > cfg.Tol*math.Abs(vals[i]) {
				return false
			}
		}
		return true
	}
	var stop func(alpha, beta []float64, scale float64) bool
	if cfg.Tol > 0 {
		stop = func(alpha, beta []float64, scale float64) bool {
			if len(alpha) < cfg.K {
				return false
			}
			vals, res, _ := residuals(alpha, beta, scale)
			return converged(vals, res)
		}
	}
	alpha, beta, q, scale := lanczos(a, v, cfg.Steps, 1e-12, stop)
	m := len(alpha)
	vals, res, s := residuals(alpha, beta, scale)
	k := len(vals)
	out := EigenEstimate{Values: vals, Residuals: res, Steps: m, Vectors: make([][]float64, k)}
	out.Converged = beta[m-1] <= 1e-12*scale || cfg.Tol > 0 && converged(vals, res)
	for i := range k {
		c := m - 1 - i
		y := make([]float64, d)
		for j := range m {
			floats.AddScaled(y, s.At(j, c), q[j])
		}
		out.Vectors[i] = y
	}
	return out
}

// lanczos runs at most m steps of the Lanczos process on a from v (not
// modified, nonzero) with full reorthogonalisation against every previous
// vector, twice ("twice is enough", Giraud, Langou and Rozložník 2005). It
// returns the diagonal alpha and the norms beta of the residuals after each
// step (beta[j] couples steps j and j+1; the last is the residual of the
// final Ritz pairs), the orthonormal Lanczos vectors q, and the running
// estimate of ||A||. It stops early when a residual falls below tol times
// that estimate (the Krylov space is then invariant), or when stop, if not
// nil, returns true after a step.
func lanczos(a SymOperator, v []float64, m int, tol float64, stop func(alpha, beta []float64, scale float64) bool) (alpha, beta []float64, q [][]float64, scale float64) {
	d := a.Dim()
	cur := make([]float64, d)
	floats.ScaleTo(cur, 1/floats.Norm(v, 2), v)
	w := make([]float64, d)
	for j := 0; j < m; j++ {
		q = append(q, cur)
		a.Apply(w, cur)
		al := floats.Dot(cur, w)
		alpha = append(alpha, al)
		for range 2 {
			for _, qi := range q {
				floats.AddScaled(w, -floats.Dot(qi, w), qi)
			}
		}
		b := floats.Norm(w, 2)
		scale = max(scale, math.Abs(al), b)
		beta = append(beta, b)
		if b <= tol*scale || j == m-1 || stop != nil && stop(alpha, beta, scale) {
			break
		}
		cur = make([]float64, d)
		floats.ScaleTo(cur, 1/b, w)
	}
	return alpha, beta, q, scale
}
