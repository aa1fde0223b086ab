package plots

import (
	"fmt"
	"sort"
)

// SummarizeSkips condenses skipped points into one line per series and
// reason, e.g. "train loss at η̃=1e-3: 1200 points skipped (y <= 0 on a log
// axis), the first at x=512", in the order the series first appear, so that
// a run whose loss reaches machine zero costs one line of a report, not
// thousands.
func SummarizeSkips(skips []Skip) []string {
	type key struct{ series, reason string }
	type group struct {
		n     int
		first Skip
		order int
	}
	groups := map[key]*group{}
	for i, s := range skips {
		k := key{s.Series, s.Reason}
		g := groups[k]
		if g == nil {
			g = &group{first: s, order: i}
			groups[k] = g
		}
		g.n++
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return groups[keys[i]].order < groups[keys[j]].order })
	out := make([]string, len(keys))
	for i, k := range keys {
		g := groups[k]
		if g.n == 1 {
			out[i] = g.first.String()
			continue
		}
		out[i] = fmt.Sprintf("%s: %d points skipped (%s), the first at x=%.4g", k.series, g.n, k.reason, g.first.X)
	}
	return out
}
