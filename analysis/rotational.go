package analysis

import (
	"errors"
	"fmt"
	"math"

	"github.com/regimes/regimes/internal/fileio"
	"gonum.org/v1/gonum/stat/distuv"
)

// RotationalInput is a conventional SGD run on scale-invariant weights
// (learning rate LR, weight decay WD, heavy-ball momentum in PyTorch's
// convention) as per-step series over the same steps: the effective
// gradient norm of each step's batch at the unit point,
// ||grad_x L_B|| * ||x|| (what the network runs log as grad_norm), the
// realised ELR LR/((1 - LR WD)||x||^2) of the step and the angle between
// consecutive SI vectors. NoiseTrace optionally holds the gradient-noise
// trace tr Sigma_1 at unit norm from gradient passes at fixed weights
// (the square of the runs' grad_noise), FullSq the squared norm of the
// full gradient at those passes (grad_norm_full^2), both over the same
// stretch of training.
type RotationalInput struct {
	LR, WD, Momentum float64
	GradNorm, ELR    []float64
	Angle            []float64
	NoiseTrace       []float64
	FullSq           []float64
}

// An Interval is an estimate with its 95% confidence interval.
type Interval struct {
	Value float64    `json:"value"`
	CI95  [2]float64 `json:"ci95"`
}

// Contains reports whether x is in the interval.
func (v Interval) Contains(x float64) bool { return v.CI95[0] <= x && x <= v.CI95[1] }

// RelErr returns (Value - x)/x.
func (v Interval) RelErr(x float64) float64 { return (v.Value - x) / x }

// Map applies a monotone f to the estimate and its interval.
func (v Interval) Map(f func(float64) float64) Interval {
	a, b := f(v.CI95[0]), f(v.CI95[1])
	return Interval{Value: f(v.Value), CI95: [2]float64{math.Min(a, b), math.Max(a, b)}}
}

// MarshalJSON encodes v with NaN as null.
func (v Interval) MarshalJSON() ([]byte, error) { return fileio.MarshalFinite(v) }

// windowMean returns the mean of x with its 95% CI by batch means (batches
// of BatchTauFactor integrated autocorrelation times, Student t), without
// cutting a transient: the caller has chosen the window.
func windowMean(x []float64) Interval {
	nan := math.NaN()
	v := Interval{Value: nan, CI95: [2]float64{nan, nan}}
	if len(x) < 2 {
		return v
	}
	tau, _ := IAT(x)
	mean, se, nb := BatchMeans(x, BatchSize(len(x), tau))
	v.Value = mean
	if nb >= 2 {
		q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(nb - 1)}.Quantile(0.975)
		v.CI95 = [2]float64{mean - q*se, mean + q*se}
	}
	return v
}

// RotationalEquilibrium compares the measured stationary state of a
// conventional run with the rotational-equilibrium predictions (SCIENCE.md
// section 12.5) made from the run's own gradient statistics:
//
//	r*^4  = LR G / (2 WD (1 - beta)),   G = E||g||^2 (effective, unit norm)
//	ELR*  = LR / ((1 - LR WD) r*^2)      (the realised ELR)
//	Delta = sqrt(2 LR WD / (1 + beta))   (the RMS angle per step)
//
// G is the second moment of the effective stochastic gradient, tr Sigma_1
// plus the squared full gradient; NoiseOnly uses tr Sigma_1 alone, as in
// the reading r*^4 = LR tr(Sigma_1)/(2 WD).
type RotationalEquilibrium struct {
	// Start is the first step of the stationary window (the MSER-5 end of
	// the transient of the realised ELR, the slowest series); Steps the
	// window's length. Every statistic is over this one window, with 95%
	// CIs by batch means.
	Start int `json:"start"`
	Steps int `json:"steps"`
	// TrendP is the p-value of the trend test (TrendTest) of the realised
	// ELR over the window: a small value says the norm is still drifting,
	// so the run has not reached its equilibrium.
	TrendP float64 `json:"trend_p"`
	// GradSq is G over the window.
	GradSq Interval `json:"grad_sq"`
	// Measured stationary values: the SI norm (from the realised ELR),
	// the realised ELR, the mean angle and the RMS angle per step.
	Norm      Interval `json:"norm"`
	ELR       Interval `json:"elr"`
	AngleMean Interval `json:"angle_mean"`
	AngleRMS  Interval `json:"angle_rms"`
	// Predicted values, with the CI that G's CI carries (the angle has
	// none: it does not depend on G).
	PredNorm     Interval `json:"pred_norm"`
	PredELR      Interval `json:"pred_elr"`
	PredAngleRMS float64  `json:"pred_angle_rms"`
	// NoiseTrace and FullSq are the means of the inputs (NaN if absent),
	// and PredNormNoiseOnly the radius predicted from NoiseTrace alone.
	NoiseTrace        float64 `json:"noise_trace"`
	FullSq            float64 `json:"full_sq"`
	PredNormNoiseOnly float64 `json:"pred_norm_noise_only"`
	// Relative errors (measured - predicted)/predicted.
	NormRelErr  float64 `json:"norm_rel_err"`
	ELRRelErr   float64 `json:"elr_rel_err"`
	AngleRelErr float64 `json:"angle_rms_rel_err"`
}

