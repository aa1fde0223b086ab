package plots

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"
)

// A MeasuredSeries is a family of measured points with 95% confidence
// intervals [Lo, Hi] (optional: nil, or NaN where there is none).
type MeasuredSeries struct {
	Name         string
	X, Y, Lo, Hi []float64
}

// A MeasuredPanel is one panel of measured series and theory curves.
type MeasuredPanel struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	Series                []MeasuredSeries
	// Curves are theory lines, drawn on top in the style of their concept
	// (Theory by default); curves of one name share a legend entry.
	Curves []Curve
	// Level, if not nil, draws a horizontal theory line at *Level named
	// LevelName.
	Level     *float64
	LevelName string
}

// MeasuredPanels is a grid of measured-versus-theory panels (the figures of
// `regimes thermo`), Cols panels per row (default: all in one row).
type MeasuredPanels struct {
	Panels []MeasuredPanel
	Cols   int
	Title  string
	// Bands are shaded behind the data of every log-x panel (x intervals
	// labelled by a regime, as for NewLyapunov), with one legend entry per
	// regime or label, headed by BandSource when it is not empty.
	Bands      []Band
	BandSource string
}

// seriesGlyphs are the glyph shapes of successive series.
var seriesGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}}

// seriesStyle returns the glyph of series i of n: the Data style's glyph
// for a single series, otherwise colours spread along the sequential map
// (dark to light in series order) with distinct shapes.
func seriesStyle(i, n int) draw.GlyphStyle {
	sty := StyleOf(Data).Glyph
	if n > 1 {
		sty.Color = withAlpha(SequentialAt(0.1+0.75*float64(i)/float64(n-1)), 1)
		sty.Shape = seriesGlyphs[i%len(seriesGlyphs)]
	}
	return sty
}

// NewMeasuredPanels draws the panels: each series in its own colour and
// glyph with its CIs as capped bars (a legend note says where intervals are
// narrower than their markers), theory curves and levels on top. A series name
// keeps its colour and glyph across panels and has one legend entry. Points
// that cannot be drawn are skipped and returned.
func NewMeasuredPanels(d MeasuredPanels) (*Figure, []Skip, error) {
	if len(d.Panels) == 0 {
		return nil, nil, errors.New("plots: measured panels: no panels")
	}
	cols := d.Cols
	if cols <= 0 {
		cols = len(d.Panels)
	}
	var skips []Skip
	ink := inkSet{}
	leg := newLegend()
	named := map[string]bool{}
	index := map[string]int{}
	for _, p := range d.Panels {
		for _, s := range p.Series {
			if _, ok := index[s.Name]; !ok {
				index[s.Name] = len(index)
			}
		}
	}
	var grid [][]*plot.Plot
	var shown, hidden int // series whose CIs are drawn, and narrower than the marker
	for k, pd := range d.Panels {
		p := newPlot()
		p.Title.Text = pd.Title
		p.X.Label.Text = pd.XLabel
		p.Y.Label.Text = pd.YLabel
		if pd.LogX {
			setLog(&p.X)
		}
		if pd.LogY {
			setLog(&p.Y)
		}
		if pd.LogX && len(d.Bands) > 0 {
			var bl *Legend
			sk := &[]Skip{} // reported once, with the first panel's legend
			if !named["\x00bands"] {
				bl, sk, named["\x00bands"] = leg, &skips, true
			}
			addRegimeBands(p, bl, d.Bands, d.BandSource, sk)
		}
		ms := make([]measured, len(pd.Series))
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, s := range pd.Series {
			m, err := collectMeasured(s.Name, s.X, s.Y, s.Lo, s.Hi, pd.LogX, pd.LogY, &skips)
			if err != nil {
				return nil, nil, fmt.Errorf("plots: panel %d: %v", k, err)
			}
			ms[i] = m
			a, b := m.yRange()
			lo, hi = math.Min(lo, a), math.Max(hi, b)
		}
		for _, cv := range pd.Curves {
			for _, q := range points(cv.Name, cv.X, cv.Y, pd.LogX, pd.LogY, &[]Skip{}) {
				lo, hi = math.Min(lo, q.Y), math.Max(hi, q.Y)
			}
		}
		if pd.Level != nil {
			lo, hi = math.Min(lo, *pd.Level), math.Max(hi, *pd.Level)
		}
		for i, s := range pd.Series {
			sty := seriesStyle(index[s.Name], len(index))
			visible := ms[i].ciVisible(lo, hi, pd.LogY, sty.Radius)
			if err := ms[i].add(p, ink, sty, visible); err != nil {
				return nil, nil, err
			}
			if len(ms[i].bars.xy) > 0 {
				if visible {
					shown++
				} else {
					hidden++
				}
			}
			if ms[i].scatter != nil && !named[s.Name] {
				leg.Add(s.Name, ms[i].scatter)
				named[s.Name] = true
			}
		}
		for _, cv := range pd.Curves {
			name := cv.Name
			if named[name] {
				cv.Name = "" // drawn, no second legend entry
			}
			addCurve(p, leg, ink, cv, pd.LogX, pd.LogY, false, &skips)
			named[name] = true
		}
		if pd.Level != nil {
			r := hline{Y: *pd.Level, Style: StyleOf(Theory).Line}
			p.Add(r)
			ink.hline(p, *pd.Level)
			if pd.LevelName != "" && !named[pd.LevelName] {
				leg.Add(pd.LevelName, r)
				named[pd.LevelName] = true
			}
		}
		headroom(&p.Y, lo, hi, 0.05, pd.LogY)
		if k%cols == 0 {
			grid = append(grid, nil)
		}
		grid[len(grid)-1] = append(grid[len(grid)-1], p)
	}
	switch {
	case hidden > 0 && shown == 0:
		leg.Add("95% CIs within the markers")
	case hidden > 0:
		leg.Add("bars: 95% CI (none: within the marker, or no CI)")
	case shown > 0:
		leg.Add("bars: 95% CI")
	}
	for len(grid) > 1 && len(grid[len(grid)-1]) < cols {
		grid[len(grid)-1] = append(grid[len(grid)-1], nil)
	}
	return &Figure{Plots: grid, Legend: leg, Title: d.Title, ink: ink}, dropMissing(skips), nil
}
