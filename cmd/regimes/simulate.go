package main

import (
	"flag"
	"fmt"
	"math"

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
			return fmt.Errorf("unexpected arguments %q", args)
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

// simulateConfig checks the flags of simulate and returns its
// configuration.
func (t *toyFlags) simulateConfig(elr float64, out string) (experiment.SimulateConfig, error) {
	var c experiment.SimulateConfig
	switch {
	case out == "":
		return c, fmt.Errorf("missing -out folder")
	case t.batch < 0:
		return c, fmt.Errorf("-batch must be >= 0 (0 means the full batch), have %d", t.batch)
	case t.steps <= 0:
		return c, fmt.Errorf("-steps must be positive, have %d", t.steps)
	case t.every < 0:
		return c, fmt.Errorf("-every must be >= 0, have %d", t.every)
	}
	sampling, err := toy.ParseSampling(t.sampling)
	if err != nil {
		return c, fmt.Errorf("-sampling: %v", err)
	}
	conventional := t.lr != 0
	switch {
	case conventional && elr != 0:
		return c, fmt.Errorf("-elr and -lr are exclusive: -elr runs on the sphere, -lr runs conventional SGD")
	case conventional && !(t.lr > 0 && !math.IsInf(t.lr, 0)):
		return c, fmt.Errorf("-lr must be positive and finite, have %v", t.lr)
	case !conventional && !(elr > 0 && !math.IsInf(elr, 0)):
		return c, fmt.Errorf("-elr must be positive and finite, have %v", elr)
	case !(t.initNorm > 0 && !math.IsInf(t.initNorm, 0)):
		return c, fmt.Errorf("-init-norm must be positive and finite, have %v", t.initNorm)
	}
	return experiment.SimulateConfig{Toy: t.Config, Conventional: conventional, ELR: elr, LR: t.lr, WD: t.wd,
		Momentum: t.momentum, InitNorm: t.initNorm, Batch: t.batch, Steps: t.steps, Every: t.every,
		Sampling: sampling, Seed: t.seed, Out: out}, nil
}
