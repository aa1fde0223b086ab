package analysis

import (
	"fmt"
	"math"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/regime"
	"gonum.org/v1/gonum/stat/distuv"
)

// LyapunovEvidence is a maximal Lyapunov exponent with its confidence
// interval, as estimated by the Lyapunov tools of this package.
type LyapunovEvidence struct {
	Exponent float64    `json:"exponent"`
	CI       [2]float64 `json:"ci"`
}

// ClassifySettings holds the thresholds of Classify. The zero value means
// the documented defaults.
type ClassifySettings struct {
	// Alpha is the significance level of the trend tests and of the
	// comparison with the random level. Default 0.01.
	Alpha float64 `json:"alpha"`
	// MinRows is the least number of rows to classify at all. Default 20,
	// the least the stationary-window rule MSER-5 works on (4 batches of
	// 5 rows). It is no guarantee of a verdict: each rule asks its own
	// statistics for enough evidence (the effective sample size of the
	// loss for a stationary verdict, the confidence bound of the angle for
	// the angular cap), and a run short of it is undetermined with a
	// reason that says how many more rows the rule needs. Per-epoch logs,
	// whose rows each average many steps, are classified this way whenever
	// their evidence suffices.
	MinRows int `json:"min_rows"`
	// MinESS is the least effective sample size of the stationary window
	// of the loss for a stationary verdict. Default 100 (with batches of
	// 10 IATs this leaves at least 10 batch means).
	MinESS float64 `json:"min_ess"`
	// FloorRel is the loss floor, relative to the random level (or to the
	// first loss when the random level is unknown), below which a run has
	// converged. Default 1e-10.
	FloorRel float64 `json:"floor_rel"`
	// GradCollapse is the ratio of the gradient norm at the end to that at
	// the start below which a run has converged. Default 1e-5, the square
	// root of FloorRel: near a minimum the loss is quadratic in the
	// gradient.
	GradCollapse float64 `json:"grad_collapse"`
	// MinLogDrop is the least fitted decrease of log loss over the window
	// (natural log) for a significant decreasing trend to mean
	// convergence. Default 1 (a factor e).
	MinLogDrop float64 `json:"min_log_drop"`
	// DivergenceAngle is the angular update (radians) above which a
	// stationary run is in divergence whatever its loss level: the
	// one-sided (1 - Alpha) lower confidence bound of the stationary mean
	// angle must reach it. Default 0.9 * pi/2 (the angle of a projected
	// step is below pi/2 and tends to it as ELR * ||g|| grows).
	DivergenceAngle float64 `json:"divergence_angle"`
}

func (s ClassifySettings) withDefaults() ClassifySettings {
	if s.Alpha == 0 {
		s.Alpha = 0.01
	}
	if s.MinRows == 0 {
		s.MinRows = 20
	}
	if s.MinESS == 0 {
		s.MinESS = 100
	}
	if s.FloorRel == 0 {
		s.FloorRel = 1e-10
	}
	if s.GradCollapse == 0 {
		s.GradCollapse = 1e-5
	}
	if s.MinLogDrop == 0 {
		s.MinLogDrop = 1
	}
	if s.DivergenceAngle == 0 {
		s.DivergenceAngle = 0.9 * math.Pi / 2
	}
	return s
}

// RegimeInput is the input of Classify.
type RegimeInput struct {
	// Loss is the training loss, one value a row (required).
	Loss []float64
	// GradNorm is the effective gradient norm (optional).
	GradNorm []float64
	// Angle is the angular update per row, in radians (optional).
	Angle []float64
	// RandomLevel is the loss level of a random point: tr(H)/(2d) for
	// lsq, log(classes) or the initial loss for a network. Zero or NaN
	// means unknown.
	RandomLevel float64
	// Lyapunov is an estimate of the maximal Lyapunov exponent (optional).
	Lyapunov *LyapunovEvidence
	// Settings holds the thresholds; the zero value means the defaults.
	Settings ClassifySettings
}

