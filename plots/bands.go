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
	// Clip, when Clip[0] < Clip[1], clips the bands to [Clip[0], Clip[1]]
	// (e.g. [0, 100] for a percentage: an interval from few seeds can
	// run past the possible values) and fixes the axis to that range when
	// Fixed is set.
	Clip  [2]float64
	Fixed bool
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
	// MarkName names the marks in the legend; empty means "switch".
	MarkName string
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
	ink := inkSet{}
	f := &Figure{Title: d.Title, Legend: newLegend(), ink: ink}
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for _, pd := range d.Panels {
		for _, s := range pd.Series {
			for _, x := range s.X {
				if !math.IsNaN(x) && !math.IsInf(x, 0) {
					xlo, xhi = math.Min(xlo, x), math.Max(xhi, x)
				}
			}
		}
	}
	for k, pd := range d.Panels {
		p := newPlot()
		p.Y.Label.Text = pd.YLabel
		// Curves start off the frame: a little room on both sides.
		headroom(&p.X, xlo, xhi, 0.02, false)
		clip := pd.Clip[0] < pd.Clip[1]
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
					l, h := s.Lo[i], s.Hi[i]
					if clip {
						l, h = math.Max(l, pd.Clip[0]), math.Min(h, pd.Clip[1])
					}
					lo = append(lo, plotter.XY{X: s.X[i], Y: l})
					hi = append(hi, plotter.XY{X: s.X[i], Y: h})
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
					ink.points(p, band)
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
			ink.line(p, xy)
			if k == 0 && s.Name != "" {
				f.Legend.Add(s.Name, l)
			}
		}
		for i, x := range d.Marks {
			v := vline{X: x, Style: StyleOf(Marker).Line}
			p.Add(v)
			ink.vline(p, x)
			if k == 0 && i == 0 {
				name := d.MarkName
				if name == "" {
					name = StyleOf(Marker).Name
				}
				f.Legend.Add(name, v)
			}
		}
		if clip && pd.Fixed {
			p.Y.Min, p.Y.Max = pd.Clip[0], pd.Clip[1]
		} else if clip && !pd.LogY {
			// A bounded quantity (a percentage): the axis starts at its
			// lower bound.
			p.Y.Min = pd.Clip[0]
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
