package plots

import (
	"bytes"
	"image/png"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

func smallFigure(t *testing.T) Drawer {
	t.Helper()
	f, _, err := NewStationary(Stationary{
		ELR: []float64{1, 2, 4}, Mean: []float64{0.1, 0.2, 0.25}, Random: 0.3,
		Curves: []Curve{{Name: "c", X: []float64{1, 4}, Y: []float64{0.1, 0.25}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRenderDeterministic checks the reproducibility promise: the same
// figure gives byte-identical SVG and PNG when rendered twice.
func TestRenderDeterministic(t *testing.T) {
	for _, tc := range []struct {
		format Format
		opts   SaveOptions
	}{{SVG, SaveOptions{}}, {SVG, SaveOptions{EmbedFonts: true}}, {PNG, SaveOptions{DPI: 50}}} {
		var a, b bytes.Buffer
		if err := Render(&a, smallFigure(t), 3*vg.Inch, 2*vg.Inch, tc.format, tc.opts); err != nil {
			t.Fatal(err)
		}
		if err := Render(&b, smallFigure(t), 3*vg.Inch, 2*vg.Inch, tc.format, tc.opts); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s %+v: two renderings differ", tc.format, tc.opts)
		}
		if tc.format == SVG && tc.opts.EmbedFonts != strings.Contains(a.String(), "@font-face") {
			t.Errorf("SVG EmbedFonts=%v but @font-face present=%v", tc.opts.EmbedFonts, !tc.opts.EmbedFonts)
		}
	}
}

// TestRenderDPI checks that PNG pixel size follows the DPI: 3 x 2 inches at
// 50 dpi is 150 x 100 pixels, and the zero value means 300 dpi (900 x 600).
func TestRenderDPI(t *testing.T) {
	for _, tc := range []struct{ dpi, w, h int }{{50, 150, 100}, {0, 900, 600}} {
		var buf bytes.Buffer
		if err := Render(&buf, smallFigure(t), 3*vg.Inch, 2*vg.Inch, PNG, SaveOptions{DPI: tc.dpi}); err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Width != tc.w || cfg.Height != tc.h {
			t.Errorf("DPI %d: %dx%d pixels, want %dx%d", tc.dpi, cfg.Width, cfg.Height, tc.w, tc.h)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Format
		err  bool
	}{{"a.png", PNG, false}, {"b/c.SVG", SVG, false}, {"x.pdf", PDF, false}, {"x.jpg", "", true}, {"noext", "", true}} {
		got, err := FormatOf(tc.name)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("FormatOf(%q) = %q, %v", tc.name, got, err)
		}
	}
}

// TestSymbolsLayout checks the text handler's geometry against the font's
// own widths: a combining tilde adds no width, a subscript is drawn at 70%
// size (so narrower than the same text at full size), and markup is not
// drawn literally.
func TestSymbolsLayout(t *testing.T) {
	h := Symbols{Fonts: DefaultFonts}
	fnt := font.Font{Typeface: "Liberation", Variant: "Serif", Size: 10}
	face := DefaultFonts.Lookup(fnt, fnt.Size)
	wEta, _, _ := h.Box("η", fnt)
	if want := face.Width("η"); math.Abs(float64(wEta-want)) > 1e-9 {
		t.Errorf("width of η %v, want %v", wEta, want)
	}
	if w, _, _ := h.Box("η\u0303", fnt); w != wEta {
		t.Errorf("width of η̃ %v, want that of η %v", w, wEta)
	}
	wl, _, _ := h.Box("λ", fnt)
	wsub, _, dsub := h.Box("λ_{max}", fnt)
	small := DefaultFonts.Lookup(font.Font{Typeface: "Liberation", Variant: "Serif", Size: 7}, 7)
	if want := wl + small.Width("max"); math.Abs(float64(wsub-want)) > 1e-6 {
		t.Errorf("width of λ_{max} %v, want %v", wsub, want)
	}
	_, _, d := h.Box("λ", fnt)
	if !(dsub >= d) {
		t.Errorf("subscript depth %v less than plain depth %v", dsub, d)
	}
	if got := segments("a_{b"); len(got) != 1 || got[0].text != "a_{b" {
		t.Errorf("unmatched brace: %+v", got)
	}
}

func TestLogTicks(t *testing.T) {
	// Over [0.01, 100] the labelled ticks are exactly the five decades,
	// in plain numbers.
	var labels []string
	for _, tk := range (logTicks{}).Ticks(0.01, 100) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got, want := strings.Join(labels, " "), "0.01 0.1 1 10 100"; got != want {
		t.Errorf("labels %q, want %q", got, want)
	}
	// A short range [2, 60] labels 2, 5, 10, 20, 50.
	labels = labels[:0]
	for _, tk := range (logTicks{}).Ticks(2, 60) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got, want := strings.Join(labels, " "), "2 5 10 20 50"; got != want {
		t.Errorf("labels %q, want %q", got, want)
	}
}

func TestBuilderErrors(t *testing.T) {
	for name, f := range map[string]func() error{
		"phase empty": func() error { _, _, err := NewPhaseDiagram(PhaseDiagram{}); return err },
		"phase ragged": func() error {
			_, _, err := NewPhaseDiagram(PhaseDiagram{ELR: []float64{1, 2}, Values: []float64{1}, Cells: [][]Cell{{{}}}})
			return err
		},
		"phase negative elr": func() error {
			_, _, err := NewPhaseDiagram(PhaseDiagram{ELR: []float64{-1}, Values: []float64{1}, Cells: [][]Cell{{{}}}})
			return err
		},
		"panels empty": func() error { _, _, err := NewPanels(Panels{}); return err },
		"panels lengths": func() error {
			_, _, err := NewPanels(Panels{Runs: []Run{{ELR: 1, Time: []float64{1}, TrainLoss: []float64{1, 2}}}})
			return err
		},
		"thresholds lengths": func() error {
			_, _, err := NewThresholds(Thresholds{B: []float64{1, 2}, MS: []float64{1}})
			return err
		},
		"lyapunov empty": func() error { _, _, err := NewLyapunov(Lyapunov{}); return err },
		"stationary ci": func() error {
			_, _, err := NewStationary(Stationary{ELR: []float64{1}, Mean: []float64{1}, Lo: []float64{0}})
			return err
		},
		"bifurcation empty": func() error { _, _, err := NewBifurcation(Bifurcation{}); return err },
	} {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "plots: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

// TestAllNonPositiveOnLogAxis checks that a series with no drawable point
// renders without panicking and reports every point.
func TestAllNonPositiveOnLogAxis(t *testing.T) {
	f, skips, err := NewPanels(Panels{Runs: []Run{{ELR: 1, Time: []float64{0, 1}, TrainLoss: []float64{0, -1}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(skips) != 2 {
		t.Errorf("%d skips, want 2: %v", len(skips), skips)
	}
	var buf bytes.Buffer
	if err := Render(&buf, f, 3*vg.Inch, 2*vg.Inch, SVG, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
}
