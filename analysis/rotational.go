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
// consecutive SI vectors.
//
// NoiseTrace and FullSq are the checkpoint measurements: at fixed weights
// after CheckpointStep[k] steps, the gradient-noise trace tr Sigma_1 at
// unit norm (the covariance trace of a batch gradient over a fixed set of
// batches, the square of the network runs' grad_noise) and the squared norm
// of the mean gradient over those batches (grad_norm_full^2). The ones
// inside the stationary window make the headline prediction.
//
// Batches is the number n of batches per epoch when every epoch's batches
// partition the training set (a new permutation each epoch), 0 when the
// batches are independent draws: see ShuffleFactor.
type RotationalInput struct {
	LR, WD, Momentum float64
	GradNorm, ELR    []float64
	Angle            []float64
	NoiseTrace       []float64
	FullSq           []float64
	CheckpointStep   []int
	Batches          int
}

// ShuffleFactor returns the factor f by which sampling each epoch's n
// batches without replacement scales the gradient noise's contribution to
// the norm balance of heavy-ball SGD with momentum beta (SCIENCE.md section
// 12.5):
//
//	f = 1 - 2/(n-1) sum_{l=1}^{n-1} beta^l (1 - l/n),
//
// so that the radius is set by G_eff = ||grad L||^2 + f tr Sigma_1. At
// fixed weights the noise of an epoch's n batches sums to zero, so two
// batches l steps apart, in the same epoch with probability 1 - l/n, have
// noise covariance -tr Sigma_1/(n-1); the velocity's norm, which sets the
// radius, sums these over its memory with weights beta^l. f is 1 for
// beta = 0 (a plain SGD step is orthogonal to the weights, so its radius
// sees only E||g||^2) and for n = 0 (independent draws).
func ShuffleFactor(beta float64, n int) float64 {
	if beta == 0 || n < 2 {
		return 1
	}
	var s, bl float64 = 0, 1
	for l := 1; l < n; l++ {
		bl *= beta
		s += bl * (1 - float64(l)/float64(n))
	}
	return 1 - 2*s/float64(n-1)
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
//	r*^4  = LR G_eff / (2 WD (1 - beta))   (beta > 0)
//	r*^4  = LR G / (WD (2 - LR WD))         (beta = 0, the exact fixed point)
//	ELR*  = LR / ((1 - LR WD) r*^2)         (the realised ELR)
//	Delta = sqrt(2 LR WD / (1 + beta))      (the RMS angle per step)
//
// with G_eff = ||grad L||^2 + f tr Sigma_1 (f = ShuffleFactor; f = 1 and
// G_eff = G, the second moment of the effective stochastic gradient,
// without momentum).
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
	// GradSq is G = E||g||^2 of the training steps over the window.
	GradSq Interval `json:"grad_sq"`
	// Checkpoints is the number of checkpoint measurements inside the
	// window; NoiseTrace (tr Sigma_1) and FullSq (||grad L||^2) are their
	// means, with a 95% Student t CI whose standard error is inflated by
	// their integrated autocorrelation time.
	Checkpoints int      `json:"checkpoints"`
	NoiseTrace  Interval `json:"noise_trace"`
	FullSq      Interval `json:"full_sq"`
	// ShuffleFactor is f of the input's Batches and Momentum.
	ShuffleFactor float64 `json:"shuffle_factor"`
	// Measured stationary values: the SI norm (from the realised ELR),
	// the realised ELR, the mean angle and the RMS angle per step.
	Norm      Interval `json:"norm"`
	ELR       Interval `json:"elr"`
	AngleMean Interval `json:"angle_mean"`
	AngleRMS  Interval `json:"angle_rms"`
	// Predictions. PredNorm and PredELR come from the checkpoint
	// measurements, G_eff = FullSq + f NoiseTrace, with the CI their
	// CI carries (NaN without checkpoints in the window); the angle has no
	// CI, depending on no measurement.
	PredNorm     Interval `json:"pred_norm"`
	PredELR      Interval `json:"pred_elr"`
	PredAngleRMS float64  `json:"pred_angle_rms"`
	// Other readings of the radius: PredNormIndependent from the same
	// checkpoint measurements without the correction (f = 1: the theory of
	// independent draws); PredNormStream from the training steps' G with
	// the correction, G - (1 - f) NoiseTrace; PredNormStreamIndependent
	// from the steps' G without it; PredNormNoiseOnly from tr Sigma_1
	// alone, r*^4 = LR tr Sigma_1/(2 WD (1 - beta)).
	PredNormIndependent       Interval `json:"pred_norm_independent"`
	PredNormStream            Interval `json:"pred_norm_stream"`
	PredNormStreamIndependent Interval `json:"pred_norm_stream_independent"`
	PredNormNoiseOnly         Interval `json:"pred_norm_noise_only"`
	// Relative errors (measured - predicted)/predicted against PredNorm,
	// PredELR and PredAngleRMS.
	NormRelErr  float64 `json:"norm_rel_err"`
	ELRRelErr   float64 `json:"elr_rel_err"`
	AngleRelErr float64 `json:"angle_rms_rel_err"`
}

