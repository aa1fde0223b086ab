package experiment

import (
	"errors"
	"fmt"
	"io"
	"math"

	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/regime"
	"github.com/regimes/regimes/toy"
)

// ConvPrediction is the prediction block of summary.json.
type ConvPrediction struct {
	C        float64  `json:"c"`
	AngleRMS float64  `json:"angle_rms"`
	ELRStar  *float64 `json:"elr_star"`
	Error    string   `json:"elr_star_error,omitempty"`
	Margin   *float64 `json:"margin,omitempty"`
}

// ConvMeasured is the measured block of summary.json.
type ConvMeasured struct {
	TailELR          analysis.SeriesStats `json:"tail_elr"`
	TailAngleRMS     float64              `json:"tail_angle_rms"`
	TailBatchGradRMS float64              `json:"tail_batch_grad_norm_rms"`
}

// ConvSummary is the content of summary.json.
type ConvSummary struct {
	Command    string         `json:"command"`
	Toy        toy.Config     `json:"toy"`
	Conv       toy.ConvConfig `json:"conv"`
	Theory     toy.LSQTheory  `json:"theory"`
	Prediction ConvPrediction `json:"prediction"`
	Measured   ConvMeasured   `json:"measured"`
	Behaviour  toy.Behaviour  `json:"behaviour"`
	Out        string         `json:"out"`
}

// ConventionalConfig configures conventional SGD with weight decay on the
// lsq toy (Conventional).
type ConventionalConfig struct {
	// Toy chooses the lsq data (its Toy field is set to lsq).
	Toy toy.Config
	// LR, WD, Momentum, InitNorm, Batch (i.i.d. with replacement, 0: the
	// full batch), Steps and Seed are the run's.
	LR, WD, Momentum, InitNorm float64
	Batch, Steps               int
	Seed                       uint64
	// Every thins trajectory.csv and the figure to every k-th step (0:
	// steps/2000, at least 1); the detection uses every step.
	Every int
	// LevelSteps is the length of each fixed-ELR run that measures G(e)
	// for ELR*; TheorySeed drives those runs and the almost-sure estimate.
	LevelSteps int
	TheorySeed uint64
	// Out is the output folder.
	Out string
}

// Check returns an error naming the first invalid field of c, or nil.
func (c ConventionalConfig) Check() error {
	switch {
	case c.Out == "":
		return errors.New("no output folder")
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("lr must be positive and finite, have %v", c.LR)
	case !(c.WD > 0) || c.LR*c.WD >= 1:
		return fmt.Errorf("wd must be positive with lr*wd < 1, have wd %v (lr*wd %v)", c.WD, c.LR*c.WD)
	case c.LevelSteps <= 0:
		return fmt.Errorf("level steps must be positive, have %d", c.LevelSteps)
	}
	return checkRun(c.Batch, c.Steps, c.Every, c.InitNorm)
}

