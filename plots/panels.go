package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/regimes/regimes/regime"
)

// A Run is the metric history of one training run at a fixed ELR, as in the
// paper's diagnostic plots (Kodryan et al. 2022, Figure 1). Slices that are
// empty are not drawn; the others have the length of Time.
type Run struct {
	ELR    float64       // the run's effective learning rate
	Regime regime.Regime // the run's regime, when known: colours its lines
	Label  string        // legend text; empty means "η̃ = ELR"

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

// NewPanels draws the paper's panels for a family of runs: train loss (log
// y) against time, test error (%, linear, when some run has it), mean
// effective gradient norm (log y) against time, and train loss (log x)
// against mean effective gradient norm (log y) with the start marked (one
// star at a common start, a ring at each run's own start otherwise). When
// the runs carry regimes, each line has its regime's hue, with ELR order
// shown by lightness within the regime (RunColor); otherwise the
// sequential map in log ELR colours them. The panels share aligned data
// areas; the legend takes an empty grid cell or goes below. Points that
// cannot be drawn (non-finite, or <= 0 on a log axis) are skipped and
// returned (SummarizeSkips condenses them).
func NewPanels(d Panels) (*Figure, []Skip, error) {
	if len(d.Runs) == 0 {
		return nil, nil, errors.New("plots: panels: no runs")
	}
	runs := append([]Run(nil), d.Runs...)
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].ELR < runs[j].ELR })
	lo, hi := runs[0].ELR, runs[len(runs)-1].ELR
	var hasLoss, hasErr, hasGrad, hasRegime bool
	for k, r := range runs {
		if !(r.ELR > 0) || math.IsInf(r.ELR, 0) {
			return nil, nil, fmt.Errorf("plots: panels: run %d has ELR %g; ELRs must be positive and finite", k, r.ELR)
		}
		if r.Regime != regime.Undetermined {
			hasRegime = true
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
	// Colours: by regime and rank within the regime, or by log ELR.
	colors := make([]color.Color, len(runs))
	names := make([]string, len(runs))
	count := map[regime.Regime]int{}
	for _, r := range runs {
		count[r.Regime]++
	}
	seen := map[regime.Regime]int{}
	sameELR := map[float64]int{}
	elrs := make([]float64, len(runs))
	for k, r := range runs {
		elrs[k] = r.ELR
	}
	elrText := formatAll(elrs)
	for k, r := range runs {
		if hasRegime {
			t := 0.5
			if n := count[r.Regime]; n > 1 {
				t = float64(seen[r.Regime]) / float64(n-1)
			}
			seen[r.Regime]++
			colors[k] = RunColor(r.Regime, t)
		} else {
			t := 0.5
			if hi > lo {
				t = math.Log(r.ELR/lo) / math.Log(hi/lo)
			}
			// Stop short of the brightest yellow, which is faint on white.
			colors[k] = withAlpha(SequentialAt(0.9*t), 1)
		}
		names[k] = r.Label
		if names[k] == "" {
			names[k] = ELRSymbol + " = " + elrText[k]
			sameELR[r.ELR]++
			if n := sameELR[r.ELR]; n > 1 {
				names[k] += fmt.Sprintf(" (run %d)", n)
			}
		}
	}
	var skips []Skip
	ink := inkSet{}
	leg := newLegend()
	var panels []*plot.Plot
	line := func(p *plot.Plot, k int, name string, xs, ys []float64, logX, logY bool) plotter.XYs {
		r := runs[k]
		pts := points(fmt.Sprintf("%s at η̃=%.4g", name, r.ELR), xs, ys, logX, logY, &skips)
		if len(pts) == 0 {
			return pts
		}
		l, _ := plotter.NewLine(pts)
		l.LineStyle = draw.LineStyle{Color: colors[k], Width: vg.Points(1)}
		p.Add(l)
		ink.line(p, pts)
		return pts
	}
	tlo, thi := math.Inf(1), math.Inf(-1)
	for _, r := range runs {
		for _, t := range r.Time {
			if !math.IsNaN(t) && !math.IsInf(t, 0) {
				tlo, thi = math.Min(tlo, t), math.Max(thi, t)
			}
		}
	}
	timePanel := func(name, ylabel string, get func(Run) []float64, logY bool) *plot.Plot {
		p := newPlot()
		p.X.Label.Text = tl
		p.Y.Label.Text = ylabel
		if logY {
			setLog(&p.Y)
		}
		headroom(&p.X, tlo, thi, 0.02, false)
		for k, r := range runs {
			if ys := get(r); len(ys) > 0 {
				line(p, k, name, r.Time, ys, false, logY)
			}
		}
		panels = append(panels, p)
		return p
	}
	if hasLoss {
		timePanel("train loss", "train loss", func(r Run) []float64 { return r.TrainLoss }, true)
	}
	if hasErr {
		p := timePanel("test error", "test error (%)", func(r Run) []float64 { return r.TestError }, false)
		// A percentage: from 0, with room above the highest error.
		top := math.Inf(-1)
		for _, r := range runs {
			for _, v := range r.TestError {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					top = math.Max(top, v)
				}
			}
		}
		if !math.IsInf(top, 0) {
			p.Y.Min, p.Y.Max = 0, math.Min(100, top*1.05)
		}
	}
	if hasGrad {
		timePanel("gradient norm", "effective grad. norm", func(r Run) []float64 { return r.GradNorm }, true)
	}
	if hasLoss && hasGrad {
		p := newPlot()
		p.X.Label.Text = "train loss"
		p.Y.Label.Text = "effective grad. norm"
		setLog(&p.X)
		setLog(&p.Y)
		var starts plotter.XYs
		// The start markers go under the lines, so that no run hides
		// beneath them.
		var added []plotter.XYs
		for _, r := range runs {
			if len(r.TrainLoss) == 0 || len(r.GradNorm) == 0 {
				continue
			}
			xs, ys := r.TrainLoss, r.GradNorm
			pts := points(fmt.Sprintf("loss vs gradient norm at η̃=%.4g", r.ELR), xs, ys, true, true, &skips)
			if len(pts) > 0 {
				starts = append(starts, pts[0])
				added = append(added, pts)
			} else {
				added = append(added, nil)
			}
		}
		if len(starts) > 0 {
			common := true
			for _, s := range starts[1:] {
				if math.Abs(s.X-starts[0].X) > 1e-9*math.Abs(starts[0].X) || math.Abs(s.Y-starts[0].Y) > 1e-9*math.Abs(starts[0].Y) {
					common = false
				}
			}
			sty := StyleOf(StartPoint).Glyph
			name := "common start"
			at := starts[:1]
			if !common {
				sty = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(2.2), Shape: draw.RingGlyph{}}
				name = "start of each run"
				at = starts
			}
			s, _ := plotter.NewScatter(at)
			s.GlyphStyle = sty
			p.Add(s)
			ink.points(p, at)
			leg.Add(name, s)
		}
		i := 0
		for k, r := range runs {
			if len(r.TrainLoss) == 0 || len(r.GradNorm) == 0 {
				continue
			}
			if pts := added[i]; len(pts) > 0 {
				l, _ := plotter.NewLine(pts)
				l.LineStyle = draw.LineStyle{Color: colors[k], Width: vg.Points(1)}
				p.Add(l)
				ink.line(p, pts)
			}
			i++
		}
		panels = append(panels, p)
	}
	for k := range runs {
		l, _ := plotter.NewLine(plotter.XYs{{}})
		l.LineStyle = draw.LineStyle{Color: colors[k], Width: vg.Points(1.5)}
		name := names[k]
		if hasRegime {
			name += " (" + runs[k].Regime.String() + ")"
		}
		leg.Add(name, l)
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
	return &Figure{Plots: grid, Legend: leg, Title: d.Title, ink: ink}, skips, nil
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
