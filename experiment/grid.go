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
	"slices"
	"strings"
	"sync"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/internal/progress"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	"github.com/regimes/regimes/sweep"
)

// GridConfig configures the grid protocol of Sadrtdinov et al. 2024
// (SCIENCE.md section 11.5): for every seed and pre-training ELR (PLR),
// pre-train for PreEpochs epochs, average its last K checkpoints for each K
// in SWAKs (SWA on the sphere), fine-tune from its last point at every
// fine-tuning ELR (FLR) for FineEpochs epochs, and measure the angles and
// the linear and great-circle barriers between the lowest-FLR, the
// highest-FLR and the largest-K SWA solutions. Its JSON form is the config
// object of grid.json.
type GridConfig struct {
	Network
	PLRs       []float64 `json:"plrs"`
	FLRs       []float64 `json:"flrs"`
	Seeds      []uint64  `json:"seeds"`
	PreEpochs  int       `json:"pre_epochs"`
	FineEpochs int       `json:"fine_epochs"`
	// SWAKs are the numbers of last pre-training checkpoints (one per
	// epoch) averaged; each at most PreEpochs.
	SWAKs []int `json:"swa_ks"`
	// PathPoints is the number of intervals each path is evaluated on
	// (default 10: alpha = 0, 0.1, ..., 1).
	PathPoints int `json:"path_points"`
	// ConvergeErr is the training error in percent (trainer's train
	// metric, batch statistics) at or below which pre-training counts as
	// converged (default 1).
	ConvergeErr float64 `json:"converge_err"`
	// BarrierTol is the test-error barrier in percentage points up to
	// which two fine-tuned solutions count as one basin (default 1).
	BarrierTol float64 `json:"barrier_tol"`
	Batch      int     `json:"batch"`
	HeadSeed   uint64  `json:"head_seed"`

	// Out is the folder of the runs, the cells and grid.json.
	Out string `json:"-"`
	// Progress, if not nil, receives Grid's progress, one unit a cell,
	// with the elapsed time and an ETA (package internal/progress): on a
	// terminal a live line, elsewhere a line per training epoch of each
	// run, per evaluation and per finished cell.
	Progress io.Writer `json:"-"`
	// RunProgress, if not nil and Progress is nil, receives the trainer's
	// progress (a terminal's progress bar).
	RunProgress io.Writer `json:"-"`
}

func (c *GridConfig) defaults() {
	if c.PathPoints == 0 {
		c.PathPoints = 10
	}
	if c.ConvergeErr == 0 {
		c.ConvergeErr = 1
	}
	if c.BarrierTol == 0 {
		c.BarrierTol = 1
	}
	if c.Batch == 0 {
		c.Batch = 128
	}
}

// check reports the first setting of c the protocol cannot run.
func (c *GridConfig) check() error {
	switch {
	case c.Out == "":
		return errors.New("grid: no output folder")
	case len(c.PLRs) == 0 || len(c.FLRs) == 0 || len(c.Seeds) == 0:
		return fmt.Errorf("grid: %d PLRs, %d FLRs and %d seeds: each needs at least one", len(c.PLRs), len(c.FLRs), len(c.Seeds))
	case c.PreEpochs < 1 || c.FineEpochs < 1:
		return fmt.Errorf("grid: %d pre-training and %d fine-tuning epochs: both must be at least 1", c.PreEpochs, c.FineEpochs)
	case c.PathPoints < 1:
		return fmt.Errorf("grid: %d path intervals: want at least 1", c.PathPoints)
	}
	for _, e := range append(slices.Clone(c.PLRs), c.FLRs...) {
		if !(e > 0) || math.IsInf(e, 0) {
			return fmt.Errorf("grid: ELR %g is not a positive number", e)
		}
	}
	for _, k := range c.SWAKs {
		if k < 1 || k > c.PreEpochs {
			return fmt.Errorf("grid: SWA over K = %d checkpoints: want 1 <= K <= pre-training epochs %d", k, c.PreEpochs)
		}
	}
	return nil
}

// GridSolution is one solution of a cell with its metrics after the
// BatchNorm statistics are recomputed on the training set (train and test
// in eval mode, realnets.EvaluatePoint).
type GridSolution struct {
	Name string `json:"name"`
	realnets.PointMetrics
}

