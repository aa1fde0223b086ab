package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/run"
)

// FinetuneConfig configures the "better optima" protocol (SCIENCE.md
// section 4): pre-training at the regime-2 ELR PreELR for PreEpochs epochs,
// fine-tuning from its last checkpoint at the regime-1 ELR FineELR for
// FineEpochs epochs, against baselines trained from scratch at each of
// BaselineELRs for PreEpochs+FineEpochs epochs, for each seed. Its JSON form
// is the config object of finetune.json.
type FinetuneConfig struct {
	Network
	PreELR       float64   `json:"pre_elr"`
	FineELR      float64   `json:"fine_elr"`
	PreEpochs    int       `json:"pre_epochs"`
	FineEpochs   int       `json:"fine_epochs"`
	BaselineELRs []float64 `json:"baseline_elrs"`
	Seeds        []uint64  `json:"seeds"`
	Batch        int       `json:"batch"`
	HeadSeed     uint64    `json:"head_seed"`

	// GradMetrics are the gradient-pass metrics of the runs (all, log or
	// none; "" means none): they do not enter the comparison.
	GradMetrics realnets.GradMetrics `json:"-"`
	// Out is the folder of the runs, finetune.json and the figure.
	Out string `json:"-"`
	// Progress, if not nil, receives the trainer's progress.
	Progress io.Writer `json:"-"`
	// TrainProgress, if not nil, gives the progress hook
	// (realnets.TrainConfig.Progress) of the training run in a folder.
	TrainProgress func(out string) func(realnets.TrainProgress) `json:"-"`
}

// CIStat is a mean over seeds with its 95% Student t confidence interval.
type CIStat struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
	// Note, when not empty, says why the interval should not be read as
	// it stands: too few seeds, or clipped to the possible values.
	Note string `json:"note,omitempty"`
}

// FewSeeds is the number of values below which MeanCI notes that its
// interval cannot support a claim: with 2 values the 95% t quantile is
// 12.7, so the interval is 9 times wider than the values' spread.
const FewSeeds = 3

// Clip limits the interval to [lo, hi], the possible values of the
// statistic (e.g. [0, 100] for a percentage, [-100, 100] for a difference of
// percentages), and notes when it had to.
func (s CIStat) Clip(lo, hi float64) CIStat {
	if s.Lo < lo || s.Hi > hi {
		s.Lo, s.Hi = math.Max(s.Lo, lo), math.Min(s.Hi, hi)
		s.Note = strings.TrimSpace(s.Note + fmt.Sprintf(" interval clipped to the possible values [%g, %g].", lo, hi))
	}
	return s
}

// MeanCI returns analysis.MeanCI of x at the 95% level as a CIStat: the
// mean with the two-sided Student t interval mean +- t(0.975, n-1)
// sd/sqrt(n), noted when fewer than FewSeeds values make it. With fewer
// than two values the interval is NaN, which finetune.json writes as null.
func MeanCI(x []float64) CIStat {
	m := analysis.MeanCI(x, 0.95)
	s := CIStat{N: m.N, Mean: m.Mean, SD: m.SD, Lo: m.Lo, Hi: m.Hi}
	if m.N >= 2 && m.N < FewSeeds {
		s.Note = fmt.Sprintf("%d seeds cannot support an interval: the 95%% t quantile is %.1f.", m.N, m.T)
	}
	return s
}

// MarshalJSON writes non-finite numbers as null.
func (s CIStat) MarshalJSON() ([]byte, error) {
	m := map[string]any{"n": s.N, "mean": fileio.Finite(s.Mean), "sd": fileio.Finite(s.SD),
		"lo": fileio.Finite(s.Lo), "hi": fileio.Finite(s.Hi)}
	if s.Note != "" {
		m["note"] = s.Note
	}
	return json.Marshal(m)
}

// ArmSeed is the final result of one arm for one seed.
type ArmSeed struct {
	Seed      uint64   `json:"seed"`
	Runs      []string `json:"runs"`
	Epochs    int      `json:"epochs"`
	TestError float64  `json:"test_error"`
	TrainLoss float64  `json:"train_loss"`
	TestLoss  float64  `json:"test_loss"`
	TrainAcc  float64  `json:"train_acc"`
	// curve holds the arm's records on the common epoch axis, for the figure.
	curve []realnets.Record
}

