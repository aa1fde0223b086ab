package realnets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/regimes/regimes/internal/memguard"
	"github.com/regimes/regimes/realnets/data"
)

// A ModelKind names a network architecture. Its JSON is the name.
type ModelKind string

// The models.
const (
	KindConvNet ModelKind = "convnet" // ConvNetSI (SCIENCE.md section 9)
	KindResNet  ModelKind = "resnet"  // ResNet-18-SI
	KindMLP     ModelKind = "mlp"     // the SI MLP
)

// GradMetrics says at which epochs a run computes the gradient metrics of
// SCIENCE.md section 5. Its JSON is the name.
type GradMetrics string

// The gradient-metric schedules.
const (
	GradAll  GradMetrics = "all"  // after every epoch (the default)
	GradLog  GradMetrics = "log"  // about ten epochs per decade, and the last
	GradNone GradMetrics = "none" // never
	// GradStart computes them at epoch 0 only: the starting point's
	// gradient norm, which no training step measures.
	GradStart GradMetrics = "start"
)

// EvalEpochs says at which epochs a run evaluates its metrics (a line of
// metrics.jsonl: train and test loss, the gradient pass when GradMetrics
// asks for it at that epoch, angles and norms). Its JSON is the name.
type EvalEpochs string

// The evaluation schedules.
const (
	EvalAll EvalEpochs = "all" // every epoch (the default)
	// EvalLog evaluates at epoch 0, the log-spaced epochs 1, 2, 3, 4, 5,
	// 6, 8, 10, 13, 16, 20, 25, 32, ... (about ten per decade: the epochs
	// of GradLog) and the last.
	EvalLog EvalEpochs = "log"
)