// MarshalJSON encodes e with NaN as null.
func (e RotationalEquilibrium) MarshalJSON() ([]byte, error) { return fileio.MarshalFinite(e) }

// Rotational returns the comparison of in's stationary state with the
// rotational-equilibrium predictions. It needs at least 200 steps and
// positive finite LR and WD with LR*WD < 1 and momentum in [0, 1).
func Rotational(in RotationalInput) (RotationalEquilibrium, error) {
	var r RotationalEquilibrium
	n := len(in.ELR)
	switch {
	case !(in.LR > 0) || !(in.WD > 0) || in.LR*in.WD >= 1 || math.IsInf(in.LR, 0):
		return r, fmt.Errorf("rotational equilibrium needs lr > 0 and wd > 0 with lr*wd < 1, have %v and %v", in.LR, in.WD)
	case !(in.Momentum >= 0 && in.Momentum < 1):
		return r, fmt.Errorf("momentum must be in [0, 1), have %v", in.Momentum)
	case len(in.GradNorm) != n || len(in.Angle) != n:
		return r, errors.New("rotational equilibrium: grad norm, ELR and angle series differ in length")
	case n < 200:
		return r, fmt.Errorf("rotational equilibrium needs at least 200 steps, have %d", n)
	}
	for _, s := range [][]float64{in.GradNorm, in.ELR, in.Angle} {
		if i := firstNonFinite(s); i >= 0 {
			return r, fmt.Errorf("rotational equilibrium: non-finite value at step %d", i)
		}
	}
	end, _ := MSER(in.ELR, MSERBatch)
	r.Start, r.Steps = end, n-end
	r.TrendP = TrendTest(in.ELR[end:]).P
	w := func(x []float64) []float64 { return x[end:] }
	sq := func(x []float64) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = v * v
		}
		return out
	}
	eta, wd, b := in.LR, in.WD, in.Momentum
	r.GradSq = windowMean((sq(w(in.GradNorm))))
	r.ELR = windowMean((w(in.ELR)))
	norm := make([]float64, r.Steps)
	for i, e := range w(in.ELR) {
		norm[i] = math.Sqrt(eta / ((1 - eta*wd) * e))
	}
	r.Norm = windowMean((norm))
	r.AngleMean = windowMean((w(in.Angle)))
	r.AngleRMS = windowMean(sq(w(in.Angle))).Map(func(x float64) float64 { return math.Sqrt(math.Max(x, 0)) })
	radius := func(g float64) float64 { return math.Pow(eta*g/(2*wd*(1-b)), 0.25) }
	r.PredNorm = r.GradSq.Map(radius)
	r.PredELR = r.PredNorm.Map(func(x float64) float64 { return eta / ((1 - eta*wd) * x * x) })
	r.PredAngleRMS = math.Sqrt(2 * eta * wd / (1 + b))
	r.NoiseTrace, r.FullSq, r.PredNormNoiseOnly = math.NaN(), math.NaN(), math.NaN()
	if len(in.NoiseTrace) > 0 {
		r.NoiseTrace, _ = meanStd(in.NoiseTrace)
		r.PredNormNoiseOnly = radius(r.NoiseTrace)
	}
	if len(in.FullSq) > 0 {
		r.FullSq, _ = meanStd(in.FullSq)
	}
	r.NormRelErr = r.Norm.Value/r.PredNorm.Value - 1
	r.ELRRelErr = r.ELR.Value/r.PredELR.Value - 1
	r.AngleRelErr = r.AngleRMS.Value/r.PredAngleRMS - 1
	return r, nil
}
