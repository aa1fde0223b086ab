package plots

import (
	"bytes"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/regime"
)

// TestCheckLayoutFindsOverlaps checks that CheckLayout can fail: two tick
// labels 1% of the axis apart, an axis label longer than its axis, and a
// clean figure that passes.
func TestCheckLayoutFindsOverlaps(t *testing.T) {
	build := func(ticks plot.Ticker, ylabel string) *Figure {
		f, _, err := NewStationary(Stationary{ELR: []float64{1, 2, 4}, Mean: []float64{1, 2, 3}})
		if err != nil {
			t.Fatal(err)
		}
		p := f.Plots[0][0]
		if ticks != nil {
			p.X.Tick.Marker = ticks
		}
		if ylabel != "" {
			p.Y.Label.Text = ylabel
		}
		return f
	}
	if err := CheckLayout(build(nil, ""), 3.3*vg.Inch, 2.2*vg.Inch); err != nil {
		t.Errorf("clean figure: %v", err)
	}
	crowded := plot.ConstantTicks{{Value: 2, Label: "two point zero"}, {Value: 2.02, Label: "two point zero two"}}
	err := CheckLayout(build(crowded, ""), 3.3*vg.Inch, 2.2*vg.Inch)
	if err == nil || !strings.Contains(err.Error(), `x tick "two point zero" of panel [0 0]`) {
		t.Errorf("crowded ticks: got %v", err)
	}
	long := strings.Repeat("a very long label ", 8)
	err = CheckLayout(build(nil, long), 3.3*vg.Inch, 2.2*vg.Inch)
	if err == nil || !strings.Contains(err.Error(), "longer than its axis") {
		t.Errorf("long label: got %v", err)
	}
}

// TestLabelBoxesMatchRendering checks LabelBoxes against gonum/plot's own
// tick label positions: every box of an x tick label is centred on the
// pixel column of its tick in the data area.
func TestLabelBoxesMatchRendering(t *testing.T) {
	f, _, _ := NewStationary(Stationary{ELR: []float64{1, 10, 1000}, Mean: []float64{1, 2, 3}})
	w, h := 4*vg.Inch, 3*vg.Inch
	var area LabelBox
	var ticks []LabelBox
	for _, b := range LabelBoxes(f, w, h) {
		switch b.Kind {
		case "data area":
			area = b
		case "x tick":
			ticks = append(ticks, b)
		}
	}
	if len(ticks) != 4 {
		t.Fatalf("%d x tick labels, want 4 (1, 10, 100, 1000): %v", len(ticks), ticks)
	}
	p := f.Plots[0][0]
	for _, b := range ticks {
		var v float64
		switch b.Text {
		case "1":
			v = 1
		case "10":
			v = 10
		case "100":
			v = 100
		case "1000":
			v = 1000
		default:
			t.Fatalf("unexpected label %q", b.Text)
		}
		x := area.Min.X + vg.Length(p.X.Norm(v))*(area.Max.X-area.Min.X)
		if c := (b.Min.X + b.Max.X) / 2; (c-x).Points() > 0.01 || (x-c).Points() > 0.01 {
			t.Errorf("label %q centred at %v, tick at %v", b.Text, c, x)
		}
		if !(b.Max.Y <= area.Min.Y) {
			t.Errorf("label %q (top %v) reaches into the data area (bottom %v)", b.Text, b.Max.Y, area.Min.Y)
		}
	}
}

// TestMinusSigns checks that no tick label of a signed axis uses a hyphen.
func TestMinusSigns(t *testing.T) {
	for _, tk := range append(linTicks{}.Ticks(-0.31, 0.01), symLogTicks{1e-3}.Ticks(-0.3, 0.01)...) {
		if strings.Contains(tk.Label, "-") {
			t.Errorf("label %q has a hyphen", tk.Label)
		}
	}
	for _, tk := range (logTicks{}).Ticks(1e-30, 1) {
		if strings.Contains(tk.Label, "-") {
			t.Errorf("label %q has a hyphen", tk.Label)
		}
	}
}

// TestLogTicksThin checks that a log axis over 33 decades labels at most
// maxLabels of them and draws no 2..9 minor ticks (they would merge into a
// bar).
func TestLogTicksThin(t *testing.T) {
	ts := logTicks{}.Ticks(1e-33, 1)
	if n := labelled(ts); n > maxLabels || n < 3 {
		t.Errorf("%d labels, want 3..%d", n, maxLabels)
	}
	if len(ts) > 34 {
		t.Errorf("%d ticks over 33 decades, want one per decade at most", len(ts))
	}
}

// TestProvenance checks that provenance written into PNG and SVG reads
// back, and that the PNG still decodes.
func TestProvenance(t *testing.T) {
	meta := []Meta{{"Software", "regimes test"}, {"Source", "regimes plot -in x --out y"}}
	for _, format := range []Format{PNG, SVG} {
		var buf bytes.Buffer
		if err := Render(&buf, smallFigure(t), 2*vg.Inch, 1.5*vg.Inch, format, SaveOptions{DPI: 40, Provenance: meta}); err != nil {
			t.Fatal(err)
		}
		got, err := ReadProvenance(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0] != meta[0] || got[1] != meta[1] {
			t.Errorf("%s: provenance %v, want %v", format, got, meta)
		}
	}
	if err := Render(&bytes.Buffer{}, smallFigure(t), vg.Inch, vg.Inch, SVG, SaveOptions{Provenance: []Meta{{"", "x"}}}); err == nil {
		t.Error("empty key accepted")
	}
}

// TestRunColorLightness checks that runs of one regime keep its hue and get
// lighter with rank.
func TestRunColorLightness(t *testing.T) {
	for _, r := range regime.All {
		prev := -1.0
		for _, x := range []float64{0, 0.25, 0.5, 0.75, 1} {
			c := RunColor(r, x)
			l := lstar(t, c)
			if !(l > prev+3) {
				t.Errorf("%v: L* %.1f at %.2f not above %.1f", r, l, x, prev)
			}
			prev = l
		}
	}
}

// TestFormatAll checks one notation for values side by side, and exact
// decades (1e-5 is 10^−5, not 10×10^−6).
func TestFormatAll(t *testing.T) {
	got := strings.Join(formatAll([]float64{1e-5, 2.61e-5, 1e-3, 1}), " ")
	if want := "10^{\u22125} 2.61×10^{\u22125} 10^{\u22123} 10^{0}"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := strings.Join(formatAll([]float64{0.01, 0.5, 3}), " "); got != "0.01 0.5 3" {
		t.Errorf("plain: got %q", got)
	}
}

// TestStripProvenance checks that a figure with provenance, stripped, has
// the bytes of the same figure without it.
func TestStripProvenance(t *testing.T) {
	meta := []Meta{{"Source", "regimes plot -out /tmp/x"}}
	for _, format := range []Format{PNG, SVG} {
		var with, without bytes.Buffer
		if err := Render(&with, smallFigure(t), 2*vg.Inch, 1.5*vg.Inch, format, SaveOptions{DPI: 40, Provenance: meta}); err != nil {
			t.Fatal(err)
		}
		if err := Render(&without, smallFigure(t), 2*vg.Inch, 1.5*vg.Inch, format, SaveOptions{DPI: 40, Provenance: []Meta{}}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(StripProvenance(with.Bytes()), without.Bytes()) {
			t.Errorf("%s: stripped figure differs from the one without provenance", format)
		}
	}
}
