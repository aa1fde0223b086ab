package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/regimes/regimes/experiment"
)

var cmdDemo = &Command{
	UsageLine: "demo [-out DIR] [-workers K]",
	Short:     "the toy story on built-in defaults: regimes, theory, figures",
	Long:      helpText("demo"),
	Flags:     demoFlags,
}

func demoFlags(fs *flag.FlagSet) func([]string) error {
	var cfg experiment.DemoConfig
	fs.StringVar(&cfg.Out, "out", "regimes-demo", "output folder")
	fs.IntVar(&cfg.Workers, "workers", runtime.GOMAXPROCS(0), "parallel runs")
	quiet := fs.Bool("quiet", false, "no progress on stderr (by default a line per stage and per tenth of a sweep, or a live line on a terminal)")
	return func(args []string) error {
		if len(args) > 0 {
			return usagef("unexpected argument %q", args[0])
		}
		if cfg.Workers < 1 {
			return fmt.Errorf("-workers %d: need at least 1", cfg.Workers)
		}
		cfg.Progress = progressOut(*quiet)
		cfg.Provenance = provenance(false)
		cfg.PageProvenance = provenance(true)
		if sci, err := filepath.Abs("SCIENCE.md"); err == nil {
			if _, err := os.Stat(sci); err == nil {
				cfg.Science = sci
			}
		}
		res, err := experiment.Demo(cfg)
		if err != nil {
			return err
		}
		res.WriteTable(stdout)
		abs, _ := filepath.Abs(cfg.Out)
		fmt.Fprintf(stdout, "\nFigures, data and captions: %s\nOpen %s in a browser.\n", abs, filepath.Join(abs, "index.html"))
		return nil
	}
}
