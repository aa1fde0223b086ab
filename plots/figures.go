package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"github.com/regimes/regimes/regime"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// dataColor is the colour of measured points: the dark blue of the
// sequential map, distinct from the black closed-form curves.
var dataColor = withAlpha(SequentialAt(0.3), 1)

// errPoints are points with asymmetric vertical error bars given as absolute
// lower and upper ends; it implements plotter.XYer and plotter.YErrorer.
type errPoints struct {
	xy     plotter.XYs
	lo, hi []float64
}

func (e errPoints) Len() int                         { return len(e.xy) }
func (e errPoints) XY(i int) (float64, float64)      { return e.xy[i].X, e.xy[i].Y }
func (e errPoints) YError(i int) (low, high float64) { return e.xy[i].Y - e.lo[i], e.hi[i] - e.xy[i].Y }

// addMeasured draws measured points (x, y) with confidence intervals [lo, hi]
// (lo and hi may be nil, or hold NaN where there is no interval) and returns
// the scatter for a legend. Intervals whose ends cannot be drawn are dropped
// (and reported) while the point is kept.
func addMeasured(p *plot.Plot, name string, xs, ys, lo, hi []float64, logX, logY bool, sty draw.GlyphStyle, skips *[]Skip) (*plotter.Scatter, error) {
	if (lo == nil) != (hi == nil) || (lo != nil && (len(lo) != len(xs) || len(hi) != len(xs))) {
		return nil, fmt.Errorf("plots: %s: confidence interval ends must both be given, one per point", name)
	}
	if len(xs) != len(ys) {
		return nil, fmt.Errorf("plots: %s: %d x values but %d y values", name, len(xs), len(ys))
	}
	var pts plotter.XYs
	var bars errPoints
	for i := range xs {
		if ok, why := keep(xs[i], ys[i], logX, logY); !ok {
			*skips = append(*skips, Skip{name, i, xs[i], ys[i], why})
			continue
		}
		pts = append(pts, plotter.XY{X: xs[i], Y: ys[i]})
		if lo == nil || (math.IsNaN(lo[i]) && math.IsNaN(hi[i])) {
			continue
		}
		okLo, _ := keep(xs[i], lo[i], logX, logY)
		okHi, _ := keep(xs[i], hi[i], logX, logY)
		if !okLo || !okHi || lo[i] > ys[i] || hi[i] < ys[i] {
			*skips = append(*skips, Skip{name + " interval", i, xs[i], ys[i], fmt.Sprintf("interval [%g, %g] cannot be drawn", lo[i], hi[i])})
			continue
		}
		bars.xy = append(bars.xy, plotter.XY{X: xs[i], Y: ys[i]})
		bars.lo = append(bars.lo, lo[i])
		bars.hi = append(bars.hi, hi[i])
	}
	if len(bars.xy) > 0 {
		eb, err := plotter.NewYErrorBars(bars)
		if err != nil {
			return nil, fmt.Errorf("plots: %s: %v", name, err)
		}
		eb.LineStyle = draw.LineStyle{Color: sty.Color, Width: vg.Points(0.7)}
		eb.CapWidth = vg.Points(3)
		p.Add(eb)
	}
	if len(pts) == 0 {
		return nil, nil
	}
	s, _ := plotter.NewScatter(pts)
	s.GlyphStyle = sty
	p.Add(s)
	return s, nil
}

// addCurves draws closed-form or theory curves in black with distinct dash
// patterns (starting at pattern k0) and adds them to the legend.
func addCurves(p *plot.Plot, leg *plot.Legend, cs []Curve, k0 int, logX, logY bool, skips *[]Skip) {
	for k, cv := range cs {
		pts := points(cv.Name, cv.X, cv.Y, logX, logY, skips)
		if len(pts) == 0 {
			continue
		}
		l, _ := plotter.NewLine(pts)
		l.LineStyle = curveStyle(k0 + k)
		p.Add(l)
		leg.Add(cv.Name, l)
	}
}

// hline is a horizontal line across the whole plot at Y.
type hline struct {
	Y     float64
	Style draw.LineStyle
}

func (h hline) Plot(c draw.Canvas, p *plot.Plot) {
	_, ty := p.Transforms(&c)
	y := ty(h.Y)
	c.StrokeLine2(h.Style, c.Min.X, y, c.Max.X, y)
}

func (h hline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.Y, h.Y
}

func (h hline) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(h.Style, c.Min.X, y, c.Max.X, y)
}

