package plots

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/regimes/regimes/regime"
)

// A Caption is the text under a figure, generated from the figure's data:
// every number and every claim in it is computed from the data it
// describes, never written in advance. Facts holds the computed numbers
// by name, so that a test can recompute them independently.
type Caption struct {
	Text  string
	Facts map[string]float64
}

func (c *Caption) add(format string, a ...any) {
	if c.Text != "" {
		c.Text += " "
	}
	c.Text += fmt.Sprintf(format, a...)
}

func (c *Caption) fact(name string, v float64) float64 {
	if c.Facts == nil {
		c.Facts = map[string]float64{}
	}
	c.Facts[name] = v
	return v
}

// g formats a number for a caption: 3 significant digits, Unicode minus.
func g(v float64) string { return minus(fmt.Sprintf("%.3g", v)) }

// sg formats a signed number with its sign.
func sg(v float64) string { return minus(fmt.Sprintf("%+.2g", v)) }

// regimeAt returns the regime of the band that holds x.
func regimeAt(bs []Band, x float64) (regime.Regime, bool) {
	for _, b := range bs {
		if x >= b.From && x < b.To {
			return b.Regime, true
		}
	}
	return regime.Undetermined, false
}

// LyapunovCaption describes the Lyapunov figure from its data: for each
// regime band, the range of the estimates in it and how many are
// significantly positive or negative (the confidence interval excludes
// zero); the ELR range over which the estimates are significantly
// positive; and the largest estimate and where it is. It says nothing it
// has not counted.
func LyapunovCaption(d Lyapunov) Caption {
	var c Caption
	type stat struct {
		n, pos, neg int
		lo, hi      float64
	}
	stats := map[regime.Regime]*stat{}
	posLo, posHi := math.Inf(1), math.Inf(-1)
	best, bestAt := math.Inf(-1), math.NaN()
	for i, e := range d.ELR {
		v := d.Exp[i]
		if math.IsNaN(v) {
			continue
		}
		r, _ := regimeAt(d.Bands, e)
		s := stats[r]
		if s == nil {
			s = &stat{lo: math.Inf(1), hi: math.Inf(-1)}
			stats[r] = s
		}
		s.n++
		s.lo, s.hi = math.Min(s.lo, v), math.Max(s.hi, v)
		if len(d.Lo) > 0 {
			if d.Lo[i] > 0 {
				s.pos++
				posLo, posHi = math.Min(posLo, e), math.Max(posHi, e)
			}
			if d.Hi[i] < 0 {
				s.neg++
			}
		}
		if v > best {
			best, bestAt = v, e
		}
	}
	c.add("Top Lyapunov exponent per step against the ELR, %d estimates with 95%% confidence intervals; shaded bands are the regimes the classifier assigned from the loss series.", c.countPoints(d))
	for _, r := range regime.All {
		s := stats[r]
		if s == nil {
			continue
		}
		name := strings.ReplaceAll(r.String(), " ", "_")
		c.fact(name+"_n", float64(s.n))
		c.fact(name+"_pos", float64(s.pos))
		c.fact(name+"_neg", float64(s.neg))
		c.fact(name+"_min", s.lo)
		c.fact(name+"_max", s.hi)
		c.add("In the %s band (%s) the estimates run from %s to %s; %d %s significantly positive and %d significantly negative.",
			r, plural(s.n, "ELR"), sg(s.lo), sg(s.hi), s.pos, isAre(s.pos), s.neg)
	}
	if !math.IsInf(posLo, 0) {
		c.fact("positive_from", posLo)
		c.fact("positive_to", posHi)
		rf, _ := regimeAt(d.Bands, posLo)
		rt, _ := regimeAt(d.Bands, posHi)
		c.add("Significantly positive estimates occur from η̃ = %s (%s) to η̃ = %s (%s).", g(posLo), rf, g(posHi), rt)
	}
	if !math.IsInf(best, 0) {
		c.fact("max", best)
		c.fact("max_at", bestAt)
		c.add("The largest estimate is %s at η̃ = %s.", sg(best), g(bestAt))
	}
	return c
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func (c *Caption) countPoints(d Lyapunov) int {
	n := 0
	for _, v := range d.Exp {
		if !math.IsNaN(v) {
			n++
		}
	}
	return int(c.fact("points", float64(n)))
}

// ThresholdsCaption describes the thresholds figure from its data: at how
// many batch sizes the almost-sure threshold lies between the simulated
// boundary points, how the mean-square threshold compares with it, and
// where (if anywhere) the almost-sure threshold exceeds the GD one.
func ThresholdsCaption(d Thresholds) Caption {
	var c Caption
	c.add("Regime 1|2 thresholds against the batch size b: GD 2/λ_max(H), mean-square, and almost-sure (with the 95%% confidence interval of its Lyapunov estimate); markers are the simulated boundary, the largest ELR of the grid that converged and the smallest that did not.")
	n, between, msBelow := 0, 0, 0
	var above []float64
	maxExcess := 0.0
	for i, b := range d.B {
		if len(d.AS) == 0 || math.IsNaN(d.AS[i]) {
			continue
		}
		as := d.AS[i]
		if len(d.Converged) > 0 && len(d.Diverged) > 0 && !math.IsNaN(d.Converged[i]) && !math.IsNaN(d.Diverged[i]) {
			n++
			if d.Converged[i] <= as && as <= d.Diverged[i] {
				between++
			}
		}
		if len(d.MS) > 0 && d.MS[i] <= as*(1+1e-9) {
			msBelow++
		}
		if len(d.GD) > 0 && as > d.GD[i]*(1+1e-9) {
			above = append(above, b)
			maxExcess = math.Max(maxExcess, as/d.GD[i]-1)
		}
	}
	c.fact("brackets", float64(n))
	c.fact("between", float64(between))
	c.fact("ms_below_as", float64(msBelow))
	if n > 0 {
		c.add("The almost-sure threshold lies between the two simulated markers at %d of %d batch sizes.", between, n)
	}
	if len(d.MS) > 0 {
		c.add("The mean-square threshold is at or below it at %d of %d.", msBelow, len(d.B))
	}
	c.fact("as_above_gd", float64(len(above)))
	if len(above) > 0 {
		c.fact("as_above_gd_from", above[0])
		c.fact("as_above_gd_max_excess", maxExcess)
		c.add("At b ≥ %s the almost-sure threshold exceeds the GD threshold (by up to %s%%): batches are drawn with replacement, so H_B keeps fluctuating even at b ≥ n, and a product of random steps can contract at step sizes where the full-batch step already expands along the top eigenvector; the two thresholds need not meet at any finite b.", g(above[0]), g(100*maxExcess))
	} else if len(d.GD) > 0 {
		c.add("The almost-sure threshold stays below the GD threshold at every b shown.")
	}
	return c
}

// PhaseCaption describes a phase diagram coloured by regime from its data:
// per row, how many cells (and which ELR interval) the chaotic band takes,
// and whether its width grows with the row parameter.
func PhaseCaption(d PhaseDiagram) Caption {
	var c Caption
	widths := make([]int, len(d.Values))
	var parts []string
	for i, row := range d.Cells {
		lo, hi := math.Inf(1), math.Inf(-1)
		for j, cell := range row {
			if cell.State == CellOK && cell.Regime == regime.Chaotic {
				widths[i]++
				lo, hi = math.Min(lo, d.ELR[j]), math.Max(hi, d.ELR[j])
			}
		}
		name := d.Param
		if name == "" {
			name = "row"
		}
		switch widths[i] {
		case 0:
			parts = append(parts, fmt.Sprintf("none at %s = %s", name, g(d.Values[i])))
		case 1:
			parts = append(parts, fmt.Sprintf("1 cell at %s = %s (η̃ = %s)", name, g(d.Values[i]), g(lo)))
		default:
			parts = append(parts, fmt.Sprintf("%d cells at %s = %s (η̃ = %s to %s)", widths[i], name, g(d.Values[i]), g(lo), g(hi)))
		}
		c.fact(fmt.Sprintf("chaotic_cells_%d", i), float64(widths[i]))
	}
	step := math.NaN()
	if len(d.ELR) > 1 {
		step = math.Pow(d.ELR[len(d.ELR)-1]/d.ELR[0], 1/float64(len(d.ELR)-1))
	}
	c.fact("grid_step", step)
	c.add("Cells are runs at %d ELRs (a factor %s apart) and %d values of %s, coloured by the regime the classifier assigns.", len(d.ELR), g(step), len(d.Values), d.Param)
	c.add("The chaotic band takes %s.", strings.Join(parts, "; "))
	grows := true
	for i := 1; i < len(widths); i++ {
		if widths[i] < widths[i-1] {
			grows = false
		}
	}
	widens := grows && len(widths) > 1 && widths[len(widths)-1] > widths[0]
	c.fact("widens", b2f(widens))
	if widens {
		c.add("Its width in cells never shrinks and grows from %d to %d across the rows.", widths[0], widths[len(widths)-1])
	} else {
		c.add("Its width in cells does not grow steadily across the rows at this grid resolution.")
	}
	return c
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// StationaryCaption describes a stationary-level figure against one
// prediction (the first curve): the largest relative deviation of the
// measurements from the prediction below the first mark, and the smallest
// ELR at which it exceeds tol (a fraction, e.g. 0.05).
func StationaryCaption(d Stationary, tol float64) Caption {
	var c Caption
	c.add("Stationary level of %d runs against the ELR, with 95%% batch-means confidence intervals.", len(d.ELR))
	if len(d.Curves) == 0 || len(d.ELR) == 0 {
		return c
	}
	cv := d.Curves[0]
	pred := func(x float64) float64 { return interpLog(cv.X, cv.Y, x) }
	firstOff, agreeTo, maxDev := math.NaN(), math.NaN(), 0.0
	idx := make([]int, len(d.ELR))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return d.ELR[idx[a]] < d.ELR[idx[b]] })
	for _, i := range idx {
		p := pred(d.ELR[i])
		if math.IsNaN(p) || math.IsNaN(d.Mean[i]) {
			continue
		}
		dev := math.Abs(d.Mean[i]-p) / math.Abs(p)
		if dev > tol {
			if math.IsNaN(firstOff) {
				firstOff = d.ELR[i]
			}
			continue
		}
		if math.IsNaN(firstOff) {
			agreeTo = d.ELR[i]
			maxDev = math.Max(maxDev, dev)
		}
	}
	c.fact("tolerance", tol)
	c.fact("agree_to", agreeTo)
	c.fact("max_dev_below", maxDev)
	c.fact("first_off", firstOff)
	if !math.IsNaN(agreeTo) {
		c.add("Up to η̃ = %s the measurements agree with the %s within %s%%.", g(agreeTo), cv.Name, g(100*maxDev))
	}
	if !math.IsNaN(firstOff) {
		c.add("From η̃ = %s on they depart from it by more than %s%%.", g(firstOff), g(100*tol))
	} else {
		c.add("They stay within %s%% of it over the whole range.", g(100*tol))
	}
	return c
}

