package main

import (
	"errors"
	"flag"
	"fmt"
	"math"

	"github.com/regimes/regimes/toy"
)

var cmdTheory = &Command{
	UsageLine: "theory -toy lsq|circle|vmf [flags]",
	Short:     "print the exact theory of a toy problem as JSON",
	Long:      helpText("theory"),
	Flags:     theoryFlags,
}

// theoryConfig holds the flags of the theory command.
type theoryConfig struct {
	cfg               toy.Config
	batch             int
	seed              uint64
	replace           bool
	lambda, mu, sigma float64
	elr               float64
}

func theoryFlags(fs *flag.FlagSet) func([]string) error {
	var c theoryConfig
	fs.StringVar((*string)(&c.cfg.Toy), "toy", "lsq", "toy problem: lsq, circle or vmf")
	fs.StringVar(&c.cfg.Data, "data", "", "lsq: CSV `file` of sample rows (default: generate from -n, -d, -data-seed)")
	fs.IntVar(&c.cfg.N, "n", 0, "lsq: number of generated samples (0 means 8)")
	fs.IntVar(&c.cfg.D, "d", 0, "lsq, vmf: dimension (0 means 24)")
	fs.Uint64Var(&c.cfg.DataSeed, "data-seed", 0, "lsq: seed of the generated data")
	fs.StringVar((*string)(&c.cfg.Norms), "norms", "", "lsq: row norms of generated data, unit or gaussian (default unit)")
	fs.IntVar(&c.batch, "batch", 1, "lsq, vmf: batch size; 0 means the full batch")
	fs.BoolVar(&c.replace, "replace", true, "lsq: sample batches i.i.d. with replacement (false: distinct samples)")
	fs.Uint64Var(&c.seed, "seed", 1, "lsq: seed of the almost-sure threshold estimate")
	fs.Float64Var(&c.lambda, "lambda", 1, "circle: curvature lambda")
	fs.Float64Var(&c.mu, "mu", 1, "vmf: norm of mu")
	fs.Float64Var(&c.sigma, "sigma", 1, "vmf: noise scale sigma of one draw")
	fs.Float64Var(&c.elr, "elr", 0, "circle, vmf: effective learning rate (required, > 0)")
	return func(args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected arguments %q", args)
		}
		if c.batch < 0 {
			return fmt.Errorf("-batch must be >= 0 (0 means the full batch), have %d", c.batch)
		}
		switch c.cfg.Toy {
		case "lsq":
			return c.lsq()
		case "circle":
			return c.circle()
		case "vmf":
			return c.vmf()
		case "logistic":
			return errors.New("-toy logistic has no closed-form theory; use regimes simulate")
		}
		return fmt.Errorf("unknown -toy %q (want lsq, circle or vmf)", c.cfg.Toy)
	}
}

// lsqTheoryOutput is the JSON printed for -toy lsq.
type lsqTheoryOutput struct {
	Toy string `json:"toy"`
	toy.LSQTheory
	Config toy.Config `json:"config"`
}

func (c *theoryConfig) lsq() error {
	cfg := toy.Config{Toy: "lsq", Data: c.cfg.Data, N: c.cfg.N, D: c.cfg.D, DataSeed: c.cfg.DataSeed, Norms: c.cfg.Norms}.Defaults()
	p, err := cfg.Build()
	if err != nil {
		return err
	}
	lsq, ok := p.(*toy.LSQ)
	if !ok {
		return fmt.Errorf("lsq: unexpected problem type %T", p)
	}
	sampling := toy.Shuffle // -replace=false: one batch of distinct samples
	if c.replace {
		sampling = toy.IID
	}
	th, err := toy.NewLSQTheory(lsq.A(), c.batch, sampling, c.seed)
	if err != nil {
		return err
	}
	return printJSON(stdout, lsqTheoryOutput{Toy: "lsq", LSQTheory: th, Config: cfg})
}

func (c *theoryConfig) circle() error {
	if err := c.checkELR(); err != nil {
		return err
	}
	if _, err := (toy.Config{Toy: "circle", Lambda: c.lambda}).Build(); err != nil {
		return err
	}
	return printJSON(stdout, struct {
		Toy string `json:"toy"`
		toy.CircleTheory
	}{"circle", toy.CircleClosedForm(c.lambda, c.elr)})
}

func (c *theoryConfig) vmf() error {
	if err := c.checkELR(); err != nil {
		return err
	}
	if c.mu <= 0 || c.sigma < 0 {
		return fmt.Errorf("vmf: need -mu > 0 and -sigma >= 0, have %v and %v", c.mu, c.sigma)
	}
	cfg := toy.Config{Toy: "vmf", D: c.cfg.D, Mu: c.mu, Sigma: c.sigma}.Defaults()
	if err := cfg.Check(); err != nil { // a closed form: no memory needed at any d
		return err
	}
	return printJSON(stdout, struct {
		Toy string `json:"toy"`
		toy.VMFTheory
	}{"vmf", toy.VMFPredictionBatch(cfg.D, cfg.Mu, c.sigma, c.elr, c.batch)})
}

func (c *theoryConfig) checkELR() error {
	if !(c.elr > 0) || math.IsInf(c.elr, 0) {
		return fmt.Errorf("-elr must be a positive finite number, have %v", c.elr)
	}
	return nil
}
