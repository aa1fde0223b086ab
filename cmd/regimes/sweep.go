package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/regimes/regimes/experiment"
	"github.com/regimes/regimes/internal/cli"
	"github.com/regimes/regimes/sweep"
	"github.com/regimes/regimes/toy"
)

var cmdSweep = &Command{
	UsageLine: "sweep plan|run|merge [flags]",
	Short:     "run a grid of toy or network runs (ELR x parameter x seeds), sharded for clusters",
	Long:      helpText("sweep"),
	Run:       runSweep,
}

func runSweep(args []string) error {
	if len(args) == 0 {
		return usagef("missing step: plan, run or merge (see 'regimes help sweep')")
	}
	switch args[0] {
	case "plan":
		if cli.HasBool(args[1:], "net") {
			return netSweepPlan(args[1:])
		}
		return sweepPlan(args[1:])
	case "run":
		return sweepRun(args[1:])
	case "merge":
		return sweepMerge(args[1:])
	}
	return usagef("unknown step %q: want plan, run or merge", args[0])
}

func newSubFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// gridFlags are the flags of a sweep's grid, shared by toy and network
// plans: log-spaced ELRs x the values of a second parameter x seeds.
type gridFlags struct {
	out                  string
	elrMin, elrMax       float64
	elrPoints            int
	param, values, seeds string
}

// gridDefaults are the defaults in which toy and network grids differ.
type gridDefaults struct {
	elrMin, elrMax float64
	elrPoints      int
	param, values  string
	params         []string
}

func (g *gridFlags) define(fs *flag.FlagSet, d gridDefaults) {
	fs.StringVar(&g.out, "out", "", "folder for plan.json (required)")
	fs.Float64Var(&g.elrMin, "elr-min", d.elrMin, "smallest ELR")
	fs.Float64Var(&g.elrMax, "elr-max", d.elrMax, "largest ELR")
	fs.IntVar(&g.elrPoints, "elr-points", d.elrPoints, "number of log-spaced ELRs")
	fs.StringVar(&g.param, "param", d.param, "second parameter: "+strings.Join(d.params, ", "))
	fs.StringVar(&g.values, "values", d.values, "comma-separated values of the second parameter")
	fs.StringVar(&g.seeds, "seeds", "1", "comma-separated seeds, or a count N for seeds 1..N")
}

// parse returns the values (none for param none) and the seeds.
func (g *gridFlags) parse() ([]float64, []uint64, error) {
	var vals []float64
	var err error
	if g.param != "none" {
		if vals, err = cli.Floats(g.values, cli.Finite); err != nil {
			return nil, nil, fmt.Errorf("plan: -values: %v", err)
		}
		if len(vals) == 0 {
			return nil, nil, fmt.Errorf("plan: -values: no values of -param %s", g.param)
		}
	}
	sds, err := cli.Seeds(g.seeds)
	if err != nil {
		return nil, nil, fmt.Errorf("plan: -seeds: %v", err)
	}
	return vals, sds, nil
}

// writePlan writes p to g.out/plan.json and says so.
func (g *gridFlags) writePlan(p *sweep.Plan, kind string) error {
	if err := experiment.WritePlan(g.out, p); err != nil {
		return err
	}
	fmt.Fprintln(stdout, experiment.PlanMessage(filepath.Join(g.out, "plan.json"), p, kind))
	return nil
}

func sweepPlan(args []string) error {
	fs := newSubFlags("sweep plan")
	var t toyFlags
	t.define(fs, toyDefaults{sweep: true, steps: 20000})
	var g gridFlags
	g.define(fs, gridDefaults{elrMin: 0.5, elrMax: 50, elrPoints: 12, param: "batch", values: "1", params: toy.SweepParams})
	lyap := fs.Int("lyapunov-steps", 0, "steps per block of the Lyapunov estimate (0: none)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if g.out == "" {
		return usagef("plan: -out DIR is required")
	}
	if *lyap < 0 {
		return fmt.Errorf("plan: -lyapunov-steps %d: want 0 (none) or a positive block length", *lyap)
	}
	vals, sds, err := g.parse()
	if err != nil {
		return err
	}
	base := toy.SweepBase{Toy: t.Config, Batch: t.batch, Sampling: t.sampling, Steps: t.steps,
		LyapunovSteps: *lyap, Momentum: t.momentum}
	p, err := toy.NewSweepPlan(toy.SweepPlanConfig{Base: base, ELRMin: g.elrMin, ELRMax: g.elrMax,
		ELRPoints: g.elrPoints, Param: g.param, Values: vals, Seeds: sds})
	if err != nil {
		return fmt.Errorf("plan: %v", err)
	}
	return g.writePlan(p, "points")
}

func sweepRun(args []string) error {
	fs := newSubFlags("sweep run")
	planFile := fs.String("plan", "", "plan file written by 'regimes sweep plan' (required)")
	shardFlag := fs.String("shard", "", "shard i/n to run (default: from the cluster's array index, else all)")
	shards := fs.Int("shards", 0, "number of shards, with the index taken from the environment")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "points run in parallel (network sweeps: trainer goroutines, one point at a time)")
	out := fs.String("out", "", "folder for the point results (default: points beside the plan)")
	quiet := fs.Bool("quiet", false, "no progress on stderr (by default: one line per finished point, or a live line on a terminal)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *planFile == "" {
		return usagef("run: -plan FILE is required")
	}
	p, err := sweep.ReadPlan(*planFile)
	if err != nil {
		return err
	}
	shard, err := sweep.ChooseShard(*shardFlag, os.Getenv, *shards)
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(filepath.Dir(*planFile), "points")
	}
	runner, pointWorkers := experiment.PlanRunner(p, *planFile, *workers)
	n, err := sweep.RunShard(context.Background(), p, shard, dir, pointWorkers, runner, sweep.Progress(progressOut(*quiet), fmt.Sprintf("sweep shard %v", shard)))
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
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *planFile == "" {
		return usagef("merge: -plan FILE is required")
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
	dir := *out
	if dir == "" {
		dir = filepath.Dir(*planFile)
	}
	if experiment.IsGridPlan(p) {
		return gridMerge(p, dirs, dir, *partial)
	}
	msg, err := experiment.MergeSweep(p, dirs, dir, *partial)
	var miss *experiment.MissingError
	if errors.As(err, &miss) {
		return fmt.Errorf("merge: %v; run the missing shards or pass -partial", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, msg)
	return nil
}
