package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SliceMap is the data of a 2-D loss slice on the sphere: Loss[i][j] at
// the angles (A[j], B[i]) in radians along two tangent directions.
type SliceMap struct {
	A, B []float64
	Loss [][]float64
	// ALabel and BLabel name the directions; empty means "angle along d₁
	// (rad)" and "angle along d₂ (rad)".
	ALabel, BLabel string
	// Log colours by log10 of the loss.
	Log bool
	// Contours is the number of contour levels drawn over the map (0: 8).
	Contours int
	Title    string
}

type sliceGrid struct {
	a, b []float64
	z    *mat.Dense
}

func (g sliceGrid) Dims() (c, r int)   { r, c = g.z.Dims(); return c, r }
func (g sliceGrid) Z(c, r int) float64 { return g.z.At(r, c) }
func (g sliceGrid) X(c int) float64    { return g.a[c] }
func (g sliceGrid) Y(r int) float64    { return g.b[r] }

// NewSliceMap draws the slice as a heat map in the sequential colour map
// with black contour lines and a colour bar; the centre (0, 0), the point
// the slice goes through, is marked with a cross.
func NewSliceMap(d SliceMap) (*Figure, error) {
	if len(d.A) < 2 || len(d.B) < 2 || len(d.Loss) != len(d.B) {
		return nil, fmt.Errorf("plots: slice map: need at least 2x2 points, have %d angles a, %d angles b and %d rows", len(d.A), len(d.B), len(d.Loss))
	}
	z := mat.NewDense(len(d.B), len(d.A), nil)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, row := range d.Loss {
		if len(row) != len(d.A) {
			return nil, fmt.Errorf("plots: slice map: row %d has %d values for %d angles", i, len(row), len(d.A))
		}
		for j, v := range row {
			if d.Log {
				if !(v > 0) {
					return nil, fmt.Errorf("plots: slice map: loss %v at (%v, %v) has no logarithm", v, d.A[j], d.B[i])
				}
				v = math.Log10(v)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("plots: slice map: loss %v at (%v, %v)", v, d.A[j], d.B[i])
			}
			z.Set(i, j, v)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if !(hi > lo) {
		return nil, errors.New("plots: slice map: the loss is constant")
	}
	g := sliceGrid{a: d.A, b: d.B, z: z}
	cmap := NewSequential(lo, hi)
	p := newPlot()
	p.Title.Text = d.Title
	p.X.Label.Text, p.Y.Label.Text = d.ALabel, d.BLabel
	if p.X.Label.Text == "" {
		p.X.Label.Text = "angle along d₁ (rad)"
	}
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = "angle along d₂ (rad)"
	}
	hm := plotter.NewHeatMap(g, cmap.Palette(256))
	hm.Min, hm.Max = lo, hi
	p.Add(hm)
	n := d.Contours
	if n == 0 {
		n = 8
	}
	levels := make([]float64, n)
	for k := range levels {
		levels[k] = lo + (hi-lo)*(float64(k)+0.5)/float64(n)
	}
	c := plotter.NewContour(g, levels, nil)
	c.LineStyles = []draw.LineStyle{{Color: color.Black, Width: thinWidth}}
	p.Add(stableContour{c})
	s, _ := plotter.NewScatter(plotter.XYs{{X: 0, Y: 0}})
	s.GlyphStyle = draw.GlyphStyle{Color: color.White, Radius: vg.Points(3), Shape: draw.CrossGlyph{}}
	p.Add(s)
	label := "loss"
	if d.Log {
		label = "log_{10} loss"
	}
	bar := &plotter.ColorBar{ColorMap: cmap, Vertical: true, Colors: 256}
	return &Figure{Plots: [][]*plot.Plot{{p}}, ColorBar: newColorBar(cmap, bar, label), Legend: newLegend(), ink: inkSet{}}, nil
}

// A Track is one run's sharpness against epoch for NewSharpnessTrack.
type Track struct {
	// Name labels the run (for example "ELR 1.2e-3").
	Name string
	// ELR is the run's ELR: the line 2/ELR is drawn in the run's colour.
	ELR float64
	// Epoch, Lambda and Batch hold the effective λ_max and the effective
	// batch sharpness at each epoch (NaN: not measured).
	Epoch, Lambda, Batch []float64
	Color                color.Color
}

// SharpnessTrack is the data of the sharpness-tracking figure.
type SharpnessTrack struct {
	Tracks []Track
	Title  string
}

// NewSharpnessTrack draws, per run, the effective λ_max (solid, circles)
// and the batch sharpness (dashed, squares) against epoch on log-log axes,
// with the stability line 2/ELR of the run (dotted) in the same colour.
func NewSharpnessTrack(d SharpnessTrack) (*Figure, []Skip, error) {
	if len(d.Tracks) == 0 {
		return nil, nil, errors.New("plots: sharpness track: no runs")
	}
	var skips []Skip
	ink := inkSet{}
	p := newPlot()
	p.Title.Text = d.Title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "effective curvature"
	setLog(&p.X)
	setLog(&p.Y)
	leg := newLegend()
	ylo, yhi := math.Inf(1), math.Inf(-1)
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for _, t := range d.Tracks {
		if len(t.Lambda) != len(t.Epoch) || len(t.Batch) != len(t.Epoch) {
			return nil, nil, fmt.Errorf("plots: sharpness track %q: %d epochs, %d λ_max and %d batch values", t.Name, len(t.Epoch), len(t.Lambda), len(t.Batch))
		}
		c := t.Color
		if c == nil {
			c = color.Black
		}
		for k, ys := range [][]float64{t.Lambda, t.Batch} {
			pts := points(t.Name, t.Epoch, ys, true, true, &skips)
			if len(pts) == 0 {
				continue
			}
			l, s, _ := plotter.NewLinePoints(pts)
			l.LineStyle = draw.LineStyle{Color: c, Width: lineWidth}
			s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: glyphSmall, Shape: draw.CircleGlyph{}}
			if k == 1 {
				l.LineStyle.Dashes = dashes(4, 2)
				s.GlyphStyle.Shape = draw.BoxGlyph{}
			}
			p.Add(l, s)
			ink.line(p, pts)
			for _, q := range pts {
				ylo, yhi = math.Min(ylo, q.Y), math.Max(yhi, q.Y)
				xlo, xhi = math.Min(xlo, q.X), math.Max(xhi, q.X)
			}
			name := t.Name + ": λ_{max}"
			if k == 1 {
				name = t.Name + ": batch sharpness"
			}
			leg.Add(name, l, s)
		}
		if t.ELR > 0 {
			h := hline{Y: 2 / t.ELR, Style: draw.LineStyle{Color: c, Width: thinWidth, Dashes: dashes(1, 2)}}
			p.Add(h)
			ink.hline(p, h.Y)
			ylo, yhi = math.Min(ylo, h.Y), math.Max(yhi, h.Y)
		}
	}
	th := hline{Style: draw.LineStyle{Color: color.Black, Width: thinWidth, Dashes: dashes(1, 2)}}
	leg.Add("2/ELR of the run", th)
	headroom(&p.Y, ylo, yhi, 0.08, true)
	headroom(&p.X, xlo, xhi, 0.05, true)
	return &Figure{Plots: [][]*plot.Plot{{p}}, Legend: leg, ink: ink}, skips, nil
}

