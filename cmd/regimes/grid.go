package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/regimes/regimes/experiment"
	"github.com/regimes/regimes/internal/cli"
	"github.com/regimes/regimes/sweep"
)

var cmdGrid = &Command{
	UsageLine: "grid [-model resnet|convnet|mlp] [-width K] [-data mnist|cifar10|cifar100] [-subset N] [-test-subset M] -plrs P1,P2,... -flrs F1,F2,... -pre-epochs T -fine-epochs F [-swa-ks K1,K2,...] [-path-points 10] [-seeds S] [-plan-only] -out DIR",
	Short:     "the follow-up's grid: pre-training x fine-tuning ELRs x seeds, SWA, angles, barriers, the 2A/2B label",
	Long:      helpText("grid"),
	Flags:     gridCommandFlags,
}

func gridCommandFlags(fs *flag.FlagSet) func([]string) error {
	var n netFlags
	n.define(fs, netDefaults{model: "resnet", data: "mnist", width: 8, gradMetrics: "none", perRun: true})
	var cfg experiment.GridConfig
	plrs := fs.String("plrs", "", "comma-separated pre-training ELRs")
	flrs := fs.String("flrs", "", "comma-separated fine-tuning ELRs")
	fs.IntVar(&cfg.PreEpochs, "pre-epochs", 0, "epochs of pre-training")
	fs.IntVar(&cfg.FineEpochs, "fine-epochs", 0, "epochs of fine-tuning")
	ks := fs.String("swa-ks", "", "comma-separated numbers of last pre-training checkpoints to average (SWA)")
	fs.IntVar(&cfg.PathPoints, "path-points", 10, "intervals each path between two solutions is evaluated on")
	fs.Float64Var(&cfg.ConvergeErr, "converge-err", 1, "train error (percent) at which pre-training counts as converged")
	fs.Float64Var(&cfg.BarrierTol, "barrier-tol", 1, "test-error barrier (points) up to which two fine-tuned solutions are one basin")
	seeds := fs.Int("seeds", 2, "number of seeds (1..S); at least 2 for confidence intervals")
	fs.StringVar(&cfg.Out, "out", "", "output folder")
	quiet := fs.Bool("quiet", false, "no progress on stderr (by default a line per epoch, evaluation and cell, or a live line on a terminal)")
	planOnly := fs.Bool("plan-only", false, "write DIR/plan.json and stop: run its cells as shards with 'regimes sweep run -plan DIR/plan.json', then 'regimes sweep merge'")
	return func(args []string) error {
		if len(args) > 0 {
			return usagef("unexpected argument %q", args[0])
		}
		if err := gridCommandConfig(&cfg, n, *plrs, *flrs, *ks, *seeds); err != nil {
			return err
		}
		if *planOnly {
			p, err := experiment.NewGridPlan(cfg)
			if err != nil {
				return err
			}
			if err := experiment.WriteGridPlan(cfg.Out, p); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s: %d grid cells (%d PLRs x %d seeds), plan %.12s; run them with regimes sweep run -plan %[1]s\n",
				filepath.Join(cfg.Out, "plan.json"), len(p.Points), len(p.ELR), len(p.Seeds), p.ID)
			return nil
		}
		cfg.Progress = progressOut(*quiet)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		res, err := experiment.Grid(ctx, cfg)
		if errors.Is(err, context.Canceled) {
			return errors.New("interrupted; rerun the same command to continue")
		}
		if err != nil {
			return err
		}
		printGridLabels(res)
		return nil
	}
}

func printGridLabels(res *experiment.GridResult) {
	for _, g := range res.PLRs {
		fmt.Fprintf(stdout, "PLR %g: %s (%s)\n", g.PLR, g.Label, g.Why)
	}
}

// gridMerge merges the cells of a grid plan (sweep merge) into out/grid.json
// and the figure, and prints the labels.
func gridMerge(p *sweep.Plan, dirs []string, out string, partial bool) error {
	res, err := experiment.MergeGrid(p, dirs, out, partial, stderr)
	var miss *experiment.MissingError
	if errors.As(err, &miss) {
		return fmt.Errorf("merge: %v; run the missing shards or pass -partial", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merged %d of %d grid cells into %s\n", len(res.Cells), len(p.Points), filepath.Join(out, "grid.json"))
	printGridLabels(res)
	return nil
}

// gridCommandConfig checks the flags of grid and completes cfg with the network
// n, the ELR lists, the SWA sizes and the seeds 1..seeds.
func gridCommandConfig(cfg *experiment.GridConfig, n netFlags, plrs, flrs, ks string, seeds int) error {
	if cfg.Out == "" {
		return usagef("no output folder: give -out DIR")
	}
	if seeds < 1 {
		return fmt.Errorf("-seeds %d: want at least 1", seeds)
	}
	if n.GradMetrics != "none" {
		return fmt.Errorf("-grad-metrics %s: the grid's runs record no gradient metrics", n.GradMetrics)
	}
	var err error
	if cfg.PLRs, err = cli.Floats(plrs, cli.Positive); err != nil {
		return fmt.Errorf("-plrs: %v", err)
	}
	if cfg.FLRs, err = cli.Floats(flrs, cli.Positive); err != nil {
		return fmt.Errorf("-flrs: %v", err)
	}
	if cfg.SWAKs, err = cli.PositiveInts(ks); err != nil {
		return fmt.Errorf("-swa-ks: %v", err)
	}
	cfg.Seeds = cli.SeedsUpTo(seeds)
	c := n.config()
	cfg.Network, cfg.Batch, cfg.HeadSeed = experiment.NetworkOf(c), c.Batch, c.HeadSeed
	return nil
}
