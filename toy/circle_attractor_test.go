package toy

import (
	"math"
	"testing"
)

func TestCircleAttractor(t *testing.T) {
	for _, el := range []float64{0.5, 1.5, 1.9, 2.2, 2.5, 3, 4} {
		pts := CircleAttractor(1, el, 0.3, 5000, 4)
		th := CircleClosedForm(1, el)
		for i, phi := range pts {
			// Below the flip the attractor is phi = 0; above it the
			// 2-cycle +-CyclePhi of SCIENCE.md 6.2, with the sign
			// alternating from step to step.
			want := 0.0
			if th.CycleExists {
				want = th.CyclePhi
			}
			if math.Abs(math.Abs(phi)-want) > 1e-9 {
				t.Errorf("ELR lambda %v: point %d = %v, want +-%v", el, i, phi, want)
			}
			if th.CycleExists && i > 0 && phi*pts[i-1] >= 0 {
				t.Errorf("ELR lambda %v: points %d and %d do not alternate", el, i-1, i)
			}
		}
	}
}
