package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// fixedProduct multiplies by the same dense matrix every step.
type fixedProduct struct {
	m   [][]float64
	tmp []float64
}

func (p *fixedProduct) Dim() int { return len(p.m) }

func (p *fixedProduct) Apply(vs [][]float64) {
	for _, v := range vs {
		for i, row := range p.m {
			p.tmp[i] = dot(row, v)
		}
		copy(v, p.tmp)
	}
}

func newFixed(m [][]float64) func(int) LinearProduct {
	return func(int) LinearProduct { return &fixedProduct{m: m, tmp: make([]float64, len(m))} }
}

// rotDiag multiplies by D R_t with D = diag(a, b) and R_t a rotation by an
// angle uniform on [0, 2 pi), i.i.d. over t.
type rotDiag struct {
	a, b float64
	rng  *rand.Rand
}

func (p *rotDiag) Dim() int { return 2 }

func (p *rotDiag) Apply(vs [][]float64) {
	s, c := math.Sincos(2 * math.Pi * p.rng.Float64())
	for _, v := range vs {
		x, y := c*v[0]-s*v[1], s*v[0]+c*v[1]
		v[0], v[1] = p.a*x, p.b*y
	}
}

func newRotDiag(a, b float64, seed uint64) func(int) LinearProduct {
	return func(block int) LinearProduct {
		return &rotDiag{a: a, b: b, rng: rand.New(rand.NewPCG(seed, uint64(block)))}
	}
}

// rotDiagExponent is the top exponent of prod D R_t: the direction of R_t v is
// uniform, so the exponent is (1/2pi) int log|D (cos t, sin t)| dt =
// log((a+b)/2) (Gradshteyn and Ryzhik 4.225.2, int_0^pi log(a^2 cos^2 +
// b^2 sin^2) = 2 pi log((a+b)/2)).
func rotDiagExponent(a, b float64) float64 { return math.Log((a + b) / 2) }

func TestProductLyapunovFixed(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    [][]float64
		want []float64 // exact exponents, from the eigenvalues
	}{
		{
			// A diagonal matrix: the exponents are the logs of the entries, sorted.
			name: "diagonal",
			m:    [][]float64{{0.5, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 1.5, 0}, {0, 0, 0, 0.1}},
			want: []float64{math.Log(2), math.Log(1.5), math.Log(0.5), math.Log(0.1)},
		},
		{
			// Upper triangular, strongly non-normal: exponents are the logs of
			// the moduli of the eigenvalues 0.9 and 0.5, not of the singular values.
			name: "non-normal",
			m:    [][]float64{{0.5, 10}, {0, 0.9}},
			want: []float64{math.Log(0.9), math.Log(0.5)},
		},
		{
			// A rotation by 1 radian scaled by 1.1: both exponents log 1.1.
			name: "rotation",
			m:    [][]float64{{1.1 * math.Cos(1), -1.1 * math.Sin(1)}, {1.1 * math.Sin(1), 1.1 * math.Cos(1)}},
			want: []float64{math.Log(1.1), math.Log(1.1)},
		},
	} {
		for _, renorm := range []int{1, 7} {
			est := ProductLyapunov(newFixed(tc.m), LyapunovSettings{
				Steps: 2000, Burn: 200, Blocks: 3, Vectors: len(tc.want), Renorm: renorm,
			})
			for j, w := range tc.want {
				// The burn-in of 200 steps aligns the vectors up to a factor
				// (0.5/0.9)^200 ~ 1e-51, so only rounding remains.
				if math.Abs(est.Spectrum[j]-w) > 1e-10 {
					t.Errorf("%s renorm %d: exponent %d = %v, want %v", tc.name, renorm, j, est.Spectrum[j], w)
				}
			}
		}
	}
}

func TestProductLyapunovRandom(t *testing.T) {
	const a, b = 3.0, 0.2
	want := rotDiagExponent(a, b)
	est := ProductLyapunov(newRotDiag(a, b, 1), LyapunovSettings{Steps: 20000, Blocks: 10, Vectors: 2})
	if est.CI[0] > want || est.CI[1] < want {
		t.Errorf("top exponent CI %v does not cover log((a+b)/2) = %v", est.CI, want)
	}
	// The exponents sum to log|det D| = log(ab) exactly in every block.
	if sum := est.Spectrum[0] + est.Spectrum[1]; math.Abs(sum-math.Log(a*b)) > 1e-10 {
		t.Errorf("sum of exponents %v, want log(ab) = %v", sum, math.Log(a*b))
	}
	if est.StdErr <= 0 || est.StdErr > 0.02 {
		// The per-step log growth has a standard deviation of order 1, so
		// over 2e5 steps the standard error is of order 1/sqrt(2e5) = 0.002.
		t.Errorf("stderr %v, want of order 0.002", est.StdErr)
	}
}

