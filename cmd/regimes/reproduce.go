package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	"github.com/regimes/regimes/regime"
	"github.com/regimes/regimes/sweep"
)

var cmdReproduce = &Command{
	UsageLine: "reproduce mnist [-out DIR] [-quick] [-workers K]",
	Short:     "rerun the paper's three-regime experiment on MNIST and draw its figures",
	Long: `
Reproduce mnist reruns the experiment of Kodryan et al. (2022), Fig. 1, on
MNIST with one command: a network sweep (regimes sweep plan -net) of ConvNetSI
of width 8 (SCIENCE.md section 9) trained on the sphere at 13 fixed ELRs
log-spaced from 1e-5 to 1 (half-decades), one seed, on the first 2,000 MNIST
training images (test metrics on the first 500 test images), 20 epochs of
batches of 128, gradient metrics at log-spaced epochs. Every run is classified
from its per-step log (regimes analyze RUN/steps.csv; the random level is the
loss of the random initial point, the epoch-0 train loss, about 12 because
the frozen last layer has norm 10). It then merges the results and draws the
paper's figures, and prints the measured regime boundaries and the wall time.

A second stage runs longer where the classifier asks to: an ELR whose run
looked stationary but had fewer effective samples than the classifier needs
(undetermined, "too short") is trained again for 200 epochs, continued to 400
if it is still too short (long/point-NNNNNN/eEPOCHS/), and its label replaces
the short one. On MNIST this is what identifies the narrow
chaotic-equilibrium band near ELR 2e-2.
The whole run took 15 minutes on a 2-core machine shared with other work
(testdata/mnist holds its results, figures and a README with the measured
boundaries). It is resumable: run the
same command again after an interruption and it continues where it stopped
(finished points are kept, a point in progress resumes from its last epoch).

	regimes reproduce mnist -out mnist-repro

It writes, in DIR: plan.json, runs/point-NNNNNN/ (one training run per ELR:
config.json, metrics.jsonl, steps.csv, checkpoints), points/,
results.jsonl and results.csv (regimes sweep merge, first stage),
long/point-NNNNNN/ (the second stage's runs), results-final.jsonl (the
first stage's records with those of the second stage in their place),
figures/panels.png and
.svg (train loss, test error and mean effective gradient norm against epoch,
and train loss against gradient norm with the start marked, one line per ELR:
regimes plot panels), figures/phase.png and .svg (the phase strip: one cell
per ELR coloured by regime, regimes plot phase), and summary.json, which is
also printed: model, data, subset, epochs, elrs, regimes (one per ELR, after
the second stage), grid_regimes and grid_boundaries (the first stage's),
long_epochs and long (the second stage's runs: elr, epochs, regime, reason),
convergence_max (largest ELR classified convergence), chaotic_min and
chaotic_max (the ELR range classified chaotic equilibrium), divergence_min
(smallest ELR classified divergence; null when a regime does not appear),
random_points (the train loss of 10 random initial points: random_level,
the mean, random_level_stderr, seeds, losses; the classifier compares each
run with its own epoch-0 loss, one such draw),
paper (the boundaries reported for ConvNet on CIFAR-10), wall_time (seconds
of this command) and train_time (seconds of training summed over the runs,
resumed sessions included).

-quick runs a tiny version (ConvNetSI of width 4, 256 images, 3 ELRs, 3
epochs: seconds) to check that everything works; its regimes mean nothing.
-workers sets the trainer's goroutines (default: all cores).
`,
}

