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
// their ELR and that runs sharing an ELR are named apart.
func TestLabelRuns(t *testing.T) {
	d := plots.Panels{Runs: []plots.Run{{ELR: 1e-3}, {ELR: 2e-2}, {ELR: 2e-2}, {ELR: 5}}}
	LabelRuns(&d, []float64{1e-3, 2e-2}, []regime.Regime{regime.Convergence, regime.Chaotic}, []string{"a", "b", "c", "d"})
	want := []regime.Regime{regime.Convergence, regime.Chaotic, regime.Chaotic, regime.Undetermined}
	for i, r := range d.Runs {
		if r.Regime != want[i] {
			t.Errorf("run %d: regime %v, want %v", i, r.Regime, want[i])
		}
	}
	if d.Runs[0].Label != "" || d.Runs[1].Label == d.Runs[2].Label {
		t.Errorf("labels %q %q %q", d.Runs[0].Label, d.Runs[1].Label, d.Runs[2].Label)
	}
}
