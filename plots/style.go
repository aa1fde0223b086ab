package plots

import (
	"image/color"
	"math"
	"strings"

	colorful "github.com/lucasb-eyer/go-colorful"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/regimes/regimes/regime"
)

// A Concept is a kind of line or marker that appears in several figures: a
// threshold, a closed-form prediction, measured data. Every figure draws a
// concept with the same style, looked up in one table (StyleOf), so that the
// mean-square threshold, say, is the same dashed line with squares in the
// phase diagram and in the thresholds figure.
type Concept int

// The concepts. Theory is the zero value: a curve given without a concept is
// a closed-form prediction.
const (
	Theory        Concept = iota // a closed-form prediction: solid black
	GDThreshold                  // full-batch threshold 2/λ_max(H)
	MSThreshold                  // mean-square threshold
	ASThreshold                  // almost-sure threshold
	ELRStar                      // predicted equilibrium ELR* of a conventional run
	Data                         // measured points or a measured trace
	CIBand                       // a confidence band or bar around Data
	ZeroLine                     // the zero of a signed axis
	RandomLevel                  // the loss of a random direction
	Marker                       // a marked time, e.g. the switch of a fine-tuning run
	StartPoint                   // the start of trajectories
	SimConverged                 // the largest simulated ELR that converged
	SimDiverged                  // the smallest simulated ELR that did not converge
	MeasuredLevel                // a level measured from data, e.g. a tail mean
	numConcepts
)

// A Style is how a concept is drawn: a line (Line.Width 0: no line), a glyph
// (Glyph.Radius 0: no glyph) and a fill colour for bands.
type Style struct {
	Name  string // the concept's default legend text
	Line  draw.LineStyle
	Glyph draw.GlyphStyle
	Fill  color.Color
}

// Colours of the style table beyond the regime colours: dataColor (the dark
// blue of the sequential map) for measurements, Okabe-Ito vermillion for
// ELR*, which is not a threshold and must not look like one.
var (
	dataColor  = withAlpha(SequentialAt(0.3), 1)
	starColor  = color.NRGBA{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff}
	greyColor  = color.Gray{Y: 0x60}
	lightGrey  = color.Gray{Y: 0x90}
	thinWidth  = vg.Points(0.7)
	lineWidth  = vg.Points(1.1)
	glyphSmall = vg.Points(1.8)
)

func dashes(d ...float64) []vg.Length {
	out := make([]vg.Length, len(d))
	for i, x := range d {
		out[i] = vg.Points(x)
	}
	return out
}

// styleTable is the one table of concept styles. Thresholds are black (they
// are theory) and differ by dash pattern and marker, legible in grey-scale:
// GD solid with no marker, mean-square dashed with squares, almost-sure
// dash-dotted with triangles.
var styleTable = [numConcepts]Style{
	Theory: {Name: "theory",
		Line: draw.LineStyle{Color: color.Black, Width: lineWidth}},
	GDThreshold: {Name: "GD 2/λ_{max}(H)",
		Line: draw.LineStyle{Color: color.Black, Width: lineWidth}},
	MSThreshold: {Name: "mean-square",
		Line:  draw.LineStyle{Color: color.Black, Width: lineWidth, Dashes: dashes(4, 2)},
		Glyph: draw.GlyphStyle{Color: color.Black, Radius: glyphSmall, Shape: draw.SquareGlyph{}}},
	ASThreshold: {Name: "almost-sure",
		Line:  draw.LineStyle{Color: color.Black, Width: lineWidth, Dashes: dashes(5, 1.5, 1, 1.5)},
		Glyph: draw.GlyphStyle{Color: color.Black, Radius: glyphSmall + vg.Points(0.4), Shape: draw.TriangleGlyph{}}},
	ELRStar: {Name: "predicted ELR*",
		Line: draw.LineStyle{Color: starColor, Width: lineWidth, Dashes: dashes(1.5, 1.5)}},
	Data: {Name: "simulation",
		Line:  draw.LineStyle{Color: dataColor, Width: thinWidth},
		Glyph: draw.GlyphStyle{Color: dataColor, Radius: glyphSmall, Shape: draw.CircleGlyph{}}},
	CIBand: {Name: "95% CI",
		Line: draw.LineStyle{Color: dataColor, Width: vg.Points(0.8)},
		Fill: color.NRGBA{R: 0x3b, G: 0x52, B: 0x8b, A: 0x40}},
	ZeroLine: {Name: "zero",
		Line: draw.LineStyle{Color: greyColor, Width: vg.Points(0.6), Dashes: dashes(3, 2)}},
	RandomLevel: {Name: "random level",
		Line: draw.LineStyle{Color: lightGrey, Width: vg.Points(1), Dashes: dashes(1, 2)}},
	Marker: {Name: "switch",
		Line: draw.LineStyle{Color: greyColor, Width: thinWidth, Dashes: dashes(3, 2)}},
	StartPoint: {Name: "start",
		Glyph: draw.GlyphStyle{Color: color.Black, Radius: vg.Points(3.5), Shape: starGlyph{}}},
	MeasuredLevel: {Name: "measured level",
		Line: draw.LineStyle{Color: dataColor, Width: lineWidth, Dashes: dashes(4, 2)}},
	SimConverged: {Name: "largest converging (sim.)",
		Glyph: draw.GlyphStyle{Color: regimeColors[regime.Convergence], Radius: vg.Points(2.6), Shape: draw.PyramidGlyph{}}},
	SimDiverged: {Name: "smallest non-converging (sim.)",
		Glyph: draw.GlyphStyle{Color: regimeColors[regime.Chaotic], Radius: vg.Points(2.6), Shape: draw.TriangleGlyph{}}},
}

