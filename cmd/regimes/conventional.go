package main

import (
	"errors"
	"flag"
	"fmt"
	"math"

	"github.com/regimes/regimes/experiment"
)

var cmdConventional = &Command{
	UsageLine: "conventional -lr ETA -wd WD [-momentum M] [-batch B] [-steps T] [-seed S] [-data FILE.csv | -n N -d D -data-seed S2] -out DIR",
	Short:     "conventional SGD with weight decay on lsq, drawn in the regime picture",
	Long:      helpText("conventional"),
	Flags:     conventionalFlags,
}

func conventionalFlags(fs *flag.FlagSet) func([]string) error {
	var t toyFlags
	t.define(fs, toyDefaults{lsqOnly: true, steps: 20000, everyRows: 2000})
	cfg := experiment.ConventionalConfig{}
	fs.IntVar(&cfg.LevelSteps, "level-steps", 5000, "steps of each fixed-ELR run that measures G(e) for ELR*")
	fs.Uint64Var(&cfg.TheorySeed, "theory-seed", 1, "seed of the almost-sure threshold estimate and of the G(e) runs")
	fs.StringVar(&cfg.Out, "out", "", "output `folder` (required)")
	return func(args []string) error {
		switch {
		case len(args) > 0:
			return fmt.Errorf("unexpected arguments %q", args)
		case cfg.Out == "":
			return errors.New("missing -out folder")
		case !(t.lr > 0) || math.IsInf(t.lr, 0):
			return fmt.Errorf("-lr must be positive and finite, have %v", t.lr)
		case !(t.wd > 0) || t.lr*t.wd >= 1:
			return fmt.Errorf("-wd must be positive with lr*wd < 1, have wd %v (lr*wd %v)", t.wd, t.lr*t.wd)
		case t.batch < 0:
			return fmt.Errorf("-batch must be >= 0 (0 means the full batch), have %d", t.batch)
		case t.steps <= 0:
			return fmt.Errorf("-steps must be positive, have %d", t.steps)
		case t.every < 0:
			return fmt.Errorf("-every must be >= 0, have %d", t.every)
		case cfg.LevelSteps <= 0:
			return fmt.Errorf("-level-steps must be positive, have %d", cfg.LevelSteps)
		case !(t.initNorm > 0) || t.initNorm > 1e300:
			return fmt.Errorf("-init-norm must be positive and finite, have %v", t.initNorm)
		}
		cfg.Toy, cfg.LR, cfg.WD, cfg.Momentum, cfg.InitNorm = t.Config, t.lr, t.wd, t.momentum, t.initNorm
		cfg.Batch, cfg.Steps, cfg.Seed, cfg.Every = t.batch, t.steps, t.seed, t.every
		sum, err := experiment.Conventional(cfg)
		if err != nil {
			return err
		}
		return printJSON(stdout, sum)
	}
}
