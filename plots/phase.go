package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"

	"github.com/regimes/regimes/regime"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// CellState says whether a phase-diagram cell has a result.
type CellState int

// The cell states; CellOK is the zero value.
const (
	CellOK      CellState = iota
	CellFailed            // the run failed
	CellMissing           // no run at this point of the grid
)

// A Cell is one point of a phase diagram.
type Cell struct {
	Value  float64       // the metric (ignored when colouring by regime)
	Regime regime.Regime // the regime label (used when colouring by regime)
	State  CellState     // whether the run gave a result
}

// A Curve is a named line through points, drawn over a figure (for example a
// threshold as a function of the batch size, or a closed-form prediction).
type Curve struct {
	Name string
	X, Y []float64
	// Concept selects the curve's style from the shared table; the zero
	// value, Theory, is refined from the name ("GD ...", "mean-square",
	// "almost-sure", "... ELR* ...") so that curves read from files get
	// their concept's style too.
	Concept Concept
}

// PhaseDiagram is the data of a phase diagram: a grid over ELR (columns, a
// logarithmic axis) and a second parameter (rows), coloured by a metric or
// by the regime label, with theory curves drawn over it.
type PhaseDiagram struct {
	// ELR holds the columns' effective learning rates, positive and
	// increasing.
	ELR []float64
	// Param names the second parameter (the y axis), e.g. "batch size b";
	// empty means none (a phase strip over ELR alone: rows unlabelled).
	Param string
	// Values holds the rows' parameter values, increasing. Rows are drawn
	// with equal heights and labelled with their values.
	Values []float64
	// Cells holds the grid by row then column: Cells[i][j] is at
	// (ELR[j], Values[i]).
	Cells [][]Cell

	// ByRegime colours the cells by Cell.Regime with the regime palette;
	// otherwise by Cell.Value with the sequential (or diverging) map.
	ByRegime bool
	// Metric names the value for the colour bar.
	Metric string
	// Diverging uses the zero-centred diverging map (for signed metrics such
	// as Lyapunov exponents).
	Diverging bool
	// LogColor colours by log10 of the value (positive metrics spanning
	// decades, such as losses); values <= 0 are then drawn as invalid.
	LogColor bool

	// Curves are drawn over the cells: X is an ELR, Y a parameter value
	// (placed between the rows by interpolation).
	Curves []Curve
	// Title is drawn above the figure when not empty.
	Title string
}