// GridPath is one path between two solutions and its barriers.
type GridPath struct {
	Points []realnets.PathPoint `json:"points"`
	// Barriers of the test error, the train error (percentage points) and
	// the train loss (realnets.Barrier).
	TestErr   float64 `json:"test_err_barrier"`
	TrainErr  float64 `json:"train_err_barrier"`
	TrainLoss float64 `json:"train_loss_barrier"`
}

// GridPair is the geometry between two solutions of a cell.
type GridPair struct {
	A           string   `json:"a"`
	B           string   `json:"b"`
	Angle       float64  `json:"angle"`
	Linear      GridPath `json:"linear"`
	GreatCircle GridPath `json:"great_circle"`
}

// GridCell is the result of one seed and PLR.
type GridCell struct {
	Seed uint64  `json:"seed"`
	PLR  float64 `json:"plr"`
	// PreTrainErr and PreTestErr are the last pre-training record's train
	// error (batch statistics) and test error, in percent.
	PreTrainErr float64 `json:"pre_train_err"`
	PreTestErr  float64 `json:"pre_test_err"`
	// EpochsToConverge is the first pre-training epoch whose train error
	// is at most ConvergeErr, or -1 when none is.
	EpochsToConverge int `json:"epochs_to_converge"`
	// Solutions: "pre", then "fine-FLR" for each FLR, then "swa-K" for
	// each K.
	Solutions []GridSolution `json:"solutions"`
	Pairs     []GridPair     `json:"pairs"`
}

func (c *GridCell) solution(name string) *GridSolution {
	for i := range c.Solutions {
		if c.Solutions[i].Name == name {
			return &c.Solutions[i]
		}
	}
	return nil
}

// GridStat is a statistic of one PLR over the seeds.
type GridStat struct {
	Name string `json:"name"`
	CIStat
}

// MarshalJSON flattens the statistics.
func (s GridStat) MarshalJSON() ([]byte, error) {
	b, err := s.CIStat.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["name"] = s.Name
	return json.Marshal(m)
}

// GridPLR summarises one PLR over the seeds, with its label.
type GridPLR struct {
	PLR float64 `json:"plr"`
	// Converged is the number of seeds whose pre-training converged;
	// EpochsToConverge their mean epochs (over those seeds).
	Converged        int    `json:"converged"`
	EpochsToConverge CIStat `json:"epochs_to_converge"`
	PreTrainErr      CIStat `json:"pre_train_err"`
	PreTestErr       CIStat `json:"pre_test_err"`
	// TestErr are the test errors of the solutions ("pre", "fine-FLR",
	// "swa-K"), Angles and Barriers (linear and great-circle test-error
	// barriers) those of the pairs ("A|B").
	TestErr  []GridStat `json:"test_err"`
	Angles   []GridStat `json:"angles"`
	Barriers []GridStat `json:"barriers"`
	// Label is "1", "2A", "2B", "2" (no regime-1 PLR to compare with) or
	// "3", by the rule of SCIENCE.md section 11.5; Why gives its numbers.
	Label string `json:"label"`
	Why   string `json:"why"`
}

// GridResult is the content of grid.json.
type GridResult struct {
	Config GridConfig `json:"config"`
	Cells  []GridCell `json:"cells"`
	PLRs   []GridPLR  `json:"by_plr"`
}

// GridSweepBase is the base configuration of a grid's sweep plan: its
// points are the (PLR, seed) cells of Config (sweep.Point.ELR is the PLR;
// no second parameter). Grid tells the plan from a toy or network plan.
type GridSweepBase struct {
	Grid   bool       `json:"grid"`
	Config GridConfig `json:"config"`
	// DataDir is Config.DataDir (which GridConfig's JSON leaves out).
	DataDir string `json:"data_dir,omitempty"`
}

