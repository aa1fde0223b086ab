package main

import (
	"flag"

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
		if len(args) > 0 {
			return usagef("unexpected arguments %q", args)
		}
		if cfg.Out == "" {
			return usagef("no output folder: give -out DIR")
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