// NewPhaseDiagram draws the phase diagram d. Cells whose run failed, is
// missing, or whose value cannot be coloured are drawn cross-hatched (with a
// legend entry) and listed in the returned skips; curve points that cannot be
// drawn are skipped and listed too.
func NewPhaseDiagram(d PhaseDiagram) (*Figure, []Skip, error) {
	if err := d.check(); err != nil {
		return nil, nil, err
	}
	var skips []Skip
	p := newPlot()
	p.Title.Text = d.Title
	p.X.Label.Text = ELRLabel
	p.Y.Label.Text = d.Param
	setLog(&p.X)

	cells := &cellPlotter{xEdges: logEdges(d.ELR), rows: len(d.Values)}
	cells.fill = make([][]color.Color, len(d.Values))
	cells.bad = make([][]CellState, len(d.Values))
	var cmap palette.ColorMap
	var cbLabel string
	if !d.ByRegime {
		var err error
		cmap, cbLabel, err = d.colorMap()
		if err != nil {
			return nil, nil, err
		}
	}
	present := map[regime.Regime]bool{}
	var nFailed, nMissing int
	for i, row := range d.Cells {
		cells.fill[i] = make([]color.Color, len(row))
		cells.bad[i] = make([]CellState, len(row))
		for j, c := range row {
			name := fmt.Sprintf("cell (η̃=%.4g, %s=%.4g)", d.ELR[j], d.Param, d.Values[i])
			switch c.State {
			case CellFailed:
				cells.bad[i][j] = CellFailed
				nFailed++
				skips = append(skips, Skip{name, i*len(row) + j, d.ELR[j], d.Values[i], "run failed"})
				continue
			case CellMissing:
				cells.bad[i][j] = CellMissing
				nMissing++
				skips = append(skips, Skip{name, i*len(row) + j, d.ELR[j], d.Values[i], "no run"})
				continue
			}
			if d.ByRegime {
				cells.fill[i][j] = RegimeColor(c.Regime)
				present[c.Regime] = true
				continue
			}
			v, why := d.colorValue(c.Value)
			if why != "" {
				cells.bad[i][j] = CellFailed
				nFailed++
				skips = append(skips, Skip{name, i*len(row) + j, d.ELR[j], d.Values[i], why})
				continue
			}
			col, err := cmap.At(v)
			if err != nil {
				panic("plots: colour map range does not cover its data")
			}
			cells.fill[i][j] = col
		}
	}
	p.Add(cells)

	leg := newLegend()
	if d.ByRegime {
		for _, r := range regime.All {
			if present[r] {
				leg.Add(r.String(), swatch{fill: RegimeColor(r)})
			}
		}
	}
	if nFailed > 0 {
		leg.Add("failed / non-finite", swatch{fill: FailedColor, hatch: true})
	}
	if nMissing > 0 {
		leg.Add("no run", swatch{fill: color.White})
	}

	// Theory curves, placed between rows by interpolation, with a white
	// halo so that they read over every cell colour.
	for _, cv := range d.Curves {
		ys := make([]float64, len(cv.Y))
		for i, y := range cv.Y {
			ys[i] = d.rowPosition(y)
		}
		pts := points(cv.Name, cv.X, ys, true, false, &skips)
		// Report skipped points with their given parameter value.
		for i := range skips {
			if skips[i].Series == cv.Name {
				skips[i].Y = cv.Y[skips[i].Index]
			}
		}
		if len(pts) == 0 {
			continue
		}
		sty := StyleOf(conceptOf(cv.Concept, cv.Name))
		halo := sty.Line
		halo.Color = color.White
		halo.Width += vg.Points(2)
		halo.Dashes = nil
		hl, _ := plotter.NewLine(pts)
		hl.LineStyle = halo
		l, s, _ := plotter.NewLinePoints(pts)
		l.LineStyle = sty.Line
		p.Add(hl, l)
		th := []plot.Thumbnailer{l}
		if sty.Glyph.Radius > 0 {
			s.GlyphStyle = sty.Glyph
			hs, _ := plotter.NewScatter(pts)
			hs.GlyphStyle = s.GlyphStyle
			hs.GlyphStyle.Color = color.White
			hs.GlyphStyle.Radius += vg.Points(1)
			p.Add(hs, s)
			th = append(th, s)
		}
		leg.Add(cv.Name, th...)
	}

	// Rows: equal heights, labelled by value (unlabelled when there is no
	// second parameter: a phase strip); the data range is fixed to the grid
	// so curves never stretch the axes.
	xe := cells.xEdges
	p.X.Min, p.X.Max = xe[0], xe[len(xe)-1]
	p.Y.Min, p.Y.Max = -0.5, float64(len(d.Values))-0.5
	ticks := plot.ConstantTicks{} // a strip's one row has no tick
	if d.Param != "" {
		for i, v := range d.Values {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: formatNumber(v, 4)})
		}
	}
	p.Y.Tick.Marker = ticks
	p.X.Padding, p.Y.Padding = 0, 0

	f := &Figure{Plots: [][]*plot.Plot{{p}}, Legend: leg, LegendPlace: LegendBelow}
	if cmap != nil {
		bar := &plotter.ColorBar{ColorMap: cmap, Vertical: true, Colors: 256}
		cb := newColorBar(cmap, bar, cbLabel)
		if d.LogColor {
			cb.Y.Tick.Marker = powTicks{}
		}
		f.ColorBar = cb
	}
	return f, skips, nil
}

