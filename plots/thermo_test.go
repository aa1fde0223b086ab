package plots

import (
	"testing"

	"github.com/regimes/regimes/regime"
)

func TestMeasuredPanels(t *testing.T) {
	d := measuredPanelsExample()
	d.Panels[0].Series[1].Y[0] = -1 // cannot be drawn on a log axis
	f, skips, err := NewMeasuredPanels(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(skips) != 1 || skips[0].Series != "fixed LR" {
		t.Errorf("skips %v, want the negative point of fixed LR", skips)
	}
	sz := SizeFor(true, 0.45)
	if err := CheckLayout(f, sz.W, sz.H); err != nil {
		t.Error(err)
	}
	if f.Legend.Len() != 5 {
		t.Errorf("legend has %d entries, want sphere, fixed LR, theory, ideal gas, the CI note", f.Legend.Len())
	}
	if _, _, err := NewMeasuredPanels(MeasuredPanels{}); err == nil {
		t.Error("no error for no panels")
	}
}

// TestMeasuredPanelsBands shades labelled bands behind every log-x panel:
// one legend entry per label and shade (two labels of one regime, one
// pale), the source heading them, and a bad band reported once, not once
// per panel.
func TestMeasuredPanelsBands(t *testing.T) {
	d := measuredPanelsExample()
	d.Bands = []Band{
		{From: 0.003, To: 0.03, Regime: regime.Convergence, Label: "regime 1"},
		{From: 0.03, To: 0.3, Regime: regime.Chaotic, Label: "regime 2A"},
		{From: 0.3, To: 0.6, Regime: regime.Chaotic, Label: "regime 2A"},
		{From: 0.6, To: 3, Regime: regime.Chaotic, Label: "regime 2B", Pale: true},
		{From: 3, To: 1, Regime: regime.Divergence, Label: "regime 3"},
	}
	d.BandSource = "label per PLR"
	f, skips, err := NewMeasuredPanels(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(skips) != 1 || skips[0].Series != "regime bands" {
		t.Errorf("skips %v, want the inverted band once", skips)
	}
	if f.Legend.Len() != 5+4 {
		t.Errorf("legend has %d entries, want the 5 of the panels, the source and regimes 1, 2A, 2B", f.Legend.Len())
	}
	if a, b := (Band{Regime: regime.Chaotic}).shade(), (Band{Regime: regime.Chaotic, Pale: true}).shade(); a == b {
		t.Errorf("2A and 2B bands share the shade %v", a)
	}
	sz := SizeFor(true, 0.45)
	if err := CheckLayout(f, sz.W, sz.H); err != nil {
		t.Error(err)
	}
}

// measuredPanelsExample is the data of the example and layout test.
func measuredPanelsExample() MeasuredPanels {
	lv := -1.0
	return MeasuredPanels{Title: "measured against theory", Panels: []MeasuredPanel{
		{XLabel: "ELR", YLabel: "energy", LogX: true, LogY: true,
			Series: []MeasuredSeries{
				{Name: "sphere", X: []float64{0.01, 0.1, 1}, Y: []float64{0.005, 0.05, 0.4}, Lo: []float64{0.0048, 0.048, 0.38}, Hi: []float64{0.0052, 0.052, 0.42}},
				{Name: "fixed LR", X: []float64{0.01, 0.1, 1}, Y: []float64{0.0051, 0.052, 0.5}},
			},
			Curves: []Curve{{Name: "theory", X: []float64{0.01, 1}, Y: []float64{0.005, 0.5}}}},
		{XLabel: "weight decay", YLabel: "slope", LogX: true,
			Series: []MeasuredSeries{{Name: "sphere", X: []float64{0.001, 0.01}, Y: []float64{-0.98, -1.01}, Lo: []float64{-1, -1.03}, Hi: []float64{-0.96, -0.99}}},
			Level:  &lv, LevelName: "ideal gas"},
	}}
}
