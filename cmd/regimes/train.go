package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/regimes/regimes/experiment"
	"github.com/regimes/regimes/realnets"
	runfolder "github.com/regimes/regimes/realnets/run"
)

var cmdTrain = &Command{
	UsageLine: "train -model convnet|mlp [-width C] -data mnist|cifar10|cifar100 [-data-dir DIR] [-subset N] (-elr X | -lr X [-wd X] [-momentum X]) [-head-lr X] -epochs E [-batch 128] [-seed S] [-workers K] [-log-every K] [-sharpness N] [-spectrum N] -out DIR [-resume] [-force] [-from CKPT]",
	Short:     "train a scale-invariant network on real data",
	Long:      helpText("train"),
	Flags:     trainFlags,
}

func trainFlags(fs *flag.FlagSet) func([]string) error {
	var n netFlags
	n.define(fs, netDefaults{gradMetrics: "all", perRun: true})
	c := &n.TrainConfig
	fs.Float64Var(&c.ELR, "elr", 0, "fixed effective learning rate on the sphere")
	fs.Float64Var(&c.LR, "lr", 0, "learning rate of conventional SGD (instead of -elr)")
	fs.Float64Var(&c.WD, "wd", 0, "weight decay of conventional SGD")
	fs.Float64Var(&c.Momentum, "momentum", 0, "momentum of conventional SGD")
	fs.Float64Var(&c.HeadLR, "head-lr", 0, "train the last layer with this learning rate (0: frozen)")
	fs.IntVar(&c.Epochs, "epochs", 0, "number of epochs")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of the SI weights and the training order")
	fs.StringVar(&c.Out, "out", "", "output folder")
	fs.BoolVar(&c.Resume, "resume", false, "continue the run in -out from its last checkpoint")
	fs.BoolVar(&c.Force, "force", false, "replace the run in -out (its checkpoints and files) with this one")
	fs.StringVar(&c.From, "from", "", "start from this checkpoint's weights")
	fs.IntVar(&c.CheckpointEvery, "checkpoint-every", 0, "also write DIR/last.ckpt every N epochs (0: only log-spaced and final checkpoints)")
	fs.IntVar(&c.LogEvery, "log-every", 1, "keep every k-th step in DIR/steps.csv")
	fs.IntVar(&c.Sharpness, "sharpness", 0, "compute the sharpness at checkpoint epochs on this many training images, e.g. 512 (0: none)")
	var o trainOptions
	fs.IntVar(&o.spectrum, "spectrum", 0, "after training, the SLQ spectra of the effective tangent Hessian and Gauss-Newton matrix at every epoch checkpoint with this many probes (16 steps, 4 batches of the next epoch), written to DIR/spectrum.jsonl (0: none)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress on stderr")
	fs.StringVar(&o.tensorboard, "tensorboard", "", "also write every epoch's metrics as TensorBoard scalars to an event file in this `folder`")
	return func(args []string) error {
		if len(args) > 0 {
			return usagef("unexpected argument %q", args[0])
		}
		return runTrain(n.config(), o)
	}
}

// trainOptions are the flags of train that are not the run's configuration.
type trainOptions struct {
	quiet       bool
	tensorboard string
	spectrum    int
}

func runTrain(cfg realnets.TrainConfig, o trainOptions) error {
	if cfg.Out == "" {
		return usagef("no output folder: give -out DIR")
	}
	if cfg.From == "" && !cfg.Resume {
		// With -from, model and data default to the checkpoint's.
		if cfg.Model == "" {
			cfg.Model = "convnet"
		}
		if cfg.Data.Name == "" {
			cfg.Data.Name = "mnist"
		}
	}
	if o.spectrum < 0 {
		return fmt.Errorf("-spectrum %d: want 0 (none) or a number of probes", o.spectrum)
	}
	if !cfg.Resume && cfg.Epochs < 1 {
		return fmt.Errorf("-epochs %d: want at least 1", cfg.Epochs)
	}
	hook, closeHook := runfolder.Progress(progressOut(o.quiet), "train", o.tensorboard)
	cfg.Progress = hook
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := runfolder.Run(ctx, cfg, nil)
	if cerr := closeHook(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; continue with: regimes train -out %s -resume", cfg.Out)
		}
		return err
	}
	if o.spectrum > 0 {
		if _, err := experiment.RunSpectra(cfg.Out, experiment.SpectraConfig{Probes: o.spectrum, Seed: 1}, progressOut(o.quiet)); err != nil {
			return err
		}
	}
	recs, err := realnets.ReadMetrics(filepath.Join(cfg.Out, runfolder.MetricsFile))
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("%s: no records", filepath.Join(cfg.Out, runfolder.MetricsFile))
	}
	last, err := json.Marshal(recs[len(recs)-1])
	if err != nil {
		return err
	}
	var rec map[string]any
	if err := json.Unmarshal(last, &rec); err != nil {
		return err
	}
	rec["out"] = cfg.Out
	return printJSON(stdout, rec)
}
