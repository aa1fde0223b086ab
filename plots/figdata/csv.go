package figdata

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/regime"
)

// table is a figure CSV: named columns of numbers, empty cells NaN.
type table struct {
	*analysis.Table
	cols map[string][]float64
	// nan lists, by column, the rows whose cell holds a NaN written as
	// such: unlike an empty cell ("no value") it is a point that cannot be
	// drawn, and is listed (nanSkips).
	nan map[string][]int
}

// readTable reads a CSV file with a header row of column names; the
// columns named in text are left unparsed (they hold labels, not numbers).
func readTable(name string, text ...string) (*table, error) {
	t, err := analysis.ReadTableFile(name)
	if err != nil {
		return nil, err
	}
	tb := &table{Table: t, cols: map[string][]float64{}, nan: map[string][]int{}}
	for _, h := range t.Header {
		if contains(text, h) {
			continue
		}
		if tb.cols[h], err = t.Values(h); err != nil {
			return nil, err
		}
		cells, _ := t.Text(h)
		for i, v := range tb.cols[h] {
			if math.IsNaN(v) && cells[i] != "" {
				tb.nan[h] = append(tb.nan[h], i)
			}
		}
	}
	return tb, nil
}

// nanSkips lists the NaN cells written as such in the columns cols (all
// numeric columns but x when cols is empty) as skipped points against the
// column x: the figure builders take NaN for "no value here" and would
// drop them without a word.
func (t *table) nanSkips(x string, cols ...string) []plots.Skip {
	if len(cols) == 0 {
		for _, h := range t.Header {
			if h != x && t.cols[h] != nil {
				cols = append(cols, h)
			}
		}
	}
	var out []plots.Skip
	for _, h := range cols {
		for _, i := range t.nan[h] {
			xv := math.NaN()
			if xs := t.cols[x]; xs != nil {
				xv = xs[i]
			}
			out = append(out, plots.Skip{
				Series: fmt.Sprintf("%s column %q", t.Name, h), Index: i, X: xv, Y: math.NaN(),
				Reason: fmt.Sprintf("NaN at line %d (an empty cell means no value)", t.Line(i)),
			})
		}
	}
	return out
}

// intervalNaNs lists the NaN cells written as such in the interval columns
// lo and hi at rows where the other end is NaN too: the builders take such
// an interval for absent (one NaN end they report themselves).
func (t *table) intervalNaNs(x, lo, hi string) []plots.Skip {
	var out []plots.Skip
	for _, end := range [2][2]string{{lo, hi}, {hi, lo}} {
		other := t.cols[end[1]]
		for _, s := range t.nanSkips(x, end[0]) {
			if other == nil || math.IsNaN(other[s.Index]) {
				out = append(out, s)
			}
		}
	}
	return out
}

// col returns the named column, nil when the file has none.
func (t *table) col(name string) []float64 { return t.cols[name] }

// need reports the first of names the table lacks.
func (t *table) need(names ...string) error {
	for _, n := range names {
		if !t.Has(n) {
			return fmt.Errorf("%s: missing column %q (header: %s)", t.Name, n, strings.Join(t.Header, ","))
		}
	}
	return nil
}