// Arm is one arm of the comparison.
type Arm struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"` // "finetune" or "baseline"
	ELR       float64   `json:"elr,omitempty"`
	PreELR    float64   `json:"pre_elr,omitempty"`
	FineELR   float64   `json:"fine_elr,omitempty"`
	Epochs    int       `json:"epochs"`
	Seeds     []ArmSeed `json:"per_seed"`
	TestError CIStat    `json:"test_error"`
	TrainLoss CIStat    `json:"train_loss"`
}

// PairedDiff is a per-seed paired difference with its t interval.
type PairedDiff struct {
	Against string    `json:"against"`
	PerSeed []float64 `json:"per_seed"`
	CIStat
}

// MarshalJSON flattens the embedded statistics.
func (d PairedDiff) MarshalJSON() ([]byte, error) {
	m := map[string]any{"against": d.Against, "per_seed": d.PerSeed, "n": d.N, "mean": fileio.Finite(d.Mean),
		"sd": fileio.Finite(d.SD), "lo": fileio.Finite(d.Lo), "hi": fileio.Finite(d.Hi)}
	if d.Note != "" {
		m["note"] = d.Note
	}
	return json.Marshal(m)
}

// FinetuneResult is the content of finetune.json.
type FinetuneResult struct {
	Config       FinetuneConfig `json:"config"`
	Arms         []*Arm         `json:"arms"`
	BestBaseline string         `json:"best_baseline"`
	VsBest       PairedDiff     `json:"difference_vs_best_baseline"`
	VsBestSeed   PairedDiff     `json:"difference_vs_best_per_seed"`
	VsEach       []PairedDiff   `json:"differences_vs_baselines"`
	WallTime     float64        `json:"wall_time"`
}

// Finetune runs the protocol of cfg: it trains (or reuses, or resumes) every
// run under cfg.Out, writes cfg.Out/finetune.json and the figure
// cfg.Out/finetune.png and .svg (test error and train loss against epoch for
// every arm: mean over seeds as a line, range as a band), and returns the
// comparison with the points the figure had to skip. Every run of a seed
// starts from the same initial weights and frozen last layer; a finished run
// is reused (also when reduced to config.json and metrics.jsonl), an
// interrupted one resumed, and a folder holding another configuration is an
// error.
func Finetune(ctx context.Context, cfg FinetuneConfig) (*FinetuneResult, []plots.Skip, error) {
	if err := cfg.check(); err != nil {
		return nil, nil, err
	}
	gm := cfg.GradMetrics
	if gm == "" {
		gm = realnets.GradNone
	}
	res, err := finetune(ctx, cfg, cfg.trainConfig(cfg.Batch, cfg.HeadSeed, gm), cfg.Out, cfg.Progress)
	if err != nil {
		return nil, nil, err
	}
	if err := writeJSONFile(filepath.Join(cfg.Out, "finetune.json"), res); err != nil {
		return nil, nil, err
	}
	fig, skips, err := finetuneFigure(res)
	if err != nil {
		return nil, nil, err
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := plots.Save(fig, 6.5*vg.Inch, 5*vg.Inch, filepath.Join(cfg.Out, "finetune"+ext), plots.SaveOptions{}); err != nil {
			return nil, nil, err
		}
	}
	return res, skips, nil
}

// check reports the first setting of c the protocol cannot run.
func (c FinetuneConfig) check() error {
	switch {
	case c.Out == "":
		return errors.New("finetune: no output folder")
	case !(c.PreELR > 0) || !(c.FineELR > 0):
		return fmt.Errorf("finetune: pre-training ELR %g and fine-tuning ELR %g: both must be positive", c.PreELR, c.FineELR)
	case c.PreEpochs < 1 || c.FineEpochs < 1:
		return fmt.Errorf("finetune: %d pre-training and %d fine-tuning epochs: both must be at least 1", c.PreEpochs, c.FineEpochs)
	case len(c.Seeds) == 0:
		return errors.New("finetune: no seeds")
	case len(c.BaselineELRs) == 0:
		return errors.New("finetune: no baseline ELRs")
	}
	for _, e := range c.BaselineELRs {
		if !(e > 0) || math.IsInf(e, 0) {
			return fmt.Errorf("finetune: baseline ELR %g is not a positive number", e)
		}
	}
	return nil
}

