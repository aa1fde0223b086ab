package plots

import (
	"errors"
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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
	// Curves are theory lines, drawn black; curves of one name share a dash
	// pattern and a legend entry.
	Curves []Curve
	// Theory, if Curves is empty and TheoryY is set, draws a horizontal
	// theory line at TheoryY named Theory.
	Theory  string
	TheoryY *float64
}

// MeasuredPanels is a grid of measured-versus-theory panels (the figures of
// `regimes thermo`), Cols panels per row.
type MeasuredPanels struct {
	Panels []MeasuredPanel
	Cols   int
	Title  string
}

// seriesGlyphs are the glyph shapes of successive series.
var seriesGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}

// NewMeasuredPanels draws the panels: each series in its own colour (the
// sequential map, in series order) and glyph with its CIs, theory curves in
// black. The legend (outside the data, on the right) names the series of
// the first panel that has each name once. Points that cannot be drawn are
// skipped and returned.
func NewMeasuredPanels(d MeasuredPanels) (*Figure, []Skip, error) {
	if len(d.Panels) == 0 {
		return nil, nil, errors.New("plots: measured panels: no panels")
	}
	cols := d.Cols
	if cols <= 0 {
		cols = len(d.Panels)
	}
	var skips []Skip
	leg := newLegend()
	named := map[string]bool{}
	// A name keeps one colour and glyph across panels.
	index := map[string]int{}
	for _, p := range d.Panels {
		for _, s := range p.Series {
			if _, ok := index[s.Name]; !ok {
				index[s.Name] = len(index)
			}
		}
	}
	n := len(index)
	curveIndex := map[string]int{} // a curve name keeps one dash pattern
	var grid [][]*plot.Plot
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
		curves := pd.Curves
		if len(curves) == 0 && pd.TheoryY != nil {
			r := hline{Y: *pd.TheoryY, Style: curveStyle(0)}
			p.Add(r)
			if !named[pd.Theory] && pd.Theory != "" {
				leg.Add(pd.Theory, r)
				named[pd.Theory] = true
			}
		}
		for _, cv := range curves {
			pts := points(cv.Name, cv.X, cv.Y, pd.LogX, pd.LogY, &skips)
			if len(pts) == 0 {
				continue
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return nil, nil, err
			}
			if _, ok := curveIndex[cv.Name]; !ok {
				curveIndex[cv.Name] = len(curveIndex)
			}
			l.LineStyle = curveStyle(curveIndex[cv.Name])
			p.Add(l)
			if !named[cv.Name] {
				leg.Add(cv.Name, l)
				named[cv.Name] = true
			}
		}
		for _, s := range pd.Series {
			i := index[s.Name]
			t := 0.15
			if n > 1 {
				t = 0.15 + 0.7*float64(i)/float64(n-1)
			}
			sty := draw.GlyphStyle{Color: withAlpha(SequentialAt(t), 1), Radius: vg.Points(2), Shape: seriesGlyphs[i%len(seriesGlyphs)]}
			sc, err := addMeasured(p, s.Name, s.X, s.Y, s.Lo, s.Hi, pd.LogX, pd.LogY, sty, &skips)
			if err != nil {
				return nil, nil, fmt.Errorf("plots: panel %d: %v", k, err)
			}
			if sc != nil && !named[s.Name] {
				leg.Add(s.Name, sc)
				named[s.Name] = true
			}
		}
		if k%cols == 0 {
			grid = append(grid, nil)
		}
		grid[len(grid)-1] = append(grid[len(grid)-1], p)
	}
	for len(grid[len(grid)-1]) < cols && len(grid) > 1 {
		grid[len(grid)-1] = append(grid[len(grid)-1], nil)
	}
	return &Figure{Plots: grid, Legend: leg, Title: d.Title}, dropMissing(skips), nil
}
