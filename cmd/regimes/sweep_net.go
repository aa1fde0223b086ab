package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	"github.com/regimes/regimes/sweep"
)

// netSweepLong is the part of "regimes help sweep" about network sweeps.
const netSweepLong = `
Network sweeps. With -net, plan describes a grid of network trainings
(regimes train) instead of toy runs:

	regimes sweep plan -net -model convnet|mlp -width C -data mnist|cifar10|cifar100
		[-data-dir DIR] -subset N -epochs E [-test-subset N] [-batch 128]
		[-grad-metrics log] [-log-every 1] [-head-seed S]
		-elr-min X -elr-max Y -elr-points K -param width|subset|none
		-values V1,V2,... -seeds S1,S2,... -out DIR

-param width varies the model's width, subset the number of training images,
none nothing (one row). Each point trains ConvNetSI or the SI MLP on the sphere
at its ELR with its seed (which seeds the weights and the training order; the
frozen last layer comes from -head-seed and is shared by every point) into
DIR/runs/point-NNNNNN/ (config.json, metrics.jsonl, steps.csv, checkpoints
every epoch), then classifies it from its steps.csv (regimes analyze
RUN/steps.csv: loss = batch_loss, with the random level = the epoch-0 train
loss of metrics.jsonl, the loss of the random initial point, far above
log(classes) because the frozen last layer has norm 10). A point killed in
the middle resumes from its last checkpoint with the numbers an uninterrupted
run gives (regimes train -resume). Its result record has config (the training
configuration), summary (final_train_loss, final_train_acc, final_test_loss,
final_test_error, tail means over the last tenth of the epochs: tail_train_loss,
tail_test_error, tail_train_acc, tail_grad_norm (mean effective gradient norm of the steps),
tail_angle (mean angular update per step), epochs, steps, wall_time,
random_level, run (the run folder relative to the plan)), regime, evidence,
lyapunov: null and theory: null.

Network points run one at a time, each trainer using -workers goroutines
(default: all cores; the numbers do not depend on it): for net sweeps -workers
means trainer threads, not points in parallel. Sharding is the same as for toy
sweeps (-shard i/n, Slurm arrays, Kubernetes Indexed Jobs); shards must share
the folder of the plan, since the runs live in DIR/runs.

	regimes sweep plan -net -model mlp -width 64 -subset 2000 -epochs 20 \
		-elr-min 1e-4 -elr-max 1 -elr-points 9 -param none -seeds 1 -out nsw
	regimes sweep run -plan nsw/plan.json
	regimes sweep merge -plan nsw/plan.json
	regimes plot phase -in nsw/results.jsonl -out phase.png
`

// netSweepBase is the configuration shared by the points of a network
// sweep; Net tells the plan from a toy plan.
type netSweepBase struct {
	Net   bool                 `json:"net"`
	Train realnets.TrainConfig `json:"train"`
}

// netSweepParams lists the second parameters of a network sweep.
var netSweepParams = []string{"width", "subset", "none"}

// hasFlag reports whether args hold the boolean flag -name (or --name,
// -name=true).
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		a = strings.TrimLeft(a, "-")
		if a == name || a == name+"=true" {
			return true
		}
	}
	return false
}

func netSweepPlan(args []string) error {
	fs := newSubFlags("sweep plan -net")
	fs.Bool("net", true, "network sweep")
	model := fs.String("model", "convnet", "network: convnet or mlp")
	width := fs.Int("width", 0, "ConvNet base width (default 32) or MLP hidden width (default 256)")
	hidden := fs.Int("hidden", 0, "hidden layers of the MLP (default 2)")
	dataName := fs.String("data", "mnist", "data set: mnist, cifar10 or cifar100")
	dataDir := fs.String("data-dir", "", "folder of the data files (default for MNIST: the GoMNIST module's)")
	subset := fs.Int("subset", 0, "training images (0: all)")
	testSubset := fs.Int("test-subset", 0, "test images for the test metrics (0: all)")
	epochs := fs.Int("epochs", 0, "epochs per run (required)")
	batch := fs.Int("batch", 128, "mini-batch size")
	gradMetrics := fs.String("grad-metrics", "log", "gradient-pass metrics: all, log or none")
	logEvery := fs.Int("log-every", 1, "keep every k-th step in steps.csv")
	headSeed := fs.Uint64("head-seed", 0, "seed of the frozen last layer, shared by all points")
	out := fs.String("out", "", "folder for plan.json and the runs (required)")
	elrMin := fs.Float64("elr-min", 1e-5, "smallest ELR")
	elrMax := fs.Float64("elr-max", 1, "largest ELR")
	elrPoints := fs.Int("elr-points", 13, "number of log-spaced ELRs")
	param := fs.String("param", "none", "second parameter: "+strings.Join(netSweepParams, ", "))
	values := fs.String("values", "0", "comma-separated values of the second parameter")
	seeds := fs.String("seeds", "1", "comma-separated seeds, or a count N for seeds 1..N")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p, err := newNetPlan(netPlanArgs{
		train: realnets.TrainConfig{Model: *model, Width: *width, Hidden: *hidden,
			Data:   data.Config{Name: *dataName, Dir: *dataDir, Subset: *subset},
			Epochs: *epochs, Batch: *batch, GradMetrics: *gradMetrics, LogEvery: *logEvery,
			HeadSeed: *headSeed, TestSubset: *testSubset},
		elrMin: *elrMin, elrMax: *elrMax, elrPoints: *elrPoints,
		param: *param, values: *values, seeds: *seeds,
	})
	if err != nil {
		return fmt.Errorf("plan: %v", err)
	}
	return writeNetPlan(*out, p)
}

