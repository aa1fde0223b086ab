package sphere

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randVec(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(scale * rng.NormFloat64())
	}
	return v
}

// withGo runs f with the assembly switched off.
func withGo(f func()) {
	saved := useAsm
	useAsm = false
	defer func() { useAsm = saved }()
	f()
}

// TestSums checks Sums against plain float64 sums and, bitwise, the
// assembly against the pure-Go lanes on lengths around the lane width.
func TestSums(t *testing.T) {
	if !useAsm {
		t.Log("no AVX2/FMA: only the pure-Go code is tested")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 100, 1001, 1 << 14} {
		x, g := randVec(rng, n, 0.1), randVec(rng, n+3, 1e-3)
		var wxx, wxg, wgg float64
		for i := range x {
			a, d := float64(x[i]), float64(g[i])
			wxx += a * a
			wxg += a * d
			wgg += d * d
		}
		xx, xg, gg := Sums(x, g)
		tol := 1e-14 * float64(n+1)
		if math.Abs(xx-wxx) > tol*wxx || math.Abs(gg-wgg) > tol*wgg || math.Abs(xg-wxg) > tol*math.Sqrt(wxx*wgg) {
			t.Errorf("n=%d: Sums = %v %v %v, want %v %v %v", n, xx, xg, gg, wxx, wxg, wgg)
		}
		var gxx, gxg, ggg float64
		withGo(func() { gxx, gxg, ggg = Sums(x, g) })
		if xx != gxx || xg != gxg || gg != ggg {
			t.Errorf("n=%d: assembly %v %v %v, Go %v %v %v", n, xx, xg, gg, gxx, gxg, ggg)
		}
	}
}

// TestRetract checks the written values against their definition, the two
// sums against plain float64 sums of the stored move, and, bitwise, the
// assembly against the pure-Go lanes.
func TestRetract(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 100, 1001, 1 << 14} {
		x0, g := randVec(rng, n, 0.1), randVec(rng, n, 1e-2)
		const eta, s = 0.37, 0.9993
		x := slices.Clone(x0)
		dd, dx := Retract(x, g, eta, s)
		var wdd, wdx float64
		for i := range x {
			want := float32(s * (float64(x0[i]) - eta*float64(g[i])))
			// One rounding of x - eta*g fewer than the plain expression:
			// at most one float32 ulp apart.
			if d := math.Abs(float64(x[i] - want)); d > 1.2e-7*math.Abs(float64(want)) {
				t.Fatalf("n=%d: x[%d] = %v, want %v", n, i, x[i], want)
			}
			d := float64(x[i]) - float64(x0[i])
			wdd += d * d
			wdx += d * float64(x0[i])
		}
		tol := 1e-14 * float64(n+1)
		if math.Abs(dd-wdd) > tol*wdd || math.Abs(dx-wdx) > tol*math.Sqrt(wdd)*0.1*math.Sqrt(float64(n)) {
			t.Errorf("n=%d: Retract sums %v %v, want %v %v", n, dd, dx, wdd, wdx)
		}
		xg := slices.Clone(x0)
		var gdd, gdx float64
		withGo(func() { gdd, gdx = Retract(xg, g, eta, s) })
		if !slices.Equal(x, xg) || dd != gdd || dx != gdx {
			t.Errorf("n=%d: assembly and Go differ (sums %v %v vs %v %v)", n, dd, dx, gdd, gdx)
		}
	}
}

func TestShortGradPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Sums with a short gradient did not panic")
		}
	}()
	Sums(make([]float32, 9), make([]float32, 8))
}

func benchVecs(n int) (x, g []float32) {
	rng := rand.New(rand.NewPCG(3, 3))
	return randVec(rng, n, 0.03), randVec(rng, n, 1e-4)
}

// The MLP 784-256-256-10 has 266,240 SI weights; its sphere step reads them
// in blocks of 16,384.
func BenchmarkSums(b *testing.B) {
	x, g := benchVecs(1 << 14)
	b.SetBytes(8 << 14)
	for b.Loop() {
		Sums(x, g)
	}
}

func BenchmarkRetract(b *testing.B) {
	x, g := benchVecs(1 << 14)
	b.SetBytes(8 << 14)
	for b.Loop() {
		Retract(x, g, 1e-9, 1)
	}
}
