package toy

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/regimes/regimes/analysis"
)

// ASResult is the almost-sure regime 1|2 threshold of the lsq toy
// (SCIENCE.md sections 6.1 and 7).
type ASResult struct {
	// ELR is the threshold: the ELR where the estimated top Lyapunov
	// exponent of prod_t (I - ELR H_{B_t}) on range(A^T) crosses zero.
	ELR float64 `json:"as_threshold"`
	// CI is the confidence interval of the threshold: the ELRs where the
	// upper and the lower confidence bounds of the exponent cross zero.
	CI [2]float64 `json:"as_threshold_ci"`
	// Level is the confidence level of CI.
	Level float64 `json:"as_level"`
	// Exact is true when the threshold is known in closed form (the full
	// batch: 2/lambda_max(H)); CI is then [ELR, ELR] and Exponent is nil.
	Exact bool `json:"as_exact"`
	// Exponent is the Lyapunov estimate at ELR.
	Exponent *analysis.LyapunovEstimate `json:"as_exponent,omitempty"`
	// Batch is the batch size and Replace the sampling scheme.
	Batch   int  `json:"batch"`
	Replace bool `json:"replace"`
	// Rank is r, the dimension of range(A^T).
	Rank int `json:"rank"`
	// Evaluations is the number of Lyapunov estimates computed.
	Evaluations int `json:"as_evaluations"`
}

// ASThreshold returns the almost-sure threshold of the lsq toy with data rows
// a_i for mini-batches of size batch drawn i.i.d. with replacement (0 means
// the full batch), with default settings and batches seeded by seed. See
// ASThresholdWith.
func ASThreshold(a *mat.Dense, batch int, seed uint64) (ASResult, error) {
	return ASThresholdWith(a, batch, IID, seed, analysis.LyapunovSettings{})
}

// asRelTol and asCIRelTol are the relative widths at which the root searches
// for the threshold and for the ends of its interval stop; they are far below
// the statistical width of the interval (about 1% at the default settings).
const (
	asRelTol   = 1e-6
	asCIRelTol = 1e-4
)

// ASThresholdWith returns the almost-sure regime 1|2 threshold of the lsq
// toy (SCIENCE.md sections 6.1 and 7): the smallest ELR at which the
// top Lyapunov exponent of the random product prod_t (I - ELR H_{B_t}) on
// range(A^T) crosses zero. Batches of size batch are drawn i.i.d. with
// replacement (sampling IID or Full), or as batch distinct samples (Shuffle). The
// exponent is estimated by analysis.ProductLyapunov with settings s (zero
// values: its defaults), block i seeded by (seed, i). Every ELR uses the same
// batch sequence (common random numbers), so the estimated exponent is a
// smooth function of the ELR and its zero is found by a bracketed root search
// (Illinois false position with interleaved bisection).
//
// The search starts at the lower bound of the mean-square threshold from
// MSBounds (by Jensen's inequality the almost-sure threshold is never below
// the mean-square one) and walks up by factors of 1.25 to the first ELR with
// a positive exponent. The interval is the pair of ELRs where the upper and
// the lower confidence bound of the exponent cross zero.
//
// The full batch (batch 0, or batch >= n without replacement) has no
// randomness: the threshold is exactly GDThreshold(a). For b = 1 with equal
// norms ||a_i||^2 = lambda it is exactly 2/lambda. Both are returned with
// Exact set and no Lyapunov estimate. ASThresholdWith returns
// an error for a zero data matrix or a negative batch size.
func ASThresholdWith(a *mat.Dense, batch int, sampling Sampling, seed uint64, s analysis.LyapunovSettings) (ASResult, error) {
	replace := sampling != Shuffle
	n, _ := a.Dims()
	if batch < 0 {
		return ASResult{}, fmt.Errorf("toy: almost-sure threshold: negative batch size %d", batch)
	}
	if floats.Norm(a.RawMatrix().Data, 2) == 0 {
		return ASResult{}, errors.New("toy: almost-sure threshold of zero data is undefined")
	}
	rb := Range(a)
	res := ASResult{Batch: batch, Replace: replace, Rank: rb.Rank(), Level: s.Level}
	if res.Level == 0 {
		res.Level = 0.95
	}
	if batch == 0 || (!replace && batch >= n) {
		g := GDThreshold(a)
		res.ELR, res.CI, res.Exact = g, [2]float64{g, g}, true
		return res, nil
	}
	if l, ok := equalNorms(a); ok && batch == 1 {
		// Every step matrix I - e lambda b_i b_i^T/lambda has norm at most 1
		// for e <= 2/lambda, is a reflection at e = 2/lambda, and has
		// |det| = |1 - e lambda| > 1 beyond: the exponent crosses zero at
		// exactly 2/lambda (SCIENCE.md 6.1).
		res.ELR, res.CI, res.Exact = 2/l, [2]float64{2 / l, 2 / l}, true
		return res, nil
	}
	return asEstimate(a, rb, res, batch, sampling, seed, s)
}

// equalNorms returns lambda and true when every row of a has the squared norm
// lambda to a relative 1e-12.
func equalNorms(a *mat.Dense) (float64, bool) {
	n, _ := a.Dims()
	l0 := floats.Dot(a.RawRowView(0), a.RawRowView(0))
	for i := 1; i < n; i++ {
		if l := floats.Dot(a.RawRowView(i), a.RawRowView(i)); math.Abs(l-l0) > 1e-12*l0 {
			return 0, false
		}
	}
	return l0, true
}

