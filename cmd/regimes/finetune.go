package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
)

var cmdFinetune = &Command{
	UsageLine: "finetune [-model convnet|mlp] [-width C] [-data mnist|cifar10|cifar100] [-subset N] [-test-subset M] -pre-elr HI -fine-elr LO -pre-epochs E1 -fine-epochs E2 -baseline-elrs LO1,LO2,... [-seeds S] -out DIR",
	Short:     `the "better optima" protocol: regime-2 pre-training, regime-1 fine-tuning, against regime-1 baselines`,
	Long: `
Finetune runs the "better optima" comparison of Kodryan et al. (2022) and
Sadrtdinov et al. (2024) (SCIENCE.md section 4) at equal total epochs,
over seeds, with confidence intervals.

For each seed s = 1..S it trains, with the trainer of "regimes train" (fixed
ELR on the sphere, section 2):

  fine-tuned arm  pre-training at the regime-2 ELR -pre-elr for -pre-epochs
                  epochs (DIR/seed-s/pre-HI), then fine-tuning from that
                  run's last checkpoint at the regime-1 ELR -fine-elr for
                  -fine-epochs epochs (DIR/seed-s/fine-LO-from-pre-HI-eE1;
                  the semantics of "regimes train -from": the sphere's
                  radius is the checkpoint's SI norm);
  baseline arms   training from scratch at each ELR of -baseline-elrs for
                  -pre-epochs + -fine-epochs epochs (DIR/seed-s/base-ELR).

Every run of a seed starts from the same initial weights (-seed s) and the
same frozen last layer (-head-seed). Each run is an ordinary trainer folder,
so the command can be rerun after an interruption (or with more seeds or
epochs) and only does the missing work: a finished run is reused (also when
reduced to config.json and metrics.jsonl, as committed under
testdata/finetune, so the summary and figure can be redrawn), an interrupted
one is resumed from its last checkpoint, and a folder whose config.json
disagrees with the flags stops the command. Folder names carry the ELRs, so
fine-tuning variants run into one DIR share the baselines (finetune.json and
the figure describe the last invocation).

For each arm it reports the final test error (percent) and train loss with
their mean over seeds and a 95% Student t confidence interval,
mean +- t(0.975, S-1) sd/sqrt(S). The paired difference of the fine-tuned
arm's final test error minus a baseline's, per seed, with its own t interval,
is given against the best baseline arm (the one with the lowest mean test
error) and against the per-seed best baseline (the minimum over baseline ELRs
for each seed: selected on the test set, so it favours the baselines).

	regimes finetune -width 8 -data mnist -subset 2000 -pre-elr 1e-2 -fine-elr 1e-4 -pre-epochs 10 -fine-epochs 10 -baseline-elrs 1e-4,3e-4 -seeds 3 -out ft

It writes, atomically, DIR/finetune.json and the figure DIR/finetune.png and
.svg (test error, top, and train loss, bottom, against epoch for every arm:
mean over seeds as a line, range over seeds as a band; the fine-tuned arm
switches ELR at the dashed line), and prints finetune.json. Its keys: config
(the flags), arms (name, kind, elr or pre_elr and fine_elr, epochs, per-seed
final metrics with the run folders, test_error and train_loss as {n, mean,
sd, lo, hi}), best_baseline (its name), difference_vs_best_baseline and
difference_vs_best_per_seed ({against, per_seed, n, mean, sd, lo, hi} in
percentage points), differences_vs_baselines (the same against each
baseline), wall_time (seconds of training summed over runs, as the trainer
records it).
`,
}

// finetuneFlags holds the flags of the finetune command.
type finetuneFlags struct {
	model, data, dataDir, baselines, gradMetrics, out *string
	width, hidden, subset, testSubset, batch          *int
	preEpochs, fineEpochs, seeds, workers             *int
	subsetSeed, headSeed                              *uint64
	preELR, fineELR                                   *float64
}

var ftFlags finetuneFlags