func TestProductLyapunovCoverage(t *testing.T) {
	// The interval covers the truth in about Level of independent repetitions.
	const a, b = 2.0, 0.5
	want := rotDiagExponent(a, b)
	const reps = 200
	covered := 0
	for r := 0; r < reps; r++ {
		est := ProductLyapunov(newRotDiag(a, b, uint64(100+r)), LyapunovSettings{Steps: 200, Blocks: 8, Burn: -1, Workers: 1})
		if est.CI[0] <= want && want <= est.CI[1] {
			covered++
		}
	}
	// Binomial(200, 0.95) has standard deviation 3.1: accept 0.95*200 +- 4 sd.
	if covered < 177 || covered > reps {
		t.Errorf("95%% interval covered the truth in %d of %d repetitions", covered, reps)
	}
}

func TestProductLyapunovWorkers(t *testing.T) {
	var ests []LyapunovEstimate
	for _, w := range []int{1, 2, 4} {
		ests = append(ests, ProductLyapunov(newRotDiag(1.5, 0.7, 9), LyapunovSettings{Steps: 500, Blocks: 7, Vectors: 2, Workers: w}))
	}
	for _, e := range ests[1:] {
		if !reflect.DeepEqual(e, ests[0]) {
			t.Errorf("result depends on the number of workers:\n%+v\n%+v", e, ests[0])
		}
	}
	if _, err := json.Marshal(ests[0]); err != nil {
		t.Errorf("estimate does not marshal: %v", err)
	}
}

// henon is the Henon map (x, y) -> (1 - a x^2 + y, b x) with its Jacobian
// [[-2 a x, 1], [b, 0]].
type henon struct{ a, b float64 }

func (h henon) Dim() int { return 2 }

func (h henon) Step(x []float64, vs [][]float64) {
	for _, v := range vs {
		v[0], v[1] = -2*h.a*x[0]*v[0]+v[1], h.b*v[0]
	}
	x[0], x[1] = 1-h.a*x[0]*x[0]+x[1], h.b*x[0]
}

func (h henon) copyStep(x []float64) { x[0], x[1] = 1-h.a*x[0]*x[0]+x[1], h.b*x[0] }

type henonCopies struct{ henon }

func (h henonCopies) Step(x, y []float64) { h.copyStep(x); h.copyStep(y) }

// henonExponent is the top exponent of the Henon map at a = 1.4, b = 0.3,
// 0.41922 (J. C. Sprott, Chaos and Time-Series Analysis, Oxford 2003,
// appendix A.1.2).
const henonExponent = 0.41922

func TestMapLyapunovHenon(t *testing.T) {
	h := henon{1.4, 0.3}
	est := MapLyapunov(h, []float64{0.1, 0.1}, LyapunovSettings{Steps: 20000, Blocks: 10, Vectors: 2})
	// The Henon attractor is not uniformly hyperbolic: near-tangencies make
	// the block values heavy-tailed, and in trials over starting points the
	// estimate missed the 95% interval about twice as often as nominal. Allow
	// 4 standard errors plus the 5e-6 rounding of the published value.
	if d := math.Abs(est.Exponent - henonExponent); d > 4*est.StdErr+5e-6 {
		t.Errorf("Henon top exponent %v +- %v, want %v", est.Exponent, est.StdErr, henonExponent)
	}
	// The exponents sum to log|det J| = log b exactly.
	if sum := est.Spectrum[0] + est.Spectrum[1]; math.Abs(sum-math.Log(0.3)) > 1e-10 {
		t.Errorf("sum of exponents %v, want log 0.3 = %v", sum, math.Log(0.3))
	}
	two := TwoCopyLyapunov(henonCopies{h}, []float64{0.1, 0.1}, 1e-8, 1, LyapunovSettings{Steps: 20000, Blocks: 10})
	if d := math.Abs(two.Exponent - henonExponent); d > 4*two.StdErr+5e-6 {
		t.Errorf("Henon two-copy exponent %v +- %v, want %v", two.Exponent, two.StdErr, henonExponent)
	}
	// With every = 1 and delta = 1e-8 the two copies follow the tangent
	// vector to relative accuracy of order delta per step.
	if d := math.Abs(two.Exponent - est.Exponent); d > 1e-6 {
		t.Errorf("two-copy %v and Jacobian %v estimates differ by %v", two.Exponent, est.Exponent, d)
	}
}