// Thresholds is the data of the thresholds figure: regime 1|2 thresholds
// against the batch size, from theory and from simulation.
type Thresholds struct {
	// Param names the x axis; empty means "batch size b".
	Param string
	// B holds the batch sizes (x, logarithmic axis).
	B []float64
	// GD, MS and AS hold the full-batch, mean-square and almost-sure
	// thresholds per batch size (empty slices are not drawn; NaN entries
	// are skipped). ASLo and ASHi are the ends of the almost-sure
	// threshold's confidence interval (optional).
	GD, MS, AS, ASLo, ASHi []float64
	// Converged holds, per batch size, the largest simulated ELR that
	// converged, and Diverged the smallest that did not (NaN where none).
	Converged, Diverged []float64
	// Title is drawn above the figure when not empty.
	Title string
}

// NewThresholds draws the thresholds against the batch size: mean-square
// (solid), almost-sure with confidence intervals (dashed), full-batch GD
// (dotted), and the simulated boundary points: the largest converging ELR
// (filled, convergence colour) and the smallest non-converging one (open,
// equilibrium colour). Both axes are logarithmic.
func NewThresholds(d Thresholds) (*Figure, []Skip, error) {
	if len(d.B) == 0 {
		return nil, nil, errors.New("plots: thresholds: no batch sizes")
	}
	for _, s := range []struct {
		name string
		v    []float64
	}{{"GD", d.GD}, {"mean-square", d.MS}, {"almost-sure", d.AS}, {"almost-sure lower", d.ASLo}, {"almost-sure upper", d.ASHi}, {"converged", d.Converged}, {"diverged", d.Diverged}} {
		if len(s.v) != 0 && len(s.v) != len(d.B) {
			return nil, nil, fmt.Errorf("plots: thresholds: %d %s values for %d batch sizes", len(s.v), s.name, len(d.B))
		}
	}
	var skips []Skip
	p := newPlot()
	p.Title.Text = d.Title
	p.X.Label.Text = d.Param
	if p.X.Label.Text == "" {
		p.X.Label.Text = "batch size b"
	}
	p.Y.Label.Text = ELRLabel
	setLog(&p.X)
	setLog(&p.Y)
	p.X.Tick.Marker = valueTicks(d.B)
	leg := newLegend()
	line := func(name string, ys []float64, k int, glyph bool) {
		if len(ys) == 0 {
			return
		}
		pts := points(name, d.B, ys, true, true, &skips)
		if len(pts) == 0 {
			return
		}
		l, s, _ := plotter.NewLinePoints(pts)
		l.LineStyle = curveStyle(k)
		s.GlyphStyle = curveGlyph(k)
		p.Add(l)
		if glyph {
			p.Add(s)
			leg.Add(name, l, s)
		} else {
			leg.Add(name, l)
		}
	}
	line("GD 2/λ_{max}(H)", d.GD, 2, false)
	line("mean-square", d.MS, 0, true)
	if len(d.AS) > 0 {
		var lo, hi []float64
		if len(d.ASLo) > 0 || len(d.ASHi) > 0 {
			if len(d.ASLo) == 0 || len(d.ASHi) == 0 {
				return nil, nil, errors.New("plots: thresholds: give both ends of the almost-sure interval")
			}
			lo, hi = d.ASLo, d.ASHi
		}
		var asLine *plotter.Line
		if pts := points("almost-sure", d.B, d.AS, true, true, &[]Skip{}); len(pts) > 0 {
			asLine, _ = plotter.NewLine(pts)
			asLine.LineStyle = curveStyle(1)
			p.Add(asLine)
		}
		g := curveGlyph(1)
		s, err := addMeasured(p, "almost-sure", d.B, d.AS, lo, hi, true, true, g, &skips)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case s != nil && asLine != nil:
			leg.Add("almost-sure (CI)", asLine, s)
		case s != nil:
			leg.Add("almost-sure (CI)", s)
		}
	}
	sim := func(name string, ys []float64, r regime.Regime, shape draw.GlyphDrawer) {
		if len(ys) == 0 {
			return
		}
		pts := points(name, d.B, ys, true, true, &skips)
		if len(pts) == 0 {
			return
		}
		s, _ := plotter.NewScatter(pts)
		s.GlyphStyle = draw.GlyphStyle{Color: RegimeColor(r), Radius: vg.Points(3), Shape: shape}
		p.Add(s)
		leg.Add(name, s)
	}
	sim("largest converging (sim.)", d.Converged, regime.Convergence, draw.PyramidGlyph{})
	sim("smallest non-converging (sim.)", d.Diverged, regime.Chaotic, draw.TriangleGlyph{})
	return &Figure{Plots: [][]*plot.Plot{{p}}, Legend: leg}, dropMissing(skips), nil
}

// dropMissing removes skips of NaN values, which mark "no value here" in the
// tables of thresholds, from the report; other skips stay.
func dropMissing(s []Skip) []Skip {
	out := s[:0]
	for _, k := range s {
		if math.IsNaN(k.Y) && !math.IsNaN(k.X) {
			continue
		}
		out = append(out, k)
	}
	return out
}

