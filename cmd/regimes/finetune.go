package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/regimes/regimes/experiment"
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
	cfg := experiment.FinetuneConfig{Model: *s.model, Width: *s.width, Hidden: *s.hidden, Data: *s.data, Subset: *s.subset,
		SubsetSeed: *s.subsetSeed, TestSubset: *s.testSubset, PreELR: *s.preELR, FineELR: *s.fineELR,
		PreEpochs: *s.preEpochs, FineEpochs: *s.fineEpochs, BaselineELRs: bases, Batch: *s.batch, HeadSeed: *s.headSeed,
		DataDir: *s.dataDir, GradMetrics: *s.gradMetrics, Workers: *s.workers, Out: *s.out}
	for i := 1; i <= *s.seeds; i++ {
		cfg.Seeds = append(cfg.Seeds, uint64(i))
	}
	if f, ok := stderr.(*os.File); ok && isTerminal(f) {
		cfg.Progress = f
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, skips, err := experiment.Finetune(ctx, cfg)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errors.New("interrupted; rerun the same command to continue")
		}
		return err
	}
	for _, sk := range skips {
		fmt.Fprintf(stderr, "regimes finetune: figure: %v\n", sk)
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