// extraCurves returns the columns other than known as curves against x,
// keeping only rows where both are present.
func extraCurves(t *table, x []float64, known ...string) []plots.Curve {
	var out []plots.Curve
	for _, h := range t.Header {
		if contains(known, h) {
			continue
		}
		var c plots.Curve
		c.Name = strings.ReplaceAll(h, "_", " ")
		for i, v := range t.cols[h] {
			if !math.IsNaN(v) && !math.IsNaN(x[i]) {
				c.X = append(c.X, x[i])
				c.Y = append(c.Y, v)
			}
		}
		out = append(out, c)
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// present returns xs and ys restricted to the rows where ys is not NaN.
func present(xs, ys []float64, more ...[]float64) (ox, oy []float64, om [][]float64) {
	om = make([][]float64, len(more))
	for i := range ys {
		if math.IsNaN(ys[i]) {
			continue
		}
		ox, oy = append(ox, xs[i]), append(oy, ys[i])
		for k, m := range more {
			if m != nil {
				om[k] = append(om[k], m[i])
			}
		}
	}
	return ox, oy, om
}

// Thresholds reads the thresholds figure's CSV: header b and any of gd,
// ms, as, as_lo, as_hi, converged, diverged; empty cells mean "no value".
// A cell that holds NaN reads as NaN too; Figure lists it as a point it
// could not draw.
func Thresholds(name string) (plots.Thresholds, error) {
	d, _, err := thresholds(name)
	return d, err
}

// thresholds is Thresholds with the NaN cells written as such.
func thresholds(name string) (plots.Thresholds, []plots.Skip, error) {
	t, err := readTable(name)
	if err != nil {
		return plots.Thresholds{}, nil, err
	}
	if err := t.need("b"); err != nil {
		return plots.Thresholds{}, nil, err
	}
	return plots.Thresholds{
		B: t.col("b"), GD: t.col("gd"), MS: t.col("ms"), AS: t.col("as"),
		ASLo: t.col("as_lo"), ASHi: t.col("as_hi"),
		Converged: t.col("converged"), Diverged: t.col("diverged"),
	}, append(t.nanSkips("b", "gd", "ms", "as", "converged", "diverged"), t.intervalNaNs("b", "as_lo", "as_hi")...), nil
}

// Lyapunov reads the Lyapunov figure's CSV: header elr,exponent with
// optional lo,hi (confidence interval) and regime; consecutive points with
// the same regime form a band (Bands).
func Lyapunov(name string) (plots.Lyapunov, error) {
	d, _, err := lyapunov(name)
	return d, err
}

// lyapunov is Lyapunov with the NaN cells written as such that the
// builder would not report.
func lyapunov(name string) (plots.Lyapunov, []plots.Skip, error) {
	t, err := readTable(name, "regime")
	if err != nil {
		return plots.Lyapunov{}, nil, err
	}
	if err := t.need("elr", "exponent"); err != nil {
		return plots.Lyapunov{}, nil, err
	}
	d := plots.Lyapunov{ELR: t.col("elr"), Exp: t.col("exponent"), Lo: t.col("lo"), Hi: t.col("hi")}
	d.Linear = SymLogLinear(d.Exp)
	nans := t.intervalNaNs("elr", "lo", "hi")
	if !t.Has("regime") {
		return d, nans, nil
	}
	cells, _ := t.Text("regime")
	var elrs []float64
	var regs []regime.Regime
	for i, c := range cells {
		r, err := regime.Parse(c)
		if err != nil {
			return d, nil, fmt.Errorf("%s:%d: %v", name, t.Line(i), err)
		}
		if d.ELR[i] > 0 {
			elrs, regs = append(elrs, d.ELR[i]), append(regs, r)
		}
	}
	d.Bands = Bands(elrs, regs)
	return d, nans, nil
}

// SymLogLinear returns the linear half-width of a symmetric-log axis for
// values vs when a linear axis would squash the small ones: when the
// largest magnitude is more than 30 times some nonzero magnitude, two
// decades below the largest magnitude's decade; 0 (a linear axis)
// otherwise.
func SymLogLinear(vs []float64) float64 {
	top, small := 0.0, math.Inf(1)
	for _, v := range vs {
		if a := math.Abs(v); !math.IsNaN(a) && !math.IsInf(a, 0) {
			top = math.Max(top, a)
			if a > 0 {
				small = math.Min(small, a)
			}
		}
	}
	if !(top > 30*small) {
		return 0
	}
	return math.Pow(10, math.Floor(math.Log10(top))-2)
}

// Bands turns runs of equal regimes at positive ELRs into bands reaching
// halfway, in log ELR, to the neighbouring points (by half a spacing beyond
// the first and last point; a factor 2 for a single point).
func Bands(elr []float64, regimes []regime.Regime) []plots.Band {
	type pt struct {
		elr float64
		r   regime.Regime
	}
	pts := make([]pt, len(elr))
	for i := range elr {
		pts[i] = pt{elr[i], regimes[i]}
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].elr < pts[j].elr })
	var bands []plots.Band
	for i := 0; i < len(pts); {
		j := i
		for j+1 < len(pts) && pts[j+1].r == pts[i].r {
			j++
		}
		from, to := pts[i].elr, pts[j].elr
		if i > 0 {
			from = math.Sqrt(pts[i-1].elr * pts[i].elr)
		} else if len(pts) > 1 {
			from = pts[0].elr * math.Sqrt(pts[0].elr/pts[1].elr)
		} else {
			from /= 2
		}
		if j+1 < len(pts) {
			to = math.Sqrt(pts[j].elr * pts[j+1].elr)
		} else if len(pts) > 1 {
			to = pts[j].elr * math.Sqrt(pts[j].elr/pts[j-1].elr)
		} else {
			to *= 2
		}
		bands = append(bands, plots.Band{From: from, To: to, Regime: pts[i].r})
		i = j + 1
	}
	return bands
}

