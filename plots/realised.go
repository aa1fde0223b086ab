package plots

import (
	"errors"
	"fmt"
	"math"

	"github.com/regimes/regimes/regime"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A Level is a named horizontal line, for example a regime threshold or a
// predicted equilibrium value.
type Level struct {
	Name string
	Y    float64
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
	leg := newLegend()
	p := newPlot()
	p.Y.Label.Text = "realised " + ELRLabel
	setLog(&p.Y)
	if len(d.Loss) == 0 {
		p.X.Label.Text = "step"
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
		for _, r := range regime.All {
			if seen[r] {
				leg.Add(r.String(), swatch{fill: bandColor(r)})
			}
		}
	}
	pts := points("realised ELR", d.Step, d.ELR, false, true, &skips)
	if len(pts) > 0 {
		l, _ := plotter.NewLine(pts)
		l.LineStyle = draw.LineStyle{Color: dataColor, Width: vg.Points(0.7)}
		p.Add(l)
		leg.Add("realised "+ELRSymbol, l)
	}
	for k, lv := range d.Levels {
		if !(lv.Y > 0) || math.IsInf(lv.Y, 0) {
			skips = append(skips, Skip{lv.Name, 0, math.NaN(), lv.Y, "level must be positive and finite on a log axis"})
			continue
		}
		h := hline{Y: lv.Y, Style: curveStyle(k)}
		p.Add(h)
		leg.Add(lv.Name, h)
	}
	grid := [][]*plot.Plot{{p}}
	if len(d.Loss) > 0 {
		q := newPlot()
		q.X.Label.Text = "step"
		q.Y.Label.Text = "loss"
		setLog(&q.Y)
		q.Y.Tick.Marker = sparseLogTicks{}
		lp := points("loss", d.Step, d.Loss, false, true, &skips)
		if len(lp) > 0 {
			l, _ := plotter.NewLine(lp)
			l.LineStyle = draw.LineStyle{Color: withAlpha(SequentialAt(0.6), 1), Width: vg.Points(0.7)}
			q.Add(l)
			leg.Add("loss", l)
		}
		// Share the step range so that the panels align in x.
		xmin, xmax := d.Step[0], d.Step[len(d.Step)-1]
		p.X.Min, p.X.Max, q.X.Min, q.X.Max = xmin, xmax, xmin, xmax
		grid = append(grid, []*plot.Plot{q})
	}
	return &Figure{Plots: grid, Legend: leg, Title: d.Title}, skips, nil
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

// sparseLogTicks labels at most about six decades of a logarithmic axis, so
// that a loss falling by many decades stays legible.
type sparseLogTicks struct{}

// Ticks returns logTicks with labels only on every k-th decade.
func (sparseLogTicks) Ticks(min, max float64) []plot.Tick {
	ts := logTicks{}.Ticks(min, max)
	if !(min > 0 && max > min) {
		return ts
	}
	k := int(math.Ceil(math.Log10(max/min) / 6))
	if k <= 1 {
		return ts
	}
	for i, t := range ts {
		e := math.Round(math.Log10(t.Value))
		if t.Label != "" && (math.Abs(math.Log10(t.Value)-e) > 1e-9 || int(e)%k != 0) {
			ts[i].Label = ""
		}
	}
	return ts
}