// Evidence is what a regime label rests on.
type Evidence struct {
	// Rows is the number of rows of the loss series.
	Rows int `json:"rows"`
	// TailLossRel is the median loss of the last tenth of the rows over
	// the reference level (the random level, or the first loss when that
	// is unknown).
	TailLossRel float64 `json:"tail_loss_rel"`
	// GradTailRel is the median gradient norm of the last tenth over that
	// of the first tenth (NaN without gradient norms).
	GradTailRel float64 `json:"grad_tail_rel"`
	// LogLossTrendSlope, LogLossTrendP and LogLossDrop are the trend test
	// of log loss over its stationary window (MSER-5): slope per row,
	// two-sided p-value and fitted decrease over the window (NaN when a
	// loss is not positive).
	LogLossTrendSlope float64 `json:"log_loss_trend_slope"`
	LogLossTrendP     float64 `json:"log_loss_trend_p"`
	LogLossDrop       float64 `json:"log_loss_drop"`
	// LogLossDriftP is the two-sided p-value of DriftTest (mean
	// increment) on log loss over the same window.
	LogLossDriftP float64 `json:"log_loss_drift_p"`
	// LogLossHalvesP are the p-values of the trend test of log loss over
	// each half of the window on its own (NaN when not computed).
	LogLossHalvesP [2]float64 `json:"log_loss_halves_p"`
	// LossTrendSlope and LossTrendP are the trend test of the loss over
	// its stationary window.
	LossTrendSlope float64 `json:"loss_trend_slope"`
	LossTrendP     float64 `json:"loss_trend_p"`
	// Level is the stationary mean of the loss, LevelStdErr its batch-means
	// standard error, LevelUpper the one-sided (1-Alpha) upper confidence
	// bound Level + t(1-Alpha, batches-1) * LevelStdErr, and LevelESS the
	// effective sample size of the window.
	Level       float64 `json:"level"`
	LevelStdErr float64 `json:"level_stderr"`
	LevelUpper  float64 `json:"level_upper"`
	LevelESS    float64 `json:"level_ess"`
	// RandomLevel is the random level compared with (NaN if unknown).
	RandomLevel float64 `json:"random_level"`
	// AngleLevel and AngleStdErr are the stationary mean angular update
	// and its standard error (NaN without angles).
	// AngleLower is the one-sided (1-Alpha) lower confidence bound of
	// AngleLevel (NaN without angles or when the loss is not stationary).
	AngleLevel  float64 `json:"angle_level"`
	AngleStdErr float64 `json:"angle_stderr"`
	AngleLower  float64 `json:"angle_lower"`
	// Lyapunov is the Lyapunov estimate given, if any.
	Lyapunov *LyapunovEvidence `json:"lyapunov"`
	// Settings are the thresholds used.
	Settings ClassifySettings `json:"settings"`
	// Reasons explains the label in sentences.
	Reasons []string `json:"reasons"`
}

// MarshalJSON encodes e with NaN and infinite values as null.
func (e Evidence) MarshalJSON() ([]byte, error) { return fileio.MarshalFinite(e) }

// UnmarshalJSON decodes e; null numbers decode as NaN.
func (e *Evidence) UnmarshalJSON(data []byte) error {
	type plain Evidence
	var p plain
	if err := fileio.UnmarshalFinite(data, &p); err != nil {
		return err
	}
	*e = Evidence(p)
	return nil
}

// Classification is the result of Classify: a regime label, its evidence,
// and the statistics of each series (over its own stationary window).
type Classification struct {
	Regime   regime.Regime `json:"regime"`
	Evidence Evidence      `json:"evidence"`
	// Loss and LogLoss are the statistics of the loss and of its natural
	// log (LogLoss.N is 0 when a loss is not positive).
	Loss, LogLoss SeriesStats `json:"-"`
	// GradNorm and Angle are nil when not given.
	GradNorm, Angle *SeriesStats `json:"-"`
}