func init() {
	c := cmdReproduce
	c.Flag = flag.NewFlagSet("reproduce", flag.ContinueOnError)
	out := c.Flag.String("out", "mnist-repro", "output folder")
	quick := c.Flag.Bool("quick", false, "a tiny version for tests (seconds)")
	workers := c.Flag.Int("workers", runtime.GOMAXPROCS(0), "trainer goroutines")
	c.Run = func(cmd *Command, args []string) error {
		if len(args) < 1 || args[0] != "mnist" {
			return errors.New("want the experiment name: regimes reproduce mnist [-out DIR] [-quick]")
		}
		// Flags may follow the experiment's name.
		if err := cmd.Flag.Parse(args[1:]); err != nil {
			return err
		}
		if rest := cmd.Flag.Args(); len(rest) > 0 {
			return fmt.Errorf("unexpected argument %q", rest[0])
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		return reproduceMNIST(ctx, *out, *quick, *workers)
	}
	register(c)
}

// mnistExperiment returns the sweep of the MNIST reproduction.
// refinePoints is the number of ELRs the third stage of the MNIST
// reproduction adds at the 2|3 boundary.
const refinePoints = 3

// longEpochs are the lengths of the second stage of the MNIST
// reproduction: a run the classifier found stationary but too short to
// judge (fewer effective samples than it needs) is continued to the first
// length, and to the next while it stays too short.
func longEpochs(quick bool) []int {
	if quick {
		return []int{6, 12}
	}
	return []int{200, 400}
}

func mnistExperiment(quick bool) netPlanArgs {
	a := netPlanArgs{
		train: realnets.TrainConfig{Model: "convnet", Width: 8,
			Data:   data.Config{Name: "mnist", Subset: 2000},
			Epochs: 20, Batch: 128, GradMetrics: "log", TestSubset: 500},
		elrMin: 1e-5, elrMax: 1, elrPoints: 13,
		param: "none", seeds: "1",
	}
	if quick {
		a.train.Width, a.train.Data.Subset, a.train.TestSubset = 4, 256, 100
		a.train.Epochs, a.train.Batch = 3, 64
		a.elrMin, a.elrMax, a.elrPoints = 1e-4, 1, 3
	}
	return a
}

// paperBoundaries are the regime boundaries of Kodryan et al. (2022) for
// ConvNet on CIFAR-10 (issue 6): regime 1 up to about 5e-4, regime 2 about
// 1e-3 to 5e-3, regime 3 from about 5e-2.
var paperBoundaries = map[string]any{
	"data": "ConvNet on CIFAR-10", "convergence_max": 5e-4,
	"chaotic_min": 1e-3, "chaotic_max": 5e-3, "divergence_min": 5e-2,
}

// reproSummary is summary.json of the MNIST reproduction.
type reproSummary struct {
	Model   string          `json:"model"`
	Width   int             `json:"width"`
	Data    string          `json:"data"`
	Subset  int             `json:"subset"`
	Test    int             `json:"test_subset"`
	Epochs  int             `json:"epochs"`
	Batch   int             `json:"batch"`
	ELRs    []float64       `json:"elrs"`
	Regimes []regime.Regime `json:"regimes"`
	Reasons []string        `json:"reasons"`
	// Failed lists the indices (into ELRs) of runs that failed; their
	// regime is undetermined and their reason is the error.
	Failed []int `json:"failed,omitempty"`
	// GridRegimes are the labels of the first stage (Epochs epochs);
	// Regimes replaces those of the runs of Long by their labels.
	GridRegimes []regime.Regime `json:"grid_regimes"`
	// Long holds the second stage: the ELRs whose first-stage runs were too
	// short to judge, run again for LongEpochs epochs.
	LongEpochs int       `json:"long_epochs"`
	Long       []longRun `json:"long"`
	// Refine holds the third stage: ELRs between the last ELR that is not
	// divergence and the first that is, when the grid has no chaotic
	// equilibrium; they follow the grid's ELRs in ELRs, Regimes and Reasons.
	Refine []longRun         `json:"refine"`
	Grid   regime.Boundaries `json:"grid_boundaries"`
	regime.Boundaries
	// RandomPoints is the train loss of random initial points
	// (realnets.EstimateRandomLevel): their mean, standard error, seeds and
	// losses.
	RandomPoints *realnets.RandomLevelEstimate `json:"random_points"`
	Paper        map[string]any                `json:"paper"`
	WallTime     float64                       `json:"wall_time"`
	TrainTime    float64                       `json:"train_time"`
}

// longRun is one run of the second stage of the MNIST reproduction.
type longRun struct {
	ELR    float64       `json:"elr"`
	Epochs int           `json:"epochs"`
	Regime regime.Regime `json:"regime"`
	Reason string        `json:"reason"`
	Run    string        `json:"run"`
}

func reproduceMNIST(ctx context.Context, out string, quick bool, workers int) error {
	start := time.Now()
	a := mnistExperiment(quick)
	p, err := newNetPlan(a)
	if err != nil {
		return err
	}
	planFile := filepath.Join(out, "plan.json")
	if old, err := sweep.ReadPlan(planFile); err == nil {
		if old.ID != p.ID {
			return fmt.Errorf("%s holds another experiment (plan %.12s, this one %.12s): use another -out", out, old.ID, p.ID)
		}
		fmt.Fprintf(stderr, "reproduce: continuing the experiment in %s\n", out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	} else if err := writeNetPlan(out, p); err != nil {
		return err
	}
	points := filepath.Join(out, "points")
	done := func(finished, total int) {
		fmt.Fprintf(stderr, "reproduce: %d/%d runs done (%.0f s)\n", finished, total, time.Since(start).Seconds())
	}
	if _, err := sweep.RunShard(ctx, p, sweep.Shard{Index: 0, Count: 1}, points, 1, netRunner(netRunsDir(planFile), workers), done); err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; continue with: regimes reproduce mnist -out %s%s", out, map[bool]string{true: " -quick"}[quick])
		}
		return err
	}
	if err := sweepMerge([]string{"-plan", planFile}); err != nil {
		return err
	}
	results, _, err := sweep.Merge(p, []string{points})
	if err != nil {
		return err
	}
	s := reproSummary{Model: a.train.Model, Width: a.train.Width, Data: "mnist", Subset: a.train.Data.Subset,
		Test: a.train.TestSubset, Epochs: a.train.Epochs, Batch: a.train.Batch, Paper: paperBoundaries}
	var metrics []string
	for _, r := range results {
		var res struct {
			Regime   regime.Regime `json:"regime"`
			Evidence struct {
				Reasons []string `json:"reasons"`
			} `json:"evidence"`
			Summary struct {
				WallTime float64 `json:"wall_time"`
				Run      string  `json:"run"`
			} `json:"summary"`
		}
		if r.Error != "" {
			s.Failed = append(s.Failed, len(s.ELRs))
			s.ELRs = append(s.ELRs, r.Point.ELR)
			s.Regimes = append(s.Regimes, regime.Undetermined)
			s.Reasons = append(s.Reasons, r.Error)
			continue
		}
		if err := json.Unmarshal(r.Result, &res); err != nil {
			return fmt.Errorf("point %d: %v", r.Point.Index, err)
		}
		s.ELRs = append(s.ELRs, r.Point.ELR)
		s.Regimes = append(s.Regimes, res.Regime)
		reason := ""
		if n := len(res.Evidence.Reasons); n > 0 {
			reason = res.Evidence.Reasons[n-1]
		}
		s.Reasons = append(s.Reasons, reason)
		s.TrainTime += res.Summary.WallTime
		name := filepath.Join(out, "figures", "data", fmt.Sprintf("elr-%02d.jsonl", r.Point.Index))
		if err := panelData(filepath.Join(out, res.Summary.Run), name); err != nil {
			return err
		}
		metrics = append(metrics, name)
	}
	s.GridRegimes = slices.Clone(s.Regimes)
	s.Grid = regime.BoundariesOf(s.ELRs, s.GridRegimes)
	// Second stage: the classifier asks for longer runs where a run looked
	// stationary but had too few effective samples; run those ELRs again,
	// longer (doubling while they stay too short), and let their labels
	// replace the short ones.
	final := make([]map[string]any, len(results))
	// longRunAt trains ELR e for the stage-2 lengths in out/long/NAME
	// (going on to the next length while the run stays too short to judge)
	// and returns its record and summary.
	longRunAt := func(e float64, name string, why string) (map[string]any, longRun, error) {
		var lr sweep.PointResult
		var dir string
		var lrun longRun
		for k, epochs := range longEpochs(quick) {
			la := a
			la.train.Epochs = epochs
			la.elrMin, la.elrMax, la.elrPoints = e, e, 1
			prev := dir
			dir = filepath.Join(out, "long", name, fmt.Sprintf("e%d", epochs))
			if k > 0 {
				// Continue the shorter run rather than start again.
				if err := seedRun(filepath.Join(prev, "runs", "point-000000"), filepath.Join(dir, "runs", "point-000000")); err != nil {
					return nil, lrun, err
				}
			}
			fmt.Fprintf(stderr, "reproduce: ELR %.3g %s; running it to %d epochs in %s\n", e, why, epochs, dir)
			var err error
			if lr, err = runNetPlan(ctx, la, dir, workers); err != nil {
				return nil, lrun, err
			}
			lrun.Epochs = epochs
			if !tooShort(lr) {
				break
			}
			why = "is still too short to judge"
		}
		var res struct {
			Regime   regime.Regime `json:"regime"`
			Evidence struct {
				Reasons []string `json:"reasons"`
			} `json:"evidence"`
			Summary struct {
				WallTime float64 `json:"wall_time"`
			} `json:"summary"`
		}
		if err := json.Unmarshal(lr.Result, &res); err != nil {
			return nil, lrun, err
		}
		rel, _ := filepath.Rel(out, filepath.Join(dir, "runs", "point-000000"))
		lrun.ELR, lrun.Regime, lrun.Run = e, res.Regime, rel
		if n := len(res.Evidence.Reasons); n > 0 {
			lrun.Reason = res.Evidence.Reasons[n-1]
		}
		s.LongEpochs = max(s.LongEpochs, lrun.Epochs)
		s.TrainTime += res.Summary.WallTime
		rec, err := lr.Record()
		return rec, lrun, err
	}
	for i, r := range results {
		if final[i], err = r.Record(); err != nil {
			return err
		}
		if !tooShort(r) {
			continue
		}
		rec, lrun, err := longRunAt(r.Point.ELR, fmt.Sprintf("point-%06d", r.Point.Index), "is too short to judge")
		if err != nil {
			return err
		}
		s.Long = append(s.Long, lrun)
		s.Regimes[i], s.Reasons[i] = lrun.Regime, fmt.Sprintf("%d epochs: %s", lrun.Epochs, lrun.Reason)
		final[i] = rec
		final[i]["index"] = r.Point.Index
	}
	// Third stage: when no ELR of the grid is a chaotic equilibrium, refine
	// the grid between the largest ELR that is not divergence and the
	// smallest that is (the 2|3 boundary, below which regime 2 lies), with
	// refinePoints log-spaced ELRs strictly inside, run as long as stage 2.
	if b := regime.BoundariesOf(s.ELRs, s.Regimes); b.ChaoticMin == nil && b.DivergenceMin != nil {
		lo := math.NaN()
		for i, e := range s.ELRs {
			if e < *b.DivergenceMin && s.Regimes[i] != regime.Divergence && !slices.Contains(s.Failed, i) {
				lo = e
			}
		}
		if hi := *b.DivergenceMin; lo > 0 && hi/lo > 1.2 {
			grid := sweep.LogSpace(lo, hi, refinePoints+2)
			for j, e := range grid[1 : len(grid)-1] {
				rec, lrun, err := longRunAt(e, fmt.Sprintf("refine-%02d", j), "refines the 2|3 boundary")
				if err != nil {
					return err
				}
				s.Refine = append(s.Refine, lrun)
				rec["index"] = len(final)
				final = append(final, rec)
				s.ELRs = append(s.ELRs, e)
				s.Regimes = append(s.Regimes, lrun.Regime)
				s.Reasons = append(s.Reasons, fmt.Sprintf("%d epochs (refinement): %s", lrun.Epochs, lrun.Reason))
			}
		}
	}
	if err := fileio.WriteFile(filepath.Join(out, "results-final.jsonl"), func(w io.Writer) error { return fileio.WriteJSONL(w, final) }); err != nil {
		return err
	}
	s.Boundaries = regime.BoundariesOf(s.ELRs, s.Regimes)
	// The loss of random initial points, for comparison with the run's own
	// epoch-0 loss that the classifier uses as the random level.
	rl, err := realnets.EstimateRandomLevel(a.train, randomPoints(quick))
	if err != nil {
		return err
	}
	s.RandomPoints = &rl
	figs := filepath.Join(out, "figures")
	title := fmt.Sprintf("ConvNetSI c=%d, MNIST (%d images): %s", a.train.Width, s.Subset, s.Boundaries)
	for _, ext := range []string{".png", ".svg"} {
		if len(metrics) > 0 {
			if err := plotSub("panels", "-in", strings.Join(metrics, ","), "-out", filepath.Join(figs, "panels"+ext)); err != nil {
				return err
			}
		}
		if err := plotSub("phase", "-in", filepath.Join(out, "results-final.jsonl"), "-out", filepath.Join(figs, "phase"+ext),
			"-title", title, "-width", "7", "-height", "2"); err != nil {
			return err
		}
	}
	s.WallTime = time.Since(start).Seconds()
	if err := writeJSONFile(filepath.Join(out, "summary.json"), s); err != nil {
		return err
	}
	return printJSON(stdout, s)
}