func (d *PhaseDiagram) check() error {
	if len(d.ELR) == 0 || len(d.Values) == 0 {
		return errors.New("plots: phase diagram has no cells")
	}
	if len(d.Cells) != len(d.Values) {
		return fmt.Errorf("plots: phase diagram has %d rows of cells but %d parameter values", len(d.Cells), len(d.Values))
	}
	for i, r := range d.Cells {
		if len(r) != len(d.ELR) {
			return fmt.Errorf("plots: phase diagram row %d has %d cells but there are %d ELRs", i, len(r), len(d.ELR))
		}
	}
	for j, e := range d.ELR {
		if !(e > 0) || math.IsInf(e, 0) {
			return fmt.Errorf("plots: phase diagram ELR %d is %g; ELRs must be positive and finite", j, e)
		}
		if j > 0 && !(e > d.ELR[j-1]) {
			return fmt.Errorf("plots: phase diagram ELRs must increase (ELR %d = %g after %g)", j, e, d.ELR[j-1])
		}
	}
	for i, v := range d.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("plots: phase diagram parameter value %d is %g", i, v)
		}
		if i > 0 && !(v > d.Values[i-1]) {
			return fmt.Errorf("plots: phase diagram parameter values must increase (value %d = %g after %g)", i, v, d.Values[i-1])
		}
	}
	return nil
}

// colorValue returns the value coloured for metric v, or why it cannot be.
func (d *PhaseDiagram) colorValue(v float64) (float64, string) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, "non-finite value"
	}
	if d.LogColor {
		if v <= 0 {
			return 0, "value <= 0 on a log colour scale"
		}
		return math.Log10(v), ""
	}
	return v, ""
}

