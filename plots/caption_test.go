package plots

import (
	"math"
	"strings"
	"testing"

	"github.com/regimes/regimes/regime"
)

// TestLyapunovCaption checks the counts and ranges of the caption against
// data built so that the answer is known: two negative estimates in the
// convergence band, one positive (significant) and one straddling zero in
// the chaotic band, one positive in the divergence band.
func TestLyapunovCaption(t *testing.T) {
	d := Lyapunov{
		ELR: []float64{1, 1.5, 2.1, 2.2, 3},
		Exp: []float64{-0.02, -0.01, 0.001, 0.0002, 0.004},
		Lo:  []float64{-0.03, -0.02, 0.0005, -0.0003, 0.002},
		Hi:  []float64{-0.01, -0.005, 0.0015, 0.0007, 0.006},
		Bands: []Band{{From: 0.5, To: 2, Regime: regime.Convergence}, {From: 2, To: 2.3, Regime: regime.Chaotic},
			{From: 2.3, To: 10, Regime: regime.Divergence}},
	}
	c := LyapunovCaption(d)
	want := map[string]float64{
		"convergence_neg": 2, "convergence_pos": 0, "chaotic_equilibrium_pos": 1, "chaotic_equilibrium_n": 2,
		"chaotic_equilibrium_min": 0.0002, "divergence_pos": 1, "positive_from": 2.1, "positive_to": 3, "max": 0.004, "max_at": 3,
	}
	for k, v := range want {
		if got, ok := c.Facts[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if !strings.Contains(c.Text, "from η̃ = 2.1 (chaotic equilibrium) to η̃ = 3 (divergence)") {
		t.Errorf("caption %q", c.Text)
	}
	if strings.Contains(c.Text, "-") {
		t.Errorf("caption uses a hyphen as minus: %q", c.Text)
	}
}

// TestThresholdsCaption checks the bracket count and the GD crossing.
func TestThresholdsCaption(t *testing.T) {
	d := Thresholds{
		B: []float64{1, 2, 4}, GD: []float64{3, 3, 3}, MS: []float64{1, 2, 2.5}, AS: []float64{1, 2.5, 3.3},
		Converged: []float64{0.9, 2.6, 3.2}, Diverged: []float64{1.1, 2.8, 3.4},
	}
	c := ThresholdsCaption(d)
	if c.Facts["between"] != 2 || c.Facts["brackets"] != 3 {
		t.Errorf("between %v of %v, want 2 of 3", c.Facts["between"], c.Facts["brackets"])
	}
	if c.Facts["as_above_gd_from"] != 4 || math.Abs(c.Facts["as_above_gd_max_excess"]-0.1) > 1e-12 {
		t.Errorf("facts %v", c.Facts)
	}
}

// TestPhaseCaption checks the band widths and that "widens" is claimed
// only when the widths grow.
func TestPhaseCaption(t *testing.T) {
	mk := func(rows ...[]regime.Regime) PhaseDiagram {
		d := PhaseDiagram{ELR: []float64{1, 2, 4, 8}, Param: "batch size b", ByRegime: true}
		for i, r := range rows {
			d.Values = append(d.Values, float64(i+1))
			var cells []Cell
			for _, x := range r {
				cells = append(cells, Cell{Regime: x})
			}
			d.Cells = append(d.Cells, cells)
		}
		return d
	}
	C, E, D := regime.Convergence, regime.Chaotic, regime.Divergence
	c := PhaseCaption(mk([]regime.Regime{C, E, D, D}, []regime.Regime{C, E, E, D}))
	if c.Facts["widens"] != 1 || c.Facts["chaotic_cells_1"] != 2 || math.Abs(c.Facts["grid_step"]-2) > 1e-12 {
		t.Errorf("facts %v", c.Facts)
	}
	c = PhaseCaption(mk([]regime.Regime{C, E, E, D}, []regime.Regime{C, E, D, D}))
	if c.Facts["widens"] != 0 || strings.Contains(c.Text, "grows from") {
		t.Errorf("shrinking band claimed to widen: %q", c.Text)
	}
}

// TestStationaryCaption checks where the measurements leave a 5% band
// around the prediction.
func TestStationaryCaption(t *testing.T) {
	d := Stationary{
		ELR:    []float64{0.1, 0.2, 0.4, 0.8},
		Mean:   []float64{1.01, 1.02, 1.1, 1.3},
		Curves: []Curve{{Name: "prediction", X: []float64{0.05, 1}, Y: []float64{1, 1}}},
	}
	c := StationaryCaption(d, 0.05)
	if c.Facts["agree_to"] != 0.2 || c.Facts["first_off"] != 0.4 || math.Abs(c.Facts["max_dev_below"]-0.02) > 1e-12 {
		t.Errorf("facts %v", c.Facts)
	}
}

// TestBifurcationCaption checks the distance to the branches and the split.
func TestBifurcationCaption(t *testing.T) {
	d := Bifurcation{
		X: []float64{1, 1.5, 2.5, 2.5, 3}, Y: []float64{0, 0.001, 0.3, -0.31, 0.4},
		Branches: []Curve{{Name: "0", X: []float64{0, 2}, Y: []float64{0, 0}},
			{Name: "up", X: []float64{2, 3}, Y: []float64{0, 0.4}}, {X: []float64{2, 3}, Y: []float64{0, -0.4}}},
	}
	c := BifurcationCaption(d, 0.01)
	if c.Facts["split_at"] != 2.5 || math.Abs(c.Facts["max_distance"]-0.11) > 1e-12 {
		t.Errorf("facts %v", c.Facts)
	}
}
