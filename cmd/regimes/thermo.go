package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/regimes/regimes/experiment"
	"github.com/regimes/regimes/internal/cli"
	"github.com/regimes/regimes/internal/progress"
)

var cmdThermo = &Command{
	UsageLine: "thermo [-d D] [-mu M] [-sigma S] [-sphere-elrs LIST] [-elrs LIST] [-lrs LIST] [-wds LIST] [-momenta LIST] [-rows N] [-seed S] [-format png,svg] -out DIR [-force] | thermo -runs DIR1,DIR2,... [-out DIR]",
	Short:     "the thermodynamic picture and rotational equilibrium: predictions against the vmf toy and network runs",
	Long:      helpText("thermo"),
	Flags:     thermoFlags,
}

func thermoFlags(fs *flag.FlagSet) func([]string) error {
	def := experiment.DefaultThermoConfig()
	list := cli.FormatFloats
	c := experiment.ThermoConfig{}
	var sphereELRs, elrs, lrs, wds, moms, out, runs, format string
	var force, quiet bool
	fs.IntVar(&c.D, "d", def.D, "dimension D of the vmf toy")
	fs.Float64Var(&c.Mu, "mu", def.Mu, "|mu|, the gradient of the loss <mu,u>")
	fs.Float64Var(&c.Sigma, "sigma", def.Sigma, "noise scale sigma (one draw per step)")
	fs.StringVar(&sphereELRs, "sphere-elrs", list(def.SphereELRs), "ELRs of the sphere protocol (comma-separated; empty: none)")
	fs.StringVar(&elrs, "elrs", list(def.ELRs), "ELRs of the fixed-ELR protocol with weight decay")
	fs.StringVar(&lrs, "lrs", list(def.LRs), "learning rates of the fixed-LR protocol with weight decay")
	fs.StringVar(&wds, "wds", list(def.WDs), "weight decays of both weight-decay protocols")
	fs.StringVar(&moms, "momenta", list(def.Momenta), "heavy-ball momenta of the fixed-LR protocol")
	fs.IntVar(&c.Rows, "rows", def.Rows, "records per run")
	fs.Uint64Var(&c.Seed, "seed", def.Seed, "base seed (run i uses seed+i)")
	fs.IntVar(&c.Workers, "workers", 0, "runs in parallel (0: GOMAXPROCS); results do not depend on it")
	fs.StringVar(&out, "out", "", "output folder")
	fs.StringVar(&format, "format", "png,svg", "figure formats (comma-separated: png, svg, pdf)")
	fs.BoolVar(&force, "force", false, "replace existing outputs")
	fs.BoolVar(&quiet, "quiet", false, "no progress on stderr (by default a line per finished run, or a live line on a terminal)")
	fs.StringVar(&runs, "runs", "", "compare these network run folders with rotational equilibrium instead (comma-separated)")
	return func(args []string) error {
		if len(args) > 0 {
			return usagef("unexpected argument %q", args[0])
		}
		if runs != "" {
			return runThermoNetworks(strings.Split(runs, ","), out, force)
		}
		if !quiet {
			c.Progress = progress.Counter(stderr, "thermo", "run")
		}
		return runThermo(c, sphereELRs, elrs, lrs, wds, moms, format, out, force)
	}
}

func runThermo(c experiment.ThermoConfig, sphereELRs, elrs, lrs, wds, moms, format, out string, force bool) error {
	if out == "" {
		return usagef("no output folder: give -out DIR")
	}
	var err error
	for _, l := range []struct {
		name, val string
		dst       *[]float64
		rule      cli.Rule
	}{{"sphere-elrs", sphereELRs, &c.SphereELRs, cli.Positive}, {"elrs", elrs, &c.ELRs, cli.Positive}, {"lrs", lrs, &c.LRs, cli.Positive},
		{"wds", wds, &c.WDs, cli.Positive}, {"momenta", moms, &c.Momenta, cli.NonNegative}} {
		if *l.dst, err = cli.Floats(l.val, l.rule); err != nil {
			return fmt.Errorf("-%s: %v", l.name, err)
		}
	}
	exts := strings.Split(format, ",")
	if err := experiment.CheckFormats(exts); err != nil {
		return fmt.Errorf("-format: %v", err)
	}
	if err := experiment.PrepareThermo(out, force); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := experiment.Thermo(ctx, c)
	if err != nil {
		return err
	}
	if err := experiment.WriteThermo(res, out, exts, force); err != nil {
		return err
	}
	return res.WriteTable(stdout)
}

func runThermoNetworks(dirs []string, out string, force bool) error {
	var rs []experiment.RotationalRunResult
	for _, d := range dirs {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		r, err := experiment.RotationalRun(d)
		if err != nil {
			return err
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return errors.New("-runs: no run folders")
	}
	if out != "" {
		if err := experiment.WriteRotational(rs, out, force); err != nil {
			return err
		}
	}
	return experiment.WriteRotationalTable(stdout, rs)
}