// netPlanArgs are the inputs of a network sweep plan.
type netPlanArgs struct {
	train                realnets.TrainConfig
	elrMin, elrMax       float64
	elrPoints            int
	param, values, seeds string
}

// newNetPlan checks a network sweep's settings and numbers its points.
func newNetPlan(a netPlanArgs) (*sweep.Plan, error) {
	if !slices.Contains(netSweepParams, a.param) {
		return nil, fmt.Errorf("unknown -param %q for a network sweep: want one of %s", a.param, strings.Join(netSweepParams, ", "))
	}
	if a.elrPoints < 1 || !(a.elrMin > 0) || !(a.elrMax >= a.elrMin) || math.IsInf(a.elrMax, 0) {
		return nil, fmt.Errorf("the ELR grid needs 0 < -elr-min <= -elr-max and -elr-points >= 1")
	}
	if err := sweep.CheckPlanSize(fmt.Sprintf("-elr-points %d", a.elrPoints), float64(a.elrPoints)); err != nil {
		return nil, err
	}
	if a.train.Epochs < 1 {
		return nil, fmt.Errorf("-epochs %d: want at least 1", a.train.Epochs)
	}
	vals := []float64{0}
	if a.param != "none" {
		var err error
		if vals, err = parseFloats(a.values); err != nil {
			return nil, fmt.Errorf("-values: %v", err)
		}
	}
	sds, err := parseSeeds(a.seeds)
	if err != nil {
		return nil, fmt.Errorf("-seeds: %v", err)
	}
	base := netSweepBase{Net: true, Train: a.train}
	for _, v := range vals {
		c, err := netPointConfig(base.Train, a.param, v)
		if err != nil {
			return nil, err
		}
		c.ELR, c.Out = a.elrMin, "check"
		if err := c.Check(); err != nil {
			return nil, err
		}
	}
	return sweep.NewPlan(base, sweep.LogSpace(a.elrMin, a.elrMax, a.elrPoints), a.param, vals, sds)
}

func writeNetPlan(out string, p *sweep.Plan) error {
	if out == "" {
		return errors.New("plan: -out DIR is required")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	name := filepath.Join(out, "plan.json")
	if err := sweep.WritePlan(name, p); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d network points (%d ELRs x %d %s values x %d seeds), plan %.12s\n",
		name, len(p.Points), len(p.ELR), len(p.Values), p.Param, len(p.Seeds), p.ID)
	return nil
}

// netPointConfig returns the training configuration of the points whose
// second parameter is param = v.
func netPointConfig(c realnets.TrainConfig, param string, v float64) (realnets.TrainConfig, error) {
	if param == "none" {
		return c, nil
	}
	if v != math.Trunc(v) || v < 1 || v > 1e9 {
		return c, fmt.Errorf("%s must be a whole number >= 1, not %v", param, v)
	}
	switch param {
	case "width":
		c.Width = int(v)
	case "subset":
		c.Data.Subset = int(v)
	default:
		return c, fmt.Errorf("unknown parameter %q", param)
	}
	return c, nil
}

// isNetPlan reports whether a plan's base describes a network sweep.
func isNetPlan(p *sweep.Plan) bool {
	var b struct {
		Net bool `json:"net"`
	}
	return json.Unmarshal(p.Base, &b) == nil && b.Net
}

// netRunsDir returns the folder of the runs of the plan in planFile.
func netRunsDir(planFile string) string { return filepath.Join(filepath.Dir(planFile), "runs") }