// Classify labels a training run with one of the three regimes of
// Kodryan et al. (2022), or "undetermined", and returns the evidence
// (SCIENCE.md sections 4, 6.1 and 8). The rules are applied in this order;
// s denotes the settings (defaults in ClassifySettings):
//
//  1. Fewer than s.MinRows rows, or a NaN or infinite loss: undetermined.
//  2. Convergence by floor: the median loss of the last tenth of the rows
//     is at most s.FloorRel times the reference (the random level, or the
//     first loss when the random level is unknown).
//  3. Convergence by gradient collapse: the median gradient norm of the
//     last tenth is at most s.GradCollapse times that of the first tenth.
//  4. If every loss is positive, log loss over its stationary window
//     (MSER-5; the second half when the loss never settles) is tested for
//     a decrease in two ways: the trend test (TrendTest, regression of
//     batch means) and the drift test (DriftTest, mean increment, which
//     suits the random-walk-with-drift shape of log loss under SGD
//     convergence). A significantly negative result of either
//     (p < s.Alpha) with a fitted decrease over the window of at least
//     s.MinLogDrop is convergence. So is a sustained decrease: a
//     significantly negative trend over the window that is also
//     significant in each half of the window on its own (the loss keeps
//     falling, as a loss decaying like a power of the step does, which
//     drops by only a ln 2 over the second half of a run for L ~ t^-a).
//     Any other significant decrease, or a significant increase by the
//     trend test, is undetermined (still drifting: run longer).
//  5. Otherwise the loss must look stationary: its stationary window
//     needs an effective sample size of at least s.MinESS and no
//     significant trend (p >= s.Alpha), else undetermined.
//  6. Divergence by the angular cap: the one-sided (1 - s.Alpha) lower
//     confidence bound of the stationary mean angular update is at least
//     s.DivergenceAngle (0.9 pi/2). Every step then turns by nearly pi/2,
//     the ELR -> infinity limit u' = -g/||g|| of SCIENCE.md 6.1: the
//     iterates jump across the sphere (the random walk of regime 3 in
//     SCIENCE.md 4) whatever the loss level. This rule is what identifies
//     regime 3 on networks with a frozen head, whose loss there lies below
//     that of random points because each iterate is a normalised negative
//     gradient of the previous batch (testdata/mnist/README.md).
//  7. The random level unknown: undetermined (stationary, but chaotic
//     equilibrium and divergence cannot be told apart).
//  8. Chaotic equilibrium when the one-sided (1 - s.Alpha) upper
//     confidence bound of the stationary loss level (batch means, Student
//     t with batches-1 degrees of freedom) is below the random level;
//     divergence otherwise (the level is not significantly below the
//     random level: the operational definition of SCIENCE.md 6.1).
//  9. Contradiction: a convergence verdict with a Lyapunov confidence
//     interval entirely above 0 becomes undetermined. A negative exponent
//     in a stationary regime is only noted (noise-driven, not chaotic).
//
// Gradient norms and angles, when given, are summarised (Stationary) and
// reported; rules 3 and 6 use them for the verdict.
func Classify(in RegimeInput) (c Classification) {
	s := in.Settings.withDefaults()
	nan := math.NaN()
	rl := in.RandomLevel
	if rl == 0 || math.IsInf(rl, 0) {
		rl = nan
	}
	ev := Evidence{
		Rows: len(in.Loss), TailLossRel: nan, GradTailRel: nan,
		LogLossTrendSlope: nan, LogLossTrendP: nan, LogLossDrop: nan, LogLossDriftP: nan,
		LogLossHalvesP: [2]float64{nan, nan}, LossTrendSlope: nan, LossTrendP: nan,
		Level: nan, LevelStdErr: nan, LevelUpper: nan, LevelESS: nan,
		RandomLevel: rl, AngleLevel: nan, AngleStdErr: nan, AngleLower: nan,
		Lyapunov: in.Lyapunov, Settings: s,
	}
	c.Regime = regime.Undetermined
	say := func(format string, args ...any) {
		ev.Reasons = append(ev.Reasons, fmt.Sprintf(format, args...))
	}
	defer func() { c.Evidence = ev }()

	// Summaries of the optional series come first: they are evidence
	// whatever the verdict.
	dropped := func(role string, x []float64) {
		if i := firstNonFinite(x); i >= 0 {
			say("note: the %s column is not used: its value at row %d is %v (a missing value is left out before; a NaN or infinity is not)", role, i, x[i])
		}
	}
	dropped("gradient-norm", in.GradNorm)
	dropped("angle", in.Angle)
	if finite(in.GradNorm) && len(in.GradNorm) > 0 {
		g := Stationary(in.GradNorm)
		c.GradNorm = &g
		k := max(1, len(in.GradNorm)/10)
		head, tail := Median(in.GradNorm[:k]), Median(in.GradNorm[len(in.GradNorm)-k:])
		if head > 0 {
			ev.GradTailRel = tail / head
		}
	}
	if finite(in.Angle) && len(in.Angle) > 0 {
		a := Stationary(in.Angle)
		c.Angle = &a
		ev.AngleLevel, ev.AngleStdErr = a.Mean, a.StdErr
	}

	n := len(in.Loss)
	if n < s.MinRows {
		say("too short: %d rows, fewer than the %d needed", n, s.MinRows)
		return c
	}
	if i := firstNonFinite(in.Loss); i >= 0 {
		say("loss is %v at row %d: the run blew up numerically", in.Loss[i], i)
		return c
	}
	c.Loss = Stationary(in.Loss)

	ref, refName := rl, "random level"
	if math.IsNaN(ref) {
		ref, refName = in.Loss[0], "first loss"
	}
	k := max(1, n/10)
	tail := Median(in.Loss[n-k:])
	if ref > 0 {
		ev.TailLossRel = tail / ref
	}

	verdict := func(label regime.Regime) Classification {
		c.Regime = label
		if label == regime.Convergence && in.Lyapunov != nil && in.Lyapunov.CI[0] > 0 {
			say("but the Lyapunov exponent %.3g has a confidence interval [%.3g, %.3g] above 0, which contradicts convergence", in.Lyapunov.Exponent, in.Lyapunov.CI[0], in.Lyapunov.CI[1])
			c.Regime = regime.Undetermined
		}
		if label != regime.Convergence && in.Lyapunov != nil && in.Lyapunov.CI[1] < 0 {
			say("note: the Lyapunov exponent %.3g is significantly negative: the motion is noise-driven rather than chaotic", in.Lyapunov.Exponent)
		}
		return c
	}

	// Rule 2: the loss reached the floor.
	if ref > 0 && tail <= s.FloorRel*ref {
		say("converged: the median loss of the last %d rows, %.3g, is at most %g times the %s %.3g", k, tail, s.FloorRel, refName, ref)
		return verdict(regime.Convergence)
	}
	// Rule 3: the gradient norm collapsed.
	if ev.GradTailRel <= s.GradCollapse {
		say("converged: the median gradient norm of the last tenth is %.3g times that of the first tenth (at most %g)", ev.GradTailRel, s.GradCollapse)
		return verdict(regime.Convergence)
	}
	// Rule 4: a significant trend of log loss.
	if positive(in.Loss) {
		logs := make([]float64, n)
		for i, v := range in.Loss {
			logs[i] = math.Log(v)
		}
		c.LogLoss = Stationary(logs)
		ll := c.LogLoss
		ev.LogLossTrendSlope, ev.LogLossTrendP = ll.TrendSlope, ll.TrendP
		ev.LogLossDrop = -ll.TrendSlope * float64(ll.Window)
		drift := DriftTest(logs[ll.TransientEnd:])
		ev.LogLossDriftP = drift.P
		trendDown := ll.TrendP < s.Alpha && ll.TrendSlope < 0
		driftDown := drift.P < s.Alpha && drift.Slope < 0
		// A sustained decrease: significant in each half of the window on
		// its own (two independent tests at level s.Alpha), as a loss that
		// keeps falling like a power of the step does, whatever the total.
		w := logs[ll.TransientEnd:]
		h1, h2 := TrendTest(w[:len(w)/2]), TrendTest(w[len(w)/2:])
		ev.LogLossHalvesP = [2]float64{h1.P, h2.P}
		sustained := h1.P < s.Alpha && h1.Slope < 0 && h2.P < s.Alpha && h2.Slope < 0
		switch {
		case (trendDown || driftDown) && ev.LogLossDrop >= s.MinLogDrop:
			say("converged: log loss decreases significantly over rows %d-%d (slope %.3g per row, trend p = %.2g, drift p = %.2g, level %g) by %.3g in all (at least %g)", ll.TransientEnd, n-1, ll.TrendSlope, ll.TrendP, drift.P, s.Alpha, ev.LogLossDrop, s.MinLogDrop)
			return verdict(regime.Convergence)
		case trendDown && sustained:
			say("converged: log loss keeps falling over rows %d-%d (trend p = %.2g), significantly in each half on its own (p = %.2g and %.2g, level %g), by %.3g in all", ll.TransientEnd, n-1, ll.TrendP, h1.P, h2.P, s.Alpha, ev.LogLossDrop)
			return verdict(regime.Convergence)
		case trendDown || driftDown:
			say("still decreasing: log loss falls significantly over rows %d-%d (trend p = %.2g, drift p = %.2g) but only by %.3g (less than %g): run longer", ll.TransientEnd, n-1, ll.TrendP, drift.P, ev.LogLossDrop, s.MinLogDrop)
			return c
		case ll.TrendP < s.Alpha:
			say("still increasing: log loss rises significantly over rows %d-%d (slope %.3g per row, p = %.2g): run longer", ll.TransientEnd, n-1, ll.TrendSlope, ll.TrendP)
			return c
		}
	} else {
		say("some losses are not positive: no log-loss trend test")
	}
	// Rule 5: stationarity of the loss.
	ls := c.Loss
	ev.LossTrendSlope, ev.LossTrendP = ls.TrendSlope, ls.TrendP
	ev.Level, ev.LevelStdErr, ev.LevelESS = ls.Mean, ls.StdErr, ls.ESS
	if !(ls.ESS >= s.MinESS) || ls.Batches < 2 {
		// The loss is too short for a level verdict, but the angular-cap
		// rule rests on the angle's own statistics: it may decide.
		if a := c.Angle; a != nil {
			if lower, ok := angleCap(a, s); ok {
				ev.AngleLower = lower
				say("the loss is too short for a level verdict (effective sample size %.3g, fewer than %g), but the angle decides:", ls.ESS, s.MinESS)
				say("divergence: the angular update %.4g rad (%g%% lower bound %.4g over rows %d-%d of its own stationary window, no significant trend: p = %.2g) is at its cap pi/2 (at least %.4g): every step lands nearly orthogonal to the last, the ELR -> infinity limit", a.Mean, 100*(1-s.Alpha), lower, a.TransientEnd, a.N-1, a.TrendP, s.DivergenceAngle)
				return verdict(regime.Divergence)
			}
		}
		say("too short: the stationary window of the loss (rows %d-%d) has an effective sample size of %.3g, fewer than the %g a stationary verdict needs; %s", ls.TransientEnd, n-1, ls.ESS, s.MinESS, moreRowsForESS(ls, s.MinESS))
		if a := c.Angle; a != nil {
			if need := angleNeed(a, s); need != "" {
				say("%s", need)
			}
		}
		return c
	}
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(ls.Batches - 1)}.Quantile(1 - s.Alpha)
	ev.LevelUpper = ls.Mean + q*ls.StdErr
	if ls.TrendP < s.Alpha {
		say("not stationary: the loss has a significant trend over rows %d-%d (slope %.3g per row, p = %.2g < %g): run longer", ls.TransientEnd, n-1, ls.TrendSlope, ls.TrendP, s.Alpha)
		return c
	}
	say("stationary: no significant trend of the loss over rows %d-%d (p = %.2g), level %.4g +/- %.2g (ESS %.0f)", ls.TransientEnd, n-1, ls.TrendP, ls.Mean, ls.StdErr, ls.ESS)
	if ls.TransientAtLimit {
		say("note: MSER did not find the end of the transient in the first half; the second half was used")
	}
	// Rule 6: the angular update at its cap.
	if a := c.Angle; a != nil && a.Batches >= 2 {
		ev.AngleLower, _ = angleCap(a, s)
		if ev.AngleLower >= s.DivergenceAngle {
			say("divergence: the angular update %.4g rad (%g%% lower bound %.4g) is at its cap pi/2 (at least %.4g): every step lands nearly orthogonal to the last, the ELR -> infinity limit", a.Mean, 100*(1-s.Alpha), ev.AngleLower, s.DivergenceAngle)
			return verdict(regime.Divergence)
		}
	}
	// Rules 7 and 8: compare with the random level.
	if math.IsNaN(rl) {
		say("random level unknown: cannot tell chaotic equilibrium from divergence (give the random level)")
		return c
	}
	if ev.LevelUpper < rl {
		say("chaotic equilibrium: the %g%% upper bound of the level, %.4g, is below the random level %.4g", 100*(1-s.Alpha), ev.LevelUpper, rl)
		return verdict(regime.Chaotic)
	}
	say("divergence: the level is not significantly below the random level %.4g (%g%% upper bound %.4g)", rl, 100*(1-s.Alpha), ev.LevelUpper)
	return verdict(regime.Divergence)
}

