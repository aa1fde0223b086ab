package toy

import (
	"math/rand/v2"
	"testing"
	"time"
)

// benchSimulate measures Simulate on lsq with unit-norm Gaussian rows
// (n samples in R^d), batch b, recording every 1000 steps, and reports
// steps per second. Compare with testdata/numpy_bench.py, which runs the same
// projected step in NumPy.
func benchSimulate(b *testing.B, n, d, batch int, elr float64) {
	a, err := GenerateLSQ(n, d, 1, NormsUnit)
	if err != nil {
		b.Fatal(err)
	}
	p, err := NewLSQ(a)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	if _, err := Simulate(p, SimConfig{ELR: elr, Batch: batch, Steps: b.N, Every: 1000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "steps/s")
}

func BenchmarkSimulateLSQ8x24b1(b *testing.B)      { benchSimulate(b, 8, 24, 1, 2.2) }
func BenchmarkSimulateLSQ100x1000b10(b *testing.B) { benchSimulate(b, 100, 1000, 10, 1) }

// benchStep measures one sampler draw and projected step, with allocations.
func benchStep(b *testing.B, p Problem, batch int) {
	smp := NewSampler(p, batch, IID, rand.New(rand.NewPCG(1, 2)))
	st := NewStepper(p, 0.5)
	u := make([]float64, p.Dim())
	u[0] = 1
	var bt Batch
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		smp.Next(&bt)
		st.Step(u, &bt)
	}
}

func BenchmarkStepLSQ8x24b1(b *testing.B) {
	p, _ := Config{}.Build()
	benchStep(b, p, 1)
}

func BenchmarkStepLogistic64x24b8(b *testing.B) {
	p, _ := Config{Toy: "logistic"}.Build()
	benchStep(b, p, 8)
}

func BenchmarkStepVMF24(b *testing.B) {
	p, _ := Config{Toy: "vmf"}.Build()
	benchStep(b, p, 1)
}
