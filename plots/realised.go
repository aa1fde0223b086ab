package plots

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/regimes/regimes/regime"
)

// A Level is a named horizontal line, for example a regime threshold or a
// predicted equilibrium value.
type Level struct {
	Name string
	Y    float64
	// Concept selects the line's style from the shared table; the zero
	// value is refined from the name (see Curve).
	Concept Concept
}

// Realised is the data of the realised-ELR figure of a conventional run
// (SCIENCE.md section 3): the realised ELR against the step, drawn
// over the fixed-ELR regime boundaries.
type Realised struct {
	// Step and ELR hold the realised ELR per recorded step.
	Step, ELR []float64
	// Loss, if not empty, holds the loss per step, drawn (log y) in a
	// second panel aligned below the ELR panel.
	Loss []float64
	// Levels are horizontal lines over the ELR panel (thresholds, the
	// predicted ELR*), in black with distinct dash patterns.
	Levels []Level
	// Bands are ELR intervals shaded behind the ELR panel in the regime
	// palette (From may be 0 and To +Inf: they are clipped to the panel).
	Bands []Band
	// BandSource says where the bands' boundaries come from (e.g. "fixed-ELR
	// runs of testdata/mnist"); it heads their legend entries. A figure
	// with bands should say it.
	BandSource string
	// TimeLabel names the x axis; empty means "step".
	TimeLabel string
	// TraceName names the realised-ELR trace in the legend; empty means
	// "realised η̃".
	TraceName string
	// Title is drawn above the figure when not empty.
	Title string
}

// NewRealised draws the realised ELR (log y) against the step, with the
// regime bands shaded as horizontal stripes, the levels as horizontal lines
// and, when Loss is given, the loss (log y) in an aligned panel below.
func NewRealised(d Realised) (*Figure, []Skip, error) {
	if len(d.Step) == 0 {
		return nil, nil, errors.New("plots: realised: no points")
	}
	if len(d.ELR) != len(d.Step) || (len(d.Loss) != 0 && len(d.Loss) != len(d.Step)) {
		return nil, nil, fmt.Errorf("plots: realised: %d steps, %d ELR values and %d loss values", len(d.Step), len(d.ELR), len(d.Loss))
	}
	var skips []Skip
	ink := inkSet{}
	leg := newLegend()
	tl := d.TimeLabel
	if tl == "" {
		tl = "step"
	}
	p := newPlot()
	p.Y.Label.Text = "realised " + ELRSymbol
	setLog(&p.Y)
	if len(d.Loss) == 0 {
		p.X.Label.Text = tl
	}
	if len(d.Bands) > 0 {
		hb := &hbands{}
		seen := map[regime.Regime]bool{}
		for i, bd := range d.Bands {
			if !(bd.To > bd.From) || bd.From < 0 || math.IsNaN(bd.From) {
				skips = append(skips, Skip{"regime bands", i, bd.From, bd.To, "band must have 0 <= from < to"})
				continue
			}
			hb.bands = append(hb.bands, bd)
			seen[bd.Regime] = true
		}
		p.Add(hb)
		if d.BandSource != "" {
			leg.Add("bands: " + d.BandSource)
		}
		for _, r := range regime.All {
			if seen[r] {
				leg.Add(r.String(), swatch{fill: bandColor(r)})
			}
		}
	}
	pts := points("realised ELR", d.Step, d.ELR, false, true, &skips)
	if len(pts) > 0 {
		l, _ := plotter.NewLine(pts)
		l.LineStyle = StyleOf(Data).Line
		if len(pts) > 500 {
			// A dense trace: thin and light, so that the levels drawn on
			// top of it stay visible.
			l.LineStyle.Width = vg.Points(0.4)
			l.LineStyle.Color = withAlpha(SequentialAt(0.45), 0.55)
		}
		p.Add(l)
		ink.line(p, pts)
		name := d.TraceName
		if name == "" {
			name = "realised " + ELRSymbol
		}
		leg.Add(name, l)
	}
	// Levels on top of the trace. Levels within 1% of each other are one
	// line with one legend entry naming all of them; every entry carries
	// its value, so that close levels can be told apart.
	type group struct {
		names []string
		ys    []float64
		c     Concept
	}
	var groups []*group
	for _, lv := range d.Levels {
		if !(lv.Y > 0) || math.IsInf(lv.Y, 0) {
			skips = append(skips, Skip{lv.Name, 0, math.NaN(), lv.Y, "level must be positive and finite on a log axis"})
			continue
		}
		var g *group
		for _, h := range groups {
			if math.Abs(math.Log(lv.Y/h.ys[0])) < 0.01 {
				g = h
			}
		}
		if g == nil {
			g = &group{c: conceptOf(lv.Concept, lv.Name)}
			groups = append(groups, g)
		}
		g.names = append(g.names, lv.Name)
		g.ys = append(g.ys, lv.Y)
	}
	for _, g := range groups {
		h := hline{Y: g.ys[0], Style: StyleOf(g.c).Line}
		p.Add(h)
		ink.hline(p, g.ys[0])
		var parts []string
		for i, n := range g.names {
			if !strings.Contains(n, "=") {
				n += " = " + formatNumber(g.ys[i], 3)
			}
			parts = append(parts, n)
		}
		leg.Add(strings.Join(parts, " ≈ "), h)
	}
	grid := [][]*plot.Plot{{p}}
	if len(d.Loss) > 0 {
		q := newPlot()
		q.X.Label.Text = tl
		q.Y.Label.Text = "loss"
		setLog(&q.Y)
		lp := points("loss", d.Step, d.Loss, false, true, &skips)
		if len(lp) > 0 {
			l, _ := plotter.NewLine(lp)
			l.LineStyle = StyleOf(Data).Line
			l.LineStyle.Color = withAlpha(SequentialAt(0.6), 1)
			q.Add(l)
			ink.line(q, lp)
			// The lower panel's y axis names the loss: no legend entry.
		}
		// Share the step range so that the panels align in x.
		xmin, xmax := d.Step[0], d.Step[len(d.Step)-1]
		p.X.Min, p.X.Max, q.X.Min, q.X.Max = xmin, xmax, xmin, xmax
		grid = append(grid, []*plot.Plot{q})
	}
	return &Figure{Plots: grid, Legend: leg, Title: d.Title, ink: ink}, skips, nil
}

// hbands shades ELR intervals across the full width of a plot.
type hbands struct{ bands []Band }

func (b *hbands) Plot(c draw.Canvas, p *plot.Plot) {
	_, ty := p.Transforms(&c)
	for _, bd := range b.bands {
		lo, hi := math.Max(bd.From, p.Y.Min), math.Min(bd.To, p.Y.Max)
		if !(hi > lo) {
			continue
		}
		y0, y1 := max(c.Min.Y, ty(lo)), min(c.Max.Y, ty(hi))
		if y1 <= y0 {
			continue
		}
		c.SetColor(bandColor(bd.Regime))
		c.Fill(vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: y0}, Max: vg.Point{X: c.Max.X, Y: y1}}.Path())
	}
}
