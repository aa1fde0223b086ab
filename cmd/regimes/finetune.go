package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/regimes/regimes/experiment"
	"github.com/regimes/regimes/internal/cli"
	"github.com/regimes/regimes/realnets"
	runfolder "github.com/regimes/regimes/realnets/run"
)

var cmdFinetune = &Command{
	UsageLine: "finetune [-model convnet|mlp] [-width C] [-data mnist|cifar10|cifar100] [-subset N] [-test-subset M] -pre-elr HI -fine-elr LO -pre-epochs E1 -fine-epochs E2 -baseline-elrs LO1,LO2,... [-seeds S] -out DIR",
	Short:     `the "better optima" protocol: regime-2 pre-training, regime-1 fine-tuning, against regime-1 baselines`,
	Long:      helpText("finetune"),
	Flags:     finetuneFlags,
}

func finetuneFlags(fs *flag.FlagSet) func([]string) error {
	var n netFlags
	n.define(fs, netDefaults{model: "convnet", data: "mnist", width: 8, gradMetrics: "none", perRun: true})
	var cfg experiment.FinetuneConfig
	fs.Float64Var(&cfg.PreELR, "pre-elr", 0, "ELR of the pre-training phase (regime 2)")
	fs.Float64Var(&cfg.FineELR, "fine-elr", 0, "ELR of the fine-tuning phase (regime 1)")
	fs.IntVar(&cfg.PreEpochs, "pre-epochs", 0, "epochs of pre-training")
	fs.IntVar(&cfg.FineEpochs, "fine-epochs", 0, "epochs of fine-tuning")
	baselines := fs.String("baseline-elrs", "", "comma-separated ELRs of the baselines trained from scratch (regime 1)")
	seeds := fs.Int("seeds", 3, "number of seeds (1..S); at least 2 for confidence intervals")
	fs.StringVar(&cfg.Out, "out", "", "output folder")
	quiet := fs.Bool("quiet", false, "no progress on stderr (by default one line per epoch of each run, or a live line on a terminal)")
	return func(args []string) error {
		if len(args) > 0 {
			return usagef("unexpected argument %q", args[0])
		}
		if err := finetuneConfig(&cfg, n.config(), *baselines, *seeds); err != nil {
			return err
		}
		cfg.TrainProgress = func(out string) func(realnets.TrainProgress) {
			h, _ := runfolder.Progress(progressOut(*quiet), "train "+out, "")
			return h
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		res, skips, err := experiment.Finetune(ctx, cfg)
		if errors.Is(err, context.Canceled) {
			return errors.New("interrupted; rerun the same command to continue")
		}
		if err != nil {
			return err
		}
		for _, sk := range skips {
			fmt.Fprintf(stderr, "regimes finetune: figure: %v\n", sk)
		}
		return printJSON(stdout, res)
	}
}

// finetuneConfig checks the flags of finetune and completes cfg with the
// network n, the baselines and the seeds 1..seeds.
func finetuneConfig(cfg *experiment.FinetuneConfig, n realnets.TrainConfig, baselines string, seeds int) error {
	if cfg.Out == "" {
		return usagef("no output folder: give -out DIR")
	}
	switch {
	case !(cfg.PreELR > 0) || !(cfg.FineELR > 0):
		return fmt.Errorf("-pre-elr %g and -fine-elr %g: both must be positive", cfg.PreELR, cfg.FineELR)
	case cfg.PreEpochs < 1 || cfg.FineEpochs < 1:
		return fmt.Errorf("-pre-epochs %d and -fine-epochs %d: both must be at least 1", cfg.PreEpochs, cfg.FineEpochs)
	case seeds < 1:
		return fmt.Errorf("-seeds %d: want at least 1", seeds)
	}
	bases, err := cli.Floats(baselines, cli.Positive)
	if err != nil {
		return fmt.Errorf("-baseline-elrs: %v", err)
	}
	if len(bases) == 0 {
		return errors.New("no baselines: give -baseline-elrs LO1,LO2,...")
	}
	cfg.BaselineELRs, cfg.Seeds = bases, cli.SeedsUpTo(seeds)
	cfg.Network, cfg.Batch, cfg.HeadSeed, cfg.GradMetrics = experiment.NetworkOf(n), n.Batch, n.HeadSeed, n.GradMetrics
	return nil
}