// sphereMap is x -> D x / |D x| on the unit sphere with D diagonal. Its fixed
// point e_1 attracts when D_11 is the largest entry; the Jacobian there on
// the tangent space is diag(D_22, D_33, ...)/D_11.
type sphereMap struct {
	d   []float64
	tmp []float64
}

func (m *sphereMap) Dim() int { return len(m.d) }

func (m *sphereMap) apply(x []float64) float64 {
	for i := range x {
		x[i] *= m.d[i]
	}
	n := math.Sqrt(dot(x, x))
	scale(x, 1/n)
	return n
}

// Step: the Jacobian of x -> Dx/|Dx| is (I - x'x'^T) D / |Dx|.
func (m *sphereMap) Step(x []float64, vs [][]float64) {
	n := m.apply(x)
	for _, v := range vs {
		for i := range v {
			v[i] *= m.d[i] / n
		}
		c := dot(x, v)
		for i := range v {
			v[i] -= c * x[i]
		}
	}
}

type sphereCopies struct{ *sphereMap }

func (m sphereCopies) Step(x, y []float64) { m.apply(x); m.apply(y) }

func TestLyapunovSphere(t *testing.T) {
	m := &sphereMap{d: []float64{2, 1, 0.5}}
	x0 := []float64{0.6, 0.64, 0.48} // a unit vector: 0.36 + 0.4096 + 0.2304 = 1
	s := LyapunovSettings{Steps: 200, Burn: 200, Blocks: 4, Vectors: 2}
	// Exponents at the attracting fixed point e_1: log(1/2) and log(0.5/2).
	want := []float64{math.Log(0.5), math.Log(0.25)}
	est := MapLyapunov(m, x0, s)
	for j, w := range want {
		if math.Abs(est.Spectrum[j]-w) > 1e-9 {
			t.Errorf("Jacobian exponent %d = %v, want %v", j, est.Spectrum[j], w)
		}
	}
	for _, every := range []int{1, 5} {
		s.Sphere = true
		two := TwoCopyLyapunov(sphereCopies{m}, x0, 1e-6, every, s)
		// The separation shrinks by exactly 1/2 per step to first order in
		// delta; the second-order error is of order delta.
		if math.Abs(two.Exponent-want[0]) > 1e-5 {
			t.Errorf("two-copy exponent (every %d) = %v, want %v", every, two.Exponent, want[0])
		}
	}
}

func ExampleProductLyapunov() {
	// A fixed diagonal matrix: the exponents are the logs of its entries.
	m := [][]float64{{2, 0}, {0, 0.5}}
	est := ProductLyapunov(func(int) LinearProduct {
		return &fixedProduct{m: m, tmp: make([]float64, 2)}
	}, LyapunovSettings{Steps: 100, Blocks: 2, Vectors: 2})
	fmt.Printf("%.6f %.6f\n", est.Spectrum[0], est.Spectrum[1])
	// Output:
	// 0.693147 -0.693147
}

func BenchmarkProductLyapunov2x2(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ProductLyapunov(newRotDiag(2, 0.5, 1), LyapunovSettings{Steps: 10000, Blocks: 4, Workers: 1})
	}
	b.ReportMetric(float64(b.N)*44000/b.Elapsed().Seconds(), "steps/s")
}

func TestLyapunovNoAllocPerStep(t *testing.T) {
	// The allocations of a run do not grow with the number of steps.
	h := henon{1.4, 0.3}
	allocs := func(steps int) float64 {
		return testing.AllocsPerRun(5, func() {
			MapLyapunov(h, []float64{0.1, 0.1}, LyapunovSettings{Steps: steps, Blocks: 2, Vectors: 2})
			TwoCopyLyapunov(henonCopies{h}, []float64{0.1, 0.1}, 1e-8, 1, LyapunovSettings{Steps: steps, Blocks: 2})
			ProductLyapunov(newFixed([][]float64{{1, 2}, {0, 1}}), LyapunovSettings{Steps: steps, Blocks: 2, Workers: 1})
		})
	}
	if a, b := allocs(10), allocs(1000); a != b {
		t.Errorf("allocations grow with steps: %v for 10 steps, %v for 1000", a, b)
	}
}