// netRunner returns the runner of network points: each trains into
// runs/point-NNNNNN with workers goroutines, resuming from a checkpoint left
// there by a killed earlier attempt.
func netRunner(runs string, workers int) sweep.Runner {
	return func(ctx context.Context, raw json.RawMessage, pt sweep.Point) (any, error) {
		var base netSweepBase
		if err := json.Unmarshal(raw, &base); err != nil {
			return nil, fmt.Errorf("plan base: %v", err)
		}
		cfg, err := netPointConfig(base.Train, pt.Param, pt.Value)
		if err != nil {
			return nil, err
		}
		rel := fmt.Sprintf("point-%06d", pt.Index)
		cfg.ELR, cfg.Seed, cfg.Workers = pt.ELR, pt.Seed, workers
		cfg.Out = filepath.Join(runs, rel)
		cfg.CheckpointEvery = 1
		if _, ok := realnets.FinishedRun(cfg.Out, cfg, sameTraining); ok {
			// Finished earlier (its checkpoints may have been removed, as in
			// the committed testdata/mnist): classify it again, train nothing.
			return netPointResult(cfg.Out, "runs/"+rel)
		}
		if ck := realnets.LastCheckpoint(cfg.Out); ck != "" {
			c, err := realnets.LoadCheckpoint(ck)
			if err != nil {
				return nil, err
			}
			if !sameTraining(c.Config, cfg) {
				return nil, fmt.Errorf("%s holds a run of another configuration (ELR %v, seed %d): remove it or use another plan folder", cfg.Out, c.Config.ELR, c.Config.Seed)
			}
			cfg = realnets.TrainConfig{Out: cfg.Out, Resume: true, Epochs: cfg.Epochs, Workers: workers}
		}
		if err := realnets.Run(ctx, cfg, nil); err != nil {
			return nil, err
		}
		return netPointResult(cfg.Out, "runs/"+rel)
	}
}

// sameTraining reports whether a checkpoint's configuration is that of the
// point about to run (all that determines the numbers).
func sameTraining(ck, want realnets.TrainConfig) bool {
	norm := func(c realnets.TrainConfig) string {
		c = c.WithDefaults()
		c.Out, c.Workers, c.Resume, c.Epochs, c.CheckpointEvery = "", 0, false, 0, 0
		b, _ := json.Marshal(c)
		return string(b)
	}
	return norm(ck) == norm(want)
}

// netPointResult reads a finished run folder and returns its sweep result
// record: config, summary, regime, evidence, lyapunov and theory.
func netPointResult(dir, rel string) (map[string]any, error) {
	recs, err := readMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		return nil, err
	}
	steps, err := realnets.ReadSteps(filepath.Join(dir, realnets.StepsFile))
	if err != nil {
		return nil, err
	}
	cfgb, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(cfgb, &cfg); err != nil {
		return nil, fmt.Errorf("%s/config.json: %v", dir, err)
	}
	delete(cfg, "out")
	delete(cfg, "workers")
	cl, err := realnets.ClassifyRun(dir, analysis.ClassifySettings{})
	if err != nil {
		return nil, err
	}
	sum := netSummary(recs, steps)
	sum["random_level"] = recs[0].TrainLoss
	sum["run"] = rel
	return map[string]any{
		"config":   cfg,
		"summary":  sum,
		"regime":   cl.Regime,
		"evidence": cl.Evidence,
		"lyapunov": nil,
		"theory":   nil,
	}, nil
}

// readMetrics reads a run's metrics.jsonl, which must hold epoch 0 and at
// least one more epoch.
func readMetrics(name string) ([]realnets.Record, error) {
	out, err := realnets.ReadMetrics(name)
	if err != nil {
		return nil, err
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("%s: %d records, want epoch 0 and at least one epoch", name, len(out))
	}
	return out, nil
}

// netSummary summarises a run: the last epoch's metrics and means over the
// last tenth of the epochs (at least one; epoch 0 excluded) and of the
// steps.
func netSummary(recs []realnets.Record, steps []realnets.StepRecord) map[string]any {
	last := recs[len(recs)-1]
	epochs := recs[1:]
	k := max(1, len(epochs)/10)
	var tl, te, ta float64
	for _, r := range epochs[len(epochs)-k:] {
		tl += r.TrainLoss
		te += r.TestError
		ta += r.TrainAcc
	}
	sum := map[string]any{
		"final_train_loss": last.TrainLoss,
		"final_train_acc":  last.TrainAcc,
		"final_test_loss":  last.TestLoss,
		"final_test_error": last.TestError,
		"tail_train_loss":  tl / float64(k),
		"tail_test_error":  te / float64(k),
		"tail_train_acc":   ta / float64(k),
		"epochs":           last.Epoch,
		"steps":            last.Step,
		"wall_time":        last.WallTime,
	}
	if len(steps) > 0 {
		ks := max(1, len(steps)/10)
		var g, a float64
		for _, s := range steps[len(steps)-ks:] {
			g += s.GradNorm
			a += s.Angle
		}
		sum["tail_grad_norm"] = g / float64(ks)
		sum["tail_angle"] = a / float64(ks)
	}
	return sum
}