// tooShort reports whether the classifier left a point undetermined because
// its loss looked stationary but had fewer effective samples than it needs.
func tooShort(r sweep.PointResult) bool {
	var res struct {
		Regime   regime.Regime `json:"regime"`
		Evidence struct {
			LevelESS *float64 `json:"level_ess"`
			Settings struct {
				MinESS float64 `json:"min_ess"`
			} `json:"settings"`
		} `json:"evidence"`
	}
	if r.Error != "" || json.Unmarshal(r.Result, &res) != nil || res.Regime != regime.Undetermined {
		return false
	}
	e := res.Evidence
	return e.LevelESS != nil && *e.LevelESS < e.Settings.MinESS
}

// seedRun copies the trainer run in src (if dst holds none yet) so that a
// longer run in dst resumes from src's last checkpoint.
func seedRun(src, dst string) error {
	if _, err := os.Stat(filepath.Join(dst, "config.json")); err == nil {
		return nil
	}
	ck := realnets.LastCheckpoint(src)
	if ck == "" {
		return nil // nothing to continue from: dst trains from the start
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"config.json", "metrics.jsonl", realnets.StepsFile, filepath.Base(ck)} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return err
		}
		if err := fileio.WriteFile(filepath.Join(dst, name), func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return err
		}
	}
	return nil
}

