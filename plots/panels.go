package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A Run is the metric history of one training run at a fixed ELR, as in the
// paper's diagnostic plots (Kodryan et al. 2022, Figure 1). Slices that are
// empty are not drawn; the others have the length of Time.
type Run struct {
	ELR       float64   // the run's effective learning rate
	Time      []float64 // step or epoch of each record
	TrainLoss []float64 // train loss
	TestError []float64 // test error in percent (networks only)
	GradNorm  []float64 // mean effective gradient norm
}

// Panels is the data of the paper's panels for a family of runs.
type Panels struct {
	// Runs holds one run per ELR.
	Runs []Run
	// TimeLabel names the time axis, "step" or "epoch"; empty means "step".
	TimeLabel string
	// Title is drawn above the panels when not empty.
	Title string
}

// NewPanels draws the paper's panels for a family of runs, one line per ELR
// coloured by the sequential map in log ELR, with a legend of the ELRs:
// train loss (log y) against time, test error against time (only when some
// run has it), mean effective gradient norm (log y) against time, and train
// loss (log x) against mean effective gradient norm (log y) with the common
// start marked by a star (each run's own start by a small ring when the
// starts differ). The panels share aligned data areas. Points that cannot
// be drawn (non-finite, or <= 0 on a log axis) are skipped and returned.
func NewPanels(d Panels) (*Figure, []Skip, error) {
	if len(d.Runs) == 0 {
		return nil, nil, errors.New("plots: panels: no runs")
	}
	runs := append([]Run(nil), d.Runs...)
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].ELR < runs[j].ELR })
	lo, hi := runs[0].ELR, runs[len(runs)-1].ELR
	var hasLoss, hasErr, hasGrad bool
	for k, r := range runs {
		if !(r.ELR > 0) || math.IsInf(r.ELR, 0) {
			return nil, nil, fmt.Errorf("plots: panels: run %d has ELR %g; ELRs must be positive and finite", k, r.ELR)
		}
		for _, s := range []struct {
			name string
			ys   []float64
			has  *bool
		}{{"train loss", r.TrainLoss, &hasLoss}, {"test error", r.TestError, &hasErr}, {"gradient norm", r.GradNorm, &hasGrad}} {
			if len(s.ys) == 0 {
				continue
			}
			if len(s.ys) != len(r.Time) {
				return nil, nil, fmt.Errorf("plots: panels: run at ELR %g has %d %s values but %d times", r.ELR, len(s.ys), s.name, len(r.Time))
			}
			*s.has = true
		}
	}
	if !hasLoss && !hasErr && !hasGrad {
		return nil, nil, errors.New("plots: panels: the runs have no train loss, test error or gradient norm")
	}
	tl := d.TimeLabel
	if tl == "" {
		tl = "step"
	}
	colorOf := func(e float64) color.Color {
		t := 0.5
		if hi > lo {
			t = math.Log(e/lo) / math.Log(hi/lo)
		}
		// Stop short of the brightest yellow, which is faint on white.
		return withAlpha(SequentialAt(0.9*t), 1)
	}
	var skips []Skip
	leg := newLegend()
	var panels []*plot.Plot
	line := func(p *plot.Plot, r Run, name string, xs, ys []float64, logX, logY bool) plotter.XYs {
		pts := points(fmt.Sprintf("%s at η̃=%.4g", name, r.ELR), xs, ys, logX, logY, &skips)
		if len(pts) == 0 {
			return pts
		}
		l, _ := plotter.NewLine(pts)
		l.LineStyle = draw.LineStyle{Color: colorOf(r.ELR), Width: vg.Points(1)}
		p.Add(l)
		return pts
	}
	timePanel := func(name, ylabel string, get func(Run) []float64, logY bool) {
		p := newPlot()
		p.X.Label.Text = tl
		p.Y.Label.Text = ylabel
		if logY {
			setLog(&p.Y)
		}
		for _, r := range runs {
			if ys := get(r); len(ys) > 0 {
				line(p, r, name, r.Time, ys, false, logY)
			}
		}
		panels = append(panels, p)
	}
	if hasLoss {
		timePanel("train loss", "train loss", func(r Run) []float64 { return r.TrainLoss }, true)
	}
	if hasErr {
		timePanel("test error", "test error (%)", func(r Run) []float64 { return r.TestError }, false)
	}
	if hasGrad {
		timePanel("gradient norm", "mean effective gradient norm", func(r Run) []float64 { return r.GradNorm }, true)
	}
	if hasLoss && hasGrad {
		p := newPlot()
		p.X.Label.Text = "train loss"
		p.Y.Label.Text = "mean effective gradient norm"
		setLog(&p.X)
		setLog(&p.Y)
		var starts plotter.XYs
		for _, r := range runs {
			if len(r.TrainLoss) == 0 || len(r.GradNorm) == 0 {
				continue
			}
			pts := line(p, r, "loss vs gradient norm", r.TrainLoss, r.GradNorm, true, true)
			if len(pts) > 0 {
				starts = append(starts, pts[0])
			}
		}
		if len(starts) > 0 {
			common := true
			for _, s := range starts[1:] {
				if math.Abs(s.X-starts[0].X) > 1e-9*math.Abs(starts[0].X) || math.Abs(s.Y-starts[0].Y) > 1e-9*math.Abs(starts[0].Y) {
					common = false
				}
			}
			if !common {
				ring, _ := plotter.NewScatter(starts)
				ring.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(1.5), Shape: draw.RingGlyph{}}
				p.Add(ring)
			}
			star, _ := plotter.NewScatter(starts[:1])
			star.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(3.5), Shape: starGlyph{}}
			p.Add(star)
			name := "start"
			if common {
				name = "common start"
			}
			leg.Add(name, star)
		}
		panels = append(panels, p)
	}
	for _, r := range runs {
		l, _ := plotter.NewLine(plotter.XYs{{}})
		l.LineStyle = draw.LineStyle{Color: colorOf(r.ELR), Width: vg.Points(1.5)}
		leg.Add(ELRSymbol+" = "+strconv.FormatFloat(r.ELR, 'g', 3, 64), l)
	}
	// Two columns of panels.
	var grid [][]*plot.Plot
	for i := 0; i < len(panels); i += 2 {
		row := []*plot.Plot{panels[i], nil}
		if i+1 < len(panels) {
			row[1] = panels[i+1]
		}
		if len(panels) == 1 {
			row = row[:1]
		}
		grid = append(grid, row)
	}
	return &Figure{Plots: grid, Legend: leg, Title: d.Title}, skips, nil
}

// starGlyph draws a filled five-pointed star.
type starGlyph struct{}

func (starGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	var p vg.Path
	for k := range 10 {
		r := sty.Radius
		if k%2 == 1 {
			r *= 0.45
		}
		a := math.Pi/2 + float64(k)*math.Pi/5
		q := vg.Point{X: pt.X + r*vg.Length(math.Cos(a)), Y: pt.Y + r*vg.Length(math.Sin(a))}
		if k == 0 {
			p.Move(q)
		} else {
			p.Line(q)
		}
	}
	p.Close()
	c.SetColor(sty.Color)
	c.Fill(p)
}
