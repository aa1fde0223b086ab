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
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/sweep"
	"github.com/regimes/regimes/toy"
)

func init() {
	c := &Command{
		UsageLine: "sweep plan|run|merge [flags]",
		Short:     "run a grid of toy or network runs (ELR x parameter x seeds), sharded for clusters",
		Long: `
Sweep runs a grid of toy runs: log-spaced ELRs times the values of one second
parameter times seeds. Every point is simulated (regimes simulate), classified
(regimes analyze), optionally measured for its Lyapunov exponent, and given the
lsq theory at its batch size (regimes theory). A sweep has three steps, so that
it can outgrow one machine:

	regimes sweep plan  -out DIR [grid and run flags]   writes DIR/plan.json
	regimes sweep run   -plan DIR/plan.json [-shard i/n] [-workers K]
	regimes sweep merge -plan DIR/plan.json [-partial] [FOLDER ...]

plan numbers the points (ELR fastest, then value, then seed) and seals the list
with a hash of its content. Its flags:

	-toy, -data, -n, -d, -data-seed, -norms, -lambda, -mu, -sigma, -alpha
	          the toy, as for regimes simulate
	-elr-min, -elr-max, -elr-points   the log-spaced ELR grid
	-param NAME -values V1,V2,...     the second parameter: batch, n, d,
	          sigma, alpha, lambda, mu or wd (with wd, every point is a
	          conventional SGD run whose learning rate is the grid's "ELR"
	          value; its realised ELR is in summary.tail_elr_mean)
	-seeds S1,S2,... or -seeds N (seeds 1..N)
	-batch, -sampling, -steps      the run, as for regimes simulate
	-lyapunov-steps T              also estimate the Lyapunov exponent of the
	          step map (10 blocks of T steps; 0: none)
	-momentum                      momentum of the conventional (wd) runs

run runs one shard: the points with index = i (mod n). Without -shard it takes
i from SLURM_ARRAY_TASK_ID (relative to SLURM_ARRAY_TASK_MIN) or
JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) and n from -shards or
SLURM_ARRAY_TASK_COUNT; with neither it runs every point. Points run in
parallel on -workers goroutines (default: all cores); each point's randomness
comes from its own seed, so results do not depend on sharding or workers. Each
finished point is written atomically to its own file in the output folder
(default: DIR/points beside the plan): rerunning a killed shard redoes only
the unfinished points, and shards can share one folder.

merge reads the point files of the plan from the given folders (default
DIR/points) and writes DIR/results.jsonl (one JSON object per point: index,
elr, param, value, seed, config, summary, regime, evidence, lyapunov,
lyapunov_ci, theory (lsq: lambda_max, gd_threshold, ms_threshold,
as_threshold, as_threshold_lo, as_threshold_hi, random_level), and error for a
failed point) and the same flattened as
DIR/results.csv. It refuses point files of another plan, never duplicates a
point, and refuses to write while points are missing unless -partial.

Example (12 ELRs x 4 batch sizes x 2 seeds on the lsq reference data):

	regimes sweep plan -out sw -elr-min 0.5 -elr-max 50 -elr-points 12 \
		-param batch -values 1,2,4,8 -seeds 2 -steps 20000
	regimes sweep run -plan sw/plan.json
	regimes sweep merge -plan sw/plan.json
	regimes plot phase -in sw/results.jsonl -out phase.png
` + netSweepLong,
		Run: runSweep,
	}
	register(c)
}

// sweepBase is the configuration shared by the points of a toy sweep.
type sweepBase struct {
	Toy           toy.Config `json:"toy"`
	Batch         int        `json:"batch"`
	Sampling      string     `json:"sampling"`
	Steps         int        `json:"steps"`
	LyapunovSteps int        `json:"lyapunov_steps,omitempty"`
	Momentum      float64    `json:"momentum,omitempty"`
}

// sweepParams lists the second parameters a sweep can vary.
var sweepParams = []string{"batch", "n", "d", "sigma", "alpha", "lambda", "mu", "wd"}

func runSweep(cmd *Command, args []string) error {
	if len(args) == 0 {
		return errors.New("missing step: plan, run or merge (see 'regimes help sweep')")
	}
	switch args[0] {
	case "plan":
		return sweepPlan(args[1:])
	case "run":
		return sweepRun(args[1:])
	case "merge":
		return sweepMerge(args[1:])
	}
	return fmt.Errorf("unknown step %q: want plan, run or merge", args[0])
}

func newSubFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func sweepPlan(args []string) error {
	if hasFlag(args, "net") {
		return netSweepPlan(args)
	}
	fs := newSubFlags("sweep plan")
	var tc toy.Config
	fs.StringVar(&tc.Toy, "toy", "lsq", "toy: lsq, circle, vmf or logistic")
	fs.StringVar(&tc.Data, "data", "", "CSV data file (lsq, logistic)")
	fs.IntVar(&tc.N, "n", 0, "generated samples (default 8 for lsq, 64 for logistic)")
	fs.IntVar(&tc.D, "d", 0, "dimension (default 24)")
	fs.Uint64Var(&tc.DataSeed, "data-seed", 1, "seed of the generated data")
	fs.StringVar(&tc.Norms, "norms", "", "row norms of generated lsq data: unit or gaussian")
	fs.Float64Var(&tc.Lambda, "lambda", 0, "circle curvature (default 1)")
	fs.Float64Var(&tc.Mu, "mu", 0, "vmf ||mu|| (default 1)")
	fs.Float64Var(&tc.Sigma, "sigma", 0, "vmf noise scale (default 1)")
	fs.Float64Var(&tc.Alpha, "alpha", 0, "logistic output scale (default 10)")
	out := fs.String("out", "", "folder for plan.json (required)")
	elrMin := fs.Float64("elr-min", 0.5, "smallest ELR")
	elrMax := fs.Float64("elr-max", 50, "largest ELR")
	elrPoints := fs.Int("elr-points", 12, "number of log-spaced ELRs")
	param := fs.String("param", "batch", "second parameter: "+strings.Join(sweepParams, ", "))
	values := fs.String("values", "1", "comma-separated values of the second parameter")
	seeds := fs.String("seeds", "1", "comma-separated seeds, or a count N for seeds 1..N")
	var base sweepBase
	fs.IntVar(&base.Batch, "batch", 1, "batch size when -param is not batch (0: full batch)")
	fs.StringVar(&base.Sampling, "sampling", "iid", "batch sampling: iid, shuffle or full")
	fs.IntVar(&base.Steps, "steps", 20000, "steps per run")
	fs.IntVar(&base.LyapunovSteps, "lyapunov-steps", 0, "steps per block of the Lyapunov estimate (0: none)")
	fs.Float64Var(&base.Momentum, "momentum", 0, "momentum of conventional runs (-param wd)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("plan: -out DIR is required")
	}
	if !slices.Contains(sweepParams, *param) {
		return fmt.Errorf("plan: unknown -param %q: want one of %s", *param, strings.Join(sweepParams, ", "))
	}
	if *elrPoints < 1 || !(*elrMin > 0) || !(*elrMax >= *elrMin) || math.IsInf(*elrMax, 0) {
		return fmt.Errorf("plan: the ELR grid needs 0 < -elr-min <= -elr-max and -elr-points >= 1")
	}
	if err := sweep.CheckPlanSize(fmt.Sprintf("-elr-points %d", *elrPoints), float64(*elrPoints)); err != nil {
		return fmt.Errorf("plan: %v", err)
	}
	if base.Steps < 10 {
		return fmt.Errorf("plan: -steps %d: need at least 10", base.Steps)
	}
	if _, err := toy.ParseSampling(base.Sampling); err != nil {
		return fmt.Errorf("plan: %v", err)
	}
	vals, err := parseFloats(*values)
	if err != nil {
		return fmt.Errorf("plan: -values: %v", err)
	}
	sds, err := parseSeeds(*seeds)
	if err != nil {
		return fmt.Errorf("plan: -seeds: %v", err)
	}
	base.Toy = tc
	// Build every variant once, so that a bad toy or value fails here and not
	// in the middle of a cluster job.
	for _, v := range vals {
		if _, _, err := pointProblem(base, *param, v); err != nil {
			return fmt.Errorf("plan: %s = %v: %v", *param, v, err)
		}
	}
	p, err := sweep.NewPlan(base, sweep.LogSpace(*elrMin, *elrMax, *elrPoints), *param, vals, sds)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	name := filepath.Join(*out, "plan.json")
	if err := sweep.WritePlan(name, p); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d points (%d ELRs x %d %s values x %d seeds), plan %.12s\n",
		name, len(p.Points), len(p.ELR), len(p.Values), p.Param, len(p.Seeds), p.ID)
	return nil
}