// finetune trains (or reuses) every run of the protocol under dir and
// collects the comparison.
func finetune(ctx context.Context, cfg FinetuneConfig, base realnets.TrainConfig, dir string, progress io.Writer) (*FinetuneResult, error) {
	total := cfg.PreEpochs + cfg.FineEpochs
	res := &FinetuneResult{Config: cfg}
	ft := &Arm{Name: fmt.Sprintf("pre %g -> fine %g", cfg.PreELR, cfg.FineELR), Kind: "finetune",
		PreELR: cfg.PreELR, FineELR: cfg.FineELR, Epochs: total}
	res.Arms = append(res.Arms, ft)
	var baseArms []*Arm
	for _, e := range cfg.BaselineELRs {
		a := &Arm{Name: fmt.Sprintf("baseline %g", e), Kind: "baseline", ELR: e, Epochs: total}
		baseArms = append(baseArms, a)
		res.Arms = append(res.Arms, a)
	}
	for _, seed := range cfg.Seeds {
		sdir := filepath.Join(dir, fmt.Sprintf("seed-%d", seed))
		// (a) Pre-training at the regime-2 ELR, then fine-tuning from its
		// last checkpoint at the regime-1 ELR.
		pc := base
		pc.ELR, pc.Epochs, pc.Seed, pc.Out = cfg.PreELR, cfg.PreEpochs, seed, filepath.Join(sdir, "pre-"+formatELR(cfg.PreELR))
		pre, wt, err := ensureRun(ctx, pc, progress, cfg.TrainProgress)
		if err != nil {
			return nil, err
		}
		res.WallTime += wt
		fc := base
		fc.ELR, fc.Epochs, fc.Seed, fc.Out = cfg.FineELR, cfg.FineEpochs, seed, filepath.Join(sdir, fmt.Sprintf("fine-%s-from-pre-%s-e%d", formatELR(cfg.FineELR), formatELR(cfg.PreELR), cfg.PreEpochs))
		fc.From = filepath.Join(pc.Out, "last.ckpt")
		fine, wt, err := ensureRun(ctx, fc, progress, cfg.TrainProgress)
		if err != nil {
			return nil, err
		}
		res.WallTime += wt
		// The fine-tuned run's epoch k is epoch PreEpochs+k of the arm; its
		// epoch 0 is the pre-trained run's last point.
		curve := append([]realnets.Record(nil), pre...)
		for _, r := range fine[1:] {
			r.Epoch += cfg.PreEpochs
			curve = append(curve, r)
		}
		ft.Seeds = append(ft.Seeds, seedResult(seed, curve, pc.Out, fc.Out))
		// (b) Baselines from scratch at each regime-1 ELR, equal total epochs.
		for i, e := range cfg.BaselineELRs {
			bc := base
			bc.ELR, bc.Epochs, bc.Seed, bc.Out = e, total, seed, filepath.Join(sdir, "base-"+formatELR(e))
			recs, wt, err := ensureRun(ctx, bc, progress, cfg.TrainProgress)
			if err != nil {
				return nil, err
			}
			res.WallTime += wt
			baseArms[i].Seeds = append(baseArms[i].Seeds, seedResult(seed, recs, bc.Out))
		}
	}
	for _, a := range res.Arms {
		var te, tl []float64
		for _, s := range a.Seeds {
			te = append(te, s.TestError)
			tl = append(tl, s.TrainLoss)
		}
		a.TestError, a.TrainLoss = MeanCI(te).Clip(0, 100), MeanCI(tl).Clip(0, math.Inf(1))
	}
	best := baseArms[0]
	for _, a := range baseArms[1:] {
		if a.TestError.Mean < best.TestError.Mean {
			best = a
		}
	}
	res.BestBaseline = best.Name
	res.VsBest.Against = best.Name
	res.VsBestSeed.Against = "per-seed minimum over the baselines"
	for k, s := range ft.Seeds {
		res.VsBest.PerSeed = append(res.VsBest.PerSeed, s.TestError-best.Seeds[k].TestError)
		m := math.Inf(1)
		for _, a := range baseArms {
			m = math.Min(m, a.Seeds[k].TestError)
		}
		res.VsBestSeed.PerSeed = append(res.VsBestSeed.PerSeed, s.TestError-m)
	}
	for _, a := range baseArms {
		d := PairedDiff{Against: a.Name}
		for k, s := range ft.Seeds {
			d.PerSeed = append(d.PerSeed, s.TestError-a.Seeds[k].TestError)
		}
		d.CIStat = MeanCI(d.PerSeed).Clip(-100, 100)
		res.VsEach = append(res.VsEach, d)
	}
	res.VsBest.CIStat = MeanCI(res.VsBest.PerSeed).Clip(-100, 100)
	res.VsBestSeed.CIStat = MeanCI(res.VsBestSeed.PerSeed).Clip(-100, 100)
	return res, nil
}

