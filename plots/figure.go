package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A Drawer draws itself on a canvas: *plot.Plot and *Figure are Drawers.
type Drawer interface {
	Draw(c draw.Canvas)
}

var (
	_ Drawer = (*plot.Plot)(nil)
	_ Drawer = (*Figure)(nil)
)

// Style of every figure: sizes in points for a print figure 3.5 to 7 inches
// wide (captions of journals use 8-9 pt).
const (
	titleSize     = 10
	labelSize     = 9
	tickSize      = 8
	legendSize    = 8
	padding       = 4
	colorBarWidth = 10
)

var textHandler text.Handler = Symbols{Fonts: DefaultFonts}

func textStyle(size vg.Length) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, size),
		Handler: textHandler,
	}
}

// newPlot returns a plot with the figures' fonts, sizes and text handler.
func newPlot() *plot.Plot {
	p := plot.New()
	p.TextHandler = textHandler
	p.Title.TextStyle.Handler = textHandler
	p.Title.TextStyle.Font.Size = titleSize
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Handler = textHandler
		a.Label.TextStyle.Font.Size = labelSize
		a.Tick.Label.Handler = textHandler
		a.Tick.Label.Font.Size = tickSize
		a.Tick.Length = vg.Points(3)
		a.Padding = vg.Points(2)
		a.Label.Padding = vg.Points(2)
		a.Tick.Marker = linTicks{}
	}
	return p
}

// A Skip records a data point that was not drawn: non-finite values, or a
// zero or negative value on a logarithmic axis.
type Skip struct {
	Series string  // name of the series (or cell) the point belongs to
	Index  int     // index of the point in its series
	X, Y   float64 // the point's coordinates as given
	Reason string  // why it was skipped
}

// String describes the skipped point on one line.
func (s Skip) String() string {
	return fmt.Sprintf("%s: point %d (x=%.4g, y=%.4g) skipped: %s", s.Series, s.Index, s.X, s.Y, s.Reason)
}

// keep reports whether (x, y) can be drawn on axes with the given scales,
// and why not otherwise.
func keep(x, y float64, logX, logY bool) (bool, string) {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return false, "non-finite x"
	case math.IsNaN(y) || math.IsInf(y, 0):
		return false, "non-finite y"
	case logX && x <= 0:
		return false, "x <= 0 on a log axis"
	case logY && y <= 0:
		return false, "y <= 0 on a log axis"
	}
	return true, ""
}

// points returns the drawable points of (xs, ys), appending a Skip for each
// other one. It panics if the lengths differ (a programmer error).
func points(series string, xs, ys []float64, logX, logY bool, skips *[]Skip) plotter.XYs {
	if len(xs) != len(ys) {
		panic(fmt.Sprintf("plots: %s: %d x values but %d y values", series, len(xs), len(ys)))
	}
	out := make(plotter.XYs, 0, len(xs))
	for i := range xs {
		if ok, why := keep(xs[i], ys[i], logX, logY); !ok {
			*skips = append(*skips, Skip{series, i, xs[i], ys[i], why})
			continue
		}
		out = append(out, plotter.XY{X: xs[i], Y: ys[i]})
	}
	return out
}

// fixLogRange gives a logarithmic axis without drawable data (all of its
// points skipped) the nominal range [1, 10], and widens a range of one
// value, so that drawing never panics.
func fixLogRange(a *plot.Axis) {
	if _, ok := a.Scale.(plot.LogScale); !ok {
		return
	}
	switch {
	case !(a.Min > 0) || math.IsInf(a.Min, 0) || math.IsInf(a.Max, 0) || a.Max < a.Min:
		a.Min, a.Max = 1, 10
	case a.Min == a.Max:
		a.Min, a.Max = a.Min/2, a.Max*2
	}
}

// newColorBar returns a vertical colour bar plot of m labelled label.
func newColorBar(m interface {
	Min() float64
	Max() float64
}, bar *plotter.ColorBar, label string) *plot.Plot {
	p := newPlot()
	p.Add(bar)
	p.HideX()
	p.Y.Label.Text = label
	p.Y.Padding = 0
	p.X.Padding = 0
	return p
}
