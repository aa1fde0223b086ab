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
	// Batches is the number of batches (steps) per epoch.
	Batches int `json:"batches"`
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
// predictions from its gradient statistics. The headline prediction comes
// from the checkpoint measurements: the gradient-noise trace tr Sigma_1 at
// unit norm (grad_noise^2) and the squared mean gradient (grad_norm_full^2)
// of the gradient pass at each epoch's end weights (a fixed number of
// batches, every full batch of the training set in its order, at fixed
// weights: not the training steps), over the epochs inside the stationary
// window. The epoch's number of batches (the steps of epoch 1 in steps.csv)
// sets the without-replacement correction of runs with momentum
// (analysis.ShuffleFactor). steps.csv must log every step (-log-every 1).
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
		if s.Epoch == 1 {
			in.Batches++
		}
	}
	for _, r := range recs {
		if r.Epoch > 0 && r.GradNoise != nil && r.GradNormFull != nil {
			in.NoiseTrace = append(in.NoiseTrace, *r.GradNoise**r.GradNoise)
			in.FullSq = append(in.FullSq, *r.GradNormFull**r.GradNormFull)
			in.CheckpointStep = append(in.CheckpointStep, r.Step)
		}
	}
	eq, err := analysis.Rotational(in)
	if err != nil {
		return res, fmt.Errorf("%s: %v", dir, err)
	}
	res = RotationalRunResult{Dir: dir, Model: cfg.Model, Width: cfg.Width, LR: cfg.LR, WD: cfg.WD, Momentum: cfg.Momentum,
		Batches: in.Batches, Equilibrium: eq, WallTime: math.NaN(), FinalTrainLoss: math.NaN()}
	if n := len(recs); n > 0 {
		res.Epochs = recs[n-1].Epoch
		res.WallTime = recs[n-1].WallTime
		res.FinalTrainLoss = recs[n-1].TrainLoss
	}
	return res, nil
}

// RotationalFigure draws the network comparison: the measured stationary
// SI norm, realised ELR and RMS angle per step, each divided by its
// prediction, against the weight decay, one series per model and momentum
// (error bars: the measured value's 95% CI over the prediction), with the
// level 1 of agreement. The norm panel adds, for runs with momentum, the
// ratio to the independent-draws prediction from the same measurements
// (no without-replacement correction).
func RotationalFigure(rs []RotationalRunResult) (NamedFigure, error) {
	if len(rs) == 0 {
		return NamedFigure{}, fmt.Errorf("rotational figure: no runs")
	}
	type key struct {
		name  string
		extra bool
	}
	var keys []key
	series := map[key]*[3]plots.MeasuredSeries{}
	get := func(k key) *[3]plots.MeasuredSeries {
		s, ok := series[k]
		if !ok {
			s = new([3]plots.MeasuredSeries)
			for i := range s {
				s[i].Name = k.name
			}
			series[k] = s
			keys = append(keys, k)
		}
		return s
	}
	add := func(s *plots.MeasuredSeries, x float64, m analysis.Interval, pred float64) {
		s.X = append(s.X, x)
		s.Y = append(s.Y, m.Value/pred)
		s.Lo = append(s.Lo, m.CI95[0]/pred)
		s.Hi = append(s.Hi, m.CI95[1]/pred)
	}
	for _, r := range rs {
		e := r.Equilibrium
		s := get(key{name: fmt.Sprintf("%s, momentum %g", r.Model, r.Momentum)})
		add(&s[0], r.WD, e.Norm, e.PredNorm.Value)
		add(&s[1], r.WD, e.ELR, e.PredELR.Value)
		add(&s[2], r.WD, e.AngleRMS, e.PredAngleRMS)
		if r.Momentum > 0 {
			u := get(key{name: fmt.Sprintf("%s, momentum %g, over independent-draws r*", r.Model, r.Momentum), extra: true})
			add(&u[0], r.WD, e.Norm, e.PredNormIndependent.Value)
		}
	}
	// Series are offset by a few percent in x, so that markers at one
	// weight decay do not hide each other.
	var panels [3][]plots.MeasuredSeries
	wlo, whi := math.Inf(1), math.Inf(-1)
	for j, k := range keys {
		s := series[k]
		dodge := 1 + 0.04*(float64(j)-float64(len(keys)-1)/2)
		for i := range panels {
			if len(s[i].X) > 0 {
				for n, x := range s[i].X {
					wlo, whi = math.Min(wlo, x), math.Max(whi, x)
					s[i].X[n] = x * dodge
				}
				panels[i] = append(panels[i], s[i])
			}
		}
	}
	level := []plots.Curve{{Name: "measured = predicted", X: []float64{wlo / 1.5, whi * 1.5}, Y: []float64{1, 1}}}
	mk := func(y string, s []plots.MeasuredSeries) plots.MeasuredPanel {
		return plots.MeasuredPanel{XLabel: "weight decay", YLabel: y, LogX: true, Series: s, Curves: level}
	}
	f, sk, err := plots.NewMeasuredPanels(plots.MeasuredPanels{Cols: 3,
		Title: "rotational equilibrium on networks: measured / predicted (from checkpoint gradient passes; markers offset in x)",
		Panels: []plots.MeasuredPanel{
			mk("SI norm / predicted r*", panels[0]),
			mk("realised ELR / predicted", panels[1]),
			mk("RMS angle / sqrt(2 lr wd/(1+beta))", panels[2]),
		}})
	if err != nil {
		return NamedFigure{}, err
	}
	sz := plots.SizeFor(true, 0.45)
	return NamedFigure{Name: "rotational", Figure: f, Width: sz.W, Height: sz.H, Skips: sk}, nil
}