// formatELR names an ELR in a folder name (1e-04 -> 0.0001, as %g prints it).
func formatELR(e float64) string { return strconv.FormatFloat(e, 'g', -1, 64) }

// seedResult summarises an arm's records for one seed.
func seedResult(seed uint64, curve []realnets.Record, runs ...string) ArmSeed {
	last := curve[len(curve)-1]
	return ArmSeed{Seed: seed, Runs: runs, Epochs: last.Epoch, TestError: last.TestError, TrainLoss: last.TrainLoss,
		TestLoss: last.TestLoss, TrainAcc: last.TrainAcc, curve: curve}
}

// ensureRun makes sure the trainer run cfg describes is complete and returns
// its records and training wall time: a finished run in cfg.Out is reused, an
// interrupted one resumed from its last checkpoint, a missing one trained.
// A folder holding a run of another configuration is an error.
func ensureRun(ctx context.Context, cfg realnets.TrainConfig, progress io.Writer, hook func(string) func(realnets.TrainProgress)) ([]realnets.Record, float64, error) {
	if hook != nil {
		cfg.Progress = hook(cfg.Out)
	}
	metrics := filepath.Join(cfg.Out, "metrics.jsonl")
	old, err := os.ReadFile(filepath.Join(cfg.Out, "config.json"))
	switch {
	case err == nil:
		var have realnets.TrainConfig
		if err := json.Unmarshal(old, &have); err != nil {
			return nil, 0, fmt.Errorf("%s: %v", filepath.Join(cfg.Out, "config.json"), err)
		}
		if err := realnets.SameRun(have, cfg); err != nil {
			return nil, 0, fmt.Errorf("%s holds another run (%v); remove it or choose another output folder", cfg.Out, err)
		}
		recs, err := realnets.ReadMetrics(metrics)
		if err == nil && len(recs) > 0 && recs[len(recs)-1].Epoch == cfg.Epochs {
			// Finished: reuse it (its checkpoints are needed only to train
			// a fine-tuning run that is missing).
			return recs, recs[len(recs)-1].WallTime, nil
		}
		if err == nil && len(recs) > 0 && recs[len(recs)-1].Epoch > cfg.Epochs {
			return nil, 0, fmt.Errorf("%s has %d epochs, want %d; remove it or choose another output folder", cfg.Out, recs[len(recs)-1].Epoch, cfg.Epochs)
		}
		if progress != nil {
			fmt.Fprintf(progress, "%s: continuing\n", cfg.Out)
		}
		if hasCheckpoint(cfg.Out) {
			rc := realnets.TrainConfig{Out: cfg.Out, Epochs: cfg.Epochs, Workers: cfg.Workers, Resume: true, Progress: cfg.Progress}
			if err := run.Run(ctx, rc, progress); err != nil {
				return nil, 0, fmt.Errorf("resuming %s: %w", cfg.Out, err)
			}
			break
		}
		fallthrough
	case errors.Is(err, os.ErrNotExist):
		if progress != nil {
			fmt.Fprintf(progress, "%s: training\n", cfg.Out)
		}
		if err := run.Run(ctx, cfg, progress); err != nil {
			return nil, 0, fmt.Errorf("training %s: %w", cfg.Out, err)
		}
	default:
		return nil, 0, err
	}
	recs, err := realnets.ReadMetrics(metrics)
	if err != nil {
		return nil, 0, err
	}
	if len(recs) == 0 || recs[len(recs)-1].Epoch != cfg.Epochs {
		return nil, 0, fmt.Errorf("%s: the run ended before epoch %d", metrics, cfg.Epochs)
	}
	return recs, recs[len(recs)-1].WallTime, nil
}