// angleCap returns the one-sided (1 - s.Alpha) lower confidence bound of
// the stationary mean angle (batch means, Student t with batches-1 degrees
// of freedom) and whether the angle's own evidence puts the run at the
// cap: at least two batches, no significant trend of the angle over its
// window, and the bound at least s.DivergenceAngle.
func angleCap(a *SeriesStats, s ClassifySettings) (lower float64, ok bool) {
	if a.Batches < 2 || !(a.StdErr >= 0) {
		return math.NaN(), false
	}
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(a.Batches - 1)}.Quantile(1 - s.Alpha)
	lower = a.Mean - q*a.StdErr
	return lower, lower >= s.DivergenceAngle && !(a.TrendP < s.Alpha)
}

// moreRowsForESS says how many more rows bring the effective sample size
// of a stationary window to minESS at its measured autocorrelation time:
// ESS = window / IAT, so the window needs minESS * IAT rows.
func moreRowsForESS(ls SeriesStats, minESS float64) string {
	if !(ls.IAT >= 1) || ls.Window < 2 {
		return "run longer"
	}
	more := int(math.Ceil(minESS*ls.IAT)) - ls.Window
	return fmt.Sprintf("at its integrated autocorrelation time of %.3g rows it needs a window of %.0f rows: about %d more rows (if the transient stays %d rows long)", ls.IAT, math.Ceil(minESS*ls.IAT), more, ls.TransientEnd)
}