// A Prediction is one predicted threshold per training ELR, with its
// confidence interval. X, when given, places the points (for example
// dodged a little from the training ELRs so that bars do not overlap).
type Prediction struct {
	Name          string
	Concept       Concept
	X             []float64
	Value, Lo, Hi []float64
}

// StabilityCheck is the data of the prediction-check figure: thresholds
// predicted from the points reached at each training ELR against the
// measured regime 1|2 boundary.
type StabilityCheck struct {
	// TrainELR holds the ELRs the points were reached at (x axis).
	TrainELR []float64
	// Predictions are drawn as points with bars, joined by lines.
	Predictions []Prediction
	// Boundary is the measured 1|2 boundary bracket [lo, hi] (a shaded
	// horizontal band); zero values draw none. BoundaryName labels it.
	Boundary     [2]float64
	BoundaryName string
	Title        string
}

// NewStabilityCheck draws the predicted thresholds against the training
// ELR on log-log axes with the diagonal "threshold = training ELR" (a
// point below it is unstable at its own ELR) and the measured boundary
// band.
func NewStabilityCheck(d StabilityCheck) (*Figure, []Skip, error) {
	if len(d.TrainELR) == 0 {
		return nil, nil, errors.New("plots: stability check: no training ELRs")
	}
	var skips []Skip
	ink := inkSet{}
	p := newPlot()
	p.Title.Text = d.Title
	p.X.Label.Text = "ELR η\u0303 of the run"
	p.Y.Label.Text = "threshold η\u0303"
	setLog(&p.X)
	setLog(&p.Y)
	leg := newLegend()
	ylo, yhi := math.Inf(1), math.Inf(-1)
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for _, x := range d.TrainELR {
		xlo, xhi = math.Min(xlo, x), math.Max(xhi, x)
	}
	if d.Boundary[1] > d.Boundary[0] && d.Boundary[0] > 0 {
		band := plotter.XYs{{X: xlo / 10, Y: d.Boundary[0]}, {X: xhi * 10, Y: d.Boundary[0]}, {X: xhi * 10, Y: d.Boundary[1]}, {X: xlo / 10, Y: d.Boundary[1]}}
		poly, _ := plotter.NewPolygon(band)
		poly.Color = color.NRGBA{R: 0x90, G: 0x90, B: 0x90, A: 70}
		poly.LineStyle.Width = 0
		p.Add(poly)
		ink.points(p, band)
		name := d.BoundaryName
		if name == "" {
			name = "measured 1|2 boundary"
		}
		leg.Add(name, poly)
		ylo, yhi = math.Min(ylo, d.Boundary[0]), math.Max(yhi, d.Boundary[1])
	}
	diag, _ := plotter.NewLine(plotter.XYs{{X: xlo / 10, Y: xlo / 10}, {X: xhi * 10, Y: xhi * 10}})
	diag.LineStyle = draw.LineStyle{Color: greyColor, Width: thinWidth, Dashes: dashes(1, 2)}
	p.Add(diag)
	leg.Add("threshold = training ELR", diag)
	for _, pr := range d.Predictions {
		if len(pr.Value) != len(d.TrainELR) || len(pr.Lo) != len(pr.Hi) || (len(pr.Lo) > 0 && len(pr.Lo) != len(pr.Value)) {
			return nil, nil, fmt.Errorf("plots: stability check %q: %d values, %d lo, %d hi for %d ELRs", pr.Name, len(pr.Value), len(pr.Lo), len(pr.Hi), len(d.TrainELR))
		}
		sty := StyleOf(pr.Concept)
		xs := d.TrainELR
		if len(pr.X) > 0 {
			if len(pr.X) != len(d.TrainELR) {
				return nil, nil, fmt.Errorf("plots: stability check %q: %d x for %d ELRs", pr.Name, len(pr.X), len(d.TrainELR))
			}
			xs = pr.X
		}
		m, err := collectMeasured(pr.Name, xs, pr.Value, pr.Lo, pr.Hi, true, true, &skips)
		if err != nil {
			return nil, nil, err
		}
		if len(m.pts) == 0 {
			continue
		}
		l, _ := plotter.NewLine(m.pts)
		l.LineStyle = sty.Line
		p.Add(l)
		ink.line(p, m.pts)
		g := sty.Glyph
		if g.Radius == 0 {
			g = draw.GlyphStyle{Color: sty.Line.Color, Radius: glyphSmall, Shape: draw.CircleGlyph{}}
		}
		if err := m.add(p, ink, g, true); err != nil {
			return nil, nil, err
		}
		a, b := m.yRange()
		ylo, yhi = math.Min(ylo, a), math.Max(yhi, b)
		leg.Add(pr.Name+" (bars: 95% CI)", l, m.scatter)
	}
	p.X.Min, p.X.Max = xlo/1.5, xhi*1.5
	headroom(&p.Y, math.Min(ylo, xlo), yhi, 0.08, true)
	return &Figure{Plots: [][]*plot.Plot{{p}}, Legend: leg, LegendPlace: LegendBelow, ink: ink}, skips, nil
}