// StyleOf returns the style of concept c from the shared table; an unknown
// concept gets Theory's.
func StyleOf(c Concept) Style {
	if c < 0 || c >= numConcepts {
		c = Theory
	}
	s := styleTable[c]
	s.Line.Dashes = append([]vg.Length(nil), s.Line.Dashes...)
	return s
}

// conceptOf returns the concept of a curve: its own when set, otherwise the
// one its name says (curves read from CSV files carry only a name), Theory
// by default.
func conceptOf(c Concept, name string) Concept {
	if c != Theory {
		return c
	}
	n := strings.ToLower(name)
	switch {
	case strings.HasPrefix(n, "gd"), strings.Contains(n, "full-batch"), strings.Contains(n, "full batch"):
		return GDThreshold
	case strings.HasPrefix(n, "mean-square"), strings.HasPrefix(n, "mean square"), n == "ms":
		return MSThreshold
	case strings.HasPrefix(n, "almost-sure"), strings.HasPrefix(n, "almost sure"), n == "as":
		return ASThreshold
	case strings.Contains(n, "elr*"), strings.Contains(n, "η̃*"), strings.Contains(n, "elr_star"):
		return ELRStar
	}
	return Theory
}

// RunColor returns the colour of a run in a multi-run panel: the hue of its
// regime's colour, with lightness ordered by t in [0, 1] (the run's rank by
// ELR among the runs of the same regime, 0 the smallest ELR), dark to
// light. Runs of one regime thus share a hue, and ELR order is readable
// within it.
func RunColor(r regime.Regime, t float64) color.Color {
	if math.IsNaN(t) {
		t = 0.5
	}
	t = math.Max(0, math.Min(1, t))
	base, _ := colorful.MakeColor(RegimeColor(r))
	h, c, _ := base.Hcl()
	lo, hi := runLightness[regimeIndex(r)][0], runLightness[regimeIndex(r)][1]
	l := lo + (hi-lo)*t
	// Keep the chroma inside the gamut at this lightness.
	cc := math.Min(c, 0.97*maxChroma(100*l, h)/100)
	if r == regime.Undetermined {
		cc = 0
	}
	return withAlpha(colorful.Hcl(h, cc, l).Clamped(), 1)
}

// runLightness is the CIE L* range (as a fraction) of each regime's runs:
// wide enough for five distinguishable steps, never so light that a line
// fades on white.
var runLightness = [4][2]float64{
	{0.30, 0.72}, // undetermined: greys
	{0.22, 0.68}, // convergence: dark to light blue
	{0.52, 0.84}, // equilibrium: brown-orange to light orange
	{0.16, 0.55}, // divergence: dark wine to rose
}
