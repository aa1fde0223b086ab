package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/regime"
	"github.com/regimes/regimes/toy"
)

var cmdConventional = &Command{
	UsageLine: "conventional -lr ETA -wd WD [-momentum M] [-batch B] [-steps T] [-seed S] [-data FILE.csv | -n N -d D -data-seed S2] -out DIR",
	Short:     "conventional SGD with weight decay on lsq, drawn in the regime picture",
	Long: `
Conventional runs SGD with learning rate -lr and weight decay -wd (heavy-ball
-momentum optional) on the lsq toy in R^d, without the sphere constraint, and
places it in the fixed-ELR regime picture (SCIENCE.md section 3).

Weight decay shrinks ||w|| and the gradient grows it, so the realised ELR
lr/((1 - lr wd)||w||^2) is not fixed: with no gradient 1/ELR shrinks by
(1 - lr wd)^2 per step, and with a constant effective gradient norm G it
settles at ELR* = sqrt(2 lr wd - (lr wd)^2)/G, an angle per step of about
sqrt(2 lr wd). On lsq G depends on the ELR, so the command solves the
self-consistent equation e G(e) = sqrt(2 lr wd - (lr wd)^2), with G(e) the
RMS batch gradient norm of a fixed-ELR run at e (-level-steps steps,
bisection over [0.01 as_threshold, 100 gd_threshold]). G vanishes in regime 1,
so ELR* lies above the almost-sure threshold. When it sits well inside regime
2 the run stabilises around it. When it sits at the threshold (small lr wd) the
run is periodic (Lobacheva et al. 2021): it converges, its gradient vanishes,
its ELR grows gradient-free until the minimum becomes unstable, the loss
spikes, the spike's gradient lowers the ELR, and the cycle repeats. The
length of a cycle from the ELR minimum e_low to the spike at e_spike is at
least log(e_spike/e_low)/(-2 log(1 - lr wd)) steps, and equal to it when the
quiet phase is gradient-free.

	regimes conventional -lr 1 -wd 1e-3 -batch 4 -steps 40000 -out conv-periodic
	regimes conventional -lr 0.3 -wd 0.1 -batch 1 -steps 20000 -out conv-stable

Thresholds come from the exact theory of section 6.1 (as "regimes theory"
computes them; -theory-seed drives the almost-sure estimate). With -momentum
the realised ELR is still logged as lr/((1 - lr wd)||w||^2), but the formulas
above are for plain SGD.

It writes, atomically, DIR/trajectory.csv (the toy trajectory CSV: one row
every -every steps; the detection itself uses every step), DIR/summary.json
and the figure DIR/realised_elr.png and .svg (realised ELR over the regime
bands and threshold lines, loss below). summary.json keys: config (toy and
run), theory (the lsq theory: gd_threshold, ms_threshold, as_threshold,
...), prediction {c (= sqrt(2 lr wd - (lr wd)^2)), angle_rms (arccos(1 - lr
wd), about sqrt(2 lr wd)), elr_star (the self-consistent ELR*, null if none in
the search interval), elr_star_error, margin (elr_star/as_threshold - 1)},
measured {tail_elr (statistics of the realised ELR over the second half:
mean, CI, trend test p), tail_angle_rms, tail_batch_grad_norm_rms},
behaviour {behaviour: periodic or stable, spikes, cycles (low and spike step
and ELR, measured steps, gradient-free and to-threshold predictions),
period_mean, growth_ratio (median measured/gradient-free cycle length),
spike_elr_median}. It prints summary.json on standard output too.
`,
}

// conventionalFlags holds the flags of the conventional command.
type conventionalFlags struct {
	data                            dataFlags
	out                             *string
	batch, steps, every, levelSteps *int
	seed, theorySeed                *uint64
	lr, wd, momentum, initNorm      *float64
}

var convFlags conventionalFlags

func init() {
	f := flag.NewFlagSet("conventional", flag.ContinueOnError)
	s := &convFlags
	s.data = addDataFlags(f, true)
	s.batch = f.Int("batch", 1, "mini-batch size (i.i.d. with replacement); 0 means the full batch")
	s.lr = f.Float64("lr", 0, "learning rate eta (required)")
	s.wd = f.Float64("wd", 0, "weight decay (required, lr*wd in (0, 1))")
	s.momentum = f.Float64("momentum", 0, "heavy-ball momentum in [0, 1)")
	s.initNorm = f.Float64("init-norm", 1, "initial norm ||w_0||")
	s.steps = f.Int("steps", 20000, "number of steps")
	s.every = f.Int("every", 0, "write every k-th step to trajectory.csv (0 means steps/2000, at least 1)")
	s.seed = f.Uint64("seed", 1, "seed of the run: initial point and batches")
	s.levelSteps = f.Int("level-steps", 5000, "steps of each fixed-ELR run that measures G(e) for ELR*")
	s.theorySeed = f.Uint64("theory-seed", 1, "seed of the almost-sure threshold estimate and of the G(e) runs")
	s.out = f.String("out", "", "output `folder` (required)")
	cmdConventional.Flag = f
	cmdConventional.Run = runConventional
	register(cmdConventional)
}