func sweepRun(args []string) error {
	fs := newSubFlags("sweep run")
	planFile := fs.String("plan", "", "plan file written by 'regimes sweep plan' (required)")
	shardFlag := fs.String("shard", "", "shard i/n to run (default: from the cluster's array index, else all)")
	shards := fs.Int("shards", 0, "number of shards, with the index taken from the environment")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "points run in parallel (network sweeps: trainer goroutines, one point at a time)")
	out := fs.String("out", "", "folder for the point results (default: points beside the plan)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *planFile == "" {
		return errors.New("run: -plan FILE is required")
	}
	p, err := sweep.ReadPlan(*planFile)
	if err != nil {
		return err
	}
	shard := sweep.Shard{Index: 0, Count: 1}
	if *shardFlag != "" {
		if shard, err = sweep.ParseShard(*shardFlag); err != nil {
			return err
		}
	} else if s, ok, err := sweep.ShardFromEnv(os.Getenv, *shards); err != nil {
		return err
	} else if ok {
		shard = s
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(filepath.Dir(*planFile), "points")
	}
	var progress func(done, total int)
	if f, ok := stderr.(*os.File); ok && isTerminal(f) {
		progress = func(done, total int) {
			fmt.Fprintf(stderr, "\rshard %v: %d/%d points", shard, done, total)
			if done == total {
				fmt.Fprintln(stderr)
			}
		}
	}
	runner, pointWorkers := sweep.Runner(toyPoint), *workers
	if isNetPlan(p) {
		// Network points run one at a time; -workers is the number of
		// trainer goroutines.
		runner, pointWorkers = netRunner(netRunsDir(*planFile), *workers), 1
	}
	n, err := sweep.RunShard(context.Background(), p, shard, dir, pointWorkers, runner, progress)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "shard %v: ran %d points into %s\n", shard, n, dir)
	return nil
}