// valueTicks returns ticks labelled at the given values (for batch sizes).
func valueTicks(vs []float64) plot.Ticker {
	var t plot.ConstantTicks
	for _, v := range vs {
		if v > 0 && !math.IsInf(v, 0) {
			t = append(t, plot.Tick{Value: v, Label: fmt.Sprintf("%g", v)})
		}
	}
	return t
}

// A Band is an ELR interval labelled by a regime.
type Band struct {
	From, To float64
	Regime   regime.Regime
}

// Lyapunov is the data of the Lyapunov figure.
type Lyapunov struct {
	// ELR, Exp, Lo and Hi hold the top Lyapunov exponent per ELR with its
	// confidence interval [Lo, Hi] (Lo and Hi optional).
	ELR, Exp, Lo, Hi []float64
	// Bands are shaded behind the data in the regime palette.
	Bands []Band
	// YLabel labels the y axis; empty means LambdaMaxLabel.
	YLabel string
	// Title is drawn above the figure when not empty.
	Title string
}

// NewLyapunov draws the top Lyapunov exponent against the ELR (log x) with
// its confidence intervals, the zero line, and the regime bands shaded
// behind the data, with a legend of the regimes shown.
func NewLyapunov(d Lyapunov) (*Figure, []Skip, error) {
	if len(d.ELR) == 0 {
		return nil, nil, errors.New("plots: lyapunov: no points")
	}
	var skips []Skip
	p := newPlot()
	p.Title.Text = d.Title
	p.X.Label.Text = ELRLabel
	p.Y.Label.Text = d.YLabel
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = LambdaMaxLabel
	}
	setLog(&p.X)
	leg := newLegend()
	if len(d.Bands) > 0 {
		b := &bands{}
		seen := map[regime.Regime]bool{}
		for i, bd := range d.Bands {
			if !(bd.From > 0 && bd.To > bd.From) || math.IsInf(bd.To, 0) {
				skips = append(skips, Skip{"regime bands", i, bd.From, bd.To, "band must have 0 < from < to < +Inf on a log axis"})
				continue
			}
			b.bands = append(b.bands, bd)
			if !seen[bd.Regime] {
				seen[bd.Regime] = true
			}
		}
		p.Add(b)
		for _, r := range regime.All {
			if seen[r] {
				leg.Add(r.String(), swatch{fill: bandColor(r)})
			}
		}
	}
	zero := hline{Y: 0, Style: draw.LineStyle{Color: color.Gray{Y: 0x30}, Width: vg.Points(0.6), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}}
	p.Add(zero)
	s, err := addMeasured(p, "Lyapunov exponent", d.ELR, d.Exp, d.Lo, d.Hi, true, false,
		draw.GlyphStyle{Color: color.Black, Radius: vg.Points(1.8), Shape: draw.CircleGlyph{}}, &skips)
	if err != nil {
		return nil, nil, err
	}
	if s != nil {
		leg.Add("estimate (CI)", s)
	}
	leg.Add("zero", zero)
	return &Figure{Plots: [][]*plot.Plot{{p}}, Legend: leg}, skips, nil
}

// bandColor is the regime colour lightened for a background band.
func bandColor(r regime.Regime) color.Color {
	c := RegimeColor(r).(color.NRGBA)
	mix := func(v uint8) uint8 { return uint8(math.Round(0.35*float64(v) + 0.65*255)) }
	return color.NRGBA{R: mix(c.R), G: mix(c.G), B: mix(c.B), A: 0xff}
}

// bands shades ELR intervals over the full height of a plot.
type bands struct{ bands []Band }

func (b *bands) Plot(c draw.Canvas, p *plot.Plot) {
	tx, _ := p.Transforms(&c)
	for _, bd := range b.bands {
		x0 := max(c.Min.X, tx(math.Max(bd.From, p.X.Min)))
		x1 := min(c.Max.X, tx(math.Min(bd.To, p.X.Max)))
		if x1 <= x0 {
			continue
		}
		c.SetColor(bandColor(bd.Regime))
		c.Fill(vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y}, Max: vg.Point{X: x1, Y: c.Max.Y}}.Path())
	}
}

// Stationary is the data of the stationary-loss figure.
type Stationary struct {
	// ELR, Mean, Lo and Hi hold the measured stationary level per ELR with
	// its confidence interval [Lo, Hi] (Lo and Hi optional).
	ELR, Mean, Lo, Hi []float64
	// Curves are closed-form predictions (e.g. the circle's 2-cycle loss,
	// the von Mises-Fisher prediction) drawn as black lines.
	Curves []Curve
	// Random is the random level, drawn as a grey horizontal line when it
	// is not zero.
	Random float64
	// LogY makes the y axis logarithmic.
	LogY bool
	// YLabel labels the y axis; empty means "stationary loss".
	YLabel string
	// Title is drawn above the figure when not empty.
	Title string
}

