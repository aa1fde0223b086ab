package experiment

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/regime"
)

// GridFigure draws a grid's summary against the pre-training ELR (log
// axis): the test error of the pre-trained, fine-tuned (per FLR) and SWA
// (per K) solutions; the test-error barriers and the angles between the
// pairs of solutions; and the epochs pre-training took to converge (over
// the seeds that did; the axis covers those PLRs only). Points are means over seeds with their 95% t
// intervals (clipped to the possible values); each PLR's label shades its
// band (GridBands) and is listed in the title.
func GridFigure(res *GridResult) (*plots.Figure, []plots.Skip, error) {
	if len(res.PLRs) == 0 {
		return nil, nil, fmt.Errorf("grid figure: no PLRs")
	}
	series := map[string]*plots.MeasuredSeries{}
	var order []string
	add := func(panel, name string, x float64, st CIStat, lo, hi float64) {
		key := panel + "\x00" + name
		s, ok := series[key]
		if !ok {
			s = &plots.MeasuredSeries{Name: name}
			series[key] = s
			order = append(order, key)
		}
		st = st.Clip(lo, hi)
		s.X = append(s.X, x)
		s.Y = append(s.Y, st.Mean)
		s.Lo = append(s.Lo, st.Lo)
		s.Hi = append(s.Hi, st.Hi)
	}
	pretty := func(n string) string {
		switch {
		case n == "pre":
			return "pre-trained"
		case strings.HasPrefix(n, "fine-"):
			return "fine-tuned, FLR " + strings.TrimPrefix(n, "fine-")
		case strings.HasPrefix(n, "swa-"):
			return "SWA, K = " + strings.TrimPrefix(n, "swa-")
		}
		return n
	}
	var labels []string
	for _, g := range res.PLRs {
		labels = append(labels, fmt.Sprintf("%g: %s", g.PLR, g.Label))
		for _, s := range g.TestErr {
			add("err", pretty(s.Name), g.PLR, s.CIStat, 0, 100)
		}
		for _, s := range g.Barriers {
			// The fine-tuned pair on both paths; the SWA pairs on the
			// linear path only (with a frozen last layer the two paths
			// visit the same networks, SCIENCE.md section 11.4).
			if strings.HasPrefix(s.Name, "linear ") || !strings.Contains(s.Name, "swa-") {
				add("bar", s.Name, g.PLR, s.CIStat, 0, 100)
			}
		}
		for _, s := range g.Angles {
			add("ang", s.Name, g.PLR, s.CIStat, 0, math.Pi)
		}
		if g.Converged > 0 {
			add("conv", "pre-training", g.PLR, g.EpochsToConverge, 0, math.Inf(1))
		}
	}
	step := gridDodge(res.PLRs)
	collect := func(panel string) []plots.MeasuredSeries {
		var out []plots.MeasuredSeries
		for _, k := range order {
			if strings.HasPrefix(k, panel+"\x00") {
				out = append(out, *series[k])
			}
		}
		// Spread the series of a panel sideways, each by its own factor,
		// so that the markers and bars at one PLR do not hide each other.
		n := len(out)
		for i := range out {
			f := math.Exp(step * (float64(i) - float64(n-1)/2) / float64(max(n-1, 1)))
			x := slices.Clone(out[i].X)
			for j := range x {
				x[j] *= f
			}
			out[i].X = x
		}
		return out
	}
	xl := "pre-training ELR (PLR)"
	return plots.NewMeasuredPanels(plots.MeasuredPanels{Cols: 2,
		Title:      "grid protocol; labels by PLR: " + strings.Join(labels, ", ") + "; the series at a PLR are offset sideways",
		Bands:      GridBands(res.PLRs),
		BandSource: "each PLR's label (SCIENCE.md 11.5)",
		Panels: []plots.MeasuredPanel{
			{XLabel: xl, YLabel: "test error (%)", LogX: true, Series: collect("err")},
			{XLabel: xl, YLabel: "test-error barrier (points)", LogX: true, Series: collect("bar")},
			{XLabel: xl, YLabel: "angle (rad)", LogX: true, Series: collect("ang")},
			{XLabel: xl, YLabel: "epochs to converge", LogX: true, Series: collect("conv")},
		}})
}

// gridDodge returns the total sideways spread, in natural-log units, of
// the series drawn at one PLR: 60% of the width of the narrowest band
// (GridBands), so that every marker stays inside its PLR's band.
func gridDodge(plrs []GridPLR) float64 {
	xs := make([]float64, len(plrs))
	for i, g := range plrs {
		xs[i] = g.PLR
	}
	slices.Sort(xs)
	ratio := math.Inf(1)
	for i := 1; i < len(xs); i++ {
		if xs[i] > xs[i-1] {
			ratio = min(ratio, xs[i]/xs[i-1])
		}
	}
	if math.IsInf(ratio, 1) {
		ratio = 2.25 // a single PLR's band
	}
	return 0.6 * math.Log(ratio)
}

// GridBands returns the regime bands of a grid's labelled PLRs on a log
// axis: each PLR's band reaches half way (geometrically) to its
// neighbours, and as far beyond the smallest and the largest PLR (a factor
// 1.5 for a single PLR). Labels 1 and 3 take the colours of convergence and
// divergence; 2A, 2B and 2 that of regime 2, 2B pale.
func GridBands(plrs []GridPLR) []plots.Band {
	gs := slices.Clone(plrs)
	slices.SortFunc(gs, func(a, b GridPLR) int { return cmp.Compare(a.PLR, b.PLR) })
	edge := func(i int) float64 { // the edge below gs[i]
		switch {
		case len(gs) == 1 && i == 0:
			return gs[0].PLR / 1.5
		case len(gs) == 1:
			return gs[0].PLR * 1.5
		case i == 0:
			return gs[0].PLR / math.Sqrt(gs[1].PLR/gs[0].PLR)
		case i == len(gs):
			return gs[i-1].PLR * math.Sqrt(gs[i-1].PLR/gs[i-2].PLR)
		}
		return math.Sqrt(gs[i-1].PLR * gs[i].PLR)
	}
	var out []plots.Band
	for i, g := range gs {
		b := plots.Band{From: edge(i), To: edge(i + 1), Label: "regime " + g.Label}
		if n := len(out); n > 0 && out[n-1].Label == b.Label && out[n-1].To == b.From {
			out[n-1].To = b.To // neighbours of one label are one band
			continue
		}
		switch g.Label {
		case "1":
			b.Regime = regime.Convergence
		case "2A", "2":
			b.Regime = regime.Chaotic
		case "2B":
			b.Regime, b.Pale = regime.Chaotic, true
		case "3":
			b.Regime = regime.Divergence
		default:
			continue
		}
		out = append(out, b)
	}
	return out
}
