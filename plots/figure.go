package plots

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

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

// Figure is a grid of plots with aligned data areas and, on the right, an
// optional legend and colour bar outside the data, so that neither covers
// data. The builders of this package return Figures; Save and Render write
// them.
type Figure struct {
	// Plots holds the panels by row and column; nil panels leave a gap.
	Plots [][]*plot.Plot
	// Legend, if it has entries, is drawn at the top of the right strip.
	Legend *plot.Legend
	// ColorBar, if not nil, is drawn in the right strip below the legend.
	ColorBar *plot.Plot
	// Title, if not empty, is drawn centred above the panels.
	Title string
}

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
	}
	p.Legend = *newLegend()
	return p
}

func newLegend() *plot.Legend {
	l := plot.NewLegend()
	l.TextStyle = textStyle(legendSize)
	l.Top, l.Left = true, true
	l.ThumbnailWidth = vg.Points(16)
	l.Padding = vg.Points(1.5)
	return &l
}

// setLog makes a logarithmic axis with decade labels 10^k (and labels at 2
// and 5 when the range spans less than two decades).
func setLog(a *plot.Axis) {
	a.Scale = plot.LogScale{}
	a.Tick.Marker = logTicks{}
}

// logTicks is a plot.Ticker for logarithmic axes labelled as powers of ten.
type logTicks struct{}

// Ticks returns major ticks at the decades (labelled 10^k) and minor ticks at
// 2..9 times them; it labels 2 and 5 as well when the range is short.
func (logTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0 && max > min) {
		return nil
	}
	lo, hi := int(math.Floor(math.Log10(min))), int(math.Ceil(math.Log10(max)))
	short := hi-lo <= 2
	var ticks []plot.Tick
	for k := lo; k <= hi; k++ {
		d := math.Pow10(k)
		for i := 1; i < 10; i++ {
			v := d * float64(i)
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			switch {
			case i == 1:
				t.Label = decade(k)
			case short && (i == 2 || i == 5):
				t.Label = strconv.Itoa(i) + "×" + decade(k)
				if k >= -2 && k <= 2 {
					t.Label = strconv.FormatFloat(v, 'g', 3, 64)
				}
			}
			ticks = append(ticks, t)
		}
	}
	// Always label at least two ticks.
	n := 0
	for _, t := range ticks {
		if t.Label != "" {
			n++
		}
	}
	if n < 2 {
		for i := range ticks {
			if ticks[i].Label == "" {
				ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 3, 64)
			}
		}
	}
	return ticks
}

func decade(k int) string {
	switch k {
	case 0:
		return "1"
	case 1:
		return "10"
	}
	return "10^{" + strconv.Itoa(k) + "}"
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

// Draw draws the figure on c: panels aligned by plot.Align on the left,
// legend and colour bar in a strip on the right.
func (f *Figure) Draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	pad := vg.Points(padding)
	if f.Title != "" {
		sty := textStyle(titleSize)
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - pad}, f.Title)
		c.Max.Y -= sty.Height(f.Title) + 2*pad
	}
	strip := f.stripWidth(c)
	main := c
	main.Max.X -= strip
	rows := len(f.Plots)
	if rows > 0 {
		cols := 0
		for _, r := range f.Plots {
			cols = max(cols, len(r))
		}
		grid := make([][]*plot.Plot, rows)
		for j := range grid {
			grid[j] = make([]*plot.Plot, cols)
			copy(grid[j], f.Plots[j])
		}
		tiles := draw.Tiles{
			Rows: rows, Cols: cols,
			PadX: 3 * pad, PadY: 3 * pad,
			PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad,
		}
		for _, row := range grid {
			for _, p := range row {
				if p != nil {
					fixLogRange(&p.X)
					fixLogRange(&p.Y)
				}
			}
		}
		canvases := plot.Align(grid, tiles, main)
		for j := range grid {
			for i, p := range grid[j] {
				if p != nil {
					p.Draw(canvases[j][i])
				}
			}
		}
	}
	if strip == 0 {
		return
	}
	side := c
	side.Min.X = c.Max.X - strip + pad
	side.Max.X -= pad
	side.Max.Y -= pad
	side.Min.Y += pad
	if f.hasLegend() {
		f.Legend.Draw(side)
		side.Max.Y = f.Legend.Rectangle(side).Min.Y - 3*pad
	}
	if f.ColorBar != nil {
		h := side.Max.Y - side.Min.Y
		if limit := vg.Length(0.6) * (c.Max.Y - c.Min.Y); h > limit {
			side.Min.Y = side.Max.Y - limit
		}
		side.Max.X = min(side.Max.X, side.Min.X+f.colorBarWidth())
		f.ColorBar.Draw(side)
	}
}

func (f *Figure) hasLegend() bool {
	if f.Legend == nil {
		return false
	}
	r := f.Legend.Rectangle(draw.Canvas{})
	return r.Max.Y-r.Min.Y > 0
}

// stripWidth returns the width of the right strip: the wider of the legend
// and the colour bar with its labels.
func (f *Figure) stripWidth(c draw.Canvas) vg.Length {
	var w vg.Length
	if f.hasLegend() {
		r := f.Legend.Rectangle(c)
		w = r.Max.X - r.Min.X
	}
	if f.ColorBar != nil {
		w = max(w, f.colorBarWidth())
	}
	if w == 0 {
		return 0
	}
	return w + vg.Points(3*padding)
}

// colorBarWidth returns the width of the colour bar with its tick labels and
// rotated axis label.
func (f *Figure) colorBarWidth() vg.Length {
	a := &f.ColorBar.Y
	w := vg.Points(colorBarWidth) + a.Tick.Length + a.Label.TextStyle.Height("X") + a.Label.Padding + vg.Points(2*padding)
	var tw vg.Length
	for _, t := range a.Tick.Marker.Ticks(a.Min, a.Max) {
		tw = max(tw, a.Tick.Label.Width(t.Label))
	}
	return w + tw
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