func init() {
	f := flag.NewFlagSet("finetune", flag.ContinueOnError)
	s := &ftFlags
	s.model = f.String("model", "convnet", "network: convnet (ConvNetSI) or mlp (SI MLP)")
	s.width = f.Int("width", 8, "ConvNet base width c or MLP hidden width")
	s.hidden = f.Int("hidden", 0, "number of hidden layers of the MLP (0: the trainer's default, 2)")
	s.data = f.String("data", "mnist", "data set: mnist, cifar10 or cifar100")
	s.dataDir = f.String("data-dir", "", "folder of the data files (default for MNIST: the GoMNIST module's)")
	s.subset = f.Int("subset", 0, "train on N training images (0: all)")
	s.subsetSeed = f.Uint64("subset-seed", 0, "draw the -subset at random with this seed (0: the first N)")
	s.testSubset = f.Int("test-subset", 0, "evaluate on the first N test images (0: all)")
	s.preELR = f.Float64("pre-elr", 0, "ELR of the pre-training phase (regime 2)")
	s.fineELR = f.Float64("fine-elr", 0, "ELR of the fine-tuning phase (regime 1)")
	s.preEpochs = f.Int("pre-epochs", 0, "epochs of pre-training")
	s.fineEpochs = f.Int("fine-epochs", 0, "epochs of fine-tuning")
	s.baselines = f.String("baseline-elrs", "", "comma-separated ELRs of the baselines trained from scratch (regime 1)")
	s.seeds = f.Int("seeds", 3, "number of seeds (1..S); at least 2 for confidence intervals")
	s.batch = f.Int("batch", 128, "mini-batch size")
	s.headSeed = f.Uint64("head-seed", 0, "seed of the frozen last layer, shared by all runs")
	s.gradMetrics = f.String("grad-metrics", "none", "gradient-pass metrics of the runs: all, log or none (they do not enter the comparison)")
	s.workers = f.Int("workers", 0, "goroutines per forward pass (0: GOMAXPROCS); results do not depend on it")
	s.out = f.String("out", "", "output folder")
	cmdFinetune.Flag = f
	cmdFinetune.Run = runFinetune
	register(cmdFinetune)
}

// finetuneConfig is the configuration part of finetune.json.
type finetuneConfig struct {
	Model        string    `json:"model"`
	Width        int       `json:"width"`
	Hidden       int       `json:"hidden,omitempty"`
	Data         string    `json:"data"`
	Subset       int       `json:"subset"`
	SubsetSeed   uint64    `json:"subset_seed,omitempty"`
	TestSubset   int       `json:"test_subset"`
	PreELR       float64   `json:"pre_elr"`
	FineELR      float64   `json:"fine_elr"`
	PreEpochs    int       `json:"pre_epochs"`
	FineEpochs   int       `json:"fine_epochs"`
	BaselineELRs []float64 `json:"baseline_elrs"`
	Seeds        []uint64  `json:"seeds"`
	Batch        int       `json:"batch"`
	HeadSeed     uint64    `json:"head_seed"`
}

// ciStat is a mean over seeds with its 95% Student t confidence interval.
type ciStat struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
}

// meanCI returns the mean of x with the two-sided 95% Student t confidence
// interval mean +- t(0.975, n-1) sd/sqrt(n), sd the sample standard
// deviation (n-1 denominator). With fewer than two values the interval is
// NaN, which finetune.json writes as null.
func meanCI(x []float64) ciStat {
	n := len(x)
	s := ciStat{N: n, Mean: math.NaN(), SD: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	if n == 0 {
		return s
	}
	var sum float64
	for _, v := range x {
		sum += v
	}
	s.Mean = sum / float64(n)
	if n < 2 {
		return s
	}
	var ss float64
	for _, v := range x {
		ss += (v - s.Mean) * (v - s.Mean)
	}
	s.SD = math.Sqrt(ss / float64(n-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	h := t * s.SD / math.Sqrt(float64(n))
	s.Lo, s.Hi = s.Mean-h, s.Mean+h
	return s
}

// MarshalJSON writes non-finite numbers as null.
func (s ciStat) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"n": s.N, "mean": finiteOrNil(s.Mean), "sd": finiteOrNil(s.SD),
		"lo": finiteOrNil(s.Lo), "hi": finiteOrNil(s.Hi)})
}