// TrainConfig describes one training run. It is stored in every checkpoint
// and, by realnets/run, in a run folder's config.json. The zero value of a
// field means its documented default. Out, CheckpointEvery, Resume and
// Force describe the run folder: realnets/run reads them, Fit ignores
// them.
type TrainConfig struct {
	// Model is KindConvNet (ConvNetSI, SCIENCE.md section 9), KindResNet
	// (ResNet-18-SI, the same section) or KindMLP (the SI MLP).
	Model ModelKind `json:"model"`
	// Width is the ConvNet's base width c (default 32), the ResNet's width
	// k (default 32) or the width of the MLP's hidden layers (default 256).
	Width int `json:"width"`
	// Hidden is the number of hidden layers of the MLP (default 2).
	Hidden int `json:"hidden,omitempty"`
	// Data selects the data set. For the ConvNet and the ResNet, MNIST is
	// always zero-padded to 32x32 (Pad is set); the MLP reads 28x28 MNIST.
	Data data.Config `json:"data"`
	// ELR is the fixed effective learning rate of projected SGD on the
	// sphere (SCIENCE.md section 2). When it is zero the run is
	// conventional SGD with LR, WD and Momentum (section 3).
	ELR      float64 `json:"elr,omitempty"`
	LR       float64 `json:"lr,omitempty"`
	WD       float64 `json:"wd,omitempty"`
	Momentum float64 `json:"momentum,omitempty"`
	// HeadLR, when positive, trains the last layer with this learning rate
	// (the "trained non-SI parameters" variant); by default the last layer
	// is frozen.
	HeadLR float64 `json:"head_lr,omitempty"`
	// Epochs is the number of epochs to train.
	Epochs int `json:"epochs"`
	// Batch is the mini-batch size (default 128). The training order is a
	// new permutation every epoch (data.Permutation with Seed); the last
	// batch of an epoch may be smaller.
	Batch int `json:"batch"`
	// Seed seeds the SI weights and the training order; HeadSeed the last
	// layer, shared by every run of a sweep.
	Seed     uint64 `json:"seed"`
	HeadSeed uint64 `json:"head_seed"`
	// Workers is the number of goroutines inside a forward pass and a
	// sphere step (default GOMAXPROCS); the numbers do not depend on it.
	Workers int `json:"workers,omitempty"`
	// Out is the run folder.
	Out string `json:"out"`
	// CheckpointEvery, when positive, also checkpoints every so many epochs
	// to DIR/last.ckpt, so that a resume loses at most that many epochs.
	// Checkpoints DIR/epoch-NNNNNN.ckpt are always written at the epochs 1,
	// 2, 5, 10, 20, 50, ... and at the end.
	CheckpointEvery int `json:"checkpoint_every,omitempty"`
	// GradMetrics is "all" (default: the gradient pass of
	// SCIENCE.md section 5 after every epoch, about the cost of one
	// more epoch), "log" (only at epochs 0, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16,
	// 20, 25, 32, ..., about ten per decade, and the last), "start" (epoch 0
	// only) or "none". Records without them have null gradient metrics.
	GradMetrics GradMetrics `json:"grad_metrics,omitempty"`
	// EvalEpochs is "all" (or empty, the default: a record after every
	// epoch) or "log": records only at epoch 0, at the log-spaced epochs of
	// GradLog and at the last epoch, which skips the evaluation passes
	// (over the training set, the test set and the gradient pass) of the
	// other epochs. The training itself, and so steps.csv, is bitwise the
	// same; AngleEpoch is still the angle over the one epoch before the
	// record, and AngleStepMean the mean over that epoch's steps.
	EvalEpochs EvalEpochs `json:"eval_epochs,omitempty"`
	// EvalEvery, when greater than 1, makes records only at epoch 0, at
	// every EvalEvery-th epoch and at the last, and also at the log-spaced
	// epochs when EvalEpochs is "log" (the union of both schedules); the
	// other epochs skip the evaluation passes as EvalEpochs "log" does. It
	// suits long runs whose curves are drawn on a linear epoch axis.
	EvalEvery int `json:"eval_every,omitempty"`
	// TestSubset, when positive, evaluates the test metrics on the first
	// TestSubset test images only (for quick experiments and tests).
	TestSubset int `json:"test_subset,omitempty"`
	// From starts the run from the weights of this checkpoint (the
	// fine-tuning protocol): the sphere's radius is the checkpoint's SI norm
	// and epoch 0 is the checkpoint's point. Fields left at zero (Model,
	// Width, Hidden, Data, Seed, HeadSeed) are taken from the checkpoint's
	// configuration.
	From string `json:"from,omitempty"`
	// LogEvery, when greater than 1, keeps every LogEvery-th step in
	// DIR/steps.csv instead of every step (default 1).
	LogEvery int `json:"log_every,omitempty"`
	// Sharpness, when positive, computes the sharpness of the SI loss
	// (Sharpness, SCIENCE.md section 5) on a fixed random subset of
	// this many training images (drawn with Seed, one batch in train mode)
	// at epoch 0 and at every checkpoint epoch (1, 2, 5, 10, ... and the
	// last), and writes DIR/sharpness.jsonl: one SharpnessRecord per line.
	Sharpness int `json:"sharpness,omitempty"`
	// Resume continues the run in Out from its last checkpoint with the
	// configuration stored there; only Epochs (to extend the run) and
	// Workers may differ.
	Resume bool `json:"-"`
	// Force lets a new run replace the run in Out: its checkpoints and
	// files are removed first. Without it a new run into a folder that holds
	// another run, or this run with checkpoints, is refused.
	Force bool `json:"-"`
	// WorkersNow, when not nil, is asked at the start of every epoch for
	// the number of goroutines (at least 1) the run uses from then on, in
	// place of Workers: a caller that trains several runs side by side
	// gives a run left alone the goroutines the others freed. The numbers
	// do not depend on it.
	WorkersNow func() int `json:"-"`
	// Progress, when not nil, is called as the run goes (the trainer
	// itself prints nothing through it): after every training batch,
	// before each evaluation pass, and when an epoch's record is written
	// (epoch 0, the starting point, included). It runs on the training
	// goroutine and must be quick.
	Progress func(TrainProgress) `json:"-"`
}

// TrainProgress is the state of a training run passed to
// TrainConfig.Progress.
type TrainProgress struct {
	// Epoch is the epoch under way, 1 to Epochs (0 while the starting
	// point is measured), and Epochs the run's last epoch.
	Epoch, Epochs int
	// FirstEpoch is the epoch this session started after (0, or the
	// checkpoint's epoch of a resumed run).
	FirstEpoch int
	// Batch and Batches count the training batches of the epoch done so
	// far (Batch = Batches during the evaluation passes).
	Batch, Batches int
	// Phase is "training", "evaluating the training set", "evaluating the
	// test set", "gradient pass", "sharpness" or "checkpoint".
	Phase string
	// Record is the epoch's record once it is measured, else nil.
	Record *Record
}

func (c *TrainConfig) defaults() {
	if c.Width == 0 {
		if c.Model == "mlp" {
			c.Width = 256
		} else {
			c.Width = 32
		}
	}
	if c.Hidden == 0 && c.Model == "mlp" {
		c.Hidden = 2
	}
	if c.Batch == 0 {
		c.Batch = 128
	}
	if c.GradMetrics == "" {
		c.GradMetrics = "all"
	}
	if c.EvalEpochs == EvalAll {
		c.EvalEpochs = "" // the default: one run identity for both spellings
	}
	if c.LogEvery == 0 {
		c.LogEvery = 1
	}
	if (c.Model == KindConvNet || c.Model == KindResNet) && c.Data.Name == "mnist" {
		c.Data.Pad = true
	}
}

