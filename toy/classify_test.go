package toy_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/regime"
	"github.com/regimes/regimes/toy"
)

// The -update flag rewrites the golden files; it is shared with other test
// files of the package, so it is defined only if nobody defined it first.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata/golden")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// lsqReference returns the lsq reference problem of SCIENCE.md 6.1: the
// default toy.Config (n = 8, d = 24, unit-norm Gaussian rows).
func lsqReference(t *testing.T) *toy.LSQ {
	t.Helper()
	p, err := toy.Config{Toy: "lsq", DataSeed: toy.ReferenceDataSeed}.Build()
	if err != nil {
		t.Fatal(err)
	}
	return p.(*toy.LSQ)
}

// lsqReport simulates the lsq reference problem at b = 1, recording every
// step, writes the trajectory CSV, reads it back (the path of "regimes
// analyze") and analyses it with the random level and theory values.
func lsqReport(t *testing.T, elr float64, steps int, seed uint64) analysis.Report {
	t.Helper()
	p := lsqReference(t)
	tr, err := toy.Simulate(p, toy.SimConfig{ELR: elr, Batch: 1, Steps: steps, Every: 1, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tr.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("lsq elr=%g b=1 steps=%d seed=%d", elr, steps, seed)
	tb, err := analysis.ReadCSV(&buf, name)
	if err != nil {
		t.Fatal(err)
	}
	ms := toy.MSBounds(p.A(), 1, toy.IID)
	r, err := analysis.Analyze(tb, analysis.AnalyzeOptions{
		Loss: "loss", Grad: "grad_norm", Angle: "angle",
		RandomLevel: p.RandomLevel(),
		Theory: map[string]float64{
			"random_level": p.RandomLevel(),
			"gd_threshold": toy.GDThreshold(p.A()),
			"ms_bound_lo":  ms[0],
			"ms_bound_hi":  ms[1],
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestClassifyLSQ(t *testing.T) {
	// SCIENCE.md 6.1, reference data n = 8, d = 24, b = 1, unit norms: the
	// mean-square threshold is exactly 2/lambda = 2, so ELR 0.5-1.8
	// converge; at 2.2 the stationary loss (0.010-0.012) is below the
	// random level 1/(2d) = 0.0208 (chaotic equilibrium); it exceeds the
	// random level above ELR 2.3-2.4, so 3 and 10 are divergence by the
	// operational rule; at 1e6 every step turns by pi/2 (the limit map of
	// 6.1), divergence by the angular cap; 50 steps are too few to say.
	for _, tc := range []struct {
		elr   float64
		steps int
		want  regime.Regime
		// reason is a phrase that the reasons must contain.
		reason string
	}{
		{0.5, 2000, regime.Convergence, "at most 1e-10"},
		{1, 2000, regime.Convergence, "at most 1e-10"},
		{1.8, 4000, regime.Convergence, "at most 1e-10"},
		// Short of the floor (the loss is near 1e-8): convergence read
		// from the drift of log loss (rule 4 of analysis.Classify).
		{0.5, 400, regime.Convergence, "log loss decreases"},
		{2.2, 20000, regime.Chaotic, "below the random level"},
		{3, 5000, regime.Divergence, "not significantly below"},
		{10, 5000, regime.Divergence, "not significantly below"},
		{1e6, 5000, regime.Divergence, "at its cap pi/2"},
		// 51 rows: no fixed row minimum, each rule asks its own
		// statistics. Regime 2's loss is still falling at step 50 or has
		// too small an effective sample size (undetermined, "run longer"
		// or how many rows more)...
		{2.2, 50, regime.Undetermined, "run longer|more rows"},
		// ...while at ELR 1e6 every step turns by pi/2 within 1e-3 rad
		// (SCIENCE.md 6.1, the ELR -> infinity limit), which 51 rows show.
		{1e6, 50, regime.Divergence, "at its cap pi/2"},
	} {
		for seed := range uint64(2) {
			r := lsqReport(t, tc.elr, tc.steps, seed+1)
			t.Logf("ELR %g, %d steps, seed %d: %s, level %.4g +/- %.2g; %s", tc.elr, tc.steps, seed+1, r.Regime, r.Evidence.Level, r.Evidence.LevelStdErr, strings.Join(r.Evidence.Reasons, "; "))
			if r.Regime != tc.want {
				t.Errorf("ELR %g, %d steps, seed %d: %s, want %s", tc.elr, tc.steps, seed+1, r.Regime, tc.want)
			}
			if !containsAny(strings.Join(r.Evidence.Reasons, "; "), strings.Split(tc.reason, "|")) {
				t.Errorf("ELR %g, %d steps, seed %d: reasons %v lack %q", tc.elr, tc.steps, seed+1, r.Evidence.Reasons, tc.reason)
			}
		}
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// goldenRegime2 is the project's golden for a regime-2 run: the analyze
// report of lsq at ELR 2.2, b = 1, 20000 steps, seed 1.
const goldenRegime2 = "../testdata/golden/regime2_lsq_elr2.2.json"

func TestGoldenRegime2(t *testing.T) {
	got := lsqReport(t, 2.2, 20000, 1)
	if updateGolden() {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := fileio.WriteFile(goldenRegime2, func(w io.Writer) error {
			_, err := w.Write(append(b, '\n'))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(goldenRegime2)
	if err != nil {
		t.Fatalf("%v (run go test -run GoldenRegime2 -update ./toy/ to create it)", err)
	}
	golden, err := analysis.ReadReport(data, goldenRegime2)
	if err != nil {
		t.Fatal(err)
	}
	if golden.Regime != regime.Chaotic {
		t.Fatalf("golden regime %q", golden.Regime)
	}
	for _, tc := range []struct {
		name  string
		run   analysis.Report
		agree bool
	}{
		// The same run: bit-identical on this machine, statistically
		// equal on any other.
		{"rerun", got, true},
		// Other batch sequences and initial points: the stationary
		// statistics must agree within their joint confidence.
		{"seed 2", lsqReport(t, 2.2, 20000, 2), true},
		{"seed 3", lsqReport(t, 2.2, 20000, 3), true},
		// A different ELR inside regime 2 has a different level
		// (SCIENCE.md 6.1: the level grows with ELR).
		{"ELR 2.3", lsqReport(t, 2.3, 20000, 1), false},
		// A converging run: another regime.
		{"ELR 1.8", lsqReport(t, 1.8, 4000, 1), false},
	} {
		c := analysis.Compare(tc.run, golden, analysis.Tolerance{})
		t.Logf("%s: agree %v; %s", tc.name, c.Agree, strings.Join(append(c.Reasons, c.Checked...), "; "))
		if c.Agree != tc.agree {
			t.Errorf("%s: agree = %v, want %v; reasons %v", tc.name, c.Agree, tc.agree, c.Reasons)
		}
	}
}
