package figdata

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/regime"
)

// TestCombineSeeds checks how several seeds of a phase-diagram cell are
// combined: unanimous regimes stay, disagreements become undetermined,
// metrics are averaged over the runs that gave a result.
func TestCombineSeeds(t *testing.T) {
	ok := func(r regime.Regime, v float64) plots.Cell { return plots.Cell{Regime: r, Value: v} }
	failed := plots.Cell{State: plots.CellFailed, Value: math.NaN()}
	if c, note := CombineSeeds([]plots.Cell{ok(regime.Convergence, 1), ok(regime.Convergence, 3)}, true); c.Regime != regime.Convergence || note != "" {
		t.Errorf("unanimous: %+v %q", c, note)
	}
	if c, _ := CombineSeeds([]plots.Cell{ok(regime.Convergence, 1), ok(regime.Divergence, 3)}, true); c.Regime != regime.Undetermined {
		t.Errorf("disagreeing seeds: regime %v, want undetermined", c.Regime)
	}
	// (1 + 3)/2 = 2 over the two runs with a result; the failed one is noted.
	if c, note := CombineSeeds([]plots.Cell{ok(0, 1), failed, ok(0, 3)}, false); c.Value != 2 || c.State != plots.CellOK || !strings.Contains(note, "1 of 3 runs failed") {
		t.Errorf("mean: %+v %q", c, note)
	}
	if c, _ := CombineSeeds([]plots.Cell{failed, failed}, false); c.State != plots.CellFailed {
		t.Errorf("all failed: state %v", c.State)
	}
	if c, _ := CombineSeeds(nil, false); c.State != plots.CellMissing {
		t.Errorf("no run: state %v", c.State)
	}
}

// ExamplePhase reads two seeds of a two-ELR sweep into phase-diagram data:
// the seeds agree at the small ELR and disagree at the large one, which is
// drawn undetermined and noted.
func ExamplePhase() {
	dir, _ := os.MkdirTemp("", "figdata")
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "results.jsonl")
	os.WriteFile(name, []byte(`{"elr":1,"param":"batch","value":4,"seed":1,"regime":"convergence","theory":{"as_threshold":5.7}}
{"elr":10,"param":"batch","value":4,"seed":1,"regime":"divergence","theory":{"as_threshold":5.7}}
{"elr":1,"param":"batch","value":4,"seed":2,"regime":"convergence","theory":{"as_threshold":5.7}}
{"elr":10,"param":"batch","value":4,"seed":2,"regime":"chaotic equilibrium","theory":{"as_threshold":5.7}}
`), 0o644)
	d, notes, err := Phase([]string{name}, PhaseOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ELRs", d.ELR, "values", d.Values, "of", d.Param)
	for j, c := range d.Cells[0] {
		fmt.Printf("ELR %g: %v\n", d.ELR[j], c.Regime)
	}
	fmt.Printf("%s at batch %g: ELR %g\n", d.Curves[0].Name, d.Curves[0].Y[0], d.Curves[0].X[0])
	fmt.Println(notes[0])
	// Output:
	// ELRs [1 10] values [4] of batch size b
	// ELR 1: convergence
	// ELR 10: undetermined
	// almost-sure at batch 4: ELR 5.7
	// cell (elr 10, batch 4): seeds disagree on the regime; drawn undetermined
}

// TestLyapunovBands reads a Lyapunov CSV whose regime column makes two
// bands meeting halfway (in log ELR) between 1 and 4.
func TestLyapunovBands(t *testing.T) {
	name := filepath.Join(t.TempDir(), "l.csv")
	os.WriteFile(name, []byte("elr,exponent,lo,hi,regime\n1,-0.1,,,convergence\n4,0.01,0,0.02,chaotic equilibrium\n16,0.02,,,chaotic equilibrium\n"), 0o644)
	d, err := Lyapunov(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Bands) != 2 || d.Bands[0].To != 2 || d.Bands[1].From != 2 || d.Bands[0].From != 0.5 || d.Bands[1].To != 32 {
		t.Errorf("bands %+v", d.Bands)
	}
	if !math.IsNaN(d.Lo[0]) || d.Hi[1] != 0.02 {
		t.Errorf("empty cells: lo %v hi %v, want NaN for no value", d.Lo, d.Hi)
	}
	os.WriteFile(name, []byte("elr,exponent,regime\n1,0.1,banana\n"), 0o644)
	if _, err := Lyapunov(name); err == nil || !strings.Contains(err.Error(), "l.csv:2: unknown regime") {
		t.Errorf("bad regime: %v", err)
	}
}

