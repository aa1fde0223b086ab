package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/regimes/regimes/regime"
)

// errPoints are points with asymmetric vertical error bars given as absolute
// lower and upper ends; it implements plotter.XYer and plotter.YErrorer.
type errPoints struct {
	xy     plotter.XYs
	lo, hi []float64
}

func (e errPoints) Len() int                         { return len(e.xy) }
func (e errPoints) XY(i int) (float64, float64)      { return e.xy[i].X, e.xy[i].Y }
func (e errPoints) YError(i int) (low, high float64) { return e.xy[i].Y - e.lo[i], e.hi[i] - e.xy[i].Y }

// A measured series: points with optional confidence intervals.
type measured struct {
	pts     plotter.XYs
	bars    errPoints
	scatter *plotter.Scatter
}

// collectMeasured returns the drawable points (x, y) and intervals [lo, hi]
// (lo and hi may be nil, or hold NaN where there is no interval). Intervals
// whose ends cannot be drawn are dropped (and reported) while the point is
// kept.
func collectMeasured(name string, xs, ys, lo, hi []float64, logX, logY bool, skips *[]Skip) (measured, error) {
	var m measured
	if (lo == nil) != (hi == nil) || (lo != nil && (len(lo) != len(xs) || len(hi) != len(xs))) {
		return m, fmt.Errorf("plots: %s: confidence interval ends must both be given, one per point", name)
	}
	if len(xs) != len(ys) {
		return m, fmt.Errorf("plots: %s: %d x values but %d y values", name, len(xs), len(ys))
	}
	for i := range xs {
		if ok, why := keep(xs[i], ys[i], logX, logY); !ok {
			*skips = append(*skips, Skip{name, i, xs[i], ys[i], why})
			continue
		}
		m.pts = append(m.pts, plotter.XY{X: xs[i], Y: ys[i]})
		if lo == nil || (math.IsNaN(lo[i]) && math.IsNaN(hi[i])) {
			continue
		}
		okLo, _ := keep(xs[i], lo[i], logX, logY)
		okHi, _ := keep(xs[i], hi[i], logX, logY)
		if !okLo || !okHi || lo[i] > ys[i] || hi[i] < ys[i] {
			*skips = append(*skips, Skip{name + " interval", i, xs[i], ys[i], fmt.Sprintf("interval [%g, %g] cannot be drawn", lo[i], hi[i])})
			continue
		}
		m.bars.xy = append(m.bars.xy, plotter.XY{X: xs[i], Y: ys[i]})
		m.bars.lo = append(m.bars.lo, lo[i])
		m.bars.hi = append(m.bars.hi, hi[i])
	}
	return m, nil
}

// ciVisible reports whether the intervals of m are long enough to show
// beyond a marker on an axis spanning [ymin, ymax] drawn about 150 points
// high: the longest interval must exceed the marker's diameter.
func (m measured) ciVisible(ymin, ymax float64, logY bool, marker vg.Length) bool {
	if len(m.bars.xy) == 0 {
		return false
	}
	tr := func(v float64) float64 { return v }
	if logY {
		tr = math.Log
	}
	span := tr(ymax) - tr(ymin)
	if !(span > 0) {
		return false
	}
	const axisPoints = 150
	longest := 0.0
	for i := range m.bars.xy {
		longest = math.Max(longest, (tr(m.bars.hi[i])-tr(m.bars.lo[i]))/span*axisPoints)
	}
	return longest > 2*marker.Points()
}

// add draws the series: the intervals as bars with caps in the CI style,
// then the markers; it records the ink and returns the scatter.
func (m *measured) add(p *plot.Plot, ink inkSet, sty draw.GlyphStyle, bars bool) error {
	if bars && len(m.bars.xy) > 0 {
		eb, err := plotter.NewYErrorBars(m.bars)
		if err != nil {
			return fmt.Errorf("plots: %v", err)
		}
		eb.LineStyle = StyleOf(CIBand).Line
		eb.LineStyle.Color = sty.Color
		eb.CapWidth = vg.Points(3)
		p.Add(eb)
		var ends plotter.XYs
		for i := range m.bars.xy {
			ends = append(ends, plotter.XY{X: m.bars.xy[i].X, Y: m.bars.lo[i]}, plotter.XY{X: m.bars.xy[i].X, Y: m.bars.hi[i]})
		}
		ink.points(p, ends)
	}
	if len(m.pts) == 0 {
		return nil
	}
	s, _ := plotter.NewScatter(m.pts)
	s.GlyphStyle = sty
	p.Add(s)
	ink.points(p, m.pts)
	m.scatter = s
	return nil
}

