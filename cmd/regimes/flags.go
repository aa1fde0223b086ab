package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	"github.com/regimes/regimes/toy"
)

// toyFlags are the flags that choose a toy problem and how it is run,
// defined once for simulate, conventional and sweep plan.
type toyFlags struct {
	toy.Config
	batch, steps, every int
	sampling            string
	seed                uint64
	lr, wd, momentum    float64
	initNorm            float64
}

// toyDefaults are the defaults in which the toy commands differ.
type toyDefaults struct {
	// lsqOnly: the command takes only lsq (no -toy, -lambda, -mu, -sigma,
	// -alpha or -sampling).
	lsqOnly bool
	// sweep: the command plans a sweep (no -seed, -lr, -wd, -init-norm or
	// -every: the grid and the point give them).
	sweep bool
	steps int
	// everyRows is the number of rows -every 0 aims at.
	everyRows int
}

// define defines the toy flags on fs with the defaults d.
func (t *toyFlags) define(fs *flag.FlagSet, d toyDefaults) {
	t.Toy = "lsq"
	if !d.lsqOnly {
		fs.StringVar((*string)(&t.Toy), "toy", "lsq", "toy problem: lsq, circle, vmf or logistic")
		fs.Float64Var(&t.Lambda, "lambda", 0, "circle: curvature lambda (0 means 1)")
		fs.Float64Var(&t.Mu, "mu", 0, "vmf: norm of mu (0 means 1)")
		fs.Float64Var(&t.Sigma, "sigma", 0, "vmf: noise scale sigma of one draw (0 means 1)")
		fs.Float64Var(&t.Alpha, "alpha", 0, "logistic: frozen output scale alpha (0 means 10)")
		fs.StringVar(&t.sampling, "sampling", "iid", "batch sampling: iid (with replacement), shuffle (epochs without replacement) or full")
	}
	fs.StringVar(&t.Data, "data", "", "lsq, logistic: CSV `file` of samples (default: generate from -n, -d, -data-seed)")
	fs.IntVar(&t.N, "n", 0, "lsq, logistic: number of generated samples (0 means 8 for lsq, 64 for logistic)")
	fs.IntVar(&t.D, "d", 0, "lsq, logistic, vmf: dimension (0 means 24)")
	fs.Uint64Var(&t.DataSeed, "data-seed", toy.ReferenceDataSeed, "seed of the generated data")
	fs.StringVar((*string)(&t.Norms), "norms", "", "lsq: row norms of generated data, unit or gaussian (default unit)")
	fs.IntVar(&t.batch, "batch", 1, "mini-batch size; 0 means the full batch (a sweep over -param batch overrides it)")
	fs.IntVar(&t.steps, "steps", d.steps, "number of steps")
	fs.Float64Var(&t.momentum, "momentum", 0, "conventional SGD: heavy-ball momentum in [0, 1)")
	if d.sweep {
		return
	}
	fs.Uint64Var(&t.seed, "seed", 1, "seed of the run: initial point and batches")
	fs.Float64Var(&t.lr, "lr", 0, "conventional SGD: learning rate")
	fs.Float64Var(&t.wd, "wd", 0, "conventional SGD: weight decay")
	fs.Float64Var(&t.initNorm, "init-norm", 1, "conventional SGD: initial norm ||w_0||")
	fs.IntVar(&t.every, "every", 0, fmt.Sprintf("record every k-th step (0 means steps/%d, at least 1)", d.everyRows))
}

// netFlags are the flags that choose a network, its data and how it is
// trained, defined once for train, finetune and sweep plan -net.
type netFlags struct {
	realnets.TrainConfig
	subsetSeed uint64
}

// netDefaults are the defaults in which the network commands differ.
type netDefaults struct {
	model, data, gradMetrics string
	width                    int
	// perRun: the command trains its own runs (train, finetune), which
	// take -workers and -subset-seed; a sweep's points take -workers from
	// sweep run.
	perRun bool
}

// define defines the network flags on fs with the defaults d.
func (n *netFlags) define(fs *flag.FlagSet, d netDefaults) {
	fromCkpt := ""
	if d.model == "" {
		fromCkpt = " (default convnet, or the -from checkpoint's)"
	}
	fs.StringVar((*string)(&n.Model), "model", d.model, "network: convnet (ConvNetSI), mlp (SI MLP) or resnet (ResNet-18-SI)"+fromCkpt)
	fs.IntVar(&n.Width, "width", d.width, "ConvNet base width c (0: 32), ResNet width k (0: 32) or MLP hidden width (0: 256)")
	fs.IntVar(&n.Hidden, "hidden", 0, "number of hidden layers of the MLP (0: 2)")
	fs.StringVar(&n.Data.Name, "data", d.data, "data set: mnist, cifar10 or cifar100"+strings.ReplaceAll(fromCkpt, "convnet", "mnist"))
	fs.StringVar(&n.Data.Dir, "data-dir", "", "folder of the data files (default for MNIST: the GoMNIST module's)")
	fs.IntVar(&n.Data.Subset, "subset", 0, "train on N training images (0: all)")
	fs.IntVar(&n.TestSubset, "test-subset", 0, "evaluate on the first N test images (0: all)")
	fs.IntVar(&n.Batch, "batch", 128, "mini-batch size")
	fs.Uint64Var(&n.HeadSeed, "head-seed", 0, "seed of the frozen last layer")
	fs.StringVar((*string)(&n.GradMetrics), "grad-metrics", d.gradMetrics, "gradient-pass metrics: all, log (log-spaced epochs), start (epoch 0 only) or none")
	fs.StringVar((*string)(&n.EvalEpochs), "eval-epochs", "", "epochs with a record in metrics.jsonl (the evaluation passes): all (the default, as empty) or log (0, 1, 2, 3, 4, 5, 6, 8, 10, 13, ..., about ten per decade, and the last)")
	fs.IntVar(&n.EvalEvery, "eval-every", 0, "records only at every k-th epoch, epoch 0 and the last (with -eval-epochs log: and at the log-spaced epochs); 0: as -eval-epochs says. steps.csv keeps every step")
	if d.perRun {
		fs.Uint64Var(&n.subsetSeed, "subset-seed", 0, "draw the -subset at random with this seed (0: the first N)")
		fs.IntVar(&n.Workers, "workers", 0, "goroutines per forward pass (0: GOMAXPROCS); results do not depend on it")
	}
}

// config returns the training configuration the flags describe.
func (n *netFlags) config() realnets.TrainConfig {
	c := n.TrainConfig
	c.Data = data.Config{Name: c.Data.Name, Dir: c.Data.Dir, Subset: c.Data.Subset,
		SubsetRandom: n.subsetSeed != 0, SubsetSeed: n.subsetSeed}
	return c
}
