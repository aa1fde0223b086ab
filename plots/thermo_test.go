package plots

import "testing"

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
