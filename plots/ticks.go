package plots

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// Tick labels: at most maxLabels labels per axis, negative numbers with the
// minus sign U+2212 (a hyphen is too short and sits too high), decades as
// 10^k, and no minor ticks so dense that they merge into a bar.
const (
	maxShortLabels = 8 // on a log axis of less than 2.5 decades: 1, 2, 5 times each
	maxLabels      = 6
	maxMinorDecade = 6 // decades above which the 2..9 minor ticks are dropped
)

// minus replaces ASCII hyphen-minus signs of a number label by U+2212.
func minus(s string) string { return strings.ReplaceAll(s, "-", "\u2212") }

// formatNumber formats v with at most prec significant digits, without
// trailing zeros, with a Unicode minus sign and an exponent as ×10^k when
// plain digits would be long.
func formatNumber(v float64, prec int) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e5 || a < 1e-3 {
		e := int(math.Floor(math.Log10(a) + 1e-9))
		m := v / math.Pow10(e)
		if math.Abs(math.Abs(m)-1) < 1e-9 {
			if v < 0 {
				return "\u2212" + decade(e)
			}
			return decade(e)
		}
		return minus(strconv.FormatFloat(m, 'g', prec, 64)) + "×" + decade(e)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', prec, 64), 64)
	return minus(strconv.FormatFloat(r, 'f', -1, 64))
}

// logTicks is a plot.Ticker for logarithmic axes labelled as powers of ten.
type logTicks struct{}

