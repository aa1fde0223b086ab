package toy

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
)

// TestCircleClosedFormValues checks the published check values of
// SCIENCE.md section 6.2: lambda = 1, ELR = 2.5 gives loss 0.05,
// gradient norm 0.3 and angle 0.643501 rad (= arccos 0.8, hand calculation).
func TestCircleClosedFormValues(t *testing.T) {
	ct := CircleClosedForm(1, 2.5)
	for _, tc := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"loss", ct.CycleLoss, 0.05, 1e-15},
		{"grad norm", ct.CycleGradNorm, 0.3, 1e-15},
		{"angle", ct.CycleAngle, 0.643501, 1e-6}, // quoted to 6 decimals
		{"fixed point multiplier", ct.FixedPointMultiplier, -1.5, 1e-15},
		{"cycle multiplier", ct.CycleMultiplier, (1 - 8/6.25) * (1 - 8/6.25), 1e-15},
	} {
		if math.Abs(tc.got-tc.want) > tc.tol {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if ct.FixedPointStable || !ct.CycleExists || !ct.CycleStable {
		t.Errorf("ELR lambda = 2.5: want unstable fixed point and a stable cycle, have %+v", ct)
	}
	below := CircleClosedForm(1, 1.9)
	if !below.FixedPointStable || below.CycleExists || below.CycleLoss != 0 {
		t.Errorf("ELR lambda = 1.9: want a stable fixed point and no cycle, have %+v", below)
	}
}

// TestCircleClosedFormIterate iterates the exact map phi' = CircleMap(phi)
// from near the fixed point and checks that it lands on the closed-form cycle,
// and checks the multipliers against finite-difference derivatives of the map.
func TestCircleClosedFormIterate(t *testing.T) {
	for _, tc := range []struct{ lambda, elr float64 }{
		{1, 2.5}, {1, 2.1}, {2, 1.6}, {0.5, 20}, {3, 1},
	} {
		ct := CircleClosedForm(tc.lambda, tc.elr)
		g := func(phi float64) float64 { return CircleMap(phi, tc.lambda, tc.elr) }
		// Multiplier at the fixed point: central difference (fd default step).
		if d := fd.Derivative(g, 0, nil); math.Abs(d-ct.FixedPointMultiplier) > 1e-6 {
			t.Errorf("%+v: g'(0) = %v by finite differences, closed form %v", tc, d, ct.FixedPointMultiplier)
		}
		phi := 0.01
		for i := 0; i < 20000; i++ {
			phi = g(phi)
		}
		f := tc.lambda / 2 * math.Sin(phi) * math.Sin(phi)
		grad := tc.lambda / 2 * math.Abs(math.Sin(2*phi))
		angle := math.Abs(g(phi) - phi)
		if !ct.CycleExists {
			// The fixed point attracts: everything tends to 0.
			if math.Abs(phi) > 1e-12 {
				t.Errorf("%+v: phi after 20000 steps = %v, want 0", tc, phi)
			}
			continue
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"phi", math.Abs(phi), ct.CyclePhi},
			{"loss", f, ct.CycleLoss},
			{"grad norm", grad, ct.CycleGradNorm},
			{"angle", angle, ct.CycleAngle},
		} {
			if !scalar.EqualWithinAbsOrRel(c.got, c.want, 1e-10, 1e-10) {
				t.Errorf("%+v: %s on the iterated cycle %v, closed form %v", tc, c.name, c.got, c.want)
			}
		}
		two := func(p float64) float64 { return g(g(p)) }
		if d := fd.Derivative(two, ct.CyclePhi, nil); math.Abs(d-ct.CycleMultiplier) > 1e-6 {
			t.Errorf("%+v: two-step multiplier %v by finite differences, closed form %v", tc, d, ct.CycleMultiplier)
		}
	}
}

func ExampleCircleClosedForm() {
	ct := CircleClosedForm(1, 2.5)
	fmt.Printf("fixed point stable: %v\n", ct.FixedPointStable)
	fmt.Printf("cycle loss %.6f, gradient norm %.6f, angle %.6f rad\n", ct.CycleLoss, ct.CycleGradNorm, ct.CycleAngle)
	// Output:
	// fixed point stable: false
	// cycle loss 0.050000, gradient norm 0.300000, angle 0.643501 rad
}
