package main

import (
	"flag"
	"fmt"

	"github.com/regimes/regimes/experiment"
	"github.com/regimes/regimes/toy"
)

var cmdSimulate = &Command{
	UsageLine: "simulate -toy lsq|circle|vmf|logistic [-data FILE.csv | -n N -d D -data-seed S2] -elr E [flags] -out DIR",
	Short:     "simulate SGD on a toy problem and write its trajectory",
	Long:      helpText("simulate"),
	Flags:     simulateFlags,
}

func simulateFlags(fs *flag.FlagSet) func([]string) error {
	var t toyFlags
	t.define(fs, toyDefaults{steps: 10000, everyRows: 1000})
	var elr float64
	var out string
	fs.Float64Var(&elr, "elr", 0, "effective learning rate on the sphere (required unless -lr is set)")
	fs.StringVar(&out, "out", "", "output `folder` (required)")
	return func(args []string) error {
		if len(args) > 0 {
			return usagef("unexpected arguments %q", args)
		}
		if out == "" {
			return usagef("no output folder: give -out DIR")
		}
		cfg, err := t.simulateConfig(elr, out)
		if err != nil {
			return err
		}
		res, err := experiment.Simulate(cfg)
		if err != nil {
			return err
		}
		return printJSON(stdout, res)
	}
}

// simulateConfig returns the configuration of simulate's flags.
func (t *toyFlags) simulateConfig(elr float64, out string) (experiment.SimulateConfig, error) {
	sampling, err := toy.ParseSampling(t.sampling)
	if err != nil {
		return experiment.SimulateConfig{}, fmt.Errorf("-sampling: %v", err)
	}
	return experiment.SimulateConfig{Toy: t.Config, Conventional: t.lr != 0, ELR: elr, LR: t.lr, WD: t.wd,
		Momentum: t.momentum, InitNorm: t.initNorm, Batch: t.batch, Steps: t.steps, Every: t.every,
		Sampling: sampling, Seed: t.seed, Out: out}, nil
}
