package regime

import "fmt"

// Boundaries are the measured regime boundaries of an ELR sweep. A nil
// field means the sweep found no ELR of that regime. The JSON names are
// those of the MNIST reproduction's summary.json.
type Boundaries struct {
	// ConvergenceMax is the largest ELR labelled convergence.
	ConvergenceMax *float64 `json:"convergence_max"`
	// ChaoticMin and ChaoticMax are the smallest and largest ELR labelled
	// chaotic equilibrium.
	ChaoticMin *float64 `json:"chaotic_min"`
	ChaoticMax *float64 `json:"chaotic_max"`
	// DivergenceMin is the smallest ELR labelled divergence.
	DivergenceMin *float64 `json:"divergence_min"`
}

// BoundariesOf returns the boundaries of the ELRs elrs labelled regimes
// (regimes[i] is the label of elrs[i]). Undetermined ELRs are ignored. It
// panics if the lengths differ.
func BoundariesOf(elrs []float64, regimes []Regime) Boundaries {
	if len(elrs) != len(regimes) {
		panic("regime: BoundariesOf: lengths of elrs and regimes differ")
	}
	var b Boundaries
	set := func(p **float64, v float64, better func(old float64) bool) {
		if *p == nil || better(**p) {
			x := v
			*p = &x
		}
	}
	for i, e := range elrs {
		switch regimes[i] {
		case Convergence:
			set(&b.ConvergenceMax, e, func(o float64) bool { return e > o })
		case Chaotic:
			set(&b.ChaoticMin, e, func(o float64) bool { return e < o })
			set(&b.ChaoticMax, e, func(o float64) bool { return e > o })
		case Divergence:
			set(&b.DivergenceMin, e, func(o float64) bool { return e < o })
		}
	}
	return b
}

// String formats the boundaries for a figure title, for example
// "convergence up to 0.001, chaotic 0.01-0.03, divergence from 0.1"; a
// regime not found is "none".
func (b Boundaries) String() string {
	f := func(p *float64) string {
		if p == nil {
			return "none"
		}
		return fmt.Sprintf("%.3g", *p)
	}
	ch := "none"
	if b.ChaoticMin != nil {
		ch = f(b.ChaoticMin)
		if b.ChaoticMax != nil && *b.ChaoticMax != *b.ChaoticMin {
			ch += "-" + f(b.ChaoticMax)
		}
	}
	return fmt.Sprintf("convergence up to %s, chaotic %s, divergence from %s", f(b.ConvergenceMax), ch, f(b.DivergenceMin))
}
