package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMedian(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		x    []float64
		want float64
	}{
		{nil, nan},
		{[]float64{nan, nan}, nan},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{nan, 5, 1}, 3}, // NaN is a missing value
		{[]float64{1, 2, inf}, 2}, // an infinity is a (large) value
		{[]float64{-inf, 0, 1, 2}, 0.5},
	} {
		in := slices.Clone(tc.x)
		got := Median(tc.x)
		if !(got == tc.want || math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("Median(%v) = %v, want %v", tc.x, got, tc.want)
		}
		if !slices.EqualFunc(in, tc.x, func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }) {
			t.Errorf("Median changed its input %v to %v", in, tc.x)
		}
	}
}

func TestMeanCI(t *testing.T) {
	// Two values: t(0.975, 1) = 12.7062 (tables); mean 2, sd sqrt(2).
	m := MeanCI([]float64{1, 3}, 0)
	if m.N != 2 || m.Mean != 2 || math.Abs(m.SD-math.Sqrt2) > 1e-15 || math.Abs(m.T-12.7062047) > 1e-6 || m.Level != 0.95 {
		t.Errorf("MeanCI(1, 3) = %+v", m)
	}
	if h := m.T * math.Sqrt2 / math.Sqrt2; math.Abs(m.Hi-m.Mean-h) > 1e-12 || math.Abs(m.Mean-m.Lo-h) > 1e-12 {
		t.Errorf("interval [%v, %v] is not mean -/+ t sd/sqrt(n)", m.Lo, m.Hi)
	}
	if m := MeanCI(nil, 0); m.N != 0 || !math.IsNaN(m.Mean) || !math.IsNaN(m.Lo) {
		t.Errorf("MeanCI(nil) = %+v", m)
	}
	if m := MeanCI([]float64{4}, 0); m.Mean != 4 || !math.IsNaN(m.SD) || !math.IsNaN(m.Hi) {
		t.Errorf("MeanCI(4) = %+v", m)
	}
	if m := MeanCI([]float64{1, math.NaN()}, 0); !math.IsNaN(m.Mean) {
		t.Errorf("a NaN value was dropped: %+v", m)
	}
	// Coverage: 2000 samples of 5 normal values; the 90% interval must
	// hold the true mean 0 in 90% of them, within 4 binomial standard
	// errors (sqrt(0.9*0.1/2000) = 0.0067).
	rng := rand.New(rand.NewPCG(1, 2))
	hit := 0
	const reps = 2000
	x := make([]float64, 5)
	for range reps {
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		if m := MeanCI(x, 0.9); m.Lo <= 0 && 0 <= m.Hi {
			hit++
		}
	}
	if f := float64(hit) / reps; math.Abs(f-0.9) > 4*0.0067 {
		t.Errorf("coverage of the 90%% interval %.3f, want 0.9", f)
	}
}
