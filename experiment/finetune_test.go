package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

func TestMeanCI(t *testing.T) {
	for _, tc := range []struct {
		x              []float64
		mean, sd, half float64
	}{
		// n = 4: mean 2.5, sd sqrt(5/3) = 1.2909944; t(0.975, 3) = 3.1824463
		// (Student t table); half width 3.1824463*1.2909944/2 = 2.0542603.
		{[]float64{1, 2, 3, 4}, 2.5, 1.2909944487358056, 2.0542603},
		// n = 2: mean 1, sd sqrt(2); t(0.975, 1) = 12.7062047 (table);
		// half width 12.7062047*sqrt(2)/sqrt(2) = 12.7062047.
		{[]float64{0, 2}, 1, math.Sqrt2, 12.7062047},
		// n = 3 equal values: zero width.
		{[]float64{5, 5, 5}, 5, 0, 0},
	} {
		s := MeanCI(tc.x)
		if s.N != len(tc.x) || !scalar.EqualWithinAbsOrRel(s.Mean, tc.mean, 1e-12, 1e-12) ||
			!scalar.EqualWithinAbsOrRel(s.SD, tc.sd, 1e-12, 1e-12) ||
			!scalar.EqualWithinAbsOrRel(s.Hi-s.Mean, tc.half, 1e-7, 1e-7) ||
			!scalar.EqualWithinAbsOrRel(s.Mean-s.Lo, tc.half, 1e-7, 1e-7) {
			t.Errorf("MeanCI(%v) = %+v, want mean %g sd %g half width %g", tc.x, s, tc.mean, tc.sd, tc.half)
		}
	}
	// One value: a mean without an interval, written as null.
	s := MeanCI([]float64{3})
	b, _ := json.Marshal(s)
	if s.Mean != 3 || string(b) != `{"hi":null,"lo":null,"mean":3,"n":1,"sd":null}` {
		t.Errorf("MeanCI([3]) = %+v, JSON %s", s, b)
	}
}

// ExampleFinetune runs the "better optima" protocol on a tiny configuration:
// an SI MLP of width 16 on 300 MNIST images, one epoch of pre-training at a
// large ELR and one of fine-tuning at a small one, against two baselines
// trained for two epochs, over two seeds.
func ExampleFinetune() {
	dir, err := os.MkdirTemp("", "finetune")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	res, _, err := Finetune(context.Background(), FinetuneConfig{
		Network: Network{Model: "mlp", Width: 16, Data: "mnist", Subset: 300, TestSubset: 200, Workers: 1}, Batch: 128,
		PreELR: 1e-2, FineELR: 1e-3, PreEpochs: 1, FineEpochs: 1, BaselineELRs: []float64{1e-3, 3e-3},
		Seeds: []uint64{1, 2}, Out: dir,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range res.Arms {
		fmt.Printf("%s: %d epochs, %d seeds, %d runs for seed 1\n", a.Name, a.Epochs, a.TestError.N, len(a.Seeds[0].Runs))
	}
	rel, _ := filepath.Rel(dir, res.Arms[0].Seeds[0].Runs[1])
	fmt.Println("fine-tuned run of seed 1:", rel)
	fmt.Println("paired differences against", res.VsBestSeed.Against, "over", res.VsBestSeed.N, "seeds")
	// Output:
	// pre 0.01 -> fine 0.001: 2 epochs, 2 seeds, 2 runs for seed 1
	// baseline 0.001: 2 epochs, 2 seeds, 1 runs for seed 1
	// baseline 0.003: 2 epochs, 2 seeds, 1 runs for seed 1
	// fine-tuned run of seed 1: seed-1/fine-0.001-from-pre-0.01-e1
	// paired differences against per-seed minimum over the baselines over 2 seeds
}