// asEstimate is the numerical part of ASThresholdWith.
func asEstimate(a *mat.Dense, rb RangeBasis, res ASResult, batch int, sampling Sampling, seed uint64, s analysis.LyapunovSettings) (ASResult, error) {
	cache := map[float64]analysis.LyapunovEstimate{}
	est := func(e float64) analysis.LyapunovEstimate {
		if v, ok := cache[e]; ok {
			return v
		}
		v := analysis.ProductLyapunov(func(block int) analysis.LinearProduct {
			return NewLSQProduct(rb, batch, sampling, e, rand.New(rand.NewPCG(seed, uint64(block))))
		}, s)
		cache[e] = v
		res.Evaluations++
		return v
	}
	// A root search may stop once the function is within a small fraction
	// of a standard error of zero (1/20 for the threshold, 1/5 for the ends
	// of its interval): the root is then known far better than its
	// statistical uncertainty.
	mean := func(e float64) (float64, float64) { v := est(e); return v.Exponent, v.StdErr / 20 }
	upper := func(e float64) (float64, float64) { v := est(e); return v.CI[1], v.StdErr / 5 }
	lower := func(e float64) (float64, float64) { v := est(e); return v.CI[0], v.StdErr / 5 }

	start := MSBounds(a, batch, sampling)[0]
	e, err := rootFrom(mean, start, 1.25, false, asRelTol)
	if err != nil {
		return res, fmt.Errorf("toy: almost-sure threshold: %v", err)
	}
	// Predict where the confidence bounds cross zero from the slope of the
	// exponent at e, then search from there.
	x := est(e)
	e2 := e * (1 + 1e-3)
	slope := (est(e2).Exponent - x.Exponent) / (e2 - e)
	half := (x.CI[1] - x.CI[0]) / 2
	guessLo, guessHi := e, e
	if slope > 0 && half > 0 {
		guessLo, guessHi = max(e-half/slope, e/2), e+half/slope
	}
	lo, err := rootFrom(upper, guessLo, 1.001, true, asCIRelTol)
	if err != nil {
		return res, fmt.Errorf("toy: almost-sure threshold lower confidence bound: %v", err)
	}
	hi, err := rootFrom(lower, guessHi, 1.001, true, asCIRelTol)
	if err != nil {
		return res, fmt.Errorf("toy: almost-sure threshold upper confidence bound: %v", err)
	}
	res.ELR, res.CI, res.Exponent = e, [2]float64{min(lo, e), max(hi, e)}, &x
	return res, nil
}

// rootFrom finds a zero of f, which is negative for small x > 0 and positive
// for large x, starting at x0 > 0: it walks by the factor step towards the
// sign change (up if f(x0) < 0, down otherwise), squaring the factor after
// every move when grow is true (up to a factor 2), and then solves within the
// bracket to relative width tol. The second result of f is an absolute
// tolerance: a point x where |f(x)| is within it is accepted as the root.
func rootFrom(f func(float64) (float64, float64), x0, step float64, grow bool, tol float64) (float64, error) {
	fx, ftol := f(x0)
	if math.Abs(fx) <= ftol {
		return x0, nil
	}
	f1 := func(x float64) float64 { y, _ := f(x); return y }
	a, b := x0, x0
	fa, fb := fx, fx
	const maxWalk = 400
	if fa < 0 {
		for i := 0; fb < 0; i++ {
			if i == maxWalk || math.IsInf(b, 0) {
				return 0, fmt.Errorf("no sign change of the exponent above ELR %g", x0)
			}
			a, fa = b, fb
			b *= step
			fb = f1(b)
			if grow {
				step = min(step*step, 2)
			}
		}
	} else {
		for i := 0; fa >= 0; i++ {
			if i == maxWalk || a == 0 {
				return 0, fmt.Errorf("no sign change of the exponent below ELR %g", x0)
			}
			b, fb = a, fa
			a /= step
			fa = f1(a)
			if grow {
				step = min(step*step, 2)
			}
		}
	}
	if math.IsNaN(fa) || math.IsNaN(fb) {
		return 0, errors.New("exponent is NaN")
	}
	return illinois(f, a, b, fa, fb, tol), nil
}

// illinois returns a zero of f in [a, b] with f(a) < 0 <= f(b), by false
// position with the Illinois modification (Dowell and Jarratt, BIT 11,
// 1971), until the bracket width is below tol*b or a point is within the
// absolute tolerance that f returns with its value. A bisection step replaces
// false position whenever two steps together did not halve the bracket, so
// the width always shrinks at least as fast as every other bisection step.
func illinois(f func(float64) (float64, float64), a, b, fa, fb, tol float64) float64 {
	if fb == 0 {
		return b
	}
	side := 0
	width := [2]float64{b - a, b - a} // widths one and two steps ago
	for k := 0; k < 200 && b-a > tol*b; k++ {
		c := (a*fb - b*fa) / (fb - fa)
		if b-a > width[1]/2 || !(c > a && c < b) {
			c = a + (b-a)/2
		}
		width[1], width[0] = width[0], b-a
		fc, ftol := f(c)
		switch {
		case math.Abs(fc) <= ftol:
			return c
		case fc < 0:
			a, fa = c, fc
			if side == -1 {
				fb /= 2
			}
			side = -1
		default:
			b, fb = c, fc
			if side == 1 {
				fa /= 2
			}
			side = 1
		}
	}
	return a + (b-a)/2
}