func sweepMerge(args []string) error {
	fs := newSubFlags("sweep merge")
	planFile := fs.String("plan", "", "plan file written by 'regimes sweep plan' (required)")
	out := fs.String("out", "", "output folder for results.jsonl and results.csv (default: beside the plan)")
	partial := fs.Bool("partial", false, "write the results even when points are missing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *planFile == "" {
		return errors.New("merge: -plan FILE is required")
	}
	p, err := sweep.ReadPlan(*planFile)
	if err != nil {
		return err
	}
	dirs := fs.Args()
	if len(dirs) == 0 {
		dirs = []string{filepath.Join(filepath.Dir(*planFile), "points")}
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return fmt.Errorf("merge: %s is not a folder of point results", d)
		}
	}
	results, missing, err := sweep.Merge(p, dirs)
	if err != nil {
		return err
	}
	if len(missing) > 0 && !*partial {
		return fmt.Errorf("merge: %d of %d points have no result yet (first: %d); run the missing shards or pass -partial", len(missing), len(p.Points), missing[0])
	}
	recs := make([]map[string]any, len(results))
	for i, r := range results {
		if recs[i], err = r.Record(); err != nil {
			return err
		}
	}
	dir := *out
	if dir == "" {
		dir = filepath.Dir(*planFile)
	}
	jsonl, csv := filepath.Join(dir, "results.jsonl"), filepath.Join(dir, "results.csv")
	if err := fileio.WriteFile(jsonl, func(w io.Writer) error { return fileio.WriteJSONL(w, recs) }); err != nil {
		return err
	}
	if err := fileio.WriteFile(csv, func(w io.Writer) error { return fileio.WriteFlatCSV(w, recs) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merged %d of %d points into %s and %s\n", len(recs), len(p.Points), jsonl, csv)
	return nil
}

// pointProblem returns the toy problem and the run settings of a sweep point
// whose second parameter is param = v.
func pointProblem(base sweepBase, param string, v float64) (toy.Problem, sweepBase, error) {
	whole := func() (int, error) {
		if v != math.Trunc(v) || v < 0 || v > 1e9 {
			return 0, fmt.Errorf("%s must be a whole number >= 0, not %v", param, v)
		}
		return int(v), nil
	}
	var err error
	switch param {
	case "batch":
		base.Batch, err = whole()
	case "n":
		base.Toy.N, err = whole()
	case "d":
		base.Toy.D, err = whole()
	case "sigma":
		base.Toy.Sigma = v
	case "alpha":
		base.Toy.Alpha = v
	case "lambda":
		base.Toy.Lambda = v
	case "mu":
		base.Toy.Mu = v
	case "wd":
		if v < 0 {
			err = fmt.Errorf("wd must be >= 0, not %v", v)
		}
	default:
		err = fmt.Errorf("unknown parameter %q", param)
	}
	if err != nil {
		return nil, base, err
	}
	p, err := base.Toy.Build()
	return p, base, err
}

// theoryCache holds the lsq theory of each (data, batch) pair, computed once
// per process: the almost-sure threshold costs a fraction of a second.
var theoryCache sync.Map // string -> *theoryEntry

type theoryEntry struct {
	once sync.Once
	th   map[string]float64
	err  error
}

func lsqTheoryOf(p toy.Problem, cfg toy.Config, batch int, replace bool) (map[string]float64, error) {
	l, ok := p.(*toy.LSQ)
	if !ok {
		return nil, nil
	}
	key, _ := json.Marshal(struct {
		C       toy.Config
		B       int
		Replace bool
	}{cfg, batch, replace})
	e, _ := theoryCache.LoadOrStore(string(key), &theoryEntry{})
	ent := e.(*theoryEntry)
	ent.once.Do(func() {
		th, err := toy.NewLSQTheory(l.A(), batch, replace, 1)
		if err != nil {
			ent.err = err
			return
		}
		ent.th = map[string]float64{
			"lambda_max":      th.LambdaMax,
			"gd_threshold":    th.GDThreshold,
			"ms_threshold":    th.MSThreshold,
			"as_threshold":    th.ASThreshold,
			"as_threshold_lo": th.ASThresholdCI[0],
			"as_threshold_hi": th.ASThresholdCI[1],
			"random_level":    th.RandomLevel,
		}
	})
	return ent.th, ent.err
}

// toyPoint runs one point of a toy sweep: simulation, classification,
// Lyapunov estimate and theory.
func toyPoint(ctx context.Context, raw json.RawMessage, pt sweep.Point) (any, error) {
	var base sweepBase
	if err := json.Unmarshal(raw, &base); err != nil {
		return nil, fmt.Errorf("plan base: %v", err)
	}
	p, base, err := pointProblem(base, pt.Param, pt.Value)
	if err != nil {
		return nil, err
	}
	sampling, err := toy.ParseSampling(base.Sampling)
	if err != nil {
		return nil, err
	}
	rec := map[string]any{}
	var traj *toy.Trajectory
	if pt.Param == "wd" {
		cc := toy.ConvConfig{LR: pt.ELR, WD: pt.Value, Momentum: base.Momentum, Batch: base.Batch,
			Sampling: sampling, Steps: base.Steps, Seed: pt.Seed}
		rec["config"] = map[string]any{"toy": base.Toy.Defaults(), "conventional": cc}
		traj, err = toy.SimulateConventional(p, cc)
	} else {
		sc := toy.SimConfig{ELR: pt.ELR, Batch: base.Batch, Sampling: sampling, Steps: base.Steps, Seed: pt.Seed}
		rec["config"] = map[string]any{"toy": base.Toy.Defaults(), "sim": sc}
		traj, err = toy.Simulate(p, sc)
	}
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	rec["summary"] = traj.Summary
	in := analysis.RegimeInput{RandomLevel: p.RandomLevel()}
	for _, r := range traj.Records {
		in.Loss = append(in.Loss, r.Loss)
		in.GradNorm = append(in.GradNorm, r.GradNorm)
		in.Angle = append(in.Angle, r.Angle)
	}
	if base.LyapunovSteps > 0 && pt.Param != "wd" {
		m := toy.NewStepMap(p, pt.ELR, base.Batch, sampling, pt.Seed)
		_, m.Transverse = p.(*toy.LSQ)
		est := analysis.MapLyapunov(m, traj.Final, analysis.LyapunovSettings{
			Steps: base.LyapunovSteps, Blocks: 10, Workers: 1, Seed: pt.Seed})
		rec["lyapunov"] = est.Exponent
		rec["lyapunov_ci"] = est.CI
		in.Lyapunov = analysis.LyapunovEvidenceOf(est)
	}
	cl := analysis.Classify(in)
	rec["regime"] = cl.Regime
	rec["evidence"] = cl.Evidence
	if th, err := lsqTheoryOf(p, base.Toy, base.Batch, true); err != nil {
		return nil, err
	} else if th != nil {
		rec["theory"] = th
	}
	return rec, nil
}

func parseFloats(s string) ([]float64, error) {
	var v []float64
	for _, f := range strings.Split(s, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%q is not a finite number", f)
		}
		v = append(v, x)
	}
	return v, nil
}

func parseSeeds(s string) ([]uint64, error) {
	if !strings.Contains(s, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil || n == 0 || n > 1e6 {
			return nil, fmt.Errorf("%q is neither a seed list nor a count >= 1", s)
		}
		v := make([]uint64, n)
		for i := range v {
			v[i] = uint64(i + 1)
		}
		return v, nil
	}
	var v []uint64
	for _, f := range strings.Split(s, ",") {
		x, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a seed (a whole number >= 0)", f)
		}
		v = append(v, x)
	}
	return v, nil
}
