package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"

	"github.com/regimes/regimes/experiment"
)

var cmdReproduce = &Command{
	UsageLine: "reproduce mnist [-out DIR] [-quick] [-workers K]",
	Short:     "rerun the paper's three-regime experiment on MNIST and draw its figures",
	Long:      helpText("reproduce"),
	Flags:     reproduceFlags,
}

func reproduceFlags(fs *flag.FlagSet) func([]string) error {
	var cfg experiment.MNISTConfig
	fs.StringVar(&cfg.Out, "out", "mnist-repro", "output folder")
	fs.BoolVar(&cfg.Quick, "quick", false, "a tiny version for tests (seconds)")
	fs.IntVar(&cfg.Workers, "workers", runtime.GOMAXPROCS(0), "trainer goroutines")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	return func(args []string) error {
		if len(args) < 1 || args[0] != "mnist" {
			return usagef("want the experiment name: regimes reproduce mnist [-out DIR] [-quick]")
		}
		// Flags may follow the experiment's name.
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if rest := fs.Args(); len(rest) > 0 {
			return usagef("unexpected argument %q", rest[0])
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		cfg.Log, cfg.Progress = stdout, stderr
		if *quiet {
			cfg.Progress = nil
		}
		s, err := experiment.ReproduceMNIST(ctx, cfg)
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; continue with: regimes reproduce mnist -out %s%s", cfg.Out, map[bool]string{true: " -quick"}[cfg.Quick])
		}
		if err != nil {
			return err
		}
		return printJSON(stdout, s)
	}
}
