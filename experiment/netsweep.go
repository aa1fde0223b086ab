package experiment

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
	"github.com/regimes/regimes/realnets/run"
	"github.com/regimes/regimes/sweep"
)

// NetSweepBase is the configuration shared by the points of a network
// sweep; Net tells the plan from a toy plan.
type NetSweepBase struct {
	Net   bool                 `json:"net"`
	Train realnets.TrainConfig `json:"train"`
}

// NetSweepParams lists the second parameters of a network sweep.
var NetSweepParams = []string{"width", "subset", "none"}

// NetPlanConfig are the inputs of a network sweep plan.
type NetPlanConfig struct {
	// Train is the training configuration shared by the points (its ELR,
	// seed and output folder are the point's).
	Train realnets.TrainConfig
	// ELRMin, ELRMax and ELRPoints are the log-spaced ELR grid.
	ELRMin, ELRMax float64
	ELRPoints      int
	// Param is the second parameter: width, subset or none; Values are its
	// values (ignored for none).
	Param  string
	Values []float64
	// Seeds seed the weights and the training order of each point.
	Seeds []uint64
}

// NewNetPlan checks a network sweep's settings and numbers its points.
func NewNetPlan(a NetPlanConfig) (*sweep.Plan, error) {
	if !slices.Contains(NetSweepParams, a.Param) {
		return nil, fmt.Errorf("unknown second parameter %q for a network sweep: want one of %s", a.Param, strings.Join(NetSweepParams, ", "))
	}
	if a.ELRPoints < 1 || !(a.ELRMin > 0) || !(a.ELRMax >= a.ELRMin) || math.IsInf(a.ELRMax, 0) {
		return nil, fmt.Errorf("the ELR grid needs 0 < smallest <= largest ELR and at least one point")
	}
	if err := sweep.CheckPlanSize(fmt.Sprintf("%d ELRs", a.ELRPoints), float64(a.ELRPoints)); err != nil {
		return nil, err
	}
	if a.Train.Epochs < 1 {
		return nil, fmt.Errorf("%d epochs per run: want at least 1", a.Train.Epochs)
	}
	vals := a.Values
	if a.Param == "none" {
		vals = []float64{0}
	}
	if len(vals) == 0 || len(a.Seeds) == 0 {
		return nil, errors.New("a network sweep needs at least one value and one seed")
	}
	base := NetSweepBase{Net: true, Train: a.Train}
	for _, v := range vals {
		c, err := netPointConfig(base.Train, a.Param, v)
		if err != nil {
			return nil, err
		}
		c.ELR, c.Out = a.ELRMin, "check"
		if err := c.Check(); err != nil {
			return nil, err
		}
	}
	return sweep.NewPlan(base, sweep.LogSpace(a.ELRMin, a.ELRMax, a.ELRPoints), a.Param, vals, a.Seeds)
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

// IsNetPlan reports whether a plan's base describes a network sweep.
func IsNetPlan(p *sweep.Plan) bool {
	var b struct {
		Net bool `json:"net"`
	}
	return json.Unmarshal(p.Base, &b) == nil && b.Net
}

// NetRunsDir returns the folder of the runs of the plan in planFile.
func NetRunsDir(planFile string) string { return filepath.Join(filepath.Dir(planFile), "runs") }

// NetRunner returns the runner of network points: each trains into
// runs/point-NNNNNN with workers goroutines, resuming from a checkpoint left
// there by a killed earlier attempt.
func NetRunner(runs string, workers int) sweep.Runner { return netRunner(runs, workers, nil, nil) }

// netRunner is NetRunner passing each training's progress to onEpoch and
// asking workersNow for its goroutines at every epoch
// (realnets.TrainConfig.WorkersNow; nil: none).
func netRunner(runs string, workers int, workersNow func() int, onEpoch func(realnets.TrainProgress)) sweep.Runner {
	return func(ctx context.Context, raw json.RawMessage, pt sweep.Point) (any, error) {
		var base NetSweepBase
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
		if _, ok := run.FinishedRun(cfg.Out, cfg); ok {
			// Finished earlier (its checkpoints may have been removed, as in
			// the committed testdata/mnist): classify it again, train nothing.
			return NetPointResult(cfg.Out, "runs/"+rel)
		}
		if ck := run.LastCheckpoint(cfg.Out); ck != "" {
			c, err := realnets.LoadCheckpoint(ck)
			if err != nil {
				return nil, err
			}
			if realnets.SameRun(c.Config, cfg) != nil {
				return nil, fmt.Errorf("%s holds a run of another configuration (ELR %v, seed %d): remove it or use another plan folder", cfg.Out, c.Config.ELR, c.Config.Seed)
			}
			cfg = realnets.TrainConfig{Out: cfg.Out, Resume: true, Epochs: cfg.Epochs, Workers: workers}
		}
		cfg.Progress, cfg.WorkersNow = onEpoch, workersNow
		if err := run.Run(ctx, cfg, nil); err != nil {
			return nil, err
		}
		return NetPointResult(cfg.Out, "runs/"+rel)
	}
}

// NetPointResult reads a finished run folder and returns its sweep result
// record: config, summary, regime, evidence, lyapunov and theory.
func NetPointResult(dir, rel string) (map[string]any, error) {
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
	cl, err := run.ClassifyRun(dir, analysis.ClassifySettings{})
	if err != nil {
		return nil, err
	}
	sum := NetSummary(recs, steps)
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

// NetSummary summarises a run: the last epoch's metrics and means over the
// last tenth of the recorded epochs (at least one; epoch 0 excluded: of a
// run that evaluates at log-spaced epochs only, realnets.EvalLog, that is
// the last tenth of its records) and of the steps.
func NetSummary(recs []realnets.Record, steps []realnets.StepRecord) map[string]any {
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
