package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/internal/fileio"
	prog "github.com/regimes/regimes/internal/progress"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/plots/figdata"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	"github.com/regimes/regimes/realnets/run"
	"github.com/regimes/regimes/regime"
	"github.com/regimes/regimes/sweep"
)

// MNISTConfig configures the reproduction of Kodryan et al. (2022), Fig. 1,
// on MNIST (ReproduceMNIST).
type MNISTConfig struct {
	// Out is the folder of the experiment; an interrupted experiment
	// continues where it stopped when run again into the same folder.
	Out string
	// Quick runs the tiny version (ConvNetSI of width 4, 256 images, 3
	// ELRs, 3 epochs): seconds, to check that everything works; its regimes
	// mean nothing.
	Quick bool
	// Workers is the number of trainer goroutines (0: GOMAXPROCS): the
	// grid trains that many runs at a time on one goroutine each, and the
	// later stages' runs train side by side too, each length of a run on
	// the goroutines the others leave (all of them when it runs alone).
	Workers int
	// Log, if not nil, receives the lines that say which files were written
	// (the plan, the merged results).
	Log io.Writer
	// Progress, if not nil, receives one line per finished run and per run
	// of the later stages.
	Progress io.Writer
}

// MNISTSummary is summary.json of the MNIST reproduction.
type MNISTSummary struct {
	Model   realnets.ModelKind `json:"model"`
	Width   int                `json:"width"`
	Data    string             `json:"data"`
	Subset  int                `json:"subset"`
	Test    int                `json:"test_subset"`
	Epochs  int                `json:"epochs"`
	Batch   int                `json:"batch"`
	ELRs    []float64          `json:"elrs"`
	Regimes []regime.Regime    `json:"regimes"`
	Reasons []string           `json:"reasons"`
	// Failed lists the indices (into ELRs) of runs that failed; their
	// regime is undetermined and their reason is the error.
	Failed []int `json:"failed,omitempty"`
	// GridRegimes are the labels of the first stage (Epochs epochs);
	// Regimes replaces those of the runs of Long by their labels.
	GridRegimes []regime.Regime `json:"grid_regimes"`
	// Long holds the second stage: the ELRs whose first-stage runs were too
	// short to judge, run again for LongEpochs epochs.
	LongEpochs int       `json:"long_epochs"`
	Long       []LongRun `json:"long"`
	// Refine holds the third stage: ELRs between the last ELR that is not
	// divergence and the first that is, when the grid has no chaotic
	// equilibrium; they follow the grid's ELRs in ELRs, Regimes and Reasons.
	Refine []LongRun         `json:"refine"`
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

// LongRun is one run of the second or third stage of the MNIST
// reproduction.
type LongRun struct {
	ELR    float64       `json:"elr"`
	Epochs int           `json:"epochs"`
	Regime regime.Regime `json:"regime"`
	Reason string        `json:"reason"`
	Run    string        `json:"run"`
}

// mnistEvalEvery is the spacing in epochs of the MNIST reproduction's
// records beyond the log-spaced epochs: 80 points along a 400-epoch run.
const mnistEvalEvery = 5

// refinePoints is the number of ELRs the third stage of the MNIST
// reproduction adds at the 2|3 boundary.
const refinePoints = 3

// paperBoundaries are the regime boundaries of Kodryan et al. (2022) for
// ConvNet on CIFAR-10 (issue 6): regime 1 up to about 5e-4, regime 2 about
// 1e-3 to 5e-3, regime 3 from about 5e-2.
var paperBoundaries = map[string]any{
	"data": "ConvNet on CIFAR-10", "convergence_max": 5e-4,
	"chaotic_min": 1e-3, "chaotic_max": 5e-3, "divergence_min": 5e-2,
}

// MNISTPlan returns the first stage of the MNIST reproduction, a network
// sweep: ConvNetSI of width 8 on the first 2,000 MNIST training images
// (test metrics on the first 500 test images), 13 ELRs log-spaced from 1e-5
// to 1, one seed, 20 epochs of batches of 128; or, with quick, its tiny
// version.
//
// Only what the classifier and the figures read is measured. The
// classifier reads steps.csv, which has every step, and the epoch-0 record
// (the random level); the panels draw the records' train loss and test
// error and, as the effective gradient norm, the epoch means of the steps'
// gradient norms, with the gradient pass of epoch 0 only. So the
// evaluation passes run at mnistEvalEvery-th epochs and at the log-spaced
// epochs (EvalEpochs "log": the first epochs, where the curves move
// fastest), and the gradient pass at epoch 0 (GradMetrics "start"): the
// training, and so every label, is bitwise that of evaluating every epoch.
func MNISTPlan(quick bool) NetPlanConfig {
	a := NetPlanConfig{
		Train: realnets.TrainConfig{Model: "convnet", Width: 8,
			Data:   data.Config{Name: "mnist", Subset: 2000},
			Epochs: 20, Batch: 128, GradMetrics: realnets.GradStart, TestSubset: 500,
			EvalEpochs: realnets.EvalLog, EvalEvery: mnistEvalEvery},
		ELRMin: 1e-5, ELRMax: 1, ELRPoints: 13,
		Param: "none", Seeds: []uint64{1},
	}
	if quick {
		a.Train.Width, a.Train.Data.Subset, a.Train.TestSubset = 4, 256, 100
		a.Train.Epochs, a.Train.Batch = 3, 64
		a.ELRMin, a.ELRMax, a.ELRPoints = 1e-4, 1, 3
	}
	return a
}

// longEpochs are the lengths of the second stage of the MNIST
// reproduction: a run the classifier found stationary but too short to
// judge (fewer effective samples than it needs) is continued to the first
// length, and to the next while it stays too short. The lengths double, so
// that a run stops at less than twice the length it needs; each length
// continues the previous one bitwise, so the ladder decides where a run
// stops, never what its steps are.
func longEpochs(quick bool) []int {
	if quick {
		return []int{6, 12}
	}
	return []int{50, 100, 200, 400}
}

// randomPoints is the number of random initial points whose train loss
// summary.json reports.
func randomPoints(quick bool) int {
	if quick {
		return 2
	}
	return 10
}

// ReproduceMNIST runs the three stages of the MNIST reproduction into
// cfg.Out and returns its summary, also written to cfg.Out/summary.json:
// the grid (MNISTPlan, merged into results.jsonl and results.csv), longer
// runs where the classifier found a run stationary but too short to judge
// (long/), and, when the grid shows no chaotic equilibrium, three ELRs
// refining the 2|3 boundary; then results-final.jsonl, the loss of random
// initial points and the figures (figures/panels and figures/phase, PNG and
// SVG).
func ReproduceMNIST(ctx context.Context, cfg MNISTConfig) (*MNISTSummary, error) {
	if cfg.Progress != nil {
		// The later stages' runs report side by side.
		cfg.Progress = &lockedWriter{w: cfg.Progress}
	}
	m := &mnistRun{cfg: cfg, start: time.Now(), a: MNISTPlan(cfg.Quick)}
	if cfg.Out == "" {
		return nil, errors.New("reproduce mnist: no output folder")
	}
	// The temporaries of a killed write go first.
	if err := fileio.MkdirClean(cfg.Out); err != nil {
		return nil, err
	}
	results, err := m.grid(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.later(ctx, results); err != nil {
		return nil, err
	}
	if err := m.finish(); err != nil {
		return nil, err
	}
	return &m.s, nil
}

// mnistRun is the state of one MNIST reproduction.
type mnistRun struct {
	cfg     MNISTConfig
	start   time.Time
	a       NetPlanConfig
	s       MNISTSummary
	final   []map[string]any // the records of results-final.jsonl
	metrics []string         // the panels' data files
	// trainChain, when not nil, replaces longRunAt (tests).
	trainChain func(ctx context.Context, e float64, name, from, why string, workers func() int) (map[string]any, LongRun, float64, error)
}

func (m *mnistRun) progress(format string, args ...any) {
	if m.cfg.Progress != nil {
		fmt.Fprintf(m.cfg.Progress, "reproduce: "+format+"\n", args...)
	}
}

// grid runs the first stage, the sweep of MNISTPlan, and merges it.
func (m *mnistRun) grid(ctx context.Context) ([]sweep.PointResult, error) {
	out, a := m.cfg.Out, m.a
	p, err := NewNetPlan(a)
	if err != nil {
		return nil, err
	}
	planFile := filepath.Join(out, "plan.json")
	if old, err := sweep.ReadPlan(planFile); err == nil {
		if old.ID != p.ID {
			return nil, fmt.Errorf("%s holds another experiment (plan %.12s, this one %.12s): use another output folder", out, old.ID, p.ID)
		}
		m.progress("continuing the experiment in %s", out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	} else if err := WritePlan(out, p); err != nil {
		return nil, err
	} else if m.cfg.Log != nil {
		fmt.Fprintln(m.cfg.Log, PlanMessage(planFile, p, "network points"))
	}
	// The folder is written file by file over the stages: it claims no
	// consistent set until the final manifest (Seal) lists them all.
	if err := fileio.Unseal(out); err != nil {
		return nil, err
	}
	points := filepath.Join(out, "points")
	done := func(finished, total int) {
		el := time.Since(m.start)
		m.progress("%d/%d runs done, elapsed %s, ETA %s", finished, total, prog.Duration(el), prog.Duration(el*time.Duration(total-finished)/time.Duration(max(finished, 1))))
	}
	// The grid's runs are independent and of one length: they run side by
	// side, one goroutine each (a run's numbers do not depend on its
	// goroutines), so that what a run does on one goroutine overlaps the
	// other runs' work (the wall times are in the README).
	share := newCoreShare(m.cores())
	train := netRunner(NetRunsDir(planFile), 1, share.now, nil)
	runner := func(ctx context.Context, raw json.RawMessage, pt sweep.Point) (any, error) {
		share.add(1)
		defer share.add(-1)
		return train(ctx, raw, pt)
	}
	if _, err := sweep.RunShard(ctx, p, sweep.Shard{Index: 0, Count: 1}, points, m.cores(), runner, done); err != nil {
		return nil, err
	}
	msg, err := MergeSweep(p, []string{points}, out, false)
	if err != nil {
		return nil, err
	}
	if m.cfg.Log != nil {
		fmt.Fprintln(m.cfg.Log, msg)
	}
	results, _, err := sweep.Merge(p, []string{points})
	if err != nil {
		return nil, err
	}
	m.s = MNISTSummary{Model: a.Train.Model, Width: a.Train.Width, Data: "mnist", Subset: a.Train.Data.Subset,
		Test: a.Train.TestSubset, Epochs: a.Train.Epochs, Batch: a.Train.Batch, Paper: paperBoundaries}
	for _, r := range results {
		if err := m.addGridPoint(r); err != nil {
			return nil, err
		}
	}
	m.s.GridRegimes = slices.Clone(m.s.Regimes)
	m.s.Grid = regime.BoundariesOf(m.s.ELRs, m.s.GridRegimes)
	return results, nil
}

// pointOutcome is the part of a network point's result the summary uses.
type pointOutcome struct {
	Regime   regime.Regime `json:"regime"`
	Evidence struct {
		Reasons []string `json:"reasons"`
	} `json:"evidence"`
	Summary struct {
		WallTime float64 `json:"wall_time"`
		Run      string  `json:"run"`
	} `json:"summary"`
}

// reason is the classifier's last reason.
func (o pointOutcome) reason() string {
	if n := len(o.Evidence.Reasons); n > 0 {
		return o.Evidence.Reasons[n-1]
	}
	return ""
}

// addGridPoint adds a first-stage point to the summary and writes its
// panel data.
func (m *mnistRun) addGridPoint(r sweep.PointResult) error {
	s := &m.s
	if r.Error != "" {
		s.Failed = append(s.Failed, len(s.ELRs))
		s.ELRs = append(s.ELRs, r.Point.ELR)
		s.Regimes = append(s.Regimes, regime.Undetermined)
		s.Reasons = append(s.Reasons, r.Error)
		return nil
	}
	var res pointOutcome
	if err := json.Unmarshal(r.Result, &res); err != nil {
		return fmt.Errorf("point %d: %v", r.Point.Index, err)
	}
	s.ELRs = append(s.ELRs, r.Point.ELR)
	s.Regimes = append(s.Regimes, res.Regime)
	s.Reasons = append(s.Reasons, res.reason())
	s.TrainTime += res.Summary.WallTime
	name := filepath.Join(m.cfg.Out, "figures", "data", fmt.Sprintf("elr-%02d.jsonl", r.Point.Index))
	if err := panelData(filepath.Join(m.cfg.Out, res.Summary.Run), name); err != nil {
		return err
	}
	m.metrics = append(m.metrics, name)
	return nil
}

// A chain is one ELR of the second or third stage: trained through the
// stage-2 lengths by longRunAt, its record and summary kept for later.
type chain struct {
	elr        float64
	name, from string
	why        string
	index      int // the grid point of a second-stage chain; -1 in the third
	rec        map[string]any
	run        LongRun
	trainTime  float64
	err        error
}

// later runs the second and the third stage side by side. The second
// stage: the classifier asks for longer runs where a run looked stationary
// but had too few effective samples; those ELRs run again, longer, and
// their labels replace the short ones. The third stage, when no ELR is a
// chaotic equilibrium, refines the 2|3 boundary (refineELRs). Its ELRs
// depend on the second stage's labels, so they are chosen from the grid's
// labels and trained beside the second stage; when the second stage's
// labels change them, those runs are removed and the right ELRs trained
// after it. Either way the result is that of running the stages one after
// the other: the runs' numbers do not depend on their goroutines, and
// everything is merged in the stages' order.
func (m *mnistRun) later(ctx context.Context, results []sweep.PointResult) error {
	m.final = make([]map[string]any, len(results))
	var long []*chain
	for i, r := range results {
		var err error
		if m.final[i], err = r.Record(); err != nil {
			return err
		}
		if tooShort(r) {
			name := fmt.Sprintf("point-%06d", r.Point.Index)
			long = append(long, &chain{elr: r.Point.ELR, name: name, index: i, why: "is too short to judge",
				from: filepath.Join(NetRunsDir(filepath.Join(m.cfg.Out, "plan.json")), name)})
		}
	}
	guess := m.refineELRs()
	spec := refineChains(guess)
	if err := m.runChains(ctx, append(append([]*chain(nil), long...), spec...)); err != nil {
		return err
	}
	for _, c := range long {
		m.s.Long = append(m.s.Long, c.run)
		m.s.Regimes[c.index], m.s.Reasons[c.index] = c.run.Regime, fmt.Sprintf("%d epochs: %s", c.run.Epochs, c.run.Reason)
		m.final[c.index] = c.rec
		m.final[c.index]["index"] = results[c.index].Point.Index
		m.addChain(c)
	}
	refine := spec
	if want := m.refineELRs(); !slices.Equal(want, guess) {
		m.progress("the longer runs changed the 2|3 bracket: refining at %v instead of %v", want, guess)
		for _, c := range spec {
			if err := os.RemoveAll(filepath.Join(m.cfg.Out, "long", c.name)); err != nil {
				return err
			}
		}
		refine = refineChains(want)
		if err := m.runChains(ctx, refine); err != nil {
			return err
		}
	}
	s := &m.s
	for _, c := range refine {
		s.Refine = append(s.Refine, c.run)
		c.rec["index"] = len(m.final)
		m.final = append(m.final, c.rec)
		s.ELRs = append(s.ELRs, c.elr)
		s.Regimes = append(s.Regimes, c.run.Regime)
		s.Reasons = append(s.Reasons, fmt.Sprintf("%d epochs (refinement): %s", c.run.Epochs, c.run.Reason))
		m.addChain(c)
	}
	return nil
}

// addChain adds a finished chain's length and training time to the
// summary (in the stages' order, so that train_time is the same sum).
func (m *mnistRun) addChain(c *chain) {
	m.s.LongEpochs = max(m.s.LongEpochs, c.run.Epochs)
	m.s.TrainTime += c.trainTime
}

// refineChains returns the third stage's chains at the ELRs es.
func refineChains(es []float64) []*chain {
	var out []*chain
	for j, e := range es {
		out = append(out, &chain{elr: e, name: fmt.Sprintf("refine-%02d", j), index: -1, why: "refines the 2|3 boundary"})
	}
	return out
}

// refineELRs returns the third stage's ELRs for the labels so far: when no
// ELR is a chaotic equilibrium, refinePoints log-spaced ELRs strictly
// between the largest ELR that is not divergence and the smallest that is
// (the 2|3 boundary, below which regime 2 lies); otherwise none.
func (m *mnistRun) refineELRs() []float64 {
	s := &m.s
	b := regime.BoundariesOf(s.ELRs, s.Regimes)
	if b.ChaoticMin != nil || b.DivergenceMin == nil {
		return nil
	}
	lo := math.NaN()
	for i, e := range s.ELRs {
		if e < *b.DivergenceMin && s.Regimes[i] != regime.Divergence && !slices.Contains(s.Failed, i) {
			lo = e
		}
	}
	hi := *b.DivergenceMin
	if !(lo > 0 && hi/lo > 1.2) {
		return nil
	}
	grid := sweep.LogSpace(lo, hi, refinePoints+2)
	return grid[1 : len(grid)-1]
}

// cores is the number of trainer goroutines of the reproduction.
func (m *mnistRun) cores() int {
	if m.cfg.Workers > 0 {
		return m.cfg.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// runChains trains the chains side by side, as many at a time as the
// reproduction has goroutines; each epoch of a chain takes the goroutines
// that the chains running then leave (all of them when it runs alone). A failed chain stops the others; the error is the
// first failed chain's, in order, other than the stop it caused.
func (m *mnistRun) runChains(ctx context.Context, chains []*chain) error {
	cores := m.cores()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	share := newCoreShare(cores)
	var wg sync.WaitGroup
	next := make(chan *chain)
	for range min(cores, len(chains)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				share.add(1)
				train := m.longRunAt
				if m.trainChain != nil {
					train = m.trainChain
				}
				c.rec, c.run, c.trainTime, c.err = train(ctx, c.elr, c.name, c.from, c.why, share.now)
				share.add(-1)
				if c.err != nil {
					cancel()
				}
			}
		}()
	}
	for _, c := range chains {
		next <- c
	}
	close(next)
	wg.Wait()
	// The first error in order, but not the cancellation that a later
	// chain's failure caused in the others.
	var first error
	for _, c := range chains {
		switch {
		case c.err == nil:
		case first == nil:
			first = c.err
		case errors.Is(first, context.Canceled) && !errors.Is(c.err, context.Canceled):
			return c.err
		}
	}
	return first
}

// longRunAt trains ELR e for the stage-2 lengths in Out/long/name (going on
// to the next length while the run stays too short to judge), the first
// continuing the run in the folder from when it is not empty (a grid
// point's shorter run of the same configuration: its first 20 epochs are
// not trained again), and returns its record and summary.
//
// Each epoch trains on workers() goroutines, asked when it starts; the
// returned time is the run's training wall time (that of its last record,
// which counts the shorter lengths it continues).
func (m *mnistRun) longRunAt(ctx context.Context, e float64, name, from, why string, workers func() int) (map[string]any, LongRun, float64, error) {
	var lr sweep.PointResult
	var dir string
	var lrun LongRun
	prevEpochs := m.a.Train.Epochs // a grid point's run continues from the grid's length
	if from == "" {
		prevEpochs = 0
	}
	for k, epochs := range longEpochs(m.cfg.Quick) {
		la := m.a
		la.Train.Epochs = epochs
		la.ELRMin, la.ELRMax, la.ELRPoints = e, e, 1
		prev := from
		if k > 0 {
			prev = filepath.Join(dir, "runs", "point-000000")
		}
		dir = filepath.Join(m.cfg.Out, "long", name, fmt.Sprintf("e%d", epochs))
		if prev != "" {
			// Continue the shorter run rather than start again.
			if err := seedRun(prev, filepath.Join(dir, "runs", "point-000000")); err != nil {
				return nil, lrun, 0, err
			}
		}
		m.progress("ELR %.3g %s; running it to %d epochs in %s", e, why, epochs, dir)
		var err error
		rep := m.epochReporter(e, epochs, prevEpochs)
		lr, err = runNetPlan(ctx, la, dir, workers, rep.progress)
		rep.finish()
		if err != nil {
			return nil, lrun, 0, err
		}
		lrun.Epochs, prevEpochs = epochs, epochs
		if !tooShort(lr) {
			break
		}
		why = "is still too short to judge"
	}
	var res pointOutcome
	if err := json.Unmarshal(lr.Result, &res); err != nil {
		return nil, lrun, 0, err
	}
	rel, _ := filepath.Rel(m.cfg.Out, filepath.Join(dir, "runs", "point-000000"))
	lrun.ELR, lrun.Regime, lrun.Run, lrun.Reason = e, res.Regime, rel, res.reason()
	rec, err := lr.Record()
	return rec, lrun, res.Summary.WallTime, err
}

// epochReporter reports a longer run's training epochs from done to
// epochs on the reproduction's progress writer, with the elapsed time and
// an ETA: a live line on a terminal, elsewhere a line every tenth epoch and
// at the last.
func (m *mnistRun) epochReporter(e float64, epochs, done int) *epochProgress {
	if m.cfg.Progress == nil {
		return &epochProgress{}
	}
	rep := prog.New(m.cfg.Progress, prog.Options{Label: fmt.Sprintf("reproduce: ELR %.3g", e), Unit: "epoch", Total: max(epochs, 1)})
	rep.Resume(done)
	return &epochProgress{rep: rep, epochs: epochs}
}

// epochProgress turns a training's progress into epoch reports.
type epochProgress struct {
	rep    *prog.Reporter
	epochs int
}

func (p *epochProgress) progress(tp realnets.TrainProgress) {
	if p.rep == nil || tp.Record == nil || tp.Epoch == 0 {
		return
	}
	note := fmt.Sprintf("train loss %.4g", tp.Record.TrainLoss)
	if tp.Epoch%10 == 0 || tp.Epoch == p.epochs {
		p.rep.Done(tp.Epoch, note)
	} else {
		p.rep.Phase(tp.Epoch, 1, note)
	}
}

func (p *epochProgress) finish() { p.rep.Finish() }

// finish writes results-final.jsonl, measures the random points, draws the
// figures and writes summary.json.
func (m *mnistRun) finish() error {
	out, s := m.cfg.Out, &m.s
	if err := fileio.Unseal(out); err != nil { // the grid's merge sealed results.*
		return err
	}
	final := filepath.Join(out, "results-final.jsonl")
	if err := fileio.WriteFile(final, func(w io.Writer) error { return fileio.WriteJSONL(w, m.final) }); err != nil {
		return err
	}
	s.Boundaries = regime.BoundariesOf(s.ELRs, s.Regimes)
	// The loss of random initial points, for comparison with the run's own
	// epoch-0 loss that the classifier uses as the random level.
	rl, err := realnets.EstimateRandomLevel(m.a.Train, randomPoints(m.cfg.Quick))
	if err != nil {
		return err
	}
	s.RandomPoints = &rl
	if err := m.figures(final); err != nil {
		return err
	}
	s.WallTime = time.Since(m.start).Seconds()
	if err := writeJSONFile(filepath.Join(out, "summary.json"), s); err != nil {
		return err
	}
	p, err := NewNetPlan(m.a)
	if err != nil {
		return err
	}
	return fileio.Seal(out, p.ID)
}

// figures draws figures/panels (from the panel data of the grid's runs)
// and figures/phase (the phase strip of results-final.jsonl), PNG and SVG.
func (m *mnistRun) figures(final string) error {
	figs := filepath.Join(m.cfg.Out, "figures")
	if err := fileio.MkdirClean(figs); err != nil {
		return err
	}
	// The grid's runs, each coloured by the regime its own (first-stage)
	// run was given, ELR order as lightness within the regime; and the
	// longer runs of stages 2 and 3 (among them the chaotic-equilibrium
	// run) in a figure of their own, whose time axis is 10-20 times longer.
	var panels, long *plots.Figure
	if len(m.metrics) > 0 {
		var err error
		if panels, err = m.panels(m.metrics, m.s.ELRs, m.s.GridRegimes); err != nil {
			return err
		}
	}
	var longFiles []string
	var longELRs []float64
	var longRegimes []regime.Regime
	for i, l := range append(append([]LongRun(nil), m.s.Long...), m.s.Refine...) {
		// The panel data of the run: per epoch, with the mean effective
		// gradient norm of its steps (the gradient pass ran at log-spaced
		// epochs only).
		f := filepath.Join(figs, "data", fmt.Sprintf("long-%02d.jsonl", i))
		if err := panelData(filepath.Join(m.cfg.Out, l.Run), f); err != nil {
			m.progress("panels-long: %s: %v", l.Run, err)
			continue
		}
		longFiles, longELRs, longRegimes = append(longFiles, f), append(longELRs, l.ELR), append(longRegimes, l.Regime)
	}
	if len(longFiles) > 0 {
		var err error
		if long, err = m.panels(longFiles, longELRs, longRegimes); err != nil {
			return err
		}
	}
	phase, err := m.figure("phase", []string{final})
	if err != nil {
		return err
	}
	phase.Title = fmt.Sprintf("ConvNetSI c=%d, MNIST (%d images): %s", m.a.Train.Width, m.s.Subset, m.s.Boundaries)
	for _, ext := range []string{".png", ".svg"} {
		size := plots.SizeFor(true, 0.75)
		if panels != nil {
			if err := plots.Save(panels, size.W, size.H, filepath.Join(figs, "panels"+ext), plots.SaveOptions{}); err != nil {
				return err
			}
		}
		if long != nil {
			if err := plots.Save(long, size.W, size.H, filepath.Join(figs, "panels-long"+ext), plots.SaveOptions{}); err != nil {
				return err
			}
		}
		if err := plots.Save(phase, 7*vg.Inch, 2*vg.Inch, filepath.Join(figs, "phase"+ext), plots.SaveOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// figure draws a figure of the given kind (figdata.Figure), reporting what
// it skipped on the progress writer.
// panels draws the panels of the runs in files, each given the regime of
// the sweep point at its ELR (figdata.LabelRuns).
func (m *mnistRun) panels(files []string, elrs []float64, labels []regime.Regime) (*plots.Figure, error) {
	d, err := figdata.Panels(files)
	if err != nil {
		return nil, err
	}
	figdata.LabelRuns(&d, elrs, labels, nil)
	fig, skips, err := plots.NewPanels(d)
	for _, sk := range plots.SummarizeSkips(skips) {
		m.progress("panels: %s", sk)
	}
	return fig, err
}

func (m *mnistRun) figure(kind string, files []string) (*plots.Figure, error) {
	fig, skips, notes, err := figdata.Figure(kind, files, figdata.Options{})
	for _, n := range notes {
		m.progress("%s: %s", kind, n)
	}
	for _, sk := range skips {
		m.progress("%s: %v", kind, sk)
	}
	return fig, err
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
	ck := run.LastCheckpoint(src)
	if ck == "" {
		return nil // nothing to continue from: dst trains from the start
	}
	if err := fileio.MkdirClean(dst); err != nil {
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
func runNetPlan(ctx context.Context, a NetPlanConfig, dir string, workers func() int, onEpoch func(realnets.TrainProgress)) (sweep.PointResult, error) {
	p, err := NewNetPlan(a)
	if err != nil {
		return sweep.PointResult{}, err
	}
	planFile := filepath.Join(dir, "plan.json")
	if old, err := sweep.ReadPlan(planFile); err == nil {
		if old.ID != p.ID {
			return sweep.PointResult{}, fmt.Errorf("%s holds another experiment: remove it", dir)
		}
	} else if err := fileio.MkdirClean(dir); err != nil {
		return sweep.PointResult{}, err
	} else if err := sweep.WritePlan(planFile, p); err != nil {
		return sweep.PointResult{}, err
	}
	points := filepath.Join(dir, "points")
	if _, err := sweep.RunShard(ctx, p, sweep.Shard{Index: 0, Count: 1}, points, 1, netRunner(NetRunsDir(planFile), workers(), workers, onEpoch), nil); err != nil {
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
	if err := fileio.MkdirClean(filepath.Dir(name)); err != nil {
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

// lockedWriter serialises the writes of goroutines to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// A coreShare divides a number of goroutines among the runs training side
// by side: now is what each gets (at least 1).
type coreShare struct {
	mu             sync.Mutex
	cores, running int
}

func newCoreShare(cores int) *coreShare { return &coreShare{cores: cores} }

// add counts delta runs more in training.
func (s *coreShare) add(delta int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running += delta
}

// now returns the goroutines of one run.
func (s *coreShare) now() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return max(1, s.cores/max(s.running, 1))
}
