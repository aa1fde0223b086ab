package experiment

import (
	"fmt"
	"math"
	"strings"

	"github.com/regimes/regimes/plots"
)

// GridFigure draws a grid's summary against the pre-training ELR (log
// axis): the test error of the pre-trained, fine-tuned (per FLR) and SWA
// (per K) solutions; the test-error barriers and the angles between the
// pairs of solutions; and the epochs pre-training took to converge (over
// the seeds that did; the axis covers those PLRs only). Points are means over seeds with their 95% t
// intervals (clipped to the possible values); the title lists each PLR's
// label.
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
	collect := func(panel string) []plots.MeasuredSeries {
		var out []plots.MeasuredSeries
		for _, k := range order {
			if strings.HasPrefix(k, panel+"\x00") {
				out = append(out, *series[k])
			}
		}
		return out
	}
	xl := "pre-training ELR (PLR)"
	return plots.NewMeasuredPanels(plots.MeasuredPanels{Cols: 2,
		Title: "grid protocol; labels by PLR: " + strings.Join(labels, ", "),
		Panels: []plots.MeasuredPanel{
			{XLabel: xl, YLabel: "test error (%)", LogX: true, Series: collect("err")},
			{XLabel: xl, YLabel: "test-error barrier (points)", LogX: true, Series: collect("bar")},
			{XLabel: xl, YLabel: "angle (rad)", LogX: true, Series: collect("ang")},
			{XLabel: xl, YLabel: "epochs to converge", LogX: true, Series: collect("conv")},
		}})
}
