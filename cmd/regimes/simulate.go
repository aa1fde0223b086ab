package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/toy"
)

var cmdSimulate = &Command{
	UsageLine: "simulate -toy lsq|circle|vmf|logistic [-data FILE.csv | -n N -d D -data-seed S2] -elr E [flags] -out DIR",
	Short:     "simulate SGD on a toy problem and write its trajectory",
	Long: `
Simulate runs stochastic gradient descent on a toy scale-invariant problem
(SCIENCE.md section 6) and records its trajectory.

By default it runs projected SGD on the unit sphere at the fixed effective
learning rate -elr (section 2): u <- (u - ELR g)/||u - ELR g||, with g the
gradient of the loss of a mini-batch of -batch samples (0 = full batch),
drawn i.i.d. with replacement (-sampling iid) or in shuffled epochs without
replacement (-sampling shuffle). With -lr it runs conventional SGD in R^d
instead (section 3): w <- w - lr (grad + wd w) with heavy-ball -momentum
(PyTorch convention), starting at norm -init-norm, and logs the realised ELR
lr/((1 - lr wd)||w||^2). -seed drives the run (initial point and batches);
-data-seed generates the problem data when no -data file is given.

The toys: lsq (scale-invariant least squares, 6.1; data: unit-norm Gaussian
rows by default, -norms gaussian for unequal norms), circle (6.2, -lambda),
vmf (6.3, -d, -mu, -sigma; a batch of B averages B noise draws) and logistic
(6.4, -alpha; the last CSV column is the label -1 or +1; generated labels come
from a random teacher direction). A -data file has one sample per row,
comma-separated, no header.

	regimes simulate -toy lsq -batch 1 -elr 2.2 -steps 50000 -seed 1 -out run1

It writes DIR/trajectory.csv, one row per recorded step (every -every steps,
by default about 1000 rows, plus step 0) with the columns
step,loss,batch_loss,grad_norm,batch_grad_norm,angle,elr,norm: the full loss
and the norm of the full gradient at the unit point after the step, the loss
and gradient norm of the step's mini-batch before the step, the angle in
radians between consecutive iterates, the realised ELR and ||w|| (1 on the
sphere). DIR/config.json holds everything needed to rerun: the toy
configuration (with the data file path), data_sha256 (SHA-256 of the data
file, or of the generated data written as CSV), the run configuration and the
mode (sphere or conventional). Both files are written atomically; DIR is
created if needed; on error nothing is written.

It prints a JSON summary; the tail is the last 20% of the steps. Keys:
steps, final_loss, final_grad_norm, min_loss, random_level (the
uniform-sphere average of the loss); tail_loss_mean, tail_grad_norm_mean and
tail_batch_loss_mean (means over the recorded rows of the tail),
tail_records; tail_angle_mean, tail_angle_rms, tail_batch_grad_norm_mean,
tail_batch_grad_norm_rms, tail_elr_mean and tail_norm_mean (means over every
step of the tail); and out, the output folder.
`,
}

// simulateFlags holds the flags of the simulate command.
type simulateFlags struct {
	data                            dataFlags
	toy, sampling, out              *string
	batch, steps, every             *int
	seed                            *uint64
	lambda, mu, sigma, alpha        *float64
	elr, lr, wd, momentum, initNorm *float64
}

// dataFlags are the flags that choose the data of a toy: -data, -n, -d,
// -data-seed and -norms.
type dataFlags struct {
	data, norms *string
	n, d        *int
	seed        *uint64
}

