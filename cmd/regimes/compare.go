package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/regimes/regimes/analysis"
)

func init() {
	c := &Command{
		UsageLine: "compare [flags] RUN GOLDEN",
		Short:     "check that a run agrees with a golden run statistically",
		Long: `
Compare says whether two runs agree. Exact trajectories of a chaotic
(regime 2) run are not reproducible across machines, but their statistics
are, so compare checks what is reproducible (analysis.Compare):

  - the same regime;
  - for stationary regimes (chaotic equilibrium, divergence), every
    stationary level (loss, gradient norm, angle) within the joint confidence
    of the two runs: a two-sided z-test on the difference of the means with
    standard error sqrt(se1^2 + se2^2) at level -compare-alpha (default 0.001);
  - every deterministic quantity under the golden's "theory" object
    (thresholds, closed forms) and the random level within the relative
    tolerance -theory-rel (default 1e-6).

RUN and GOLDEN are each a JSON report written by "regimes analyze" (.json) or
a trajectory (CSV or .jsonl), which is analysed first with the column flags
below (the same flags as "regimes analyze").

	regimes analyze -o golden.json run1/trajectory.csv
	regimes compare run2/trajectory.csv golden.json

The comparison is printed as JSON: agree (true/false), reasons (one
sentence per disagreement) and checked (what agreed). The exit status is 0
when the runs agree and 1 when they do not.
`,
	}
	c.Flag = flag.NewFlagSet("compare", flag.ContinueOnError)
	af := addAnalyzeFlags(c.Flag)
	alpha := c.Flag.Float64("compare-alpha", 0.001, "two-sided level of the z-test on each pair of stationary levels")
	rel := c.Flag.Float64("theory-rel", 1e-6, "relative tolerance on the theory values and the random level")
	c.Run = func(cmd *Command, args []string) error {
		if len(args) != 2 {
			return fmt.Errorf("want RUN and GOLDEN, got %d arguments (usage: regimes %s)", len(args), cmd.UsageLine)
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
			return fmt.Errorf("%s disagrees with %s: %s", args[0], args[1], strings.Join(cmp.Reasons, "; "))
		}
		return nil
	}
	register(c)
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