// yRange returns the range of the points and interval ends of m.
func (m measured) yRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, q := range m.pts {
		lo, hi = math.Min(lo, q.Y), math.Max(hi, q.Y)
	}
	for i := range m.bars.xy {
		lo, hi = math.Min(lo, m.bars.lo[i]), math.Max(hi, m.bars.hi[i])
	}
	return lo, hi
}

// addCurve draws a named curve in its concept's style (with the concept's
// markers when marks) and adds it to the legend.
func addCurve(p *plot.Plot, leg *Legend, ink inkSet, cv Curve, logX, logY, marks bool, skips *[]Skip) {
	pts := points(cv.Name, cv.X, cv.Y, logX, logY, skips)
	if len(pts) == 0 {
		return
	}
	sty := StyleOf(conceptOf(cv.Concept, cv.Name))
	l, s, _ := plotter.NewLinePoints(pts)
	l.LineStyle = sty.Line
	p.Add(l)
	ink.line(p, pts)
	var th []plot.Thumbnailer
	th = append(th, l)
	if marks && sty.Glyph.Radius > 0 {
		s.GlyphStyle = sty.Glyph
		p.Add(s)
		th = append(th, s)
	}
	if cv.Name != "" {
		leg.Add(cv.Name, th...)
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

// vline is a vertical line across the whole plot at X.
type vline struct {
	X     float64
	Style draw.LineStyle
}

func (v vline) Plot(c draw.Canvas, p *plot.Plot) {
	tx, _ := p.Transforms(&c)
	x := tx(v.X)
	c.StrokeLine2(v.Style, x, c.Min.Y, x, c.Max.Y)
}

func (v vline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return v.X, v.X, math.Inf(1), math.Inf(-1)
}

func (v vline) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(v.Style, x, c.Min.Y, x, c.Max.Y)
}

// A Mark is a named vertical line at X, e.g. where a prediction is expected
// to fail or the epoch of a switch. Label, when not empty, also labels a
// tick at X.
type Mark struct {
	Name  string
	X     float64
	Label string
}

// addMarks draws marks as vertical lines in the Marker style with legend
// entries, and labelled ticks for those with a Label.
func addMarks(p *plot.Plot, leg *Legend, ink inkSet, ms []Mark, logX bool, skips *[]Skip) {
	for i, m := range ms {
		if ok, why := keep(m.X, 0, logX, false); !ok {
			*skips = append(*skips, Skip{m.Name, i, m.X, math.NaN(), why})
			continue
		}
		v := vline{X: m.X, Style: StyleOf(Marker).Line}
		p.Add(v)
		ink.vline(p, m.X)
		if m.Name != "" {
			leg.Add(m.Name, v)
		}
		if m.Label != "" {
			p.X.Tick.Marker = extraTick{base: p.X.Tick.Marker, value: m.X, label: m.Label, near: 0.08}
		}
	}
}

// headroom widens the y range [lo, hi] of p by frac at both ends (in log
// space on a log axis), so that markers and curves do not sit on the frame.
func headroom(a *plot.Axis, lo, hi, frac float64, logY bool) {
	if !(hi >= lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return
	}
	if logY {
		if !(lo > 0) {
			return
		}
		r := math.Log(hi / lo)
		if r == 0 {
			r = math.Log(2)
		}
		a.Min, a.Max = lo*math.Exp(-frac*r), hi*math.Exp(frac*r)
		return
	}
	r := hi - lo
	if r == 0 {
		r = math.Max(math.Abs(hi), 1)
	}
	a.Min, a.Max = lo-frac*r, hi+frac*r
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

// NewThresholds draws the thresholds against the batch size in the shared
// styles (GD solid, mean-square dashed with squares, almost-sure
// dash-dotted with triangles and its confidence interval as capped bars,
// or a legend note when the interval is narrower than the marker), over the
// simulated boundary points: the largest converging ELR (filled,
// convergence colour) and the smallest non-converging one (open,
// equilibrium colour). Theory is drawn on top of the simulation. Both axes
// are logarithmic.
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
	if (len(d.ASLo) == 0) != (len(d.ASHi) == 0) {
		return nil, nil, errors.New("plots: thresholds: give both ends of the almost-sure interval")
	}
	var skips []Skip
	ink := inkSet{}
	p := newPlot()
	p.Title.Text = d.Title
	p.X.Label.Text = d.Param
	if p.X.Label.Text == "" {
		p.X.Label.Text = "batch size b"
	}
	p.Y.Label.Text = ELRLabel
	setLog(&p.X)
	setLog(&p.Y)
	p.X.Tick.Marker = fixedTicks(d.B)
	leg := newLegend()
	ylo, yhi := math.Inf(1), math.Inf(-1)
	grow := func(pts plotter.XYs) {
		for _, q := range pts {
			ylo, yhi = math.Min(ylo, q.Y), math.Max(yhi, q.Y)
		}
	}
	// Simulation first, theory on top.
	sim := func(c Concept, ys []float64) {
		if len(ys) == 0 {
			return
		}
		sty := StyleOf(c)
		pts := points(sty.Name, d.B, ys, true, true, &skips)
		if len(pts) == 0 {
			return
		}
		s, _ := plotter.NewScatter(pts)
		s.GlyphStyle = sty.Glyph
		p.Add(s)
		ink.points(p, pts)
		grow(pts)
		leg.Add(sty.Name, s)
	}
	sim(SimConverged, d.Converged)
	sim(SimDiverged, d.Diverged)
	line := func(c Concept, ys []float64) {
		if len(ys) == 0 {
			return
		}
		pts := points(StyleOf(c).Name, d.B, ys, true, true, &skips)
		grow(pts)
		addCurve(p, leg, ink, Curve{Name: StyleOf(c).Name, X: d.B, Y: ys, Concept: c}, true, true, true, &[]Skip{})
	}
	line(GDThreshold, d.GD)
	line(MSThreshold, d.MS)
	if len(d.AS) > 0 {
		var lo, hi []float64
		if len(d.ASLo) > 0 {
			lo, hi = d.ASLo, d.ASHi
		}
		m, err := collectMeasured("almost-sure", d.B, d.AS, lo, hi, true, true, &skips)
		if err != nil {
			return nil, nil, err
		}
		a, b := m.yRange()
		ylo, yhi = math.Min(ylo, a), math.Max(yhi, b)
		sty := StyleOf(ASThreshold)
		visible := m.ciVisible(ylo, yhi, true, sty.Glyph.Radius)
		if len(m.pts) > 0 {
			l, _ := plotter.NewLine(m.pts)
			l.LineStyle = sty.Line
			p.Add(l)
			ink.line(p, m.pts)
		}
		if err := m.add(p, ink, sty.Glyph, visible); err != nil {
			return nil, nil, err
		}
		name := sty.Name
		switch {
		case len(m.bars.xy) > 0 && visible:
			name += " (bars: 95% CI)"
		case len(m.bars.xy) > 0:
			name += " (95% CI within marker)"
		}
		if m.scatter != nil {
			l, _ := plotter.NewLine(plotter.XYs{{}})
			l.LineStyle = sty.Line
			leg.Add(name, l, m.scatter)
		}
	}
	headroom(&p.Y, ylo, yhi, 0.06, true)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, b := range d.B {
		if b > 0 && !math.IsInf(b, 0) {
			lo, hi = math.Min(lo, b), math.Max(hi, b)
		}
	}
	headroom(&p.X, lo, hi, 0.04, true)
	return &Figure{Plots: [][]*plot.Plot{{p}}, Legend: leg, ink: ink}, dropMissing(skips), nil
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

// A Band is an ELR interval labelled by a regime.
type Band struct {
	From, To float64
	Regime   regime.Regime
	// Label, when not empty, names the band's legend entry instead of its
	// regime (for example "regime 2A"); Pale shades it lighter than its
	// regime's colour, to tell two labels of one regime apart (2A, 2B).
	Label string
	Pale  bool
}

// shade is the band's background colour.
func (b Band) shade() color.Color {
	if !b.Pale {
		return bandColor(b.Regime)
	}
	return mixWhite(RegimeColor(b.Regime), 0.15)
}

// Lyapunov is the data of the Lyapunov figure.
type Lyapunov struct {
	// ELR, Exp, Lo and Hi hold the top Lyapunov exponent per ELR with its
	// confidence interval [Lo, Hi] (Lo and Hi optional).
	ELR, Exp, Lo, Hi []float64
	// Bands are shaded behind the data in the regime palette.
	Bands []Band
	// BandSource says where the bands come from (e.g. "classifier on the
	// loss series"); it heads the bands' legend entries when not empty.
	BandSource string
	// Linear, when positive, makes the y axis symmetric-logarithmic: linear
	// within ±Linear of zero and logarithmic beyond, so that exponents of
	// order 1e-3 near zero show next to large negative ones. Zero means a
	// linear axis.
	Linear float64
	// YLabel labels the y axis; empty means LambdaMaxLabel.
	YLabel string
	// Title is drawn above the figure when not empty.
	Title string
}

// NewLyapunov draws the top Lyapunov exponent against the ELR (log x) with
// its confidence intervals as capped bars, the zero line, and the regime
// bands shaded behind the data, with a legend of the regimes shown.
func NewLyapunov(d Lyapunov) (*Figure, []Skip, error) {
	if len(d.ELR) == 0 {
		return nil, nil, errors.New("plots: lyapunov: no points")
	}
	var skips []Skip
	ink := inkSet{}
	p := newPlot()
	p.Title.Text = d.Title
	p.X.Label.Text = ELRLabel
	p.Y.Label.Text = d.YLabel
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = LambdaMaxLabel
	}
	setLog(&p.X)
	if d.Linear > 0 {
		p.Y.Scale = symLogScale{d.Linear}
		p.Y.Tick.Marker = symLogTicks{d.Linear}
	}
	leg := newLegend()
	addRegimeBands(p, leg, d.Bands, d.BandSource, &skips)
	zero := hline{Y: 0, Style: StyleOf(ZeroLine).Line}
	p.Add(zero)
	ink.hline(p, 0)
	m, err := collectMeasured("Lyapunov exponent", d.ELR, d.Exp, d.Lo, d.Hi, true, false, &skips)
	if err != nil {
		return nil, nil, err
	}
	sty := StyleOf(Data).Glyph
	sty.Color = dataColor
	sty.Radius = vg.Points(1.6)
	if err := m.add(p, ink, sty, true); err != nil {
		return nil, nil, err
	}
	if m.scatter != nil {
		name := "estimate"
		if len(m.bars.xy) > 0 {
			name += " (bars: 95% CI)"
		}
		leg.Add(name, m.scatter)
	}
	leg.Add("zero", zero)
	lo, hi := m.yRange()
	lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	if d.Linear > 0 {
		// Headroom in the scale's own coordinates.
		s := symLogScale{d.Linear}
		a, b := s.f(lo), s.f(hi)
		r := (b - a) * 0.05
		p.Y.Min, p.Y.Max = 2*d.Linear*math.Sinh(a-r), 2*d.Linear*math.Sinh(b+r)
	} else {
		headroom(&p.Y, lo, hi, 0.05, false)
	}
	return &Figure{Plots: [][]*plot.Plot{{p}}, Legend: leg, ink: ink}, skips, nil
}

// addRegimeBands shades the bands behind p's data with legend entries for
// the regimes shown (none when leg is nil), headed by the bands' source
// when given. Bands with labels get one entry per label and shade, in
// order of appearance; others one per regime, in regime order.
func addRegimeBands(p *plot.Plot, leg *Legend, bs []Band, source string, skips *[]Skip) {
	if len(bs) == 0 {
		return
	}
	b := &bands{}
	seen := map[regime.Regime]bool{}
	type entry struct {
		label string
		pale  bool
	}
	var labelled []entry
	seenLabel := map[entry]bool{}
	for i, bd := range bs {
		if !(bd.From > 0 && bd.To > bd.From) || math.IsInf(bd.To, 0) {
			*skips = append(*skips, Skip{"regime bands", i, bd.From, bd.To, "band must have 0 < from < to < +Inf on a log axis"})
			continue
		}
		b.bands = append(b.bands, bd)
		if bd.Label == "" {
			seen[bd.Regime] = true
		} else if e := (entry{bd.Label, bd.Pale}); !seenLabel[e] {
			seenLabel[e] = true
			labelled = append(labelled, e)
		}
	}
	p.Add(b)
	if leg == nil {
		return
	}
	if source != "" {
		leg.Add("bands: " + source)
	}
	for _, r := range regime.All {
		if seen[r] {
			leg.Add(r.String(), swatch{fill: bandColor(r)})
		}
	}
	for _, e := range labelled {
		for _, bd := range b.bands {
			if bd.Label == e.label && bd.Pale == e.pale {
				leg.Add(e.label, swatch{fill: bd.shade()})
				break
			}
		}
	}
}

// bandColor is the regime colour lightened for a background band.
func bandColor(r regime.Regime) color.Color {
	return mixWhite(RegimeColor(r), 0.35)
}

// mixWhite mixes the fraction w of colour c with white.
func mixWhite(c0 color.Color, w float64) color.Color {
	c := c0.(color.NRGBA)
	mix := func(v uint8) uint8 { return uint8(math.Round(w*float64(v) + (1-w)*255)) }
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
		c.SetColor(bd.shade())
		c.Fill(vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y}, Max: vg.Point{X: x1, Y: c.Max.Y}}.Path())
	}
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