// addDataFlags defines the data flags on f; lsqOnly words their help for a
// command that takes only the lsq toy.
func addDataFlags(f *flag.FlagSet, lsqOnly bool) dataFlags {
	w := map[bool][4]string{
		false: {"lsq, logistic: CSV `file` of samples", "lsq, logistic: number of generated samples (0 means 8 for lsq, 64 for logistic)",
			"lsq, logistic, vmf: dimension (0 means 24)", "lsq: row norms of generated data, unit or gaussian (default unit)"},
		true: {"CSV `file` of lsq samples", "number of generated samples (0 means 8)",
			"dimension of generated samples (0 means 24)", "row norms of generated data, unit or gaussian (default unit)"},
	}[lsqOnly]
	return dataFlags{
		data:  f.String("data", "", w[0]+" (default: generate from -n, -d, -data-seed)"),
		n:     f.Int("n", 0, w[1]),
		d:     f.Int("d", 0, w[2]),
		seed:  f.Uint64("data-seed", 0, "seed of the generated data"),
		norms: f.String("norms", "", w[3]),
	}
}

// config returns the toy configuration the data flags describe.
func (d dataFlags) config(name string) toy.Config {
	return toy.Config{Toy: name, Data: *d.data, N: *d.n, D: *d.d, DataSeed: *d.seed, Norms: *d.norms}
}

var simFlags simulateFlags

func init() {
	f := flag.NewFlagSet("simulate", flag.ContinueOnError)
	s := &simFlags
	s.toy = f.String("toy", "lsq", "toy problem: lsq, circle, vmf or logistic")
	s.data = addDataFlags(f, false)
	s.lambda = f.Float64("lambda", 0, "circle: curvature lambda (0 means 1)")
	s.mu = f.Float64("mu", 0, "vmf: norm of mu (0 means 1)")
	s.sigma = f.Float64("sigma", 0, "vmf: noise scale sigma of one draw (0 means 1)")
	s.alpha = f.Float64("alpha", 0, "logistic: frozen output scale alpha (0 means 10)")
	s.batch = f.Int("batch", 1, "mini-batch size; 0 means the full batch")
	s.sampling = f.String("sampling", "iid", "batch sampling: iid (with replacement) or shuffle (epochs without replacement)")
	s.elr = f.Float64("elr", 0, "effective learning rate on the sphere (required unless -lr is set)")
	s.steps = f.Int("steps", 10000, "number of steps")
	s.every = f.Int("every", 0, "record every k-th step (0 means steps/1000, at least 1)")
	s.seed = f.Uint64("seed", 1, "seed of the run: initial point and batches")
	s.out = f.String("out", "", "output `folder` (required)")
	s.lr = f.Float64("lr", 0, "conventional SGD: learning rate; when set, runs conventional SGD instead of the sphere")
	s.wd = f.Float64("wd", 0, "conventional SGD: weight decay")
	s.momentum = f.Float64("momentum", 0, "conventional SGD: heavy-ball momentum in [0, 1)")
	s.initNorm = f.Float64("init-norm", 1, "conventional SGD: initial norm ||w_0||")
	cmdSimulate.Flag = f
	cmdSimulate.Run = runSimulate
	register(cmdSimulate)
}

// simulateRecord is the content of config.json.
type simulateRecord struct {
	Command    string          `json:"command"`
	Mode       string          `json:"mode"`
	Toy        toy.Config      `json:"toy"`
	DataSHA256 string          `json:"data_sha256,omitempty"`
	Sim        *toy.SimConfig  `json:"sim,omitempty"`
	Conv       *toy.ConvConfig `json:"conv,omitempty"`
	// Theory holds the deterministic quantities of the problem that
	// "regimes analyze" copies into its report and "regimes compare"
	// checks: random_level for every toy; for lsq also gd_threshold,
	// ms_bound_lo and ms_bound_hi (SCIENCE.md 6.1, at the run's batch size).
	Theory map[string]float64 `json:"theory"`
}

// simulateOutput is the printed summary.
type simulateOutput struct {
	toy.Summary
	Out string `json:"out"`
}