func finiteOrNil(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// armSeed is the final result of one arm for one seed.
type armSeed struct {
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

// arm is one arm of the comparison.
type arm struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"` // "finetune" or "baseline"
	ELR       float64   `json:"elr,omitempty"`
	PreELR    float64   `json:"pre_elr,omitempty"`
	FineELR   float64   `json:"fine_elr,omitempty"`
	Epochs    int       `json:"epochs"`
	Seeds     []armSeed `json:"per_seed"`
	TestError ciStat    `json:"test_error"`
	TrainLoss ciStat    `json:"train_loss"`
}

// pairedDiff is a per-seed paired difference with its t interval.
type pairedDiff struct {
	Against string    `json:"against"`
	PerSeed []float64 `json:"per_seed"`
	ciStat
}

// MarshalJSON flattens the embedded statistics.
func (d pairedDiff) MarshalJSON() ([]byte, error) {
	m := map[string]any{"against": d.Against, "per_seed": d.PerSeed, "n": d.N, "mean": finiteOrNil(d.Mean),
		"sd": finiteOrNil(d.SD), "lo": finiteOrNil(d.Lo), "hi": finiteOrNil(d.Hi)}
	return json.Marshal(m)
}

// finetuneResult is the content of finetune.json.
type finetuneResult struct {
	Config       finetuneConfig `json:"config"`
	Arms         []*arm         `json:"arms"`
	BestBaseline string         `json:"best_baseline"`
	VsBest       pairedDiff     `json:"difference_vs_best_baseline"`
	VsBestSeed   pairedDiff     `json:"difference_vs_best_per_seed"`
	VsEach       []pairedDiff   `json:"differences_vs_baselines"`
	WallTime     float64        `json:"wall_time"`
}

func runFinetune(cmd *Command, args []string) error {
	s := &ftFlags
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q", args[0])
	}
	if *s.out == "" {
		return errors.New("no output folder: give -out DIR")
	}
	switch {
	case !(*s.preELR > 0) || !(*s.fineELR > 0):
		return fmt.Errorf("-pre-elr %g and -fine-elr %g: both must be positive", *s.preELR, *s.fineELR)
	case *s.preEpochs < 1 || *s.fineEpochs < 1:
		return fmt.Errorf("-pre-epochs %d and -fine-epochs %d: both must be at least 1", *s.preEpochs, *s.fineEpochs)
	case *s.seeds < 1:
		return fmt.Errorf("-seeds %d: want at least 1", *s.seeds)
	}
	bases, err := parseELRList(*s.baselines)
	if err != nil {
		return fmt.Errorf("-baseline-elrs: %v", err)
	}
	if len(bases) == 0 {
		return errors.New("no baselines: give -baseline-elrs LO1,LO2,...")
	}
	cfg := finetuneConfig{Model: *s.model, Width: *s.width, Hidden: *s.hidden, Data: *s.data, Subset: *s.subset,
		SubsetSeed: *s.subsetSeed, TestSubset: *s.testSubset, PreELR: *s.preELR, FineELR: *s.fineELR,
		PreEpochs: *s.preEpochs, FineEpochs: *s.fineEpochs, BaselineELRs: bases, Batch: *s.batch, HeadSeed: *s.headSeed}
	for i := 1; i <= *s.seeds; i++ {
		cfg.Seeds = append(cfg.Seeds, uint64(i))
	}
	base := realnets.TrainConfig{
		Model: cfg.Model, Width: cfg.Width, Hidden: cfg.Hidden,
		Data: data.Config{Name: cfg.Data, Dir: *s.dataDir, Subset: cfg.Subset,
			SubsetRandom: cfg.SubsetSeed != 0, SubsetSeed: cfg.SubsetSeed},
		Batch: cfg.Batch, HeadSeed: cfg.HeadSeed, Workers: *s.workers,
		GradMetrics: *s.gradMetrics, TestSubset: cfg.TestSubset,
	}
	var progress io.Writer
	if f, ok := stderr.(*os.File); ok && isTerminal(f) {
		progress = f
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := finetune(ctx, cfg, base, *s.out, progress)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errors.New("interrupted; rerun the same command to continue")
		}
		return err
	}
	if err := writeJSONFile(filepath.Join(*s.out, "finetune.json"), res); err != nil {
		return err
	}
	fig, skips, err := finetuneFigure(res)
	if err != nil {
		return err
	}
	for _, sk := range skips {
		fmt.Fprintf(stderr, "regimes finetune: figure: %v\n", sk)
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := plots.Save(fig, 6.5*vg.Inch, 5*vg.Inch, filepath.Join(*s.out, "finetune"+ext), plots.SaveOptions{}); err != nil {
			return err
		}
	}
	return printJSON(stdout, res)
}

