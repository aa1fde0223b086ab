package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/regimes/regimes/experiment"
	"github.com/regimes/regimes/plots"
)

var cmdRealised = &Command{
	UsageLine: "realised -in RUNDIR/metrics.jsonl [-lr X -wd X] [-bands START:REGIME,... | -bands-from SUMMARY.json] [-tail F] -out FIG.png|.svg [-summary FILE.json]",
	Short:     "realised ELR of a conventional network run over the fixed-ELR regime bands",
	Long:      helpText("realised"),
	Flags:     realisedFlags,
}

func realisedFlags(fs *flag.FlagSet) func([]string) error {
	var cfg experiment.RealisedConfig
	var bands, bandsFrom, summary string
	fs.StringVar(&cfg.In, "in", "", "metrics.jsonl of a conventional run of regimes train")
	fs.StringVar(&cfg.Figure, "out", "", "figure `file`: .png, .svg or .pdf")
	fs.StringVar(&bands, "bands", "", "regime bands START:REGIME,... (default none)")
	fs.StringVar(&bandsFrom, "bands-from", "", "take the regime bands from the summary.json `file` of a fixed-ELR sweep")
	fs.StringVar(&summary, "summary", "", "also write the summary JSON to this file")
	fs.Float64Var(&cfg.LR, "lr", 0, "learning rate of the run (default: from config.json next to -in)")
	fs.Float64Var(&cfg.WD, "wd", 0, "weight decay of the run (default: from config.json next to -in)")
	fs.Float64Var(&cfg.Tail, "tail", 0.5, "fraction of the epochs at the end used for G and the measured ELR")
	return func(args []string) error {
		if len(args) > 0 {
			return usagef("unexpected argument %q", args[0])
		}
		if cfg.In == "" || cfg.Figure == "" {
			return usagef("both -in and -out are required")
		}
		if _, err := plots.FormatOf(cfg.Figure); err != nil {
			return fmt.Errorf("-out %s: want a .png, .svg or .pdf file", cfg.Figure)
		}
		if !(cfg.Tail > 0 && cfg.Tail <= 1) {
			return fmt.Errorf("-tail %g: want a fraction in (0, 1]", cfg.Tail)
		}
		if err := realisedBands(&cfg, bands, bandsFrom); err != nil {
			return err
		}
		sum, skips, err := experiment.Realised(cfg)
		for _, s := range skips {
			fmt.Fprintf(stderr, "skipped %s point %d (%g, %g): %s\n", s.Series, s.Index, s.X, s.Y, s.Reason)
		}
		if err != nil {
			return err
		}
		if summary != "" {
			if err := writeJSONFile(summary, sum); err != nil {
				return err
			}
		}
		return printJSON(stdout, sum)
	}
}

// realisedBands sets the bands of cfg from -bands or -bands-from.
func realisedBands(cfg *experiment.RealisedConfig, bands, from string) error {
	if bands != "" && from != "" {
		return errors.New("give -bands or -bands-from, not both")
	}
	var err error
	if cfg.Bands, err = experiment.ParseBands(bands); err != nil {
		return fmt.Errorf("-bands: %v", err)
	}
	if bands != "" {
		cfg.BandSource = "given by -bands " + bands
	}
	if from != "" {
		if cfg.Bands, cfg.BandSource, err = experiment.ReadSweepBands(from); err != nil {
			return fmt.Errorf("-bands-from: %v", err)
		}
	}
	return nil
}