// angleNeed says what the angular-cap rule still needs when its mean is
// above the cap but its lower confidence bound is not (or the angle has
// too few batches): the number of batches B of the current size at which
// t(1-alpha, B-1) * sd / sqrt(B) <= mean - cap, with sd the standard
// deviation of the batch means as measured (StdErr * sqrt(batches)). It
// returns "" when the angle is not above the cap.
func angleNeed(a *SeriesStats, s ClassifySettings) string {
	gap := a.Mean - s.DivergenceAngle
	if !(gap > 0) {
		return ""
	}
	if a.Batches < 2 || !(a.StdErr > 0) {
		return fmt.Sprintf("the angle %.4g rad is above the cap %.4g but its window of %d rows has fewer than 2 batches of %d: the angular-cap rule needs at least %d rows in its window", a.Mean, s.DivergenceAngle, a.Window, a.BatchSize, 2*max(a.BatchSize, 1))
	}
	if a.TrendP < s.Alpha {
		return fmt.Sprintf("the angle %.4g rad is above the cap %.4g but still has a significant trend (p = %.2g): run longer", a.Mean, s.DivergenceAngle, a.TrendP)
	}
	sd := a.StdErr * math.Sqrt(float64(a.Batches))
	for b := a.Batches; b <= 1<<20; b++ {
		q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(b - 1)}.Quantile(1 - s.Alpha)
		if q*sd/math.Sqrt(float64(b)) <= gap {
			return fmt.Sprintf("the angular-cap rule needs the %g%% lower bound of the angle (mean %.4g rad, %d batches of %d rows) to reach %.4g: at the measured spread of its batch means, %d batches, about %d more rows", 100*(1-s.Alpha), a.Mean, a.Batches, a.BatchSize, s.DivergenceAngle, b, (b-a.Batches)*a.BatchSize)
		}
	}
	return ""
}

func finite(x []float64) bool { return firstNonFinite(x) < 0 }

func firstNonFinite(x []float64) int {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return i
		}
	}
	return -1
}

func positive(x []float64) bool {
	for _, v := range x {
		if !(v > 0) {
			return false
		}
	}
	return true
}

// LyapunovEvidenceOf returns the exponent and confidence interval of a
// Lyapunov estimate of this package as evidence for Classify.
func LyapunovEvidenceOf(e LyapunovEstimate) *LyapunovEvidence {
	return &LyapunovEvidence{Exponent: e.Exponent, CI: e.CI}
}