// TestLabelRuns checks that runs take the label of the sweep point at
// their ELR (to float32 rounding) and that runs sharing an ELR are named
// apart.
func TestLabelRuns(t *testing.T) {
	// The fifth run's median realised ELR is a float32 rounding (2.4e-9
	// relative) off its point's, as for 0.1468 in testdata/mnist.
	d := plots.Panels{Runs: []plots.Run{{ELR: 1e-3}, {ELR: 2e-2}, {ELR: 2e-2}, {ELR: 5}, {ELR: 0.14677992711470825}}}
	LabelRuns(&d, []float64{1e-3, 2e-2, 0.146779926762207}, []regime.Regime{regime.Convergence, regime.Chaotic, regime.Divergence}, []string{"a", "b", "c", "d"})
	want := []regime.Regime{regime.Convergence, regime.Chaotic, regime.Chaotic, regime.Undetermined, regime.Divergence}
	for i, r := range d.Runs {
		if r.Regime != want[i] {
			t.Errorf("run %d: regime %v, want %v", i, r.Regime, want[i])
		}
	}
	if d.Runs[0].Label != "" || d.Runs[1].Label == d.Runs[2].Label {
		t.Errorf("labels %q %q %q", d.Runs[0].Label, d.Runs[1].Label, d.Runs[2].Label)
	}
}

// Defect 9 of issue 15: a NaN written in a cell of the thresholds or
// stationary CSV was dropped like an empty cell ("no value"), without the
// listing that help promises for points that cannot be drawn. Figure now
// lists every such cell with its file and line; empty cells stay silent.
func TestNaNCellsListed(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		kind, csv string
		want      []string
	}{
		{"thresholds", "b,gd,ms,as,as_lo,as_hi\n1,0.5,,0.3,NaN,NaN\n2,NaN,0.3,0.3,0.2,0.4\n4,0.2,0.1,,,\n",
			[]string{`column "gd": point 1 (x=2, y=NaN) skipped: NaN at line 3`, `column "as_lo": point 0 (x=1, y=NaN) skipped: NaN at line 2`, `column "as_hi": point 0 (x=1, y=NaN) skipped: NaN at line 2`}},
		{"stationary", "elr,mean,vmf\n0.001,0.5,\n0.01,NaN,0.4\n0.1,0.3,nan\n0.2,,0.2\n",
			[]string{`column "mean": point 1 (x=0.01, y=NaN) skipped: NaN at line 3`, `column "vmf": point 2 (x=0.1, y=NaN) skipped: NaN at line 4`}},
		{"lyapunov", "elr,exponent,lo,hi\n0.1,-1,NaN,NaN\n1,0.5,,\n",
			[]string{`column "lo": point 0 (x=0.1, y=NaN) skipped: NaN at line 2`, `column "hi": point 0 (x=0.1, y=NaN) skipped: NaN at line 2`}},
		{"bifurcation", "x,y,fixed\n0.1,NaN,1\n1,0.5,\n",
			[]string{`column "y": point 0 (x=0.1, y=NaN) skipped: NaN at line 2`}},
	} {
		name := filepath.Join(dir, tc.kind+".csv")
		if err := os.WriteFile(name, []byte(tc.csv), 0o644); err != nil {
			t.Fatal(err)
		}
		_, skips, _, err := Figure(tc.kind, []string{name}, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		lines := plots.SummarizeSkips(skips)
		if len(lines) != len(tc.want) {
			t.Errorf("%s: listed %q; want %d lines", tc.kind, lines, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if !strings.HasPrefix(lines[i], name+" ") || !strings.HasSuffix(lines[i], w+" (an empty cell means no value)") {
				t.Errorf("%s: line %d is %q; want %q after the file name", tc.kind, i, lines[i], w)
			}
		}
	}
}

// Defect 9 of issue 15: a negative ELR in sweep results stopped the phase
// diagram with an error that named no file or line.
func TestPhaseNegativeELR(t *testing.T) {
	name := filepath.Join(t.TempDir(), "results.jsonl")
	os.WriteFile(name, []byte(`{"elr":1,"param":"batch","value":4,"seed":1,"regime":"convergence"}
{"elr":-0.5,"param":"batch","value":4,"seed":1,"regime":"convergence"}
`), 0o644)
	_, _, _, err := Figure("phase", []string{name}, Options{})
	if want := name + ":2: elr -0.5; the phase diagram's ELRs must be positive"; err == nil || err.Error() != want {
		t.Errorf("got %v; want %q", err, want)
	}
}