// The errors of a TrainConfig that sets no optimizer or two. They name the
// fields (ELR for training on the sphere; LR, WD and Momentum for
// conventional SGD); a command line maps them to its flags.
var (
	ErrTwoOptimizers  = errors.New("set either ELR (training on the sphere) or LR, WD and Momentum (conventional SGD), not both")
	ErrNoLearningRate = errors.New("no learning rate: set ELR (training on the sphere) or LR (conventional SGD)")
)

// validate returns an error naming the first invalid field.
func (c *TrainConfig) validate() error {
	switch {
	case c.Model != KindConvNet && c.Model != KindResNet && c.Model != KindMLP:
		return fmt.Errorf("model %q: want convnet, resnet or mlp", c.Model)
	case c.Width < 1:
		return fmt.Errorf("width %d: want at least 1", c.Width)
	case c.Hidden < 0:
		return fmt.Errorf("hidden %d: want at least 1", c.Hidden)
	case c.Sharpness < 0 || c.Sharpness == 1:
		return fmt.Errorf("sharpness %d: want 0 (none) or at least 2 images", c.Sharpness)
	case c.LogEvery < 0:
		return fmt.Errorf("log every %d: want at least 1", c.LogEvery)
	case c.Epochs < 0:
		return fmt.Errorf("epochs %d: want at least 0", c.Epochs)
	case c.Batch < 2:
		return fmt.Errorf("batch %d: BatchNorm needs at least 2", c.Batch)
	case c.ELR < 0 || c.LR < 0 || c.WD < 0 || c.HeadLR < 0 || math.IsNaN(c.ELR+c.LR+c.WD+c.Momentum+c.HeadLR) || math.IsInf(c.ELR+c.LR+c.WD+c.HeadLR, 0) || math.IsInf(c.Momentum, 0):
		return fmt.Errorf("learning rates and weight decay must be non-negative finite numbers, have elr %g, lr %g, wd %g, head lr %g", c.ELR, c.LR, c.WD, c.HeadLR)
	case c.Workers < 0:
		return fmt.Errorf("workers %d: want at least 1 (0: one per CPU)", c.Workers)
	case c.TestSubset < 0:
		return fmt.Errorf("test subset %d: want at least 1 image (0: the whole test set)", c.TestSubset)
	case c.CheckpointEvery < 0:
		return fmt.Errorf("checkpoint every %d: want at least 1 epoch (0: only at epochs 1, 2, 5, 10, ... and the end)", c.CheckpointEvery)
	case c.Data.Subset < 0:
		return fmt.Errorf("subset %d: want at least 2 images (0: the whole training set)", c.Data.Subset)
	case c.ELR > 0 && (c.LR > 0 || c.WD > 0 || c.Momentum != 0):
		return ErrTwoOptimizers
	case c.ELR == 0 && c.LR == 0:
		return ErrNoLearningRate
	case c.Momentum < 0 || c.Momentum >= 1:
		return fmt.Errorf("momentum %g: want 0 <= momentum < 1", c.Momentum)
	case c.LR*c.WD >= 1:
		return fmt.Errorf("lr*wd = %g: want less than 1", c.LR*c.WD)
	case c.GradMetrics != GradAll && c.GradMetrics != GradLog && c.GradMetrics != GradStart && c.GradMetrics != GradNone:
		return fmt.Errorf("grad metrics %q: want all, log, start or none", c.GradMetrics)
	case c.EvalEpochs != "" && c.EvalEpochs != EvalAll && c.EvalEpochs != EvalLog:
		return fmt.Errorf("eval epochs %q: want all or log", c.EvalEpochs)
	case c.EvalEvery < 0:
		return fmt.Errorf("eval every %d: want at least 1 epoch (0 or 1: as eval epochs says)", c.EvalEvery)
	}
	what := fmt.Sprintf("a %s of width %d", c.Model, c.Width)
	if c.Model == "mlp" {
		what += fmt.Sprintf(" with %d hidden layers", c.Hidden)
	}
	return memguard.Check(fmt.Sprintf("%s at batch %d", what, c.Batch), c.MemoryEstimate())
}

