package experiment

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/realnets"
)

// RotationalRunResult compares a conventional network run's stationary
// state with the rotational-equilibrium predictions made from its own
// gradient statistics (analysis.Rotational, SCIENCE.md section 12.5).
type RotationalRunResult struct {
	Dir      string  `json:"dir"`
	Model    string  `json:"model"`
	Width    int     `json:"width"`
	LR       float64 `json:"lr"`
	WD       float64 `json:"wd"`
	Momentum float64 `json:"momentum"`
	Epochs   int     `json:"epochs"`
	// WallTime is the run's training wall time in seconds (the last
	// record's wall_time).
	WallTime float64 `json:"wall_time"`
	// FinalTrainLoss is the last epoch's train loss.
	FinalTrainLoss float64                        `json:"final_train_loss"`
	Equilibrium    analysis.RotationalEquilibrium `json:"equilibrium"`
}

// MarshalJSON encodes r with NaN as null.
func (r RotationalRunResult) MarshalJSON() ([]byte, error) { return analysis.MarshalFinite(r) }

// RotationalRun reads the conventional run in dir (config.json, steps.csv
// and metrics.jsonl of `regimes train -lr -wd [-momentum]`) and compares
// its stationary norm, realised ELR and angle per step with the
// predictions from its measured gradient second moment. The gradient-noise
// trace tr Sigma_1 at unit norm is grad_noise^2 of the epochs' gradient
// passes (one pass over the training set at the epoch's end weights) inside
// the stationary window. steps.csv must log every step (-log-every 1).
func RotationalRun(dir string) (RotationalRunResult, error) {
	var res RotationalRunResult
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return res, err
	}
	var cfg struct {
		Model    string  `json:"model"`
		Width    int     `json:"width"`
		ELR      float64 `json:"elr"`
		LR       float64 `json:"lr"`
		WD       float64 `json:"wd"`
		Momentum float64 `json:"momentum"`
		Epochs   int     `json:"epochs"`
		LogEvery int     `json:"log_every"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return res, fmt.Errorf("%s: %v", filepath.Join(dir, "config.json"), err)
	}
	if cfg.ELR > 0 || !(cfg.LR > 0) || !(cfg.WD > 0) {
		return res, fmt.Errorf("%s: not a conventional run with weight decay (elr %g, lr %g, wd %g)", dir, cfg.ELR, cfg.LR, cfg.WD)
	}
	if cfg.LogEvery > 1 {
		return res, fmt.Errorf("%s: steps.csv logs every %d steps; the angle and norm statistics need every step", dir, cfg.LogEvery)
	}
	steps, err := realnets.ReadSteps(filepath.Join(dir, realnets.StepsFile))
	if err != nil {
		return res, err
	}
	recs, err := realnets.ReadMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		return res, err
	}
	in := analysis.RotationalInput{LR: cfg.LR, WD: cfg.WD, Momentum: cfg.Momentum}
	for _, s := range steps {
		in.GradNorm = append(in.GradNorm, s.GradNorm)
		in.ELR = append(in.ELR, s.ELR)
		in.Angle = append(in.Angle, s.Angle)
	}
	// A first pass finds the window; the noise trace then comes from the
	// gradient passes at its epochs.
	eq, err := analysis.Rotational(in)
	if err != nil {
		return res, fmt.Errorf("%s: %v", dir, err)
	}
	startEpoch := steps[eq.Start].Epoch
	for _, r := range recs {
		if r.Epoch >= startEpoch && r.GradNoise != nil && r.GradNormFull != nil {
			in.NoiseTrace = append(in.NoiseTrace, *r.GradNoise**r.GradNoise)
			in.FullSq = append(in.FullSq, *r.GradNormFull**r.GradNormFull)
		}
	}
	if eq, err = analysis.Rotational(in); err != nil {
		return res, fmt.Errorf("%s: %v", dir, err)
	}
	res = RotationalRunResult{Dir: dir, Model: cfg.Model, Width: cfg.Width, LR: cfg.LR, WD: cfg.WD, Momentum: cfg.Momentum,
		Equilibrium: eq, WallTime: math.NaN(), FinalTrainLoss: math.NaN()}
	if n := len(recs); n > 0 {
		res.Epochs = recs[n-1].Epoch
		res.WallTime = recs[n-1].WallTime
		res.FinalTrainLoss = recs[n-1].TrainLoss
	}
	return res, nil
}

// RotationalFigure draws the network comparison: the measured stationary SI
// norm and RMS angle per step (with 95% CIs) against their predictions, one
// series per model and momentum, with the diagonal.
func RotationalFigure(rs []RotationalRunResult) (NamedFigure, error) {
	name := func(r RotationalRunResult) string {
		return fmt.Sprintf("%s, momentum %g", r.Model, r.Momentum)
	}
	var norm, angle []plots.MeasuredSeries
	at := map[string]int{}
	lo, hi := math.Inf(1), math.Inf(-1)
	alo, ahi := math.Inf(1), math.Inf(-1)
	for _, r := range rs {
		n := name(r)
		i, ok := at[n]
		if !ok {
			i = len(norm)
			at[n] = i
			norm = append(norm, plots.MeasuredSeries{Name: n})
			angle = append(angle, plots.MeasuredSeries{Name: n})
		}
		e := r.Equilibrium
		add := func(s *plots.MeasuredSeries, x float64, m analysis.Interval) {
			s.X = append(s.X, x)
			s.Y = append(s.Y, m.Value)
			s.Lo = append(s.Lo, m.CI95[0])
			s.Hi = append(s.Hi, m.CI95[1])
		}
		add(&norm[i], e.PredNorm.Value, e.Norm)
		add(&angle[i], e.PredAngleRMS, e.AngleRMS)
		lo, hi = math.Min(lo, math.Min(e.PredNorm.Value, e.Norm.Value)), math.Max(hi, math.Max(e.PredNorm.Value, e.Norm.Value))
		alo, ahi = math.Min(alo, math.Min(e.PredAngleRMS, e.AngleRMS.Value)), math.Max(ahi, math.Max(e.PredAngleRMS, e.AngleRMS.Value))
	}
	if len(norm) == 0 {
		return NamedFigure{}, fmt.Errorf("rotational figure: no runs")
	}
	diag := func(a, b float64) plots.Curve {
		return plots.Curve{Name: "measured = predicted", X: []float64{a / 1.1, b * 1.1}, Y: []float64{a / 1.1, b * 1.1}}
	}
	f, sk, err := plots.NewMeasuredPanels(plots.MeasuredPanels{Cols: 2,
		Title: "conventional runs against rotational equilibrium (prediction from each run's G)",
		Panels: []plots.MeasuredPanel{
			{XLabel: "predicted r* = (lr G/(2 wd (1-beta)))^(1/4)", YLabel: "stationary SI norm", LogX: true, LogY: true,
				Series: norm, Curves: []plots.Curve{diag(lo, hi)}},
			{XLabel: "sqrt(2 lr wd/(1+beta))", YLabel: "RMS angle per step (rad)", LogX: true, LogY: true,
				Series: angle, Curves: []plots.Curve{diag(alo, ahi)}},
		}})
	if err != nil {
		return NamedFigure{}, err
	}
	sz := plots.SizeFor(true, 0.5)
	return NamedFigure{Name: "rotational", Figure: f, Width: sz.W, Height: sz.H, Skips: sk}, nil
}
