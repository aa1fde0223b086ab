package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sgdNoise runs SGD with weight decay and heavy-ball momentum on a pure-noise
// scale-invariant loss in R^d (the stochastic gradient at w is
// P_w z/||w||, z ~ N(0, I): G = d-1 at unit norm, no mean gradient) and
// returns the per-step series of RotationalInput.
func sgdNoise(d, steps int, lr, wd, beta float64, seed uint64) RotationalInput {
	rng := rand.New(rand.NewPCG(seed, 1))
	w := make([]float64, d)
	v := make([]float64, d)
	g := make([]float64, d)
	r0 := math.Pow(lr*float64(d-1)/(2*wd*(1-beta)), 0.25) * 1.2 // start off equilibrium
	for j := range w {
		w[j] = r0 / math.Sqrt(float64(d))
	}
	in := RotationalInput{LR: lr, WD: wd, Momentum: beta}
	for t := range steps {
		var ww, zw float64
		for j := range w {
			g[j] = rng.NormFloat64()
			ww += w[j] * w[j]
			zw += g[j] * w[j]
		}
		r := math.Sqrt(ww)
		var gg float64
		for j := range g {
			g[j] = (g[j] - zw/ww*w[j]) / r
			gg += g[j] * g[j]
		}
		var dd, wdv float64
		for j := range w {
			x := g[j] + wd*w[j]
			if t > 0 {
				x += beta * v[j]
			}
			v[j] = x
			dd += x * x
			wdv += w[j] * x
		}
		perp := math.Sqrt(math.Max(dd-wdv*wdv/ww, 0)) * lr
		in.Angle = append(in.Angle, math.Atan2(perp*r, ww-lr*wdv))
		in.GradNorm = append(in.GradNorm, math.Sqrt(gg)*r)
		in.ELR = append(in.ELR, lr/((1-lr*wd)*ww))
		for j := range w {
			w[j] -= lr * v[j]
		}
	}
	return in
}

// TestRotational checks the predictions on pure-noise SGD in D = 100, where
// they are exact up to O(LR WD): the measured norm, realised ELR and RMS
// angle lie within their CIs (widened by 0.5% for the O(LR WD) terms) of
// the predictions, with and without momentum; the mean angle equals the RMS
// one within 0.5% in this dimension.
func TestRotational(t *testing.T) {
	for _, tc := range []struct{ lr, wd, beta float64 }{{0.1, 0.01, 0}, {0.1, 0.003, 0.9}} {
		in := sgdNoise(100, 60000, tc.lr, tc.wd, tc.beta, 3)
		r, err := Rotational(in)
		if err != nil {
			t.Fatal(err)
		}
		ok := func(name string, m Interval, want float64) {
			if !(m.CI95[0]*0.995 <= want && want <= m.CI95[1]*1.005) {
				t.Errorf("lr=%v wd=%v beta=%v: %s %v [%v, %v], predicted %v", tc.lr, tc.wd, tc.beta, name, m.Value, m.CI95[0], m.CI95[1], want)
			}
		}
		ok("norm", r.Norm, r.PredNorm.Value)
		ok("elr", r.ELR, r.PredELR.Value)
		ok("angle rms", r.AngleRMS, r.PredAngleRMS)
		if math.Abs(r.AngleMean.Value/r.AngleRMS.Value-1) > 0.005 {
			t.Errorf("mean angle %v vs RMS %v", r.AngleMean.Value, r.AngleRMS.Value)
		}
		if r.Start == 0 {
			t.Error("no transient detected from a start 20% off equilibrium")
		}
	}
	if _, err := Rotational(RotationalInput{LR: 0.1, WD: 0.01, ELR: make([]float64, 10), GradNorm: make([]float64, 10), Angle: make([]float64, 10)}); err == nil {
		t.Error("no error for 10 steps")
	}
}
