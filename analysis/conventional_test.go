package analysis

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestConventionalFixedPoint checks the closed form of SCIENCE.md section 3
// against the exact recursion 1/e' = q^2/e + e g^2, q = 1 - eta wd (at
// e = ELR* the recursion returns e), the realised ELR against the projected
// step it defines (e/q), and the angle against tan(Delta) = realised ELR * g.
func TestConventionalFixedPoint(t *testing.T) {
	for _, tc := range []struct{ eta, wd, g float64 }{{0.1, 0.01, 1.3}, {1, 0.3, 0.2}, {0.5, 1e-4, 5}} {
		eq, err := ConventionalFixedPoint(tc.eta, tc.wd)
		if err != nil {
			t.Fatal(err)
		}
		e := eq.ELR(tc.g)
		q := 1 - tc.eta*tc.wd
		if got := 1 / (q*q/e + e*tc.g*tc.g); !scalar.EqualWithinRel(got, e, 1e-13) {
			t.Errorf("%+v: recursion maps ELR* = %v to %v", tc, e, got)
		}
		if r := eq.RealisedELR(tc.g); !scalar.EqualWithinRel(r, e/q, 1e-15) {
			t.Errorf("%+v: realised ELR* %v, want ELR*/(1-a) = %v", tc, r, e/q)
		}
		if d := math.Atan(eq.RealisedELR(tc.g) * tc.g); !scalar.EqualWithinRel(d, eq.Angle, 1e-12) {
			t.Errorf("%+v: atan(realised ELR* g) = %v, want the angle %v", tc, d, eq.Angle)
		}
	}
	for _, bad := range [][2]float64{{0, 0.1}, {1, -1}, {2, 0.5}, {math.NaN(), 0.1}} {
		if _, err := ConventionalFixedPoint(bad[0], bad[1]); err == nil {
			t.Errorf("lr %v, wd %v: no error", bad[0], bad[1])
		}
	}
}