// parseELRList parses a comma-separated list of positive numbers.
func parseELRList(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// finetune trains (or reuses) every run of the protocol under dir and
// collects the comparison.
func finetune(ctx context.Context, cfg finetuneConfig, base realnets.TrainConfig, dir string, progress io.Writer) (*finetuneResult, error) {
	total := cfg.PreEpochs + cfg.FineEpochs
	res := &finetuneResult{Config: cfg}
	ft := &arm{Name: fmt.Sprintf("pre %g -> fine %g", cfg.PreELR, cfg.FineELR), Kind: "finetune",
		PreELR: cfg.PreELR, FineELR: cfg.FineELR, Epochs: total}
	res.Arms = append(res.Arms, ft)
	var baseArms []*arm
	for _, e := range cfg.BaselineELRs {
		a := &arm{Name: fmt.Sprintf("baseline %g", e), Kind: "baseline", ELR: e, Epochs: total}
		baseArms = append(baseArms, a)
		res.Arms = append(res.Arms, a)
	}
	for _, seed := range cfg.Seeds {
		sdir := filepath.Join(dir, fmt.Sprintf("seed-%d", seed))
		// (a) Pre-training at the regime-2 ELR, then fine-tuning from its
		// last checkpoint at the regime-1 ELR.
		pc := base
		pc.ELR, pc.Epochs, pc.Seed, pc.Out = cfg.PreELR, cfg.PreEpochs, seed, filepath.Join(sdir, "pre-"+formatELR(cfg.PreELR))
		pre, wt, err := ensureRun(ctx, pc, progress)
		if err != nil {
			return nil, err
		}
		res.WallTime += wt
		fc := base
		fc.ELR, fc.Epochs, fc.Seed, fc.Out = cfg.FineELR, cfg.FineEpochs, seed, filepath.Join(sdir, fmt.Sprintf("fine-%s-from-pre-%s-e%d", formatELR(cfg.FineELR), formatELR(cfg.PreELR), cfg.PreEpochs))
		fc.From = filepath.Join(pc.Out, "last.ckpt")
		fine, wt, err := ensureRun(ctx, fc, progress)
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
			recs, wt, err := ensureRun(ctx, bc, progress)
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
		a.TestError, a.TrainLoss = meanCI(te), meanCI(tl)
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
		d := pairedDiff{Against: a.Name}
		for k, s := range ft.Seeds {
			d.PerSeed = append(d.PerSeed, s.TestError-a.Seeds[k].TestError)
		}
		d.ciStat = meanCI(d.PerSeed)
		res.VsEach = append(res.VsEach, d)
	}
	res.VsBest.ciStat = meanCI(res.VsBest.PerSeed)
	res.VsBestSeed.ciStat = meanCI(res.VsBestSeed.PerSeed)
	return res, nil
}

// formatELR names an ELR in a folder name (1e-04 -> 0.0001, as %g prints it).
func formatELR(e float64) string { return strconv.FormatFloat(e, 'g', -1, 64) }

// seedResult summarises an arm's records for one seed.
func seedResult(seed uint64, curve []realnets.Record, runs ...string) armSeed {
	last := curve[len(curve)-1]
	return armSeed{Seed: seed, Runs: runs, Epochs: last.Epoch, TestError: last.TestError, TrainLoss: last.TrainLoss,
		TestLoss: last.TestLoss, TrainAcc: last.TrainAcc, curve: curve}
}

// ensureRun makes sure the trainer run cfg describes is complete and returns
// its records and training wall time: a finished run in cfg.Out is reused, an
// interrupted one resumed from its last checkpoint, a missing one trained.
// A folder holding a run of another configuration is an error.
func ensureRun(ctx context.Context, cfg realnets.TrainConfig, progress io.Writer) ([]realnets.Record, float64, error) {
	metrics := filepath.Join(cfg.Out, "metrics.jsonl")
	old, err := os.ReadFile(filepath.Join(cfg.Out, "config.json"))
	switch {
	case err == nil:
		var have realnets.TrainConfig
		if err := json.Unmarshal(old, &have); err != nil {
			return nil, 0, fmt.Errorf("%s: %v", filepath.Join(cfg.Out, "config.json"), err)
		}
		if why := sameRun(have, cfg); why != "" {
			return nil, 0, fmt.Errorf("%s holds another run (%s); remove it or choose another -out", cfg.Out, why)
		}
		recs, err := realnets.ReadMetrics(metrics)
		if err == nil && len(recs) > 0 && recs[len(recs)-1].Epoch == cfg.Epochs {
			// Finished: reuse it (its checkpoints are needed only to train
			// a fine-tuning run that is missing).
			return recs, recs[len(recs)-1].WallTime, nil
		}
		if err == nil && len(recs) > 0 && recs[len(recs)-1].Epoch > cfg.Epochs {
			return nil, 0, fmt.Errorf("%s has %d epochs, want %d; remove it or choose another -out", cfg.Out, recs[len(recs)-1].Epoch, cfg.Epochs)
		}
		if progress != nil {
			fmt.Fprintf(progress, "%s: continuing\n", cfg.Out)
		}
		if hasCheckpoint(cfg.Out) {
			rc := realnets.TrainConfig{Out: cfg.Out, Epochs: cfg.Epochs, Workers: cfg.Workers, Resume: true}
			if err := realnets.Run(ctx, rc, progress); err != nil {
				return nil, 0, fmt.Errorf("resuming %s: %w", cfg.Out, err)
			}
			break
		}
		fallthrough
	case errors.Is(err, os.ErrNotExist):
		if progress != nil {
			fmt.Fprintf(progress, "%s: training\n", cfg.Out)
		}
		if err := realnets.Run(ctx, cfg, progress); err != nil {
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

// sameRun returns "" when the stored configuration have describes the run
// want asks for, else the first difference.
func sameRun(have, want realnets.TrainConfig) string {
	type field struct {
		name       string
		have, want any
	}
	fs := []field{
		{"model", have.Model, want.Model}, {"width", have.Width, want.Width},
		{"data", have.Data.Name, want.Data.Name}, {"subset", have.Data.Subset, want.Data.Subset},
		{"subset seed", have.Data.SubsetSeed, want.Data.SubsetSeed}, {"test subset", have.TestSubset, want.TestSubset},
		{"elr", have.ELR, want.ELR}, {"seed", have.Seed, want.Seed}, {"head seed", have.HeadSeed, want.HeadSeed},
		{"batch", have.Batch, want.Batch}, {"from", lastTwo(have.From), lastTwo(want.From)},
	}
	if want.Hidden != 0 {
		fs = append(fs, field{"hidden", have.Hidden, want.Hidden})
	}
	for _, f := range fs {
		if f.have != f.want {
			return fmt.Sprintf("%s %v, want %v", f.name, f.have, f.want)
		}
	}
	return ""
}

// lastTwo returns the last folder and file name of a checkpoint path: the
// identity of a pre-training run inside a finetune folder, which stays the
// same when the whole folder is moved.
func lastTwo(name string) string {
	if name == "" {
		return ""
	}
	return filepath.Join(filepath.Base(filepath.Dir(name)), filepath.Base(name))
}

// hasCheckpoint reports whether dir holds a checkpoint to resume from.
func hasCheckpoint(dir string) bool {
	names, _ := filepath.Glob(filepath.Join(dir, "epoch-*.ckpt"))
	_, err := os.Stat(filepath.Join(dir, "last.ckpt"))
	return len(names) > 0 || err == nil
}

// finetuneFigure draws test error and train loss against epoch for every arm:
// the mean over seeds with the range over seeds as a band.
func finetuneFigure(res *finetuneResult) (*plots.Figure, []plots.Skip, error) {
	d := plots.BandPanels{
		Panels: []plots.BandPanel{{YLabel: "test error (%)", LogY: true}, {YLabel: "train loss", LogY: true}},
		Marks:  []float64{float64(res.Config.PreEpochs)},
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
			s.Name, s.Color, s.Bold = a.Name, c, a.Kind == "finetune"
			d.Panels[k].Series = append(d.Panels[k].Series, s)
		}
	}
	return plots.NewBandPanels(d)
}

// elrRank returns the position of a among as in increasing ELR.
func elrRank(as []*arm, a *arm) int {
	es := make([]float64, len(as))
	for i, b := range as {
		es[i] = b.ELR
	}
	sort.Float64s(es)
	return sort.SearchFloat64s(es, a.ELR)
}

// armCurves returns the mean over seeds and the range over seeds of the test
// error (or the train loss) at each epoch where every seed has a finite
// positive value (both are drawn on log axes).
func armCurves(a *arm, loss bool) plots.BandSeries {
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