// hasCheckpoint reports whether dir holds a checkpoint to resume from.
func hasCheckpoint(dir string) bool {
	names, _ := filepath.Glob(filepath.Join(dir, "epoch-*.ckpt"))
	_, err := os.Stat(filepath.Join(dir, "last.ckpt"))
	return len(names) > 0 || err == nil
}

// finetuneFigure draws test error (%, linear, the band clipped to [0, 100])
// and train loss (log) against epoch for every arm: the mean over seeds with
// the range over seeds as a band, and the switch to the fine-tuning ELR
// marked and named in the legend.
func finetuneFigure(res *FinetuneResult) (*plots.Figure, []plots.Skip, error) {
	d := plots.BandPanels{
		Panels:   []plots.BandPanel{{YLabel: "test error (%)", Clip: [2]float64{0, 100}}, {YLabel: "train loss", LogY: true}},
		Marks:    []float64{float64(res.Config.PreEpochs)},
		MarkName: fmt.Sprintf("switch to fine ELR (epoch %d)", res.Config.PreEpochs),
		Title: fmt.Sprintf("%s width %d on %s, %d seeds (line: mean; band: range over seeds)",
			res.Config.Model, res.Config.Width, res.Config.Data, len(res.Config.Seeds)),
	}
	nb := len(res.Arms) - 1
	for _, a := range res.Arms {
		var c color.Color = color.Black
		if a.Kind == "baseline" {
			// Baselines in the sequential map, ordered by ELR.
			t := 0.15
			if nb > 1 {
				t = 0.15 + 0.7*float64(elrRank(res.Arms[1:], a))/float64(nb-1)
			}
			col := plots.SequentialAt(t)
			c = color.NRGBA{R: uint8(255 * col.R), G: uint8(255 * col.G), B: uint8(255 * col.B), A: 255}
		}
		for k := range d.Panels {
			s := armCurves(a, k == 1)
			if len(s.X) == 0 {
				return nil, nil, fmt.Errorf("arm %q has no finite points to draw", a.Name)
			}
			s.Name, s.Color, s.Bold = strings.ReplaceAll(a.Name, " -> ", " → "), c, a.Kind == "finetune"
			d.Panels[k].Series = append(d.Panels[k].Series, s)
		}
	}
	return plots.NewBandPanels(d)
}

// elrRank returns the position of a among as in increasing ELR.
func elrRank(as []*Arm, a *Arm) int {
	es := make([]float64, len(as))
	for i, b := range as {
		es[i] = b.ELR
	}
	sort.Float64s(es)
	return sort.SearchFloat64s(es, a.ELR)
}

// armCurves returns the mean over seeds and the range over seeds of the test
// error (or the train loss) at each epoch where every seed has a finite
// positive value (the loss is drawn on a log axis).
func armCurves(a *Arm, loss bool) plots.BandSeries {
	var s plots.BandSeries
	n := len(a.Seeds[0].curve)
	for _, sd := range a.Seeds {
		n = min(n, len(sd.curve))
	}
	for e := 0; e < n; e++ {
		m, l, h := 0.0, math.Inf(1), math.Inf(-1)
		ok := true
		for _, sd := range a.Seeds {
			v := sd.curve[e].TestError
			if loss {
				v = sd.curve[e].TrainLoss
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || !(v > 0) {
				ok = false
				break
			}
			m += v
			l, h = math.Min(l, v), math.Max(h, v)
		}
		if !ok {
			continue
		}
		s.X = append(s.X, float64(a.Seeds[0].curve[e].Epoch))
		s.Mean = append(s.Mean, m/float64(len(a.Seeds)))
		s.Lo = append(s.Lo, l)
		s.Hi = append(s.Hi, h)
	}
	return s
}