// Stationary reads the stationary-loss figure's CSV: header elr,mean with
// optional lo,hi; every other column is a closed-form curve named by its
// header, drawn through the rows where it has a value. random is the random
// level to draw (0: none).
func Stationary(name string, random float64) (plots.Stationary, error) {
	d, _, err := stationary(name, random)
	return d, err
}

// stationary is Stationary with the NaN cells written as such in the mean
// and curve columns, which it leaves out, and in the interval columns at
// rows without a mean.
func stationary(name string, random float64) (plots.Stationary, []plots.Skip, error) {
	t, err := readTable(name)
	if err != nil {
		return plots.Stationary{}, nil, err
	}
	if err := t.need("elr", "mean"); err != nil {
		return plots.Stationary{}, nil, err
	}
	lo, hi := t.col("lo"), t.col("hi")
	if (lo == nil) != (hi == nil) {
		return plots.Stationary{}, nil, fmt.Errorf("%s: give both lo and hi columns or neither", name)
	}
	x, mean, more := present(t.col("elr"), t.col("mean"), lo, hi)
	var nans []plots.Skip
	for _, h := range t.Header {
		if h == "lo" || h == "hi" {
			for _, s := range t.nanSkips("elr", h) {
				if math.IsNaN(t.col("mean")[s.Index]) {
					nans = append(nans, s)
				}
			}
		} else if h != "elr" {
			nans = append(nans, t.nanSkips("elr", h)...)
		}
	}
	return plots.Stationary{
		ELR: x, Mean: mean, Lo: more[0], Hi: more[1],
		Curves: extraCurves(t, t.col("elr"), "elr", "mean", "lo", "hi"),
		Random: random,
	}, nans, nil
}

// Bifurcation reads the bifurcation diagram's CSV: header x,y (attractor
// points) and optional further columns, each a closed-form branch.
func Bifurcation(name string) (plots.Bifurcation, error) {
	d, _, err := bifurcation(name)
	return d, err
}

// bifurcation is Bifurcation with the NaN cells written as such in the
// columns other than x, which it leaves out.
func bifurcation(name string) (plots.Bifurcation, []plots.Skip, error) {
	t, err := readTable(name)
	if err != nil {
		return plots.Bifurcation{}, nil, err
	}
	if err := t.need("x", "y"); err != nil {
		return plots.Bifurcation{}, nil, err
	}
	x, y, _ := present(t.col("x"), t.col("y"))
	d := plots.Bifurcation{X: x, Y: y, Branches: extraCurves(t, t.col("x"), "x", "y")}
	// Mark the bifurcation: where the first branch ends and a later named
	// one begins (the flip of a fixed point into a cycle).
	if len(d.Branches) > 1 && len(d.Branches[0].X) > 0 && len(d.Branches[1].X) > 0 {
		end := d.Branches[0].X[len(d.Branches[0].X)-1]
		start := d.Branches[1].X[0]
		if math.Abs(end-start) <= 0.02*math.Max(math.Abs(end), math.Abs(start)) {
			at := (end + start) / 2
			d.Marks = []plots.Mark{{Name: "bifurcation at " + fmt.Sprintf("%.3g", at), X: at, Label: fmt.Sprintf("%.3g", at)}}
		}
	}
	return d, t.nanSkips("x"), nil
}
