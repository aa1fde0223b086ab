package plots_test

import (
	"math"
	"path/filepath"
	"runtime"
	"testing"

	"gonum.org/v1/plot/cmpimg"
	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/regime"
)

// ExampleNewRealised draws a synthetic periodic conventional run made by a
// fixed formula: the realised ELR grows gradient-free from 1 by the factor
// 1.01 per step for 150 steps (to about 4.4) and falls back, while the loss
// decays from 0.01 by a factor 0.8 per step and jumps back at each fall,
// over made-up thresholds 2 (mean-square), 3 (almost-sure) and 8 (GD) and a
// predicted ELR* of 3.1.
func ExampleNewRealised() {
	var d plots.Realised
	for t := range 600 {
		k := t % 150
		d.Step = append(d.Step, float64(t))
		d.ELR = append(d.ELR, math.Pow(1.01, float64(k)))
		d.Loss = append(d.Loss, 0.01*math.Pow(0.8, float64(k)))
	}
	d.Levels = []plots.Level{{Name: "mean-square", Y: 2}, {Name: "almost-sure", Y: 3}, {Name: "GD", Y: 8}, {Name: "ELR*", Y: 3.1}}
	d.Bands = []plots.Band{{From: 0, To: 3, Regime: regime.Convergence}, {From: 3, To: math.Inf(1), Regime: regime.Chaotic}}
	d.Title = "synthetic periodic run"
	f, skips, err := plots.NewRealised(d)
	if err != nil {
		panic(err)
	}
	save(f, skips, "realised", 6*vg.Inch, 4*vg.Inch, true)
	// Output:
}

// TestGoldenRealised compares ExampleNewRealised with its goldens, as
// TestGolden does for the other figures (regenerate with -regen).
func TestGoldenRealised(t *testing.T) {
	cmpimg.CheckPlotApprox(ExampleNewRealised, t, pngDelta, "realised.svg", filepath.Join(runtime.GOARCH, "realised.png"))
}

// TestRealisedErrors checks the data errors of NewRealised.
func TestRealisedErrors(t *testing.T) {
	for _, d := range []plots.Realised{
		{},
		{Step: []float64{1, 2}, ELR: []float64{1}},
		{Step: []float64{1, 2}, ELR: []float64{1, 2}, Loss: []float64{1}},
	} {
		if _, _, err := plots.NewRealised(d); err == nil {
			t.Errorf("%+v: no error", d)
		}
	}
	_, skips, err := plots.NewRealised(plots.Realised{Step: []float64{0, 1}, ELR: []float64{1, 0}, Levels: []plots.Level{{Name: "bad", Y: -1}}})
	if err != nil || len(skips) != 2 {
		t.Errorf("skips %v, err %v; want 2 skips (ELR 0 and level -1)", skips, err)
	}
}
