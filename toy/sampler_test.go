package toy

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
)

func TestSampler(t *testing.T) {
	p, err := Config{N: 6, D: 8}.Build()
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	t.Run("full", func(t *testing.T) {
		s := NewSampler(p, 0, IID, rand.New(rand.NewPCG(1, 1)))
		s.Next(&b)
		if !s.FullBatch() || !slices.Equal(b.Index, []int{0, 1, 2, 3, 4, 5}) {
			t.Errorf("full batch %v", b.Index)
		}
		x := randVec(rand.New(rand.NewPCG(2, 2)), 8, 1)
		if f, g := p.Loss(x, &b), p.Loss(x, nil); math.Abs(f-g) > 1e-15*g {
			t.Errorf("full batch loss %v, nil batch %v", f, g)
		}
	})
	t.Run("shuffle", func(t *testing.T) {
		s := NewSampler(p, 4, Shuffle, rand.New(rand.NewPCG(1, 1)))
		// With n = 6 and b = 4 each epoch yields one batch of 4 distinct
		// indices (the last 2 are dropped).
		for range 50 {
			s.Next(&b)
			c := slices.Clone(b.Index)
			slices.Sort(c)
			if len(slices.Compact(c)) != 4 {
				t.Fatalf("batch %v has repeats", b.Index)
			}
		}
		s = NewSampler(p, 2, Shuffle, rand.New(rand.NewPCG(1, 1)))
		for range 20 { // 3 batches of 2 cover each epoch exactly
			var all []int
			for range 3 {
				s.Next(&b)
				all = append(all, b.Index...)
			}
			slices.Sort(all)
			if !slices.Equal(all, []int{0, 1, 2, 3, 4, 5}) {
				t.Fatalf("epoch %v is not a permutation", all)
			}
		}
	})
	t.Run("iid", func(t *testing.T) {
		// Each index has frequency 1/6; over 60000 draws the count is
		// 10000 ± 91 (binomial standard deviation), so ±500 cannot fail by chance.
		s := NewSampler(p, 3, IID, rand.New(rand.NewPCG(1, 1)))
		counts := make([]int, 6)
		for range 20000 {
			s.Next(&b)
			for _, i := range b.Index {
				counts[i]++
			}
		}
		for i, c := range counts {
			if c < 9500 || c > 10500 {
				t.Errorf("index %d drawn %d times, want about 10000", i, c)
			}
		}
	})
	t.Run("same seed", func(t *testing.T) {
		for _, mode := range []Sampling{IID, Shuffle} {
			s1 := NewSampler(p, 2, mode, rand.New(rand.NewPCG(5, 7)))
			s2 := NewSampler(p, 2, mode, rand.New(rand.NewPCG(5, 7)))
			var b2 Batch
			for range 100 {
				s1.Next(&b)
				s2.Next(&b2)
				if !slices.Equal(b.Index, b2.Index) {
					t.Fatalf("%v: samplers with the same seed differ", mode)
				}
			}
		}
	})
	t.Run("noise", func(t *testing.T) {
		v, _ := Config{Toy: "vmf", D: 4}.Build()
		s := NewSampler(v, 4, IID, rand.New(rand.NewPCG(1, 1)))
		// z ~ N(0, I/4): E||z||^2 = d/4 = 1; over 20000 draws the mean has
		// standard error sqrt(2 d)/4/sqrt(20000) = 0.005.
		var m float64
		for range 20000 {
			s.Next(&b)
			m += floats.Dot(b.Noise, b.Noise)
		}
		if m /= 20000; math.Abs(m-1) > 0.03 {
			t.Errorf("E||z||^2 = %v, want 1", m)
		}
		NewSampler(v, 0, IID, nil).Next(&b)
		if floats.Norm(b.Noise, 2) != 0 {
			t.Errorf("full-batch noise %v, want 0", b.Noise)
		}
	})
	t.Run("allocs", func(t *testing.T) {
		for _, mode := range []Sampling{IID, Shuffle, Full} {
			s := NewSampler(p, 3, mode, rand.New(rand.NewPCG(1, 1)))
			s.Next(&b)
			if a := testing.AllocsPerRun(100, func() { s.Next(&b) }); a != 0 {
				t.Errorf("%v: %v allocations per Next", mode, a)
			}
		}
	})
}

func TestParseSampling(t *testing.T) {
	for _, m := range []Sampling{IID, Shuffle, Full} {
		if got, err := ParseSampling(m.String()); err != nil || got != m {
			t.Errorf("ParseSampling(%q) = %v, %v", m, got, err)
		}
	}
	if _, err := ParseSampling("random"); err == nil {
		t.Error("ParseSampling accepted random")
	}
}