// MemoryEstimate returns an upper estimate in bytes of the memory a run of c
// (with its defaults applied) needs for its model: about ten float32 copies
// of the parameters (weights, gradients, optimiser state, the SI vectors and
// a checkpoint's copy) and the activations the largest batch keeps for the
// backward pass (a training batch, an evaluation batch of 128 or the
// sharpness subset). The data set itself is not counted.
func (c TrainConfig) MemoryEstimate() float64 {
	c.defaults()
	in, classes := 3*32*32, 100.0
	if c.Data.Name == "mnist" {
		in, classes = 32*32, 10
	}
	n := float64(max(c.Batch, 128, c.Sharpness))
	w := float64(c.Width)
	var params, perImage float64
	if c.Model == "convnet" {
		// Convolutions c, 2c, 4c and 8c wide (3x3 kernels) and the head;
		// about 1.1 MB of activations per image at width 32, linear in c.
		params = 9*(3*w+2*w*w+8*w*w+32*w*w) + 8*w*classes
		perImage = 1.5 * 1.1e6 * w / 32
	} else if c.Model == KindResNet {
		// ResNet-18-SI: 2724 k^2 convolution weights (11.2M at k = 64) and
		// the head, plus 16 chunk copies of the gradient (resMaxChunks);
		// about 18k float32 activations and backward buffers per image per
		// unit of width on 32x32 inputs (74 KB at k = 1). Measured: 203 MB
		// peak RSS for forward-backward at k = 16, batch 128 (estimate 299).
		params = 2724*w*w + 27*w + 8*w*classes
		params += resMaxChunks * params / 10
		perImage = 1.5 * 18 * 1024 * 4 * w
	} else {
		h := float64(max(c.Hidden, 1))
		params = float64(in)*w + (h-1)*w*w + w*classes
		perImage = 4 * 8 * (float64(in) + h*w + classes)
	}
	return 10*4*params + n*perImage
}

// NewModel returns the model that cfg describes (with its defaults
// applied), at its initial weights, for images of the shape of s's and
// s.Classes classes: the model a run of cfg on s starts from.
func NewModel(cfg TrainConfig, s *data.Set) (Model, error) {
	cfg.defaults()
	return newModel(&cfg, s.C, s.H, s.W, s.Classes)
}

// newModel builds the model of cfg for images of shape (ch, h, w) and the
// given number of classes.
func newModel(cfg *TrainConfig, ch, h, w, classes int) (Model, error) {
	switch cfg.Model {
	case "convnet":
		if h != w || h%8 != 0 {
			return nil, fmt.Errorf("convnet needs square images with a side divisible by 8, the data are %dx%d", h, w)
		}
		return NewConvNetSI(ConvNetConfig{Width: cfg.Width, InChannels: ch, Classes: classes, Size: h,
			Seed: cfg.Seed, HeadSeed: cfg.HeadSeed, TrainHead: cfg.HeadLR > 0, Workers: cfg.Workers}), nil
	case "resnet":
		if h != w || h%8 != 0 {
			return nil, fmt.Errorf("resnet needs square images with a side divisible by 8, the data are %dx%d", h, w)
		}
		return NewResNetSI(ResNetConfig{Width: cfg.Width, InChannels: ch, Classes: classes, Size: h,
			Seed: cfg.Seed, HeadSeed: cfg.HeadSeed, TrainHead: cfg.HeadLR > 0, Workers: cfg.Workers}), nil
	default:
		sizes := []int{ch * h * w}
		for range cfg.Hidden {
			sizes = append(sizes, cfg.Width)
		}
		sizes = append(sizes, classes)
		return NewMLP(MLPConfig{Sizes: sizes, Seed: cfg.Seed, HeadSeed: cfg.HeadSeed, TrainHead: cfg.HeadLR > 0, Workers: cfg.Workers}), nil
	}
}

// LogEpoch reports whether epoch is 1, 2 or 5 times a power of ten: the
// epochs at which a run measures its sharpness and realnets/run keeps
// checkpoints.
func LogEpoch(epoch int) bool {
	for epoch >= 10 && epoch%10 == 0 {
		epoch /= 10
	}
	return epoch == 1 || epoch == 2 || epoch == 5
}

// isGradEpoch reports whether epoch is round(10^(j/10)) for some j >= 0 (or
// zero): about ten log-spaced epochs per decade.
func isGradEpoch(epoch int) bool {
	if epoch == 0 {
		return true
	}
	for j := 0; ; j++ {
		e := int(math.Round(math.Pow(10, float64(j)/10)))
		if e == epoch {
			return true
		}
		if e > epoch {
			return false
		}
	}
}

// evalEpoch reports whether a run of c records its metrics after epoch
// (see EvalEpochs and EvalEvery).
func (c *TrainConfig) evalEpoch(epoch int) bool {
	log, every := c.EvalEpochs == EvalLog, c.EvalEvery > 1
	switch {
	case epoch == 0 || epoch == c.Epochs || !log && !every:
		return true
	case every && epoch%c.EvalEvery == 0:
		return true
	}
	return log && isGradEpoch(epoch)
}

