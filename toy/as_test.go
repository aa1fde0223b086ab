package toy

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/regimes/regimes/analysis"
)

var longAS = flag.Bool("long-as", false, "run the slow almost-sure threshold checks")

func TestASThresholdFullBatch(t *testing.T) {
	a, err := GenerateLSQ(8, 24, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		batch   int
		replace bool
	}{{0, true}, {0, false}, {8, false}, {12, false}} {
		res, err := ASThresholdWith(a, tc.batch, samplingOf(tc.replace), 1, analysis.LyapunovSettings{})
		if err != nil {
			t.Fatal(err)
		}
		// No randomness: exactly the GD threshold 2/lambda_max(H) (SCIENCE.md 6.1).
		if g := GDThreshold(a); res.ELR != g || res.CI != [2]float64{g, g} || !res.Exact {
			t.Errorf("batch %d replace %v: %+v, want exactly %v", tc.batch, tc.replace, res, g)
		}
	}
}

func TestASThresholdEqualNorms(t *testing.T) {
	// b = 1 with all ||a_i||^2 = lambda: at ELR 2/lambda every step matrix is a
	// reflection, so the threshold is exactly 2/lambda (SCIENCE.md 6.1).
	a, err := GenerateLSQ(6, 15, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	const lambda = 2.5
	a.Scale(math.Sqrt(lambda), a)
	res, err := ASThreshold(a, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	// Exact up to the rounding of the squared norms after scaling.
	if want := 2 / lambda; math.Abs(res.ELR-want) > 1e-12 || !res.Exact {
		t.Errorf("threshold %+v, want exactly 2/lambda = %v", res, want)
	}
	// The estimator finds the same value. The root search stops at relative
	// width 1e-6 (asRelTol).
	res, err = asEstimate(a, Range(a), ASResult{}, 1, IID, 7, analysis.LyapunovSettings{})
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 / lambda; math.Abs(res.ELR-want) > 2e-6*want || res.CI[0] > want*(1+2e-6) || res.CI[1] < want*(1-2e-6) {
		t.Errorf("threshold %v CI %v, want 2/lambda = %v", res.ELR, res.CI, want)
	}
}

func TestASThresholdAboveMS(t *testing.T) {
	// b = 4 on the reference data (n = 8, d = 24): SCIENCE.md 6.1 reports
	// about 5.0 (mean square) against 5.7 (almost sure). The gap must exceed
	// the interval, and both lie below the GD threshold.
	for _, seed := range []uint64{1, 2} {
		a, err := GenerateLSQ(8, 24, seed, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, replace := range []bool{true, false} {
			res, err := ASThresholdWith(a, 4, samplingOf(replace), 3, analysis.LyapunovSettings{})
			if err != nil {
				t.Fatal(err)
			}
			ms, err := MSThreshold(a, 4, samplingOf(replace))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("data seed %d replace %v: MS %.4f AS %.4f CI %.4f GD %.4f (%d evaluations)",
				seed, replace, ms, res.ELR, res.CI, GDThreshold(a), res.Evaluations)
			if !(res.CI[0] > ms) || !(res.CI[0] < res.ELR && res.ELR < res.CI[1]) || !(res.CI[1] < GDThreshold(a)) {
				t.Errorf("data seed %d replace %v: want MS %v < CI %v around %v < GD %v", seed, replace, ms, res.CI, res.ELR, GDThreshold(a))
			}
			// The exponent at the threshold is zero within its interval.
			if e := res.Exponent; e.CI[0] > 0 || e.CI[1] < 0 {
				t.Errorf("exponent at the threshold: %+v", e)
			}
		}
	}
}

func TestASThresholdDeterministic(t *testing.T) {
	a, err := GenerateLSQ(5, 12, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	s := analysis.LyapunovSettings{Steps: 2000, Blocks: 4}
	var res []ASResult
	for _, w := range []int{1, 3} {
		s.Workers = w
		r, err := ASThresholdWith(a, 2, IID, 9, s)
		if err != nil {
			t.Fatal(err)
		}
		r.Exponent = nil // checked through ELR and CI
		res = append(res, r)
	}
	if !reflect.DeepEqual(res[0], res[1]) {
		t.Errorf("result depends on the number of workers: %+v != %+v", res[0], res[1])
	}
}

func TestASThresholdErrors(t *testing.T) {
	a, _ := GenerateLSQ(4, 8, 1, "")
	if _, err := ASThreshold(a, -1, 1); err == nil {
		t.Error("negative batch accepted")
	}
	if _, err := ASThreshold(mat.NewDense(3, 5, nil), 1, 1); err == nil {
		t.Error("zero data accepted")
	}
}

func TestLSQProduct(t *testing.T) {
	a, err := GenerateLSQ(5, 9, 4, "")
	if err != nil {
		t.Fatal(err)
	}
	rb := Range(a)
	r := rb.Rank()
	const elr = 0.7
	// b = n without replacement: H_B = H, diagonal in the basis of Range.
	p := NewLSQProduct(rb, 5, Shuffle, elr, rand.New(rand.NewPCG(1, 1)))
	v := []float64{1, -2, 0.5, 3, -1}
	want := make([]float64, r)
	for k, h := range rb.HEigen() {
		want[k] = (1 - elr*h) * v[k]
	}
	p.Apply([][]float64{v})
	if !floats.EqualApprox(v, want, 1e-12) {
		t.Errorf("(I - e H) v = %v, want %v", v, want)
	}
	// b = 1 with replacement: v - e b_i <b_i, v> for the sample i the same
	// generator draws, with b_i = V^T a_i computed here from a.
	rng := rand.New(rand.NewPCG(2, 2))
	p = NewLSQProduct(rb, 1, IID, elr, rand.New(rand.NewPCG(2, 2)))
	v = []float64{0.3, 1, -1, 2, 0}
	for step := 0; step < 3; step++ {
		i := rng.IntN(5)
		var bi mat.VecDense
		bi.MulVec(rb.V.T(), a.RowView(i))
		want = append(want[:0], v...)
		floats.AddScaled(want, -elr*mat.Dot(&bi, mat.NewVecDense(r, v)), bi.RawVector().Data)
		p.Apply([][]float64{v})
		if !floats.EqualApprox(v, want, 1e-12) {
			t.Errorf("step %d: %v, want %v", step, v, want)
		}
	}
}

func TestASThresholdPhaseDiagram(t *testing.T) {
	if !*longAS {
		t.Skip("needs -long-as")
	}
	for seed := uint64(1); seed <= 3; seed++ {
		a, _ := GenerateLSQ(8, 24, seed, "")
		for _, b := range []int{1, 2, 4, 8, 16} {
			res, err := ASThreshold(a, b, 1)
			if err != nil {
				t.Fatal(err)
			}
			ms, _ := MSThreshold(a, b, IID)
			t.Logf("seed %d b %2d: MS %.4f AS %.4f CI %.4f GD %.4f", seed, b, ms, res.ELR, res.CI, GDThreshold(a))
			if res.CI[1] < ms {
				t.Errorf("almost-sure threshold below the mean-square one")
			}
		}
	}
}

func benchmarkASThreshold(b *testing.B, batch int) {
	a, err := GenerateLSQ(8, 24, 1, "")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := ASThreshold(a, batch, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkASThresholdN8D24B1(b *testing.B)  { benchmarkASThreshold(b, 1) }
func BenchmarkASThresholdN8D24B4(b *testing.B)  { benchmarkASThreshold(b, 4) }
func BenchmarkASThresholdN8D24B16(b *testing.B) { benchmarkASThreshold(b, 16) }

func BenchmarkLSQProduct(b *testing.B) {
	a, _ := GenerateLSQ(8, 24, 1, "")
	p := NewLSQProduct(Range(a), 4, IID, 5, rand.New(rand.NewPCG(1, 1)))
	vs := [][]float64{make([]float64, 8)}
	vs[0][0] = 1
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p.Apply(vs)
		if i%64 == 0 {
			floats.Scale(1/floats.Norm(vs[0], 2), vs[0])
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

func ExampleASThreshold() {
	// The reference data of SCIENCE.md 6.1 (n = 8, d = 24, unit-norm rows)
	// at batch size 4: the almost-sure threshold lies above the mean-square
	// one (Jensen), here by more than 10%.
	a, _ := GenerateLSQ(8, 24, 1, "")
	as, _ := ASThreshold(a, 4, 3)
	ms, _ := MSThreshold(a, 4, IID)
	fmt.Printf("mean square %.1f, almost sure %.1f (95%% CI %.2f to %.2f)\n", ms, as.ELR, as.CI[0], as.CI[1])
	// Output:
	// mean square 5.1, almost sure 5.8 (95% CI 5.78 to 5.80)
}