// colorMap returns the colour map spanning the drawable values and the
// colour bar's label.
func (d *PhaseDiagram) colorMap() (palette.ColorMap, string, error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range d.Cells {
		for _, c := range row {
			if c.State != CellOK {
				continue
			}
			if v, why := d.colorValue(c.Value); why == "" {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	label := d.Metric
	if label == "" {
		label = "value"
	}
	if math.IsInf(lo, 1) {
		// Nothing to colour: every cell is drawn as invalid. Keep a
		// nominal range for the colour bar.
		lo, hi = 0, 1
	}
	if d.Diverging {
		m := math.Max(math.Abs(lo), math.Abs(hi))
		if m == 0 {
			m = 1
		}
		return NewDiverging(-m, m), label, nil
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	return NewSequential(lo, hi), label, nil
}

// rowPosition maps a parameter value to the y coordinate of the rows
// (row i is at i): piecewise-linear interpolation between the rows' values,
// in log space when all values are positive, extrapolated beyond the ends.
func (d *PhaseDiagram) rowPosition(v float64) float64 {
	vals := d.Values
	if len(vals) == 1 {
		if v == vals[0] {
			return 0
		}
		return math.NaN()
	}
	tr := func(x float64) float64 { return x }
	if vals[0] > 0 {
		tr = math.Log
		if v <= 0 {
			return math.NaN()
		}
	}
	t := tr(v)
	k := sort.SearchFloat64s(vals, v)
	k = max(1, min(k, len(vals)-1))
	a, b := tr(vals[k-1]), tr(vals[k])
	return float64(k-1) + (t-a)/(b-a)
}

// logEdges returns the cell edges of centres xs on a log axis: geometric
// midpoints, the outer edges half a gap beyond the ends.
func logEdges(xs []float64) []float64 {
	e := make([]float64, len(xs)+1)
	if len(xs) == 1 {
		e[0], e[1] = xs[0]/math.Sqrt(10), xs[0]*math.Sqrt(10)
		return e
	}
	for i := 1; i < len(xs); i++ {
		e[i] = math.Sqrt(xs[i-1] * xs[i])
	}
	e[0] = xs[0] * xs[0] / e[1]
	n := len(xs)
	e[n] = xs[n-1] * xs[n-1] / e[n-1]
	return e
}

// cellPlotter draws the grid of a phase diagram.
type cellPlotter struct {
	xEdges []float64
	rows   int
	fill   [][]color.Color
	bad    [][]CellState
}

func (cp *cellPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	for i := range cp.fill {
		y0, y1 := ty(float64(i)-0.5), ty(float64(i)+0.5)
		for j := range cp.fill[i] {
			x0, x1 := tx(cp.xEdges[j]), tx(cp.xEdges[j+1])
			r := vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1}}
			switch cp.bad[i][j] {
			case CellFailed:
				drawSwatch(&c, r, FailedColor, true)
			case CellMissing:
				drawSwatch(&c, r, color.White, false)
			default:
				drawSwatch(&c, r, cp.fill[i][j], false)
			}
		}
	}
}

func (cp *cellPlotter) DataRange() (xmin, xmax, ymin, ymax float64) {
	return cp.xEdges[0], cp.xEdges[len(cp.xEdges)-1], -0.5, float64(cp.rows) - 0.5
}

// swatch is a legend thumbnail: a filled square, optionally cross-hatched.
type swatch struct {
	fill  color.Color
	hatch bool
}

func (s swatch) Thumbnail(c *draw.Canvas) {
	h := c.Max.Y - c.Min.Y
	r := vg.Rectangle{Min: vg.Point{X: c.Min.X + (c.Max.X-c.Min.X-h)/2, Y: c.Min.Y}}
	r.Max = vg.Point{X: r.Min.X + h, Y: c.Max.Y}
	drawSwatch(c, r, s.fill, s.hatch)
	c.SetColor(color.Gray{Y: 0x40})
	c.SetLineWidth(vg.Points(0.4))
	c.SetLineDash(nil, 0)
	c.Stroke(r.Path())
}

// drawSwatch fills r with fill, separates it from its neighbours with a thin
// white border and, when hatch, draws a dark-grey cross over it and diagonal
// hatching so that failed cells are unmistakable in colour and in grey.
func drawSwatch(c *draw.Canvas, r vg.Rectangle, fill color.Color, hatch bool) {
	c.SetColor(fill)
	c.Fill(r.Path())
	if hatch {
		c.Push()
		c.SetColor(color.Gray{Y: 0x55})
		c.SetLineWidth(vg.Points(0.5))
		c.SetLineDash(nil, 0)
		w, h := r.Max.X-r.Min.X, r.Max.Y-r.Min.Y
		var x vg.Path
		x.Move(r.Min)
		x.Line(r.Max)
		x.Move(vg.Point{X: r.Min.X, Y: r.Max.Y})
		x.Line(vg.Point{X: r.Max.X, Y: r.Min.Y})
		c.Stroke(x)
		// Hatching lines of slope 1 every 3 points, clipped to r.
		step := vg.Points(3)
		var hp vg.Path
		for o := step; o < w+h; o += step {
			// Line x - y = const through the rectangle: from the left or
			// bottom edge to the top or right edge.
			x0, y0 := r.Min.X+max(0, o-h), r.Min.Y+max(0, h-o)
			x1, y1 := r.Min.X+min(w, o), r.Min.Y+min(h, h-o+w)
			hp.Move(vg.Point{X: x0, Y: y0})
			hp.Line(vg.Point{X: x1, Y: y1})
		}
		c.SetLineWidth(vg.Points(0.3))
		c.Stroke(hp)
		c.Pop()
	}
	c.SetColor(color.White)
	c.SetLineWidth(vg.Points(0.4))
	c.SetLineDash(nil, 0)
	c.Stroke(r.Path())
}

// powTicks labels a colour bar in log10 units as powers of ten.
type powTicks struct{}

func (powTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	lo, hi := math.Ceil(min-1e-9), math.Floor(max+1e-9)
	if hi-lo < 1 {
		// Less than a decade: label the ends with their values.
		for _, v := range []float64{min, max} {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(math.Pow(10, v), 'g', 2, 64)})
		}
		return ticks
	}
	for k := lo; k <= hi; k++ {
		ticks = append(ticks, plot.Tick{Value: k, Label: decade(int(k))})
		for i := 2; i < 10; i++ {
			if v := k + math.Log10(float64(i)); v <= max {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	for i := 2; i < 10; i++ {
		if v := lo - 1 + math.Log10(float64(i)); v >= min {
			ticks = append(ticks, plot.Tick{Value: v})
		}
	}
	return ticks
}