// A Recorder receives a run's records as they are made: the starting point
// (epoch 0) and then every evaluated epoch (every epoch, unless
// TrainConfig.EvalEpochs or EvalEvery says otherwise), in order. An error
// stops the run with that error. It is the in-memory counterpart of
// metrics.jsonl, for callers that watch or stop a run (as gonum's
// optimize.Recorder).
type Recorder interface {
	Record(Record) error
}

// A Result is a finished (or stopped) training run in memory.
type Result struct {
	// Config is the configuration with its defaults applied.
	Config TrainConfig
	// Model is the trained model.
	Model Model
	// Records, Steps and Sharpness are what metrics.jsonl, steps.csv and
	// sharpness.jsonl would hold.
	Records   []Record
	Steps     []StepRecord
	Sharpness []SharpnessRecord
}

// A Store keeps a training run outside memory; realnets/run's run folders
// are the Store of this module. Fit calls Open once the configuration
// is checked, the data loaded and the model built, before the run's first
// record; and Save with the run's state after its start (the starting
// point measured, or a resumed run restored) and after every epoch's
// record. An error from either stops the run with that error.
type Store interface {
	Open(s *State) error
	Save(s *State) error
}

// A State is a training run as a Store sees it in Open and Save. Its
// slices are the run's own: a Store reads them and keeps no reference.
type State struct {
	// Config is the run's configuration with its defaults applied.
	Config TrainConfig
	// Epoch and Step count the completed epochs and steps.
	Epoch, Step int
	// Trained is true after an epoch was trained, false at the run's start.
	Trained bool
	// Records, Steps and Sharpness are the records so far (what
	// metrics.jsonl, steps.csv and sharpness.jsonl hold).
	Records   []Record
	Steps     []StepRecord
	Sharpness []SharpnessRecord

	r *run
}

// Checkpoint returns a checkpoint of the run's current state, from which
// FitOptions.Start continues it bitwise.
func (s *State) Checkpoint() *Checkpoint {
	r := s.r
	c := &Checkpoint{
		Config:    *r.cfg,
		Epoch:     r.epoch,
		Step:      r.step,
		Params:    tensors(r.model.Params()),
		Buffers:   tensors(r.model.Buffers()),
		Optim:     r.opt.State(),
		InitSI:    r.initSI,
		Records:   r.records,
		Steps:     r.steps,
		Sharpness: r.sharp,
		WallTime:  r.wall(),
	}
	c.Config.Resume = false
	return c
}

// Report tells the configuration's Progress hook, if any, that the run
// entered phase (a Store's own work, such as "checkpoint").
func (s *State) Report(phase string) { s.r.report(phase, nil) }

// FitOptions are the optional parts of Fit.
type FitOptions struct {
	// Start, when not nil, continues the run of this checkpoint exactly
	// where it stopped (a resume; realnets/run finds the checkpoint of a
	// folder): the configuration given to Fit must be Start.Config, with
	// only Epochs (at least Start.Epoch), Workers and Progress changed.
	Start *Checkpoint
	// Recorder, when not nil, receives every record as it is made.
	Recorder Recorder
	// Store, when not nil, keeps the run outside memory. Without it
	// nothing is written.
	Store Store
	// Progress, when not nil, receives a progress bar of the batches.
	Progress io.Writer
}

// Fit runs the training that cfg describes with the options opt, and
// returns it in memory. With the zero options nothing is written (no
// folder, no checkpoints: such a run cannot be resumed); realnets/run
// trains into a run folder through a Store. The numbers depend on cfg
// only: with or without a Store, and continued from a Start or trained
// straight, they are bitwise the same. The fields Out, CheckpointEvery,
// Resume and Force of cfg are the Store's; Fit ignores them. When ctx is
// done, the Recorder or the Store fails, or the run diverges, Fit returns
// the run so far with the error.
func Fit(ctx context.Context, cfg TrainConfig, opt FitOptions) (*Result, error) {
	r, err := train(ctx, cfg, opt)
	if r == nil {
		return nil, err
	}
	return &Result{Config: *r.cfg, Model: r.model, Records: r.records, Steps: r.steps, Sharpness: r.sharp}, err
}