// NewGridPlan checks cfg and numbers its cells as the points of a sweep
// plan (sweep.NewPlan: PLR fastest, then seed, the order of grid.json's
// cells), so that a grid runs as a sharded, resumable sweep: RunShard with
// GridRunner on any number of shards (Slurm arrays, Kubernetes Indexed
// Jobs: sweep.ShardFromEnv), then MergeGrid.
func NewGridPlan(cfg GridConfig) (*sweep.Plan, error) {
	cfg.defaults()
	if cfg.Out == "" {
		cfg.Out = "plan" // check wants a folder; the plan holds none
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return sweep.NewPlan(GridSweepBase{Grid: true, Config: cfg, DataDir: cfg.DataDir}, cfg.PLRs, "none", nil, cfg.Seeds)
}

// IsGridPlan reports whether a plan's base describes a grid (NewGridPlan).
func IsGridPlan(p *sweep.Plan) bool {
	var b struct {
		Grid bool `json:"grid"`
	}
	return json.Unmarshal(p.Base, &b) == nil && b.Grid
}

// GridPlanConfig returns the grid configuration of a grid plan, with its
// DataDir and Out set to dir, the folder of the cells' runs.
func GridPlanConfig(p *sweep.Plan, dir string) (GridConfig, error) {
	var b GridSweepBase
	if err := json.Unmarshal(p.Base, &b); err != nil || !b.Grid {
		return GridConfig{}, fmt.Errorf("sweep plan %.12s is not a grid plan", p.ID)
	}
	b.Config.DataDir, b.Config.Out = b.DataDir, dir
	return b.Config, nil
}

// GridCellDir returns the folder of the runs of the cell of seed and plr
// under dir: dir/seed-S/plr-P.
func GridCellDir(dir string, seed uint64, plr float64) string {
	return filepath.Join(dir, fmt.Sprintf("seed-%d", seed), "plr-"+formatELR(plr))
}

// GridRunner returns the sweep runner of a grid plan's points: each point
// trains and evaluates one cell (pre-training, fine-tuning at every FLR,
// SWA at every K, the pairs' angles and paths) in GridCellDir(dir, seed,
// PLR) with workers goroutines per forward pass, resuming the runs a killed
// attempt left there, and returns its *GridCell, which depends only on the
// plan and the point (not on the shard, the order or the workers).
// runProgress, if not nil, receives the trainer's progress.
func GridRunner(dir string, workers int, runProgress io.Writer) sweep.Runner {
	return gridRunner(dir, workers, runProgress, &gridProgress{})
}

// gridRunner is GridRunner reporting each cell's stages to g.
func gridRunner(dir string, workers int, runProgress io.Writer, g *gridProgress) sweep.Runner {
	var ev *gridEval // built on the first cell that needs evaluating
	var mu sync.Mutex
	return func(ctx context.Context, raw json.RawMessage, pt sweep.Point) (any, error) {
		var b GridSweepBase
		if err := json.Unmarshal(raw, &b); err != nil || !b.Grid {
			return nil, fmt.Errorf("plan base is not a grid's: %v", err)
		}
		cfg := b.Config
		cfg.DataDir, cfg.Out, cfg.Workers, cfg.RunProgress = b.DataDir, dir, workers, runProgress
		mu.Lock()
		defer mu.Unlock()
		g.start(cfg, fmt.Sprintf("seed %d, PLR %g", pt.Seed, pt.ELR))
		return gridCell(ctx, cfg, gridBase(cfg), pt.Seed, pt.ELR, GridCellDir(dir, pt.Seed, pt.ELR), &ev, g)
	}
}

// gridBase is the training configuration shared by a grid's runs.
func gridBase(cfg GridConfig) realnets.TrainConfig {
	c := cfg.trainConfig(cfg.Batch, cfg.HeadSeed, realnets.GradNone)
	c.CheckpointEvery = 1
	return c
}

// MergeGrid collects the cells of grid plan p from the point folders dirs
// (sweep.Merge: each the output folder of one or more shards), summarises
// and labels them (SCIENCE.md section 11.5), and writes out/grid.json and
// the figure out/grid.png and .svg (GridFigure) atomically. Missing cells
// are an error (a *MissingError) unless partial, when the summary is over
// the cells there are; a failed cell is an error. Skipped figure series
// are reported to progress when it is not nil.
func MergeGrid(p *sweep.Plan, dirs []string, out string, partial bool, progress io.Writer) (*GridResult, error) {
	cfg, err := GridPlanConfig(p, out)
	if err != nil {
		return nil, err
	}
	results, missing, err := sweep.Merge(p, dirs)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 && !partial {
		return nil, &MissingError{Missing: missing, Total: len(p.Points)}
	}
	res := &GridResult{Config: cfg}
	for _, r := range results {
		if r.Error != "" {
			return nil, fmt.Errorf("grid cell %d (seed %d, PLR %g) failed: %s", r.Point.Index, r.Point.Seed, r.Point.ELR, r.Error)
		}
		var c GridCell
		if err := json.Unmarshal(r.Result, &c); err != nil {
			return nil, fmt.Errorf("grid cell %d: %v", r.Point.Index, err)
		}
		res.Cells = append(res.Cells, c)
	}
	res.PLRs = summariseGrid(cfg, res.Cells)
	if err := fileio.MkdirClean(out); err != nil {
		return nil, err
	}
	if err := writeJSONFile(filepath.Join(out, "grid.json"), res); err != nil {
		return nil, err
	}
	fig, skips, err := GridFigure(res)
	if err != nil {
		return nil, err
	}
	for _, sk := range skips {
		if progress != nil {
			fmt.Fprintf(progress, "grid: figure: %v\n", sk)
		}
	}
	sz := plots.SizeFor(true, 0.75)
	for _, ext := range []string{".png", ".svg"} {
		if err := plots.Save(fig, sz.W, sz.H, filepath.Join(out, "grid"+ext), plots.SaveOptions{}); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// WriteGridPlan writes the grid plan p to dir/plan.json, creating dir,
// unless the plan there is p already; another grid's plan there is an
// error (the folder's cells belong to it).
func WriteGridPlan(dir string, p *sweep.Plan) error {
	planFile := filepath.Join(dir, "plan.json")
	have, err := sweep.ReadPlan(planFile)
	switch {
	case err == nil && have.ID == p.ID:
		return nil
	case err == nil:
		return fmt.Errorf("%s is the plan of another grid (%.12s, this one is %.12s): use another output folder, or remove it and %s to recompute the cells (the runs there are reused where they match)",
			planFile, have.ID, p.ID, filepath.Join(dir, "points"))
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	if err := fileio.MkdirClean(dir); err != nil {
		return err
	}
	return sweep.WritePlan(planFile, p)
}

// Grid runs the protocol of cfg in one process as the sweep of its plan
// (NewGridPlan): it writes cfg.Out/plan.json (or reuses the one there, if
// it is this grid's), runs every cell (sweep.RunShard with GridRunner,
// shard 0/1, point files in cfg.Out/points) and merges them (MergeGrid).
// Every run, checkpoint and cell result lives under cfg.Out, so a killed
// grid (also kill -9) resumes where it stopped and reaches the same
// results: finished cells are reused, interrupted runs resumed from their
// last checkpoint, and evaluations are deterministic. The same folder can
// instead be run as shards on a cluster (regimes sweep run -plan
// cfg.Out/plan.json) and merged (regimes sweep merge), to the same
// grid.json.
func Grid(ctx context.Context, cfg GridConfig) (*GridResult, error) {
	cfg.defaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	p, err := NewGridPlan(cfg)
	if err != nil {
		return nil, err
	}
	if err := WriteGridPlan(cfg.Out, p); err != nil {
		return nil, err
	}
	points := filepath.Join(cfg.Out, "points")
	g, runProgress := &gridProgress{}, cfg.RunProgress
	var done func(finished, total int)
	if cfg.Progress != nil {
		// Cells finished before (their point files) count as done, but not
		// toward the pace.
		results, _, _ := sweep.Merge(p, []string{points})
		g.before = len(results)
		g.rep = progress.New(cfg.Progress, progress.Options{Label: "grid", Unit: "cell", Total: len(p.Points)})
		g.rep.Resume(g.before)
		done = func(finished, total int) {
			g.rep.Done(g.before+finished, g.what)
			g.finished = finished
		}
		runProgress = nil // the live line shows the runs
	}
	_, err = sweep.RunShard(ctx, p, sweep.Shard{Index: 0, Count: 1}, points, 1, gridRunner(cfg.Out, cfg.Workers, runProgress, g), done)
	g.rep.Finish()
	if err != nil {
		return nil, err
	}
	// RunShard skips the cells another runner holds (a second grid, or
	// sweep run, on the same folder): say who, rather than "no result".
	if _, missing, err := sweep.Merge(p, []string{points}); err == nil {
		for _, i := range missing {
			if h := sweep.Holder(points, i); h != "" {
				pt := p.Points[i]
				return nil, fmt.Errorf("grid cell %d (seed %d, PLR %g) is being run by another process, %s, which holds %s: wait for it to finish, or stop it and run the grid again",
					i, pt.Seed, pt.ELR, h, strings.TrimSuffix(sweep.PointFile(points, i), ".json")+".lock")
			}
		}
	}
	return MergeGrid(p, []string{points}, cfg.Out, false, cfg.Progress)
}

// gridEval holds the model and data sets the evaluations use.
type gridEval struct {
	m           realnets.Model
	train, test *data.Set
}

// gridCell trains (or reuses, or resumes) the runs of the cell of seed and
// plr in dir and evaluates its solutions and pairs.
func gridCell(ctx context.Context, cfg GridConfig, base realnets.TrainConfig, seed uint64, plr float64, dir string, ev **gridEval, g *gridProgress) (*GridCell, error) {
	kmax := 0
	for _, k := range cfg.SWAKs {
		kmax = max(kmax, k)
	}
	pc := base
	pc.ELR, pc.Epochs, pc.Seed, pc.Out = plr, cfg.PreEpochs, seed, filepath.Join(dir, "pre")
	w0 := g.w
	pc.Progress = g.train("pre-training", cfg.PreEpochs)
	recs, err := ensureEpochs(ctx, pc, max(1, cfg.PreEpochs-kmax+1), cfg.RunProgress)
	if err != nil {
		return nil, err
	}
	g.w = w0 + float64(cfg.PreEpochs)
	cell := &GridCell{Seed: seed, PLR: plr, EpochsToConverge: -1}
	last := recs[len(recs)-1]
	cell.PreTrainErr, cell.PreTestErr = 100-last.TrainAcc, last.TestError
	for _, r := range recs[1:] {
		if 100-r.TrainAcc <= cfg.ConvergeErr {
			cell.EpochsToConverge = r.Epoch
			break
		}
	}
	if *ev == nil {
		m, train, test, err := realnets.Setup(pc)
		if err != nil {
			return nil, err
		}
		*ev = &gridEval{m, train, test}
	}
	e := *ev
	sols := map[string][]realnets.Tensor{}
	addSolution := func(name string, w []realnets.Tensor) error {
		g.phase("evaluating " + name)
		pm, err := realnets.EvaluatePoint(e.m, w, e.train, e.test, cfg.Batch)
		if err != nil {
			return fmt.Errorf("%s %s: %v", dir, name, err)
		}
		g.stage(1, fmt.Sprintf("%s evaluated: test error %.3g%%", name, pm.TestErr))
		sols[name] = w
		cell.Solutions = append(cell.Solutions, GridSolution{Name: name, PointMetrics: pm})
		return nil
	}
	ckpt := func(run string, epoch int) ([]realnets.Tensor, error) {
		c, err := realnets.LoadCheckpoint(filepath.Join(run, fmt.Sprintf("epoch-%06d.ckpt", epoch)))
		if err != nil {
			return nil, err
		}
		return c.Params, nil
	}
	preEnd, err := ckpt(pc.Out, cfg.PreEpochs)
	if err != nil {
		return nil, err
	}
	if err := addSolution("pre", preEnd); err != nil {
		return nil, err
	}
	for _, flr := range cfg.FLRs {
		fc := base
		fc.ELR, fc.Epochs, fc.Seed = flr, cfg.FineEpochs, seed
		fc.Out = filepath.Join(dir, "fine-"+formatELR(flr))
		fc.From = filepath.Join(pc.Out, fmt.Sprintf("epoch-%06d.ckpt", cfg.PreEpochs))
		w0 := g.w
		fc.Progress = g.train("fine-tuning at FLR "+formatELR(flr), cfg.FineEpochs)
		if _, _, err := ensureRun(ctx, fc, cfg.RunProgress, nil); err != nil {
			return nil, err
		}
		g.w = w0 + float64(cfg.FineEpochs)
		w, err := ckpt(fc.Out, cfg.FineEpochs)
		if err != nil {
			return nil, err
		}
		if err := addSolution("fine-"+formatELR(flr), w); err != nil {
			return nil, err
		}
	}
	for _, k := range cfg.SWAKs {
		var ws [][]realnets.Tensor
		for ep := cfg.PreEpochs - k + 1; ep <= cfg.PreEpochs; ep++ {
			w, err := ckpt(pc.Out, ep)
			if err != nil {
				return nil, err
			}
			ws = append(ws, w)
		}
		avg, err := realnets.AverageSolutions(e.m, ws...)
		if err != nil {
			return nil, err
		}
		if err := addSolution(fmt.Sprintf("swa-%d", k), avg); err != nil {
			return nil, err
		}
	}
	lo, hi := slices.Min(cfg.FLRs), slices.Max(cfg.FLRs)
	var pairs [][2]string
	if lo != hi {
		pairs = append(pairs, [2]string{"fine-" + formatELR(lo), "fine-" + formatELR(hi)})
	}
	if len(cfg.SWAKs) > 0 {
		swa := fmt.Sprintf("swa-%d", kmax)
		pairs = append(pairs, [2]string{"fine-" + formatELR(lo), swa})
		if lo != hi {
			pairs = append(pairs, [2]string{"fine-" + formatELR(hi), swa})
		}
	}
	alphas := make([]float64, cfg.PathPoints+1)
	for i := range alphas {
		alphas[i] = float64(i) / float64(cfg.PathPoints)
	}
	for _, p := range pairs {
		a, b := sols[p[0]], sols[p[1]]
		gp := GridPair{A: p[0], B: p[1]}
		if gp.Angle, err = realnets.SolutionAngle(e.m, a, b); err != nil {
			return nil, err
		}
		for _, kind := range []realnets.PathKind{realnets.LinearPath, realnets.GreatCirclePath} {
			g.phase(fmt.Sprintf("%s path %s-%s", kind, p[0], p[1]))
			pts, err := realnets.Path(e.m, a, b, kind, alphas, e.train, e.test, cfg.Batch)
			if err != nil {
				return nil, fmt.Errorf("%s: %s path %s-%s: %v", dir, kind, p[0], p[1], err)
			}
			path := GridPath{Points: pts}
			te, tr, tl := make([]float64, len(pts)), make([]float64, len(pts)), make([]float64, len(pts))
			for i, q := range pts {
				te[i], tr[i], tl[i] = q.TestErr, q.TrainErr, q.TrainLoss
			}
			path.TestErr, _, _ = realnets.Barrier(alphas, te)
			path.TrainErr, _, _ = realnets.Barrier(alphas, tr)
			path.TrainLoss, _, _ = realnets.Barrier(alphas, tl)
			if kind == realnets.LinearPath {
				gp.Linear = path
			} else {
				gp.GreatCircle = path
			}
			g.stage(1, fmt.Sprintf("%s path %s-%s: test-error barrier %.3g", kind, p[0], p[1], path.TestErr))
		}
		cell.Pairs = append(cell.Pairs, gp)
	}
	return cell, nil
}

// ensureEpochs makes sure the run cfg describes reaches cfg.Epochs with a
// checkpoint file for every epoch from first on (SWA needs the last K),
// by training to first and then extending one epoch at a time (a resumed
// run is bitwise the uninterrupted one), and returns its records.
func ensureEpochs(ctx context.Context, cfg realnets.TrainConfig, first int, progress io.Writer) ([]realnets.Record, error) {
	metrics := filepath.Join(cfg.Out, "metrics.jsonl")
	for e := first; e <= cfg.Epochs; e++ {
		if recs, err := realnets.ReadMetrics(metrics); err == nil && len(recs) > 0 && recs[len(recs)-1].Epoch >= e {
			name := filepath.Join(cfg.Out, fmt.Sprintf("epoch-%06d.ckpt", e))
			if _, err := os.Stat(name); err == nil {
				continue
			}
			if recs[len(recs)-1].Epoch > e {
				// The run went past e, so it cannot be extended to it:
				// its checkpoints were removed (a committed run keeps
				// only config.json and metrics.jsonl).
				return nil, fmt.Errorf("%s has trained %d epochs but has no checkpoint %s, which the cell needs; remove %s to retrain it",
					cfg.Out, recs[len(recs)-1].Epoch, filepath.Base(name), cfg.Out)
			}
		}
		c := cfg
		c.Epochs = e
		if _, _, err := ensureRun(ctx, c, progress, nil); err != nil {
			return nil, err
		}
	}
	return realnets.ReadMetrics(metrics)
}

// summariseGrid collects the cells by PLR and labels each PLR.
func summariseGrid(cfg GridConfig, cells []GridCell) []GridPLR {
	var out []GridPLR
	for _, plr := range cfg.PLRs {
		g := GridPLR{PLR: plr}
		var conv, ptr, pte []float64
		stats := map[string][]float64{}
		var names, pairNames []string
		for _, c := range cells {
			if c.PLR != plr {
				continue
			}
			if c.EpochsToConverge >= 0 {
				g.Converged++
				conv = append(conv, float64(c.EpochsToConverge))
			}
			ptr = append(ptr, c.PreTrainErr)
			pte = append(pte, c.PreTestErr)
			for _, s := range c.Solutions {
				if _, ok := stats["err:"+s.Name]; !ok {
					names = append(names, s.Name)
				}
				stats["err:"+s.Name] = append(stats["err:"+s.Name], s.TestErr)
			}
			for _, p := range c.Pairs {
				n := p.A + "|" + p.B
				if _, ok := stats["angle:"+n]; !ok {
					pairNames = append(pairNames, n)
				}
				stats["angle:"+n] = append(stats["angle:"+n], p.Angle)
				stats["lin:"+n] = append(stats["lin:"+n], p.Linear.TestErr)
				stats["gc:"+n] = append(stats["gc:"+n], p.GreatCircle.TestErr)
			}
		}
		g.EpochsToConverge = MeanCI(conv).Clip(0, math.Inf(1))
		g.PreTrainErr, g.PreTestErr = MeanCI(ptr).Clip(0, 100), MeanCI(pte).Clip(0, 100)
		for _, n := range names {
			g.TestErr = append(g.TestErr, GridStat{n, MeanCI(stats["err:"+n]).Clip(0, 100)})
		}
		for _, n := range pairNames {
			g.Angles = append(g.Angles, GridStat{n, MeanCI(stats["angle:"+n]).Clip(0, math.Pi)})
			g.Barriers = append(g.Barriers, GridStat{"linear " + n, MeanCI(stats["lin:"+n]).Clip(0, 100)},
				GridStat{"great-circle " + n, MeanCI(stats["gc:"+n]).Clip(0, 100)})
		}
		out = append(out, g)
	}
	labelGrid(cfg, out)
	return out
}

// labelGrid applies the rule of SCIENCE.md section 11.5 to every PLR.
func labelGrid(cfg GridConfig, plrs []GridPLR) {
	classes := 10.0
	if cfg.Data == "cifar100" {
		classes = 100
	}
	random := 100 * (1 - 1/classes)
	best := func(g *GridPLR, prefix ...string) (float64, string) {
		b, at := math.Inf(1), ""
		for _, s := range g.TestErr {
			for _, p := range prefix {
				if strings.HasPrefix(s.Name, p) && s.Mean < b {
					b, at = s.Mean, s.Name
				}
			}
		}
		return b, at
	}
	// The regime-1 reference: the best solution of any fully converged PLR.
	ref, refAt := math.Inf(1), ""
	for i := range plrs {
		g := &plrs[i]
		if g.Converged == g.PreTrainErr.N && g.Converged > 0 {
			if b, at := best(g, "pre", "fine-", "swa-"); b < ref {
				ref, refAt = b, fmt.Sprintf("%s at PLR %g", at, g.PLR)
			}
		}
	}
	fineBarrier := "linear fine-" + formatELR(slices.Min(cfg.FLRs)) + "|fine-" + formatELR(slices.Max(cfg.FLRs))
	for i := range plrs {
		g := &plrs[i]
		switch {
		case g.Converged == g.PreTrainErr.N && g.Converged > 0:
			g.Label = "1"
			g.Why = fmt.Sprintf("pre-training converged (train error <= %g%%) for every seed, in %.1f epochs on average", cfg.ConvergeErr, g.EpochsToConverge.Mean)
			continue
		case g.PreTrainErr.Mean >= random-5:
			g.Label = "3"
			g.Why = fmt.Sprintf("pre-training train error %.1f%% is within 5 points of the random level %.0f%%", g.PreTrainErr.Mean, random)
			continue
		}
		b, at := best(g, "fine-", "swa-")
		barrier := math.NaN()
		for _, s := range g.Barriers {
			if s.Name == fineBarrier {
				barrier = s.Mean
			}
		}
		basin := !(barrier > cfg.BarrierTol) // NaN (one FLR) counts as no evidence against
		switch {
		case math.IsInf(ref, 1):
			g.Label = "2"
			g.Why = fmt.Sprintf("regime 2 (pre-training did not converge); no converged PLR in the grid to compare with; best %s %.2f%%, fine-tuned barrier %.2f points", at, b, barrier)
		case basin && b < ref:
			g.Label = "2A"
			g.Why = fmt.Sprintf("best %s %.2f%% beats regime 1's best (%s, %.2f%%) and the fine-tuned solutions are one basin (barrier %.2f <= %g points)", at, b, refAt, ref, barrier, cfg.BarrierTol)
		default:
			g.Label = "2B"
			g.Why = fmt.Sprintf("best %s %.2f%% against regime 1's best (%s, %.2f%%); fine-tuned barrier %.2f points (one basin up to %g)", at, b, refAt, ref, barrier, cfg.BarrierTol)
		}
	}
}

// gridProgress reports the stages of a grid's cells to rep (nil: silent):
// one unit a cell, measured in work units of one training epoch or one
// evaluation (a solution, a path) each.
type gridProgress struct {
	rep              *progress.Reporter
	before, finished int     // cells finished before this session, and in it
	total            float64 // work units of a cell
	w                float64 // work units of the cell under way done
	what             string  // the cell: "seed 1, PLR 0.01"
}

// start starts a cell of the grid cfg.
func (g *gridProgress) start(cfg GridConfig, what string) {
	// The pairs gridCell measures: lowest-highest FLR when they differ,
	// and each of them with the largest SWA.
	ends := 1
	if slices.Min(cfg.FLRs) != slices.Max(cfg.FLRs) {
		ends = 2
	}
	pairs := ends - 1
	if len(cfg.SWAKs) > 0 {
		pairs += ends
	}
	g.total = float64(cfg.PreEpochs + len(cfg.FLRs)*cfg.FineEpochs + 1 + len(cfg.FLRs) + len(cfg.SWAKs) + 2*pairs)
	g.w, g.what = 0, what
}

// cell is the cell under way, 1-based.
func (g *gridProgress) cell() int { return g.before + g.finished + 1 }

func (g *gridProgress) frac(w float64) float64 {
	if g.total == 0 {
		return 0
	}
	return min(w/g.total, 1)
}

// phase shows what the cell is doing on the live line.
func (g *gridProgress) phase(note string) {
	g.rep.Phase(g.cell(), g.frac(g.w), g.what+": "+note)
}

// stage records units of work done, with a line off a terminal.
func (g *gridProgress) stage(units float64, note string) {
	g.w += units
	g.rep.Stage(g.cell(), g.frac(g.w), g.what+": "+note)
}

// train returns the progress hook of a training run of the cell that ends
// at epoch epochs: a stage per epoch (nil when silent).
func (g *gridProgress) train(run string, epochs int) func(realnets.TrainProgress) {
	if g.rep == nil {
		return nil
	}
	w0 := g.w
	return func(p realnets.TrainProgress) {
		if p.Record != nil {
			if p.Epoch > 0 {
				g.w = w0 + float64(p.Epoch)
				g.rep.Stage(g.cell(), g.frac(g.w), fmt.Sprintf("%s: %s epoch %d/%d, train loss %.4g, test error %.3g%%",
					g.what, run, p.Epoch, epochs, p.Record.TrainLoss, p.Record.TestError))
			}
			return
		}
		w := w0 + float64(max(p.Epoch-1, 0)) + float64(p.Batch)/float64(max(p.Batches, 1))
		g.rep.Phase(g.cell(), g.frac(w), fmt.Sprintf("%s: %s epoch %d/%d, %s", g.what, run, max(p.Epoch, 1), epochs, p.Phase))
	}
}