// Stationary is the data of the stationary-loss figure.
type Stationary struct {
	// ELR, Mean, Lo and Hi hold the measured stationary level per ELR with
	// its confidence interval [Lo, Hi] (Lo and Hi optional).
	ELR, Mean, Lo, Hi []float64
	// Curves are closed-form predictions (e.g. the circle's 2-cycle loss,
	// the von Mises-Fisher prediction), drawn on top of the measurements.
	Curves []Curve
	// Marks are vertical lines, e.g. where a prediction is expected to
	// fail.
	Marks []Mark
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
// confidence intervals as capped bars (or a legend note when every
// interval is narrower than the marker), closed-form curves on top, marks
// and the random level.
func NewStationary(d Stationary) (*Figure, []Skip, error) {
	if len(d.ELR) == 0 && len(d.Curves) == 0 {
		return nil, nil, errors.New("plots: stationary: no points and no curves")
	}
	var skips []Skip
	ink := inkSet{}
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
	m, err := collectMeasured("stationary level", d.ELR, d.Mean, d.Lo, d.Hi, true, d.LogY, &skips)
	if err != nil {
		return nil, nil, err
	}
	lo, hi := m.yRange()
	var curvePts []plotter.XYs
	for _, cv := range d.Curves {
		pts := points(cv.Name, cv.X, cv.Y, true, d.LogY, &[]Skip{})
		curvePts = append(curvePts, pts)
		for _, q := range pts {
			lo, hi = math.Min(lo, q.Y), math.Max(hi, q.Y)
		}
	}
	sty := StyleOf(Data)
	visible := m.ciVisible(lo, hi, d.LogY, sty.Glyph.Radius)
	if err := m.add(p, ink, sty.Glyph, visible); err != nil {
		return nil, nil, err
	}
	if m.scatter != nil {
		name := sty.Name
		switch {
		case len(m.bars.xy) > 0 && visible:
			name += " (bars: 95% CI)"
		case len(m.bars.xy) > 0:
			name += " (95% CI within marker)"
		}
		leg.Add(name, m.scatter)
	}
	for _, cv := range d.Curves {
		addCurve(p, leg, ink, cv, true, d.LogY, false, &skips)
	}
	if d.Random != 0 && !(d.LogY && d.Random < 0) {
		r := hline{Y: d.Random, Style: StyleOf(RandomLevel).Line}
		p.Add(r)
		ink.hline(p, d.Random)
		leg.Add(StyleOf(RandomLevel).Name, r)
		lo, hi = math.Min(lo, d.Random), math.Max(hi, d.Random)
	}
	addMarks(p, leg, ink, d.Marks, true, &skips)
	headroom(&p.Y, lo, hi, 0.05, d.LogY)
	return &Figure{Plots: [][]*plot.Plot{{p}}, Legend: leg, ink: ink}, skips, nil
}

// Bifurcation is the data of a bifurcation diagram.
type Bifurcation struct {
	// X and Y are the attractor points: the control parameter (e.g. ELR
	// times lambda) and the state (e.g. the angle phi or the loss).
	X, Y []float64
	// Branches are the closed-form branches, drawn on top of the points; a
	// branch without a name continues the style of the one before and has
	// no legend entry (e.g. the lower half of a 2-cycle).
	Branches []Curve
	// Marks are vertical lines with labelled ticks, e.g. at the
	// bifurcation point.
	Marks []Mark
	// XLabel and YLabel label the axes; empty means "η̃ λ" and "φ (rad)".
	XLabel, YLabel string
	// LogX makes the x axis logarithmic.
	LogX bool
	// Title is drawn above the figure when not empty.
	Title string
}

// NewBifurcation draws a bifurcation diagram: many small light dots at the
// attractor points under thin closed-form branches (solid, then dashed).
func NewBifurcation(d Bifurcation) (*Figure, []Skip, error) {
	if len(d.X) == 0 && len(d.Branches) == 0 {
		return nil, nil, errors.New("plots: bifurcation: no points and no branches")
	}
	var skips []Skip
	ink := inkSet{}
	p := newPlot()
	p.Title.Text = d.Title
	p.X.Label.Text, p.Y.Label.Text = d.XLabel, d.YLabel
	if p.X.Label.Text == "" {
		p.X.Label.Text = ELRSymbol + " λ"
	}
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = "φ (rad)"
	}
	if d.LogX {
		setLog(&p.X)
	}
	leg := newLegend()
	pts := points("attractor", d.X, d.Y, d.LogX, false, &skips)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	if len(pts) > 0 {
		s, _ := plotter.NewScatter(pts)
		s.GlyphStyle = draw.GlyphStyle{Color: bandColor(regime.Convergence), Radius: vg.Points(1.1), Shape: draw.CircleGlyph{}}
		p.Add(s)
		ink.points(p, pts)
		big := *s
		big.GlyphStyle.Radius = vg.Points(2)
		leg.Add("attractor (sim.)", &big)
		for _, q := range pts {
			ylo, yhi = math.Min(ylo, q.Y), math.Max(yhi, q.Y)
		}
	}
	// Branches on top, so that the dots cannot hide them.
	branch := []draw.LineStyle{StyleOf(Theory).Line, StyleOf(MSThreshold).Line}
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
		ln.LineStyle = branch[k%len(branch)]
		ln.LineStyle.Width = vg.Points(0.9)
		p.Add(ln)
		ink.line(p, bp)
		if cv.Name != "" {
			leg.Add(cv.Name, ln)
		}
		for _, q := range bp {
			ylo, yhi = math.Min(ylo, q.Y), math.Max(yhi, q.Y)
		}
	}
	addMarks(p, leg, ink, d.Marks, d.LogX, &skips)
	headroom(&p.Y, ylo, yhi, 0.05, false)
	return &Figure{Plots: [][]*plot.Plot{{p}}, Legend: leg, ink: ink}, skips, nil
}