func train(ctx context.Context, cfg TrainConfig, opt FitOptions) (*run, error) {
	ck := opt.Start
	if ck == nil && cfg.Resume {
		return nil, fmt.Errorf("resume: no checkpoint to start from (realnets/run resumes a run folder)")
	}
	if ck != nil {
		cfg.Resume = true
		if cfg.Epochs < ck.Epoch {
			return nil, fmt.Errorf("resume: the run has completed %d epochs, %d would shorten it", ck.Epoch, cfg.Epochs)
		}
	}
	var from *Checkpoint
	if cfg.From != "" && ck == nil {
		var err error
		if from, err = LoadCheckpoint(cfg.From); err != nil {
			return nil, err
		}
		fc := from.Config
		if cfg.Model == "" {
			cfg.Model, cfg.Width, cfg.Hidden = fc.Model, fc.Width, fc.Hidden
		}
		if cfg.Data.Name == "" {
			cfg.Data = fc.Data
		}
		if cfg.Seed == 0 {
			cfg.Seed = fc.Seed
		}
		if cfg.HeadSeed == 0 {
			cfg.HeadSeed = fc.HeadSeed
		}
	}
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ds, err := data.Load(cfg.Data)
	if err != nil {
		return nil, err
	}
	test := ds.Test
	if cfg.TestSubset > 0 && cfg.TestSubset < test.N {
		k := cfg.TestSubset * test.ImageSize()
		test = &data.Set{N: cfg.TestSubset, C: test.C, H: test.H, W: test.W, Classes: test.Classes, X: test.X[:k], Y: test.Y[:cfg.TestSubset]}
	}
	train := ds.Train
	if train.N < 2 {
		return nil, fmt.Errorf("training set has %d images; BatchNorm needs at least 2", train.N)
	}
	model, err := newModel(&cfg, train.C, train.H, train.W, train.Classes)
	if err != nil {
		return nil, err
	}
	params := model.Params()

	r := &run{cfg: &cfg, recorder: opt.Recorder, store: opt.Store, model: model, train: train, test: test, eval: NewEvaluator(model), progress: opt.Progress}
	switch {
	case ck != nil:
		if err := ck.Restore(model); err != nil {
			return nil, fmt.Errorf("resume: %v", err)
		}
	case from != nil:
		if err := from.Restore(model); err != nil {
			return nil, fmt.Errorf("from %s: %v", cfg.From, err)
		}
	}
	if cfg.ELR > 0 {
		o := NewSphereSGD(params, cfg.ELR, cfg.HeadLR)
		o.SetWorkers(cfg.Workers)
		r.opt = o
	} else {
		r.opt = NewSGD(params, cfg.LR, cfg.WD, cfg.Momentum, cfg.HeadLR)
	}
	if ck != nil {
		if err := r.opt.SetState(ck.Optim); err != nil {
			return nil, fmt.Errorf("resume: %v", err)
		}
		r.epoch, r.step, r.records, r.steps, r.wall0 = ck.Epoch, ck.Step, ck.Records, ck.Steps, ck.WallTime
		r.first = ck.Epoch
		r.sharp = ck.Sharpness
		r.initSI = ck.InitSI
	} else {
		r.initSI = SIVector(nil, params)
	}
	r.prevSI = SIVector(nil, params)
	r.start = time.Now()

	if cfg.Sharpness > train.N {
		return nil, fmt.Errorf("sharpness subset of %d images: the training set has %d", cfg.Sharpness, train.N)
	}
	if r.store != nil {
		if err := r.store.Open(r.state(false)); err != nil {
			return nil, err
		}
	}
	if ck == nil {
		r.records = append(r.records, r.measure(0))
		if err := r.record(); err != nil {
			return r, err
		}
		if err := r.measureSharpness(0); err != nil {
			return nil, err
		}
	}
	if err := r.save(false); err != nil {
		return nil, err
	}
	if ck == nil {
		r.report("", &r.records[0])
	}
	return r, r.loop(ctx)
}

// run is the state of a training run.
type run struct {
	cfg         *TrainConfig
	recorder    Recorder
	model       Model
	opt         Optimizer
	train, test *data.Set
	eval        *Evaluator
	store       Store
	progress    io.Writer

	epoch, step    int
	records        []Record
	steps          []StepRecord
	sharp          []SharpnessRecord
	initSI, prevSI []float32
	wall0          float64 // wall time of earlier sessions, seconds
	start          time.Time

	angleSum float64 // sum of this epoch's step angles
	nsteps   int     // steps in this epoch
	badLoss  float64 // the first batch loss of this epoch that is not finite, else 0

	first          int // epoch this session started after
	batch, batches int // progress within the epoch under way
	progressEpoch  int
}

// report calls the Progress hook, if any.
func (r *run) report(phase string, rec *Record) {
	if r.cfg.Progress == nil {
		return
	}
	r.cfg.Progress(TrainProgress{Epoch: r.progressEpoch, Epochs: r.cfg.Epochs, FirstEpoch: r.first,
		Batch: r.batch, Batches: r.batches, Phase: phase, Record: rec})
}

