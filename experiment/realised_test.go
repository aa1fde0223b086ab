package experiment

import (
	"fmt"
	"math"
	"testing"

	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/regime"
)

func TestParseBands(t *testing.T) {
	got, err := ParseBands("5e-2:div, 0:1,1e-3:chaotic equilibrium")
	if err != nil {
		t.Fatal(err)
	}
	// Sorted by start; each band reaches the next start, the last to +Inf.
	want := []RealisedBand{{0, 1e-3, regime.Convergence}, {1e-3, 5e-2, regime.Chaotic}, {5e-2, math.Inf(1), regime.Divergence}}
	if len(got) != len(want) {
		t.Fatalf("ParseBands = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("band %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// ExampleRealisedStats predicts the equilibrium ELR of conventional SGD with
// weight decay (SCIENCE.md section 3) from a run whose effective gradient has
// the constant RMS norm 5 (full-gradient norm 3, noise 4): with a = lr*wd,
// the realised ELR* = sqrt(2a - a^2)/((1-a) G).
func ExampleRealisedStats() {
	const lr, wd = 0.5, 0.01
	full, noise, angle := 3.0, 4.0, 0.1
	var recs []realnets.Record
	for e := 0; e <= 10; e++ {
		recs = append(recs, realnets.Record{Epoch: e, Step: 16 * e, ELR: 0.02,
			GradNormFull: &full, GradNoise: &noise, GradNormMean: &full, AngleStepMean: &angle})
	}
	s, err := RealisedStats(recs, lr, wd, 0.5)
	if err != nil {
		fmt.Println(err)
		return
	}
	want := math.Sqrt(2*0.005-0.005*0.005) / (0.995 * 5)
	fmt.Printf("tail epochs %v, G = %g, ELR* = %.6f (closed form %.6f), measured/predicted %.4f\n",
		s.TailEpochs, s.GRMSTail, s.ELRStar, want, s.Ratio)
	// Output:
	// tail epochs [6 10], G = 5, ELR* = 0.020075 (closed form 0.020075), measured/predicted 0.9962
}

// ExampleBandsOfSweep turns the labels of a fixed-ELR sweep into regime
// bands: each ELR's label spans the interval between the geometric
// midpoints to its neighbours, equal neighbours merge.
func ExampleBandsOfSweep() {
	elrs := []float64{1e-3, 1e-2, 4e-2, 1e-1, 1}
	labels := []regime.Regime{regime.Convergence, regime.Convergence, regime.Chaotic, regime.Divergence, regime.Divergence}
	bands, err := BandsOfSweep(elrs, labels)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range bands {
		fmt.Printf("%-20s from %.3g to %.3g\n", b.Regime, b.From, b.To)
	}
	// Output:
	// convergence          from 0 to 0.02
	// chaotic equilibrium  from 0.02 to 0.0632
	// divergence           from 0.0632 to +Inf
}