// MarshalJSON encodes e with NaN as null.
func (e RotationalEquilibrium) MarshalJSON() ([]byte, error) { return fileio.MarshalFinite(e) }

// sparseMean returns the mean of a short series (checkpoint measurements)
// with a 95% Student t CI whose standard error sd/sqrt(n) is inflated by
// sqrt(max(1, tau)), tau the series' integrated autocorrelation time.
func sparseMean(x []float64) Interval {
	nan := math.NaN()
	v := Interval{Value: nan, CI95: [2]float64{nan, nan}}
	if len(x) == 0 {
		return v
	}
	m, sd := meanStd(x)
	v.Value = m
	if len(x) < 2 {
		return v
	}
	tau, _ := IAT(x)
	if math.IsNaN(tau) || tau < 1 {
		tau = 1
	}
	se := sd * math.Sqrt(tau/float64(len(x)))
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(x) - 1)}.Quantile(0.975)
	v.CI95 = [2]float64{m - q*se, m + q*se}
	return v
}

// Rotational returns the comparison of in's stationary state with the
// rotational-equilibrium predictions. It needs at least 200 steps,
// positive finite LR and WD with LR*WD < 1, momentum in [0, 1), and
// NoiseTrace, FullSq and CheckpointStep of one length.
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
	case len(in.NoiseTrace) != len(in.CheckpointStep) || len(in.FullSq) != len(in.CheckpointStep):
		return r, errors.New("rotational equilibrium: noise trace, full gradient and checkpoint steps differ in length")
	case in.Batches < 0:
		return r, fmt.Errorf("rotational equilibrium: %d batches per epoch", in.Batches)
	case n < 200:
		return r, fmt.Errorf("rotational equilibrium needs at least 200 steps, have %d", n)
	}
	for _, s := range [][]float64{in.GradNorm, in.ELR, in.Angle, in.NoiseTrace, in.FullSq} {
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
	f := ShuffleFactor(b, in.Batches)
	r.ShuffleFactor = f
	r.GradSq = windowMean(sq(w(in.GradNorm)))
	r.ELR = windowMean(w(in.ELR))
	norm := make([]float64, r.Steps)
	for i, e := range w(in.ELR) {
		norm[i] = math.Sqrt(eta / ((1 - eta*wd) * e))
	}
	r.Norm = windowMean(norm)
	r.AngleMean = windowMean(w(in.Angle))
	r.AngleRMS = windowMean(sq(w(in.Angle))).Map(func(x float64) float64 { return math.Sqrt(math.Max(x, 0)) })
	radius := func(g float64) float64 {
		if b == 0 {
			return math.Pow(eta*g/(wd*(2-eta*wd)), 0.25)
		}
		return math.Pow(eta*g/(2*wd*(1-b)), 0.25)
	}
	elr := func(x float64) float64 { return eta / ((1 - eta*wd) * x * x) }
	// The checkpoints after step s (s steps done) measure the weights that
	// series row s-1 ends at: inside the window when s-1 >= end.
	var noise, full, geff, gsum []float64
	for k, s := range in.CheckpointStep {
		if s-1 >= end && s <= n {
			noise = append(noise, in.NoiseTrace[k])
			full = append(full, in.FullSq[k])
			geff = append(geff, in.FullSq[k]+f*in.NoiseTrace[k])
			gsum = append(gsum, in.FullSq[k]+in.NoiseTrace[k])
		}
	}
	r.Checkpoints = len(noise)
	r.NoiseTrace, r.FullSq = sparseMean(noise), sparseMean(full)
	r.PredNorm = sparseMean(geff).Map(radius)
	r.PredELR = r.PredNorm.Map(elr)
	r.PredAngleRMS = math.Sqrt(2 * eta * wd / (1 + b))
	r.PredNormIndependent = sparseMean(gsum).Map(radius)
	r.PredNormStreamIndependent = r.GradSq.Map(radius)
	r.PredNormNoiseOnly = r.NoiseTrace.Map(func(x float64) float64 { return math.Pow(eta*x/(2*wd*(1-b)), 0.25) })
	if f == 1 {
		r.PredNormStream = r.PredNormStreamIndependent
	} else {
		// G - (1-f) tr Sigma_1: the two CIs' ends combined (G's low end
		// with tr Sigma_1's high end and the reverse), a conservative
		// interval for the difference of two independent estimates.
		lo := r.GradSq.CI95[0] - (1-f)*r.NoiseTrace.CI95[1]
		hi := r.GradSq.CI95[1] - (1-f)*r.NoiseTrace.CI95[0]
		g := Interval{Value: r.GradSq.Value - (1-f)*r.NoiseTrace.Value, CI95: [2]float64{lo, hi}}
		r.PredNormStream = g.Map(func(x float64) float64 { return radius(math.Max(x, 0)) })
	}
	r.NormRelErr = r.Norm.Value/r.PredNorm.Value - 1
	r.ELRRelErr = r.ELR.Value/r.PredELR.Value - 1
	r.AngleRelErr = r.AngleRMS.Value/r.PredAngleRMS - 1
	return r, nil
}