// NewStationary draws the stationary level against the ELR (log x) with
// confidence intervals, closed-form curves and the random level.
func NewStationary(d Stationary) (*Figure, []Skip, error) {
	if len(d.ELR) == 0 && len(d.Curves) == 0 {
		return nil, nil, errors.New("plots: stationary: no points and no curves")
	}
	var skips []Skip
	p := newPlot()
	p.Title.Text = d.Title
	p.X.Label.Text = ELRLabel
	p.Y.Label.Text = d.YLabel
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = "stationary loss"
	}
	setLog(&p.X)
	if d.LogY {
		setLog(&p.Y)
	}
	leg := newLegend()
	addCurves(p, leg, d.Curves, 0, true, d.LogY, &skips)
	if d.Random != 0 && !(d.LogY && d.Random < 0) {
		r := hline{Y: d.Random, Style: draw.LineStyle{Color: color.Gray{Y: 0x80}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(1), vg.Points(2)}}}
		p.Add(r)
		leg.Add("random level", r)
	}
	s, err := addMeasured(p, "stationary level", d.ELR, d.Mean, d.Lo, d.Hi, true, d.LogY,
		draw.GlyphStyle{Color: dataColor, Radius: vg.Points(1.8), Shape: draw.CircleGlyph{}}, &skips)
	if err != nil {
		return nil, nil, err
	}
	if s != nil {
		leg.Add("simulation (CI)", s)
	}
	return &Figure{Plots: [][]*plot.Plot{{p}}, Legend: leg}, skips, nil
}

// Bifurcation is the data of a bifurcation diagram.
type Bifurcation struct {
	// X and Y are the attractor points: the control parameter (e.g. ELR
	// times lambda) and the state (e.g. the angle phi or the loss).
	X, Y []float64
	// Branches are the closed-form branches drawn under the points; a
	// branch without a name continues the style of the one before and has
	// no legend entry (e.g. the lower half of a 2-cycle).
	Branches []Curve
	// XLabel and YLabel label the axes; empty means "η̃ λ" and "φ".
	XLabel, YLabel string
	// LogX makes the x axis logarithmic.
	LogX bool
	// Title is drawn above the figure when not empty.
	Title string
}

// NewBifurcation draws a bifurcation diagram: many small dots at the
// attractor points over the closed-form branches.
func NewBifurcation(d Bifurcation) (*Figure, []Skip, error) {
	if len(d.X) == 0 && len(d.Branches) == 0 {
		return nil, nil, errors.New("plots: bifurcation: no points and no branches")
	}
	var skips []Skip
	p := newPlot()
	p.Title.Text = d.Title
	p.X.Label.Text, p.Y.Label.Text = d.XLabel, d.YLabel
	if p.X.Label.Text == "" {
		p.X.Label.Text = ELRSymbol + " λ"
	}
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = "φ"
	}
	if d.LogX {
		setLog(&p.X)
	}
	leg := newLegend()
	// Branches first, so that the attractor's dots show on top of them.
	k := -1
	for _, cv := range d.Branches {
		if cv.Name != "" || k < 0 {
			k++
		}
		bp := points(cv.Name, cv.X, cv.Y, d.LogX, false, &skips)
		if len(bp) == 0 {
			continue
		}
		ln, _ := plotter.NewLine(bp)
		ln.LineStyle = curveStyle(k)
		ln.LineStyle.Width = vg.Points(0.8)
		p.Add(ln)
		if cv.Name != "" {
			leg.Add(cv.Name, ln)
		}
	}
	pts := points("attractor", d.X, d.Y, d.LogX, false, &skips)
	if len(pts) > 0 {
		s, _ := plotter.NewScatter(pts)
		s.GlyphStyle = draw.GlyphStyle{Color: dataColor, Radius: vg.Points(0.6), Shape: draw.CircleGlyph{}}
		p.Add(s)
		big := *s
		big.GlyphStyle.Radius = vg.Points(1.5)
		leg.Add("attractor (sim.)", &big)
	}
	return &Figure{Plots: [][]*plot.Plot{{p}}, Legend: leg}, skips, nil
}

// DataRange makes the x axis cover the bands, so that points at the ends
// are not drawn on the border.
func (b *bands) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, bd := range b.bands {
		xmin, xmax = math.Min(xmin, bd.From), math.Max(xmax, bd.To)
	}
	return xmin, xmax, math.Inf(1), math.Inf(-1)
}
