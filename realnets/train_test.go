package realnets

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/regimes/regimes/realnets/data"
)

func TestLogEpochs(t *testing.T) {
	var logs, grads []int
	for e := 0; e <= 100; e++ {
		if LogEpoch(e) {
			logs = append(logs, e)
		}
		if isGradEpoch(e) {
			grads = append(grads, e)
		}
	}
	// 1-2-5 series; round(10^(j/10)) for j = 0..20.
	if want := []int{1, 2, 5, 10, 20, 50, 100}; !slices.Equal(logs, want) {
		t.Errorf("checkpoint epochs %v, want %v", logs, want)
	}
	if want := []int{0, 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, 40, 50, 63, 79, 100}; !slices.Equal(grads, want) {
		t.Errorf("gradient epochs %v, want %v", grads, want)
	}
}

// smallConfig is an MLP run on 300 MNIST images, batch 64, with test metrics
// on 200 test images: a few seconds for a handful of epochs.
func smallConfig(out, mnist string) TrainConfig {
	return TrainConfig{Model: "mlp", Width: 16, Data: data.Config{Name: "mnist", Dir: mnist, Subset: 300},
		ELR: 1e-3, Epochs: 3, Batch: 64, Seed: 7, HeadSeed: 3, Out: out, TestSubset: 200, Workers: 2}
}

// nanStore is a Store that sets a weight to NaN when the run has saved
// epoch at.
type nanStore struct{ at int }

func (nanStore) Open(*State) error { return nil }
func (n nanStore) Save(s *State) error {
	if s.Epoch == n.at && s.Trained {
		s.r.model.Params()[0].Data[0] = float32(math.NaN())
	}
	return nil
}

// TestDivergedUnevaluated checks that a run evaluating at log-spaced epochs
// only stops at a diverging epoch it does not evaluate (7), naming it,
// with the records of the evaluated epochs before.
func TestDivergedUnevaluated(t *testing.T) {
	c := smallConfig("", "")
	c.Epochs, c.EvalEpochs = 9, EvalLog
	res, err := Fit(context.Background(), c, FitOptions{Store: nanStore{at: 6}})
	if err == nil || !strings.Contains(err.Error(), "diverged in epoch 7: batch loss NaN") {
		t.Fatalf("error %v, want divergence in epoch 7", err)
	}
	if res == nil || len(res.Records) != 7 || res.Records[6].Epoch != 6 {
		t.Errorf("records %+v, want epochs 0 to 6", res)
	}
}