// Conventional runs conventional SGD with weight decay on lsq and places it
// in the fixed-ELR regime picture (SCIENCE.md section 3): the lsq theory,
// the self-consistent equilibrium ELR*, the realised ELR's statistics over
// the second half, and whether the run is periodic or stable. It writes
// Out/trajectory.csv, Out/summary.json and the figure Out/realised_elr.png
// and .svg, committed together under a manifest (fileio.WriteSet), and
// returns the summary.
func Conventional(cfg ConventionalConfig) (*ConvSummary, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	tc := cfg.Toy
	tc.Toy = "lsq"
	tc = tc.Defaults()
	p, err := tc.Build()
	if err != nil {
		return nil, err
	}
	th, err := toy.NewLSQTheory(p.(*toy.LSQ).A(), cfg.Batch, toy.IID, cfg.TheorySeed)
	if err != nil {
		return nil, err
	}
	c := toy.ConvConfig{LR: cfg.LR, WD: cfg.WD, Momentum: cfg.Momentum, Batch: cfg.Batch, Steps: cfg.Steps,
		Every: 1, Seed: cfg.Seed, InitNorm: cfg.InitNorm}.Defaults()
	tr, err := toy.SimulateConventional(p, c)
	if err != nil {
		return nil, err
	}
	every := cfg.Every
	if every == 0 {
		every = max(1, cfg.Steps/2000)
	}
	c.Every = every

	ew := cfg.LR * cfg.WD
	sum := ConvSummary{Command: "regimes conventional", Toy: tc, Conv: c, Theory: th, Out: cfg.Out}
	eq, err := analysis.ConventionalFixedPoint(cfg.LR, cfg.WD)
	if err != nil {
		return nil, err
	}
	sum.Prediction.C, sum.Prediction.AngleRMS = eq.C, eq.Angle
	g := toy.GradientLevel(p, toy.SimConfig{Batch: cfg.Batch, Steps: cfg.LevelSteps, Seed: cfg.TheorySeed})
	star, err := toy.EquilibriumELR(g, cfg.LR, cfg.WD, 0.01*th.ASThreshold, 100*th.GDThreshold)
	if err != nil {
		sum.Prediction.Error = err.Error()
	} else {
		m := star/th.ASThreshold - 1
		sum.Prediction.ELRStar, sum.Prediction.Margin = &star, &m
	}
	half := tr.Records[len(tr.Records)/2:]
	elr := make([]float64, 0, len(half)/every+1)
	for i := 0; i < len(half); i += every {
		elr = append(elr, half[i].ELR)
	}
	sum.Measured = ConvMeasured{TailELR: analysis.Stationary(elr), TailAngleRMS: tr.Summary.TailAngleRMS,
		TailBatchGradRMS: tr.Summary.TailBatchGradNormRMS}
	sum.Behaviour = toy.ConventionalBehaviour(tr.Records, cfg.LR, cfg.WD, th.RandomLevel, th.ASThreshold, toy.BehaviourSettings{})

	// Thin the records for the CSV and the figure.
	thin := &toy.Trajectory{Summary: tr.Summary, Final: tr.Final}
	for i, r := range tr.Records {
		if i%every == 0 || i == len(tr.Records)-1 {
			thin.Records = append(thin.Records, r)
		}
	}
	fig, _, err := plots.NewRealised(realisedData(thin, th, sum.Prediction.ELRStar, ew))
	if err != nil {
		return nil, err
	}
	if err := fileio.MkdirClean(cfg.Out); err != nil {
		return nil, err
	}
	// The trajectory, its summary and the figure are one unit, committed
	// together under a manifest whose run identity is the hash of what
	// determines them.
	id, err := runID(struct {
		Toy        toy.Config
		Conv       toy.ConvConfig
		LevelSteps int
		TheorySeed uint64
	}{tc, c, cfg.LevelSteps, cfg.TheorySeed})
	if err != nil {
		return nil, err
	}
	files := []fileio.File{
		{Name: "trajectory.csv", Write: thin.WriteCSV},
		{Name: "summary.json", Write: func(w io.Writer) error { return encodeJSON(w, sum) }},
	}
	for _, f := range []plots.Format{plots.PNG, plots.SVG} {
		files = append(files, fileio.File{Name: "realised_elr." + string(f), Write: func(w io.Writer) error {
			return plots.Render(w, fig, 7*vg.Inch, 4.5*vg.Inch, f, plots.SaveOptions{})
		}})
	}
	if err := fileio.WriteSet(cfg.Out, id, files); err != nil {
		return nil, err
	}
	return &sum, nil
}

// realisedData assembles the realised-ELR figure: thresholds as levels,
// regime 1 shaded below the almost-sure threshold and regime 2 above it.
func realisedData(tr *toy.Trajectory, th toy.LSQTheory, star *float64, ew float64) plots.Realised {
	d := plots.Realised{
		Levels: []plots.Level{{Name: "mean-square threshold", Y: th.MSThreshold}, {Name: "almost-sure threshold", Y: th.ASThreshold},
			{Name: "GD threshold 2/λ_{max}", Y: th.GDThreshold}},
		Bands: []plots.Band{{From: 0, To: th.ASThreshold, Regime: regime.Convergence},
			{From: th.ASThreshold, To: math.Inf(1), Regime: regime.Chaotic}},
		Title: fmt.Sprintf("conventional SGD on lsq, b = %d, η·wd = %.3g", th.Batch, ew),
	}
	if star != nil {
		d.Levels = append(d.Levels, plots.Level{Name: "ELR* (self-consistent)", Y: *star})
	}
	for _, r := range tr.Records {
		d.Step = append(d.Step, float64(r.Step))
		d.ELR = append(d.ELR, r.ELR)
		d.Loss = append(d.Loss, r.Loss)
	}
	return d
}
