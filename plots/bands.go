package plots

import (
	"errors"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A BandSeries is one curve with a shaded band around it, for example the
// mean over seeds of a run's test error with the range over seeds.
type BandSeries struct {
	// Name labels the series in the legend (the first panel's series only).
	Name string
	// X, Mean, Lo and Hi hold the points: the line goes through Mean and the
	// band spans [Lo, Hi] (Lo and Hi optional: no band when empty).
	X, Mean, Lo, Hi []float64
	// Color is the series' colour; nil means black.
	Color color.Color
	// Bold draws the line thicker, to single one series out.
	Bold bool
}

// A BandPanel is one panel of a BandPanels figure.
type BandPanel struct {
	// YLabel labels the y axis; LogY makes it logarithmic.
	YLabel string
	LogY   bool
	// Series are the curves, drawn in order.
	Series []BandSeries
}

// BandPanels is the data of a figure of curves with shaded bands in panels
// stacked over a shared x axis, such as the fine-tuning comparison.
type BandPanels struct {
	// Panels are stacked from top to bottom.
	Panels []BandPanel
	// XLabel labels the x axis of the bottom panel; empty means "epoch".
	XLabel string
	// Marks are x positions marked by a dashed vertical line in every
	// panel (for example the epoch at which a run switches ELR).
	Marks []float64
	// Title is drawn above the figure when not empty.
	Title string
}

// NewBandPanels builds the band-panels figure. Points that cannot be drawn
// (non-finite, or not positive on a log axis) are skipped and reported.
func NewBandPanels(d BandPanels) (*Figure, []Skip, error) {
	if len(d.Panels) == 0 {
		return nil, nil, errors.New("plots: band panels: no panels")
	}
	var skips []Skip
	f := &Figure{Title: d.Title, Legend: newLegend()}
	for k, pd := range d.Panels {
		p := newPlot()
		p.Y.Label.Text = pd.YLabel
		if pd.LogY {
			setLog(&p.Y)
		}
		if k == len(d.Panels)-1 {
			p.X.Label.Text = d.XLabel
			if p.X.Label.Text == "" {
				p.X.Label.Text = "epoch"
			}
		}
		for _, s := range pd.Series {
			if len(s.Mean) != len(s.X) || (len(s.Lo) > 0 && len(s.Lo) != len(s.X)) || len(s.Lo) != len(s.Hi) {
				return nil, nil, fmt.Errorf("plots: band panels: series %q has %d x, %d mean, %d lo and %d hi values", s.Name, len(s.X), len(s.Mean), len(s.Lo), len(s.Hi))
			}
			c := s.Color
			if c == nil {
				c = color.Black
			}
			if len(s.Lo) > 0 {
				// Keep the band where both ends can be drawn.
				var lo, hi plotter.XYs
				for i := range s.X {
					okLo, why := keep(s.X[i], s.Lo[i], false, pd.LogY)
					okHi, whyHi := keep(s.X[i], s.Hi[i], false, pd.LogY)
					if !okLo || !okHi {
						if okLo {
							why = whyHi
						}
						skips = append(skips, Skip{Series: s.Name + " (band)", Index: i, X: s.X[i], Y: s.Lo[i], Reason: why})
						continue
					}
					lo = append(lo, plotter.XY{X: s.X[i], Y: s.Lo[i]})
					hi = append(hi, plotter.XY{X: s.X[i], Y: s.Hi[i]})
				}
				if len(lo) > 1 {
					band := append(lo, reversed(hi)...)
					poly, err := plotter.NewPolygon(band)
					if err != nil {
						return nil, nil, fmt.Errorf("plots: band panels: %v", err)
					}
					r, g, b, _ := c.RGBA()
					poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 50}
					poly.LineStyle.Width = 0
					p.Add(poly)
				}
			}
			xy := points(s.Name, s.X, s.Mean, false, pd.LogY, &skips)
			if len(xy) == 0 {
				continue
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, nil, fmt.Errorf("plots: band panels: %v", err)
			}
			l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1)}
			if s.Bold {
				l.LineStyle.Width = vg.Points(1.6)
			}
			p.Add(l)
			if k == 0 && s.Name != "" {
				f.Legend.Add(s.Name, l)
			}
		}
		for _, x := range d.Marks {
			p.Add(vline{x})
		}
		if pd.LogY {
			fixLogRange(&p.Y)
		}
		f.Plots = append(f.Plots, []*plot.Plot{p})
	}
	return f, skips, nil
}

func reversed(p plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, len(p))
	for i := range p {
		out[len(p)-1-i] = p[i]
	}
	return out
}

// vline is a dashed grey vertical line across a plot at X.
type vline struct{ X float64 }

func (v vline) Plot(c draw.Canvas, p *plot.Plot) {
	tx, _ := p.Transforms(&c)
	x := tx(v.X)
	c.StrokeLine2(draw.LineStyle{Color: color.Gray{Y: 100}, Width: vg.Points(0.7), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}},
		x, c.Min.Y, x, c.Max.Y)
}