// record gives the newest record to the run's Recorder, if any.
func (r *run) record() error {
	if r.recorder == nil {
		return nil
	}
	return r.recorder.Record(r.records[len(r.records)-1])
}

func (r *run) wall() float64 { return r.wall0 + time.Since(r.start).Seconds() }

func (r *run) loop(ctx context.Context) error {
	cfg := r.cfg
	n := r.train.N
	b := cfg.Batch
	size := r.train.ImageSize()
	perm := make([]int, n)
	x := make([]float32, b*size)
	y := make([]int, b)
	nb := (n + b - 1) / b
	if cap(r.steps)-len(r.steps) < nb/cfg.LogEvery+1 {
		// Room for the whole run, so that appending in the loop does not
		// allocate.
		r.steps = slices.Grow(r.steps, (cfg.Epochs-r.epoch)*(nb/cfg.LogEvery+1))
	}
	workers := cfg.Workers
	for r.epoch < cfg.Epochs {
		if cfg.WorkersNow != nil {
			if k := cfg.WorkersNow(); k > 0 && k != workers {
				workers = k
				r.model.SetWorkers(k)
				if o, ok := r.opt.(*SphereSGD); ok {
					o.SetWorkers(k)
				}
			}
		}
		epoch := r.epoch + 1
		data.Permutation(perm, cfg.Seed, epoch)
		r.angleSum, r.nsteps, r.badLoss = 0, 0, 0
		r.progressEpoch, r.batch, r.batches = epoch, 0, nb
		for k := 0; k < nb; k++ {
			if err := ctx.Err(); err != nil {
				r.endProgress()
				return err
			}
			lo, hi := k*b, min((k+1)*b, n)
			m := hi - lo
			if m < 2 {
				// A batch of one image has no batch statistics; it is
				// skipped (only when len(train) = 1 mod Batch).
				continue
			}
			r.train.Gather(x, y, perm[lo:hi])
			loss, _ := r.model.Forward(x[:m*size], y[:m], m, Train, true)
			st := r.opt.Step()
			if r.badLoss == 0 && !finite(loss) {
				r.badLoss = loss
			}
			r.angleSum += st.Angle
			r.nsteps++
			r.step++
			if r.step%cfg.LogEvery == 0 {
				r.steps = append(r.steps, StepRecord{Step: r.step, Epoch: epoch, BatchLoss: loss, GradNorm: st.GradNorm, Angle: st.Angle, ELR: st.ELR})
			}
			r.showProgress(epoch, k+1, nb, loss)
			r.batch = k + 1
			r.report("training", nil)
		}
		r.epoch = epoch
		evaluated := cfg.evalEpoch(epoch)
		if evaluated {
			rec := r.measure(epoch)
			if !finite(rec.TrainLoss, rec.TestLoss, rec.SINorm, rec.ELR, deref(rec.GradNormMean), deref(rec.GradNormFull), deref(rec.GradNoise), deref(rec.AngleStepMean), deref(rec.AngleEpoch)) {
				r.endProgress()
				return fmt.Errorf("diverged in epoch %d: train loss %v, test loss %v, SI norm %v (metrics.jsonl holds the epochs before)", epoch, rec.TrainLoss, rec.TestLoss, rec.SINorm)
			}
			r.records = append(r.records, rec)
			if err := r.record(); err != nil {
				r.endProgress()
				return err
			}
		} else {
			// No record: only the checks of one, on what the epoch's
			// steps measured, and the SI vector the next record's
			// AngleEpoch starts from.
			params := r.model.Params()
			if n := SINorm(params); r.badLoss != 0 || !finite(n) {
				r.endProgress()
				return fmt.Errorf("diverged in epoch %d: batch loss %v, SI norm %v (metrics.jsonl holds the evaluated epochs before)", epoch, r.badLoss, n)
			}
			r.prevSI = SIVector(r.prevSI[:0], params)
		}
		last := epoch == cfg.Epochs
		if LogEpoch(epoch) || last {
			if cfg.Sharpness > 0 {
				r.report("sharpness", nil)
			}
			if err := r.measureSharpness(epoch); err != nil {
				return err
			}
		}
		if err := r.save(true); err != nil {
			return err
		}
		if evaluated {
			r.report("", &r.records[len(r.records)-1])
		}
	}
	r.endProgress()
	return nil
}

