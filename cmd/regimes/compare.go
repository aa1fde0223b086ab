package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/regimes/regimes/analysis"
)

// compareUsage is the usage line of the compare command.
const compareUsage = "compare [flags] RUN GOLDEN"

var cmdCompare = &Command{
	UsageLine: compareUsage,
	Short:     "check that a run agrees with a golden run statistically",
	Long:      helpText("compare"),
	Flags:     compareFlags,
}

func compareFlags(fs *flag.FlagSet) func([]string) error {
	af := addAnalyzeFlags(fs)
	alpha := fs.Float64("compare-alpha", 0.001, "two-sided level of the z-test on each pair of stationary levels")
	rel := fs.Float64("theory-rel", 1e-6, "relative tolerance on the theory values and the random level")
	return func(args []string) error {
		if len(args) != 2 {
			return usagef("want RUN and GOLDEN, got %d arguments (usage: regimes %s)", len(args), compareUsage)
		}
		if !(*alpha > 0 && *alpha < 1) {
			return fmt.Errorf("-compare-alpha %v: want a level in (0, 1)", *alpha)
		}
		if !(*rel >= 0) {
			return fmt.Errorf("-theory-rel %v: want a non-negative number", *rel)
		}
		var reports [2]analysis.Report
		for i, name := range args {
			r, err := loadReport(name, af)
			if err != nil {
				return err
			}
			reports[i] = r
		}
		tol := analysis.Tolerance{Alpha: *alpha, TheoryRel: *rel}
		if *rel == 0 {
			tol.TheoryRel = 1e-300 // exact agreement asked for; zero means the default
		}
		cmp := analysis.Compare(reports[0], reports[1], tol)
		if err := printJSON(stdout, cmp); err != nil {
			return err
		}
		if !cmp.Agree {
			return disagreement{fmt.Sprintf("%s disagrees with %s: %s", args[0], args[1], strings.Join(cmp.Reasons, "; "))}
		}
		return nil
	}
}

// loadReport reads an analyze report (.json) or analyses a trajectory.
func loadReport(name string, af *analyzeFlags) (analysis.Report, error) {
	if strings.HasSuffix(strings.ToLower(name), ".json") {
		data, err := os.ReadFile(name)
		if err != nil {
			return analysis.Report{}, err
		}
		return analysis.ReadReport(data, name)
	}
	return af.analyze(name)
}