// runNetPlan runs the one-point network plan of a (resumably, in dir) and
// returns its result.
func runNetPlan(ctx context.Context, a netPlanArgs, dir string, workers int) (sweep.PointResult, error) {
	p, err := newNetPlan(a)
	if err != nil {
		return sweep.PointResult{}, err
	}
	planFile := filepath.Join(dir, "plan.json")
	if old, err := sweep.ReadPlan(planFile); err == nil {
		if old.ID != p.ID {
			return sweep.PointResult{}, fmt.Errorf("%s holds another experiment: remove it", dir)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return sweep.PointResult{}, err
	} else if err := sweep.WritePlan(planFile, p); err != nil {
		return sweep.PointResult{}, err
	}
	points := filepath.Join(dir, "points")
	if _, err := sweep.RunShard(ctx, p, sweep.Shard{Index: 0, Count: 1}, points, 1, netRunner(netRunsDir(planFile), workers), nil); err != nil {
		return sweep.PointResult{}, err
	}
	results, missing, err := sweep.Merge(p, []string{points})
	if err != nil {
		return sweep.PointResult{}, err
	}
	if len(missing) > 0 || len(results) != 1 {
		return sweep.PointResult{}, fmt.Errorf("%s: the run did not finish", dir)
	}
	if results[0].Error != "" {
		return sweep.PointResult{}, fmt.Errorf("%s: %s", dir, results[0].Error)
	}
	return results[0], nil
}

// plotSub runs "regimes plot KIND args..." in this process.
func plotSub(kind string, args ...string) error {
	if code := run(append([]string{"plot", kind}, args...)); code != 0 {
		return fmt.Errorf("plot %s failed (exit code %d; see above)", kind, code)
	}
	return nil
}

// panelData writes the per-epoch data of the panels figure for the run in
// dir: epoch, train_loss, test_error and elr from its metrics.jsonl, and
// grad_norm_mean = the mean over the epoch's steps of the effective
// gradient norm of steps.csv (the record's own grad_norm_mean at epoch 0).
// The runs compute the end-of-epoch gradient pass only at log-spaced epochs
// (-grad-metrics log), so the epoch mean of the training steps' gradient
// norms, which every epoch has, is drawn instead.
func panelData(dir, name string) error {
	recs, err := readMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		return err
	}
	steps, err := realnets.ReadSteps(filepath.Join(dir, realnets.StepsFile))
	if err != nil {
		return err
	}
	sum := map[int]float64{}
	cnt := map[int]int{}
	for _, st := range steps {
		sum[st.Epoch] += st.GradNorm
		cnt[st.Epoch]++
	}
	type row struct {
		Epoch        int     `json:"epoch"`
		TrainLoss    float64 `json:"train_loss"`
		TrainAcc     float64 `json:"train_acc"`
		TestError    float64 `json:"test_error"`
		GradNormMean float64 `json:"grad_norm_mean"`
		ELR          float64 `json:"elr"`
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return fileio.WriteFile(name, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, r := range recs {
			g := math.NaN()
			switch {
			case r.Epoch == 0 && r.GradNormMean != nil:
				g = *r.GradNormMean
			case cnt[r.Epoch] > 0:
				g = sum[r.Epoch] / float64(cnt[r.Epoch])
			}
			if math.IsNaN(g) {
				continue
			}
			if err := enc.Encode(row{r.Epoch, r.TrainLoss, r.TrainAcc, r.TestError, g, r.ELR}); err != nil {
				return err
			}
		}
		return nil
	})
}

// randomPoints is the number of random initial points whose train loss
// summary.json reports.
func randomPoints(quick bool) int {
	if quick {
		return 2
	}
	return 10
}