// convPrediction is the prediction block of summary.json.
type convPrediction struct {
	C        float64  `json:"c"`
	AngleRMS float64  `json:"angle_rms"`
	ELRStar  *float64 `json:"elr_star"`
	Error    string   `json:"elr_star_error,omitempty"`
	Margin   *float64 `json:"margin,omitempty"`
}

// convMeasured is the measured block of summary.json.
type convMeasured struct {
	TailELR          analysis.SeriesStats `json:"tail_elr"`
	TailAngleRMS     float64              `json:"tail_angle_rms"`
	TailBatchGradRMS float64              `json:"tail_batch_grad_norm_rms"`
}

// convSummary is the content of summary.json.
type convSummary struct {
	Command    string         `json:"command"`
	Toy        toy.Config     `json:"toy"`
	Conv       toy.ConvConfig `json:"conv"`
	Theory     toy.LSQTheory  `json:"theory"`
	Prediction convPrediction `json:"prediction"`
	Measured   convMeasured   `json:"measured"`
	Behaviour  toy.Behaviour  `json:"behaviour"`
	Out        string         `json:"out"`
}

func runConventional(cmd *Command, args []string) error {
	s := &convFlags
	switch {
	case len(args) > 0:
		return fmt.Errorf("unexpected arguments %q", args)
	case *s.out == "":
		return errors.New("missing -out folder")
	case !(*s.lr > 0) || math.IsInf(*s.lr, 0):
		return fmt.Errorf("-lr must be positive and finite, have %v", *s.lr)
	case !(*s.wd > 0) || *s.lr**s.wd >= 1:
		return fmt.Errorf("-wd must be positive with lr*wd < 1, have wd %v (lr*wd %v)", *s.wd, *s.lr**s.wd)
	case *s.batch < 0:
		return fmt.Errorf("-batch must be >= 0 (0 means the full batch), have %d", *s.batch)
	case *s.steps <= 0:
		return fmt.Errorf("-steps must be positive, have %d", *s.steps)
	case *s.every < 0:
		return fmt.Errorf("-every must be >= 0, have %d", *s.every)
	case *s.levelSteps <= 0:
		return fmt.Errorf("-level-steps must be positive, have %d", *s.levelSteps)
	}
	tc := s.data.config("lsq").Defaults()
	p, err := tc.Build()
	if err != nil {
		return err
	}
	th, err := toy.NewLSQTheory(p.(*toy.LSQ).A(), *s.batch, true, *s.theorySeed)
	if err != nil {
		return err
	}
	c := toy.ConvConfig{LR: *s.lr, WD: *s.wd, Momentum: *s.momentum, Batch: *s.batch, Steps: *s.steps,
		Every: 1, Seed: *s.seed, InitNorm: *s.initNorm}.Defaults()
	tr, err := toy.SimulateConventional(p, c)
	if err != nil {
		return err
	}
	every := *s.every
	if every == 0 {
		every = max(1, *s.steps/2000)
	}
	c.Every = every

	ew := *s.lr * *s.wd
	sum := convSummary{Command: "regimes conventional", Toy: tc, Conv: c, Theory: th, Out: *s.out}
	sum.Prediction.C = math.Sqrt(2*ew - ew*ew)
	// tan(Delta) = ELR ||g~|| at the fixed point gives cos(Delta) = 1 - lr wd.
	sum.Prediction.AngleRMS = math.Acos(1 - ew)
	g := toy.GradientLevel(p, toy.SimConfig{Batch: *s.batch, Steps: *s.levelSteps, Seed: *s.theorySeed})
	star, err := toy.EquilibriumELR(g, *s.lr, *s.wd, 0.01*th.ASThreshold, 100*th.GDThreshold)
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
	sum.Measured = convMeasured{TailELR: analysis.Stationary(elr), TailAngleRMS: tr.Summary.TailAngleRMS,
		TailBatchGradRMS: tr.Summary.TailBatchGradNormRMS}
	sum.Behaviour = toy.ConventionalBehaviour(tr.Records, *s.lr, *s.wd, th.RandomLevel, th.ASThreshold, toy.BehaviourSettings{})

	// Thin the records for the CSV and the figure.
	thin := &toy.Trajectory{Summary: tr.Summary, Final: tr.Final}
	for i, r := range tr.Records {
		if i%every == 0 || i == len(tr.Records)-1 {
			thin.Records = append(thin.Records, r)
		}
	}
	fig, _, err := plots.NewRealised(realisedData(thin, th, sum.Prediction.ELRStar, ew))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*s.out, 0o755); err != nil {
		return err
	}
	if err := fileio.WriteFile(filepath.Join(*s.out, "trajectory.csv"), thin.WriteCSV); err != nil {
		return err
	}
	if err := writeJSONFile(filepath.Join(*s.out, "summary.json"), sum); err != nil {
		return err
	}
	for _, f := range []plots.Format{plots.PNG, plots.SVG} {
		name := filepath.Join(*s.out, "realised_elr."+string(f))
		err := fileio.WriteFile(name, func(w io.Writer) error {
			return plots.Render(w, fig, 7*vg.Inch, 4.5*vg.Inch, f, plots.SaveOptions{})
		})
		if err != nil {
			return err
		}
	}
	return printJSON(stdout, sum)
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