// interpLog interpolates y(x) linearly in log x between the points of a
// curve sorted by x; NaN outside.
func interpLog(xs, ys []float64, x float64) float64 {
	for i := 1; i < len(xs); i++ {
		if xs[i-1] <= x && x <= xs[i] && !math.IsNaN(ys[i-1]) && !math.IsNaN(ys[i]) {
			if xs[i] == xs[i-1] {
				return ys[i]
			}
			t := math.Log(x/xs[i-1]) / math.Log(xs[i]/xs[i-1])
			return ys[i-1] + t*(ys[i]-ys[i-1])
		}
	}
	return math.NaN()
}

// BifurcationCaption describes a bifurcation diagram from its data: the
// largest distance of an attractor point from the nearest closed-form
// branch at its parameter, and the smallest parameter at which the
// attractor leaves zero by more than eps.
func BifurcationCaption(d Bifurcation, eps float64) Caption {
	var c Caption
	maxDist := 0.0
	split := math.NaN()
	for i, x := range d.X {
		y := d.Y[i]
		if math.IsNaN(y) {
			continue
		}
		best := math.Inf(1)
		for _, b := range d.Branches {
			if v := interpLin(b.X, b.Y, x); !math.IsNaN(v) {
				best = math.Min(best, math.Abs(v-y))
			}
		}
		if !math.IsInf(best, 0) {
			maxDist = math.Max(maxDist, best)
		}
		if math.Abs(y) > eps && (math.IsNaN(split) || x < split) {
			split = x
		}
	}
	c.fact("max_distance", maxDist)
	c.fact("split_at", split)
	c.add("Dots: %d attractor samples; lines: the closed-form branches, drawn on top.", len(d.X))
	c.add("No sample lies farther than %s rad from a branch at its parameter.", g(maxDist))
	if !math.IsNaN(split) {
		c.add("The attractor first leaves φ = 0 (by more than %s rad) at %s = %s.", g(eps), d.xName(), g(split))
	}
	return c
}

func (d Bifurcation) xName() string {
	if d.XLabel != "" {
		return d.XLabel
	}
	return ELRSymbol + "λ"
}

func interpLin(xs, ys []float64, x float64) float64 {
	for i := 1; i < len(xs); i++ {
		if xs[i-1] <= x && x <= xs[i] && !math.IsNaN(ys[i-1]) && !math.IsNaN(ys[i]) {
			if xs[i] == xs[i-1] {
				return ys[i]
			}
			t := (x - xs[i-1]) / (xs[i] - xs[i-1])
			return ys[i-1] + t*(ys[i]-ys[i-1])
		}
	}
	return math.NaN()
}
