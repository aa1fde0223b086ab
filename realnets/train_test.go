package realnets

import (
	"slices"
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