// Ticks labels decades 10^k, every k-th decade when there are more than
// maxLabels (with a major tick at each labelled one and a minor tick at the
// others); minor ticks at 2..9 times each decade when the axis spans at most
// maxMinorDecade decades. Over less than two decades it labels 1, 2 and 5
// times the decades, and when that gives fewer than three labels, more of
// the multiples.
func (logTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0 && max > min) {
		return nil
	}
	lo, hi := int(math.Floor(math.Log10(min)+1e-9)), int(math.Ceil(math.Log10(max)-1e-9))
	in := func(v float64) bool { return v >= min*(1-1e-9) && v <= max*(1+1e-9) }
	span := math.Log10(max / min)
	var ticks []plot.Tick
	if span < 2.5 {
		// Short range: label 1, 2, 5 (or all multiples when too few fit).
		for _, set := range [][]int{{1, 2, 5}, {1, 2, 3, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}} {
			ticks = ticks[:0]
			n := 0
			for k := lo; k <= hi; k++ {
				d := math.Pow10(k)
				for i := 1; i < 10; i++ {
					v := d * float64(i)
					if !in(v) {
						continue
					}
					t := plot.Tick{Value: v}
					if contains(set, i) {
						t.Label = "x"
						n++
					}
					ticks = append(ticks, t)
				}
			}
			if n >= 3 {
				break
			}
		}
		// One notation per axis: plain digits when every label reads well
		// so, i×10^k for all otherwise.
		plain := true
		for _, t := range ticks {
			if t.Label != "" && (t.Value < 1e-3*(1-1e-9) || t.Value >= 1e4) {
				plain = false
			}
		}
		for i, t := range ticks {
			if t.Label == "" {
				continue
			}
			k := int(math.Floor(math.Log10(t.Value) + 1e-9))
			m := int(math.Round(t.Value / math.Pow10(k)))
			switch {
			case plain:
				ticks[i].Label = formatNumber(t.Value, 3)
			case m == 1:
				ticks[i].Label = "10^{" + minus(strconv.Itoa(k)) + "}"
			default:
				ticks[i].Label = strconv.Itoa(m) + "×10^{" + minus(strconv.Itoa(k)) + "}"
			}
		}
		return thin(ticks, maxShortLabels)
	}
	decades := hi - lo
	stride := 1
	for (decades/stride)+1 > maxLabels {
		stride++
	}
	// Minor ticks at unlabelled decades only every minorStride decades,
	// so that many decades do not merge into a bar.
	minorStride := stride / 3
	if minorStride < 1 {
		minorStride = 1
	}
	for k := lo; k <= hi; k++ {
		d := math.Pow10(k)
		if in(d) {
			t := plot.Tick{Value: d}
			if mod(k, stride) == 0 {
				t.Label = decade(k)
			}
			if t.Label != "" || mod(k, minorStride) == 0 {
				ticks = append(ticks, t)
			}
		}
		if span > maxMinorDecade {
			continue
		}
		for i := 2; i < 10; i++ {
			if v := d * float64(i); in(v) {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	if labelled(ticks) < 2 {
		// A range that holds one or no labelled decade: label the ends.
		for _, v := range []float64{min, max} {
			ticks = append(ticks, plot.Tick{Value: v, Label: formatNumber(v, 2)})
		}
		return ticks
	}
	// One notation per axis: plain numbers when every labelled decade is
	// between 0.01 and 1000, powers of ten (10^0 and 10^1 included)
	// otherwise, never "10^{−1}" next to "1".
	plain := true
	for _, t := range ticks {
		if e := math.Log10(t.Value); t.Label != "" && (e < -2.5 || e > 3.5) {
			plain = false
		}
	}
	for i, t := range ticks {
		if t.Label == "" {
			continue
		}
		k := int(math.Round(math.Log10(t.Value)))
		if plain {
			ticks[i].Label = formatNumber(math.Pow10(k), 3)
		} else {
			ticks[i].Label = "10^{" + minus(strconv.Itoa(k)) + "}"
		}
	}
	return ticks
}

func contains(s []int, x int) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func mod(a, b int) int { return ((a % b) + b) % b }

func labelled(ts []plot.Tick) int {
	n := 0
	for _, t := range ts {
		if t.Label != "" {
			n++
		}
	}
	return n
}

// thin removes every other label (keeping the ticks) until at most n remain.
func thin(ts []plot.Tick, n int) []plot.Tick {
	for labelled(ts) > n {
		k := 0
		for i := range ts {
			if ts[i].Label == "" {
				continue
			}
			if k%2 == 1 {
				ts[i].Label = ""
			}
			k++
		}
	}
	return ts
}

func decade(k int) string {
	switch k {
	case 0:
		return "1"
	case 1:
		return "10"
	}
	return "10^{" + minus(strconv.Itoa(k)) + "}"
}

// linTicks is a plot.Ticker for linear axes: gonum/plot's tick positions,
// relabelled with the fewest decimals that tell the labels apart (no
// "25000.00"), Unicode minus signs, and at most maxLabels labels.
type linTicks struct{}

func (linTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		return nil
	}
	// A "nice" step (1, 2, 2.5 or 5 times a power of ten) giving 4 to 6
	// labels, and minor ticks between them.
	raw := (max - min) / 5
	mag := math.Pow10(int(math.Floor(math.Log10(raw))))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	minor := step / 2
	if math.Abs(step/mag-2) < 1e-9 || math.Abs(step/mag-20) < 1e-9 {
		minor = step / 4
	}
	dec := 0
	for dec < 10 && math.Abs(step*math.Pow10(dec)-math.Round(step*math.Pow10(dec))) > 1e-6*step*math.Pow10(dec) {
		dec++
	}
	big := math.Max(math.Abs(min), math.Abs(max)) >= 1e5
	var ts []plot.Tick
	for v := math.Ceil(min/minor-1e-9) * minor; v <= max+1e-9*minor; v += minor {
		t := plot.Tick{Value: v}
		if k := v / step; math.Abs(k-math.Round(k)) < 1e-6 {
			if math.Abs(v) < 1e-9*step {
				v = 0
			}
			t.Value = v
			if big {
				t.Label = formatNumber(v, 3)
			} else {
				t.Label = minus(strconv.FormatFloat(v, 'f', dec, 64))
			}
		}
		ts = append(ts, t)
	}
	return thin(ts, maxLabels)
}

// fixedTicks labels the given values (e.g. batch sizes) and thins the labels
// to at most maxLabels, keeping a tick at each value.
type fixedTicks []float64

func (f fixedTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for _, v := range f {
		if v >= min && v <= max && !math.IsInf(v, 0) {
			ts = append(ts, plot.Tick{Value: v, Label: formatNumber(v, 4)})
		}
	}
	if len(ts) > 2*maxLabels {
		return thin(ts, maxLabels)
	}
	return ts
}

// extraTick adds a labelled tick at v (e.g. a bifurcation point) to an
// axis's ticks, dropping nearby labels that would collide with it.
type extraTick struct {
	base  plot.Ticker
	value float64
	label string
	// near is the fraction of the axis range within which other labels
	// are removed.
	near float64
}

func (e extraTick) Ticks(min, max float64) []plot.Tick {
	ts := e.base.Ticks(min, max)
	out := ts[:0]
	for _, t := range ts {
		if t.Label != "" && math.Abs(t.Value-e.value) < e.near*(max-min) {
			t.Label = ""
		}
		if t.Value == e.value {
			continue
		}
		out = append(out, t)
	}
	return append(out, plot.Tick{Value: e.value, Label: e.label})
}

// setLog makes a logarithmic axis with thinned decade labels.
func setLog(a *plot.Axis) {
	a.Scale = plot.LogScale{}
	a.Tick.Marker = logTicks{}
}

// symLogScale is a symmetric logarithmic scale: linear within ±Lin of zero
// and logarithmic beyond, through asinh(x / (2 Lin)), so that small
// exponents of either sign near zero and large negative ones both show.
type symLogScale struct{ Lin float64 }

func (s symLogScale) f(x float64) float64 { return math.Asinh(x / (2 * s.Lin)) }

// Normalize implements plot.Normalizer.
func (s symLogScale) Normalize(min, max, x float64) float64 {
	a, b := s.f(min), s.f(max)
	if b == a {
		return 0.5
	}
	return (s.f(x) - a) / (b - a)
}

// symLogTicks labels 0 and ±10^k for the decades at or beyond Lin, thinned
// so that labels do not crowd where the scale is compressed.
type symLogTicks struct{ Lin float64 }

func (t symLogTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	if min <= 0 && max >= 0 {
		ts = append(ts, plot.Tick{Value: 0, Label: "0"})
	}
	k0 := int(math.Floor(math.Log10(t.Lin) + 1e-9))
	top := math.Max(math.Abs(min), math.Abs(max))
	k1 := int(math.Ceil(math.Log10(top) - 1e-9))
	// Label every decade when there are few, else every other.
	stride := 1
	if k1-k0+1 > 5 {
		stride = 2
	}
	for k := k0; k <= k1; k++ {
		d := math.Pow10(k)
		for _, sgn := range []float64{-1, 1} {
			for i := 1; i < 10; i++ {
				v := sgn * d * float64(i)
				if v < min || v > max {
					continue
				}
				tk := plot.Tick{Value: v}
				// ±Lin itself sits too close to 0 to carry a label.
				if i == 1 && k > k0 && mod(k1-k, stride) == 0 {
					tk.Label = formatNumber(v, 2)
				}
				if i == 1 || k > k0 {
					ts = append(ts, tk)
				}
			}
		}
	}
	return ts
}

// formatAll formats values that appear side by side (legend entries) in
// one notation: plain numbers when all of them read well so, otherwise
// m×10^k for all, 3 significant digits.
func formatAll(vs []float64) []string {
	plain := true
	for _, v := range vs {
		if a := math.Abs(v); a != 0 && (a < 1e-3 || a >= 1e5) {
			plain = false
		}
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		if plain || v == 0 {
			out[i] = minus(strconv.FormatFloat(v, 'g', 3, 64))
			continue
		}
		e := int(math.Floor(math.Log10(math.Abs(v)) + 1e-9))
		m := v / math.Pow10(e)
		if math.Abs(math.Abs(m)-1) < 1e-9 {
			out[i] = decade(e)
			if e == 0 || e == 1 {
				out[i] = "10^{" + strconv.Itoa(e) + "}"
			}
			if v < 0 {
				out[i] = "\u2212" + out[i]
			}
			continue
		}
		out[i] = minus(strconv.FormatFloat(m, 'g', 3, 64)) + "×10^{" + minus(strconv.Itoa(e)) + "}"
	}
	return out
}
