package main

import (
	"errors"
	"flag"

	"github.com/regimes/regimes/toy"
)

var cmdTheory = &Command{
	UsageLine: "theory -toy lsq|circle|vmf [flags]",
	Short:     "print the exact theory of a toy problem as JSON",
	Long:      helpText("theory"),
	Flags:     theoryFlags,
}

func theoryFlags(fs *flag.FlagSet) func([]string) error {
	var r toy.TheoryRequest
	c := &r.Config
	var replace bool
	fs.StringVar((*string)(&c.Toy), "toy", "lsq", "toy problem: lsq, circle or vmf")
	fs.StringVar(&c.Data, "data", "", "lsq: CSV `file` of sample rows (default: generate from -n, -d, -data-seed)")
	fs.IntVar(&c.N, "n", 0, "lsq: number of generated samples (0 means 8)")
	fs.IntVar(&c.D, "d", 0, "lsq, vmf: dimension (0 means 24)")
	fs.Uint64Var(&c.DataSeed, "data-seed", toy.ReferenceDataSeed, "lsq: seed of the generated data")
	fs.StringVar((*string)(&c.Norms), "norms", "", "lsq: row norms of generated data, unit or gaussian (default unit)")
	fs.IntVar(&r.Batch, "batch", 1, "lsq, vmf: batch size; 0 means the full batch")
	fs.BoolVar(&replace, "replace", true, "lsq: sample batches i.i.d. with replacement (false: distinct samples)")
	fs.Uint64Var(&r.Seed, "seed", 1, "lsq: seed of the almost-sure threshold estimate")
	fs.Float64Var(&c.Lambda, "lambda", 1, "circle: curvature lambda")
	fs.Float64Var(&c.Mu, "mu", 1, "vmf: norm of mu")
	fs.Float64Var(&c.Sigma, "sigma", 1, "vmf: noise scale sigma of one draw")
	fs.Float64Var(&r.ELR, "elr", 0, "circle, vmf: effective learning rate (required, > 0)")
	return func(args []string) error {
		if len(args) > 0 {
			return usagef("unexpected arguments %q", args)
		}
		r.Sampling = toy.Shuffle // -replace=false: one batch of distinct samples
		if replace {
			r.Sampling = toy.IID
		}
		th, err := toy.Theory(r)
		if errors.Is(err, toy.ErrNoTheory) {
			return errors.New("-toy logistic has no closed-form theory; use regimes simulate")
		}
		if err != nil {
			return err
		}
		return printJSON(stdout, th)
	}
}