// stableContour draws a gonum/plot contour with its paths in a fixed
// order: plotter.Contour collects a level's paths in a map, so the order of
// the strokes, and with it the bytes of an SVG or PDF, changed from run to
// run (the pixels did not).
type stableContour struct{ *plotter.Contour }

func (s stableContour) Plot(c draw.Canvas, plt *plot.Plot) {
	rec := &strokeRecorder{Canvas: c.Canvas}
	c.Canvas = rec
	s.Contour.Plot(c, plt)
	rec.flush()
}

// strokeRecorder passes everything to Canvas but Stroke, whose paths it
// keeps, with the line style and colour set for each, until flush draws
// them sorted by style and then path.
type strokeRecorder struct {
	vg.Canvas
	width  vg.Length
	dashes []vg.Length
	offs   vg.Length
	col    color.Color
	kept   []keptStroke
}

type keptStroke struct {
	width  vg.Length
	dashes []vg.Length
	offs   vg.Length
	col    color.Color
	path   vg.Path
	key    string
}

func (r *strokeRecorder) SetLineWidth(w vg.Length) { r.width = w }

func (r *strokeRecorder) SetLineDash(d []vg.Length, offs vg.Length) {
	r.dashes, r.offs = append([]vg.Length(nil), d...), offs
}

func (r *strokeRecorder) SetColor(c color.Color) { r.col = c }

func (r *strokeRecorder) Stroke(p vg.Path) {
	k := fmt.Sprint(r.width, r.dashes, r.offs, r.col, p)
	r.kept = append(r.kept, keptStroke{r.width, r.dashes, r.offs, r.col, append(vg.Path(nil), p...), k})
}

func (r *strokeRecorder) flush() {
	sort.SliceStable(r.kept, func(i, j int) bool { return r.kept[i].key < r.kept[j].key })
	for _, k := range r.kept {
		r.Canvas.SetLineWidth(k.width)
		r.Canvas.SetLineDash(k.dashes, k.offs)
		r.Canvas.SetColor(k.col)
		r.Canvas.Stroke(k.path)
	}
	r.kept = nil
}
