package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/experiment"
)

// analyzeUsage is the usage line of the analyze command.
const analyzeUsage = "analyze [flags] FILE"

var cmdAnalyze = &Command{
	UsageLine: analyzeUsage,
	Short:     "equilibrium statistics and the regime of a trajectory or training log",
	Long:      helpText("analyze"),
	Flags:     analyzeCmdFlags,
}

func analyzeCmdFlags(fs *flag.FlagSet) func([]string) error {
	af := addAnalyzeFlags(fs)
	out := fs.String("o", "", "also write the JSON report to this file (atomically)")
	return func(args []string) error {
		if len(args) != 1 {
			return usagef("want one FILE argument, got %d (usage: regimes %s)", len(args), analyzeUsage)
		}
		r, err := af.analyze(args[0])
		if err != nil {
			return err
		}
		if *out != "" {
			if err := writeJSONFile(*out, r); err != nil {
				return err
			}
		}
		if err := printJSON(stdout, r); err != nil {
			return err
		}
		printChosen(args[0], r)
		return nil
	}
}

// printChosen says on stderr which columns were chosen by their names.
func printChosen(name string, r analysis.Report) {
	var parts []string
	for _, role := range []string{analysis.RoleLoss, analysis.RoleGrad, analysis.RoleAngle} {
		if c, ok := r.Chosen[role]; ok {
			parts = append(parts, "-"+role+" "+c)
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(stderr, "analyze: %s: chose %s from the column names (flags override)\n", name, strings.Join(parts, " "))
	}
}

// analyzeFlags are the flags that choose the columns and side information
// of an analysis, shared by analyze and compare.
type analyzeFlags struct {
	cfg                   experiment.AnalyzeConfig
	randomLevel, lyapunov string
}

func addAnalyzeFlags(fs *flag.FlagSet) *analyzeFlags {
	af := &analyzeFlags{}
	c := &af.cfg
	fs.StringVar(&c.Loss, "loss", "", "name of the loss column or TensorBoard tag (default: the first of "+strings.Join(analysis.CommonColumns[analysis.RoleLoss], ", ")+" in the file)")
	fs.StringVar(&c.Grad, "grad", "", "name of the gradient-norm column, or none (default: the first of "+strings.Join(analysis.CommonColumns[analysis.RoleGrad], ", ")+", if any)")
	fs.StringVar(&c.Angle, "angle", "", "name of the angular-update column, or none (default: the first of "+strings.Join(analysis.CommonColumns[analysis.RoleAngle], ", ")+", if any)")
	fs.StringVar(&af.randomLevel, "random-level", "", "random level of the loss (default: from config.json beside the file, else unknown)")
	fs.StringVar(&af.lyapunov, "lyapunov", "", "maximal Lyapunov exponent as X or X,LO,HI with its confidence interval")
	fs.Float64Var(&c.Alpha, "alpha", 0.01, "significance level of the classifier's trend tests and level comparison")
	fs.Float64Var(&c.MinESS, "min-ess", 100, "least effective sample size of the stationary window for a stationary verdict")
	return af
}

// analyze reads and analyses one trajectory file.
func (af *analyzeFlags) analyze(name string) (analysis.Report, error) {
	c := af.cfg
	if c.Alpha <= 0 || c.Alpha >= 1 {
		return analysis.Report{}, fmt.Errorf("-alpha %v: want a level in (0, 1)", c.Alpha)
	}
	if !(c.MinESS > 0) {
		return analysis.Report{}, fmt.Errorf("-min-ess %v: want a positive number", c.MinESS)
	}
	if af.lyapunov != "" {
		var err error
		if c.Lyapunov, err = parseLyapunov(af.lyapunov); err != nil {
			return analysis.Report{}, err
		}
	}
	if af.randomLevel != "" {
		v, err := strconv.ParseFloat(af.randomLevel, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return analysis.Report{}, fmt.Errorf("-random-level %q: want a positive number", af.randomLevel)
		}
		c.RandomLevel = v
	}
	return experiment.AnalyzeFile(name, c)
}

// parseLyapunov parses X or X,LO,HI.
func parseLyapunov(s string) (*analysis.LyapunovEvidence, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 1 && len(parts) != 3 {
		return nil, fmt.Errorf("-lyapunov %q: want X or X,LO,HI", s)
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("-lyapunov %q: %q is not a finite number", s, p)
		}
		v[i] = f
	}
	if len(v) == 1 {
		return &analysis.LyapunovEvidence{Exponent: v[0], CI: [2]float64{v[0], v[0]}}, nil
	}
	if !(v[1] <= v[0] && v[0] <= v[2]) {
		return nil, fmt.Errorf("-lyapunov %q: want LO <= X <= HI", s)
	}
	return &analysis.LyapunovEvidence{Exponent: v[0], CI: [2]float64{v[1], v[2]}}, nil
}