func runSimulate(cmd *Command, args []string) error {
	s := &simFlags
	if len(args) > 0 {
		return fmt.Errorf("unexpected arguments %q", args)
	}
	if *s.out == "" {
		return fmt.Errorf("missing -out folder")
	}
	if *s.batch < 0 {
		return fmt.Errorf("-batch must be >= 0 (0 means the full batch), have %d", *s.batch)
	}
	if *s.steps <= 0 {
		return fmt.Errorf("-steps must be positive, have %d", *s.steps)
	}
	if *s.every < 0 {
		return fmt.Errorf("-every must be >= 0, have %d", *s.every)
	}
	sampling, err := toy.ParseSampling(*s.sampling)
	if err != nil {
		return fmt.Errorf("-sampling: %v", err)
	}
	conventional := *s.lr != 0
	switch {
	case conventional && *s.elr != 0:
		return fmt.Errorf("-elr and -lr are exclusive: -elr runs on the sphere, -lr runs conventional SGD")
	case conventional && !(*s.lr > 0 && !math.IsInf(*s.lr, 0)):
		return fmt.Errorf("-lr must be positive and finite, have %v", *s.lr)
	case !conventional && !(*s.elr > 0 && !math.IsInf(*s.elr, 0)):
		return fmt.Errorf("-elr must be positive and finite, have %v", *s.elr)
	}
	tc := s.data.config(*s.toy)
	tc.Lambda, tc.Mu, tc.Sigma, tc.Alpha = *s.lambda, *s.mu, *s.sigma, *s.alpha
	tc = tc.Defaults()
	p, err := tc.Build()
	if err != nil {
		return err
	}
	hash, err := dataHash(p, tc.Data)
	if err != nil {
		return err
	}
	rec := simulateRecord{Command: "regimes simulate", Toy: tc, DataSHA256: hash,
		Theory: map[string]float64{"random_level": p.RandomLevel()}}
	if l, ok := p.(*toy.LSQ); ok {
		ms := toy.MSBounds(l.A(), *s.batch, sampling != toy.Shuffle)
		rec.Theory["gd_threshold"] = toy.GDThreshold(l.A())
		rec.Theory["ms_bound_lo"], rec.Theory["ms_bound_hi"] = ms[0], ms[1]
	}
	var tr *toy.Trajectory
	if conventional {
		c := toy.ConvConfig{LR: *s.lr, WD: *s.wd, Momentum: *s.momentum, Batch: *s.batch, Sampling: sampling,
			Steps: *s.steps, Every: *s.every, Seed: *s.seed, InitNorm: *s.initNorm}.Defaults()
		rec.Mode, rec.Conv = "conventional", &c
		tr, err = toy.SimulateConventional(p, c)
	} else {
		c := toy.SimConfig{ELR: *s.elr, Batch: *s.batch, Sampling: sampling, Steps: *s.steps, Every: *s.every,
			Seed: *s.seed}.Defaults()
		rec.Mode, rec.Sim = "sphere", &c
		tr, err = toy.Simulate(p, c)
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*s.out, 0o755); err != nil {
		return err
	}
	if err := fileio.WriteFile(filepath.Join(*s.out, "trajectory.csv"), tr.WriteCSV); err != nil {
		return err
	}
	if err := writeJSONFile(filepath.Join(*s.out, "config.json"), rec); err != nil {
		return err
	}
	return printJSON(stdout, simulateOutput{Summary: tr.Summary, Out: *s.out})
}

// dataHash returns the SHA-256 of the data file, or of the problem's data
// written as CSV (toy.WriteCSV) when they were generated; "" for toys
// without data (circle, vmf).
func dataHash(p toy.Problem, file string) (string, error) {
	h := sha256.New()
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		if _, err := io.Copy(h, f); err != nil {
			return "", fmt.Errorf("%s: %v", file, err)
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	var buf bytes.Buffer
	switch q := p.(type) {
	case *toy.Circle, *toy.VMF:
		return "", nil
	case *toy.LSQ:
		if err := toy.WriteCSV(&buf, q.A(), nil); err != nil {
			return "", err
		}
	case *toy.Logistic:
		if err := toy.WriteCSV(&buf, q.A(), q.Labels()); err != nil {
			return "", err
		}
	}
	h.Write(buf.Bytes())
	return hex.EncodeToString(h.Sum(nil)), nil
}