// measure computes the record of the current point.
func (r *run) measure(epoch int) Record {
	params := r.model.Params()
	rec := Record{Epoch: epoch, Step: r.step}
	r.report("evaluating the training set", nil)
	rec.TrainLoss, rec.TrainAcc = r.eval.Loss(r.train, TrainEval)
	var acc float64
	r.report("evaluating the test set", nil)
	rec.TestLoss, acc = r.eval.Loss(r.test, Eval)
	rec.TestError = 100 - acc
	if g := r.cfg.GradMetrics; g == GradAll || g == GradLog && (isGradEpoch(epoch) || epoch == r.cfg.Epochs) || g == GradStart && epoch == 0 {
		r.report("gradient pass", nil)
		st := r.eval.Gradients(r.train)
		if st.Batches > 0 {
			rec.GradNormMean, rec.GradNormFull, rec.GradNoise = &st.Mean, &st.Full, &st.Noise
		}
	}
	cur := SIVector(r.prevSI[:0:0], params)
	if epoch > 0 {
		a := r.angleSum / float64(max(r.nsteps, 1))
		_, _, ae := vectorGeometry(r.prevSI, cur)
		rec.AngleStepMean, rec.AngleEpoch = &a, &ae
	}
	rec.ELR = r.opt.RealisedELR()
	rec.SINorm = SINorm(params)
	rec.CosInit, rec.DistInit, _ = vectorGeometry(r.initSI, cur)
	copy(r.prevSI, cur)
	rec.WallTime = r.wall()
	return rec
}

// state returns the run's state for its Store.
func (r *run) state(trained bool) *State {
	return &State{Config: *r.cfg, Epoch: r.epoch, Step: r.step, Trained: trained,
		Records: r.records, Steps: r.steps, Sharpness: r.sharp, r: r}
}

// save gives the run's state to its Store, if any.
func (r *run) save(trained bool) error {
	if r.store == nil {
		return nil
	}
	return r.store.Save(r.state(trained))
}

// A SharpnessRecord is one line of DIR/sharpness.jsonl: the epoch and the
// sharpness of the SI loss on the run's fixed sharpness subset.
type SharpnessRecord struct {
	Epoch int `json:"epoch"`
	SharpnessResult
}

// measureSharpness computes the sharpness at the current point when the run
// asks for it (commit writes it to DIR/sharpness.jsonl).
func (r *run) measureSharpness(epoch int) error {
	k := r.cfg.Sharpness
	if k == 0 {
		return nil
	}
	idx := data.SubsetIndices(r.train.N, k, true, r.cfg.Seed)
	x := make([]float32, k*r.train.ImageSize())
	y := make([]int, k)
	r.train.Gather(x, y, idx)
	res, err := Sharpness(r.model, x, y, k, SharpnessConfig{ELR: r.opt.RealisedELR(), Seed: r.cfg.Seed})
	if err != nil {
		return fmt.Errorf("sharpness at epoch %d: %v", epoch, err)
	}
	r.sharp = append(r.sharp, SharpnessRecord{Epoch: epoch, SharpnessResult: res})
	return nil
}

func (r *run) showProgress(epoch, k, nb int, loss float64) {
	if r.progress == nil || (k%max(nb/50, 1) != 0 && k != nb) {
		return
	}
	const width = 30
	fill := width * k / nb
	fmt.Fprintf(r.progress, "\repoch %d/%d [%s%s] %3d%% batch loss %.4g ", epoch, r.cfg.Epochs,
		strings.Repeat("=", fill), strings.Repeat(" ", width-fill), 100*k/nb, loss)
}

func (r *run) endProgress() {
	if r.progress != nil {
		fmt.Fprintln(r.progress)
	}
}

// finite reports whether every value is neither NaN nor infinite (JSON cannot
// hold them).
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// deref returns *p, or 0 when p is nil.
func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// Summary returns a short description of the run c: model, width, data,
// learning rate and seed, as in "convnet width 32 on mnist, elr 0.001,
// seed 1".
func (c TrainConfig) Summary() string {
	c.defaults()
	lr := fmt.Sprintf("elr %g", c.ELR)
	if c.ELR == 0 {
		lr = fmt.Sprintf("lr %g wd %g", c.LR, c.WD)
	}
	return fmt.Sprintf("%s width %d on %s, %s, seed %d", c.Model, c.Width, c.Data.Name, lr, c.Seed)
}

// Check reports the first invalid field of c with its defaults applied, as
// Fit would, without touching any file. The output folder is not
// checked (realnets/run's).
func (c TrainConfig) Check() error {
	c.defaults()
	return c.validate()
}

// WithDefaults returns c with its zero fields set to their defaults, as
// Fit sets them.
func (c TrainConfig) WithDefaults() TrainConfig {
	c.defaults()
	return c
}
