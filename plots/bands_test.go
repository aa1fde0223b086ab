package plots_test

import (
	"image/color"
	"math"
	"path/filepath"
	"runtime"
	"testing"

	"gonum.org/v1/plot/cmpimg"
	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/plots"
)

// ExampleNewBandPanels draws two synthetic arms made by fixed formulas: a
// baseline whose error decays as 50·0.8^t and a "fine-tuned" arm that
// plateaus at 20 until epoch 10 and then decays as 20·0.7^(t-10), each with
// a band of ±20%, over a second panel of losses 2·0.85^t and 0.5 + 0.3
// cos(t) (with a band 0.2 + 0.3 cos(t) below it, negative where cos(t) < -2/3:
// at t = 3, 9, 10, 15 and 16 those band points are skipped on the log axis).
func ExampleNewBandPanels() {
	var base, fine, baseLoss, fineLoss plots.BandSeries
	for t := 0; t <= 20; t++ {
		x := float64(t)
		b := 50 * math.Pow(0.8, x)
		f := 20.0
		if t > 10 {
			f = 20 * math.Pow(0.7, x-10)
		}
		base.X, base.Mean, base.Lo, base.Hi = append(base.X, x), append(base.Mean, b), append(base.Lo, 0.8*b), append(base.Hi, 1.2*b)
		fine.X, fine.Mean, fine.Lo, fine.Hi = append(fine.X, x), append(fine.Mean, f), append(fine.Lo, 0.8*f), append(fine.Hi, 1.2*f)
		l := 0.5 + 0.3*math.Cos(x)
		baseLoss.X, baseLoss.Mean = append(baseLoss.X, x), append(baseLoss.Mean, 2*math.Pow(0.85, x))
		fineLoss.X, fineLoss.Mean, fineLoss.Lo, fineLoss.Hi = append(fineLoss.X, x), append(fineLoss.Mean, l), append(fineLoss.Lo, l-0.3), append(fineLoss.Hi, l+0.1)
	}
	base.Name, base.Color = "baseline", color.NRGBA{R: 0, G: 114, B: 178, A: 255}
	fine.Name, fine.Bold = "fine-tuned", true
	baseLoss.Name, baseLoss.Color, fineLoss.Name, fineLoss.Bold = "baseline", base.Color, "fine-tuned", true
	f, skips, err := plots.NewBandPanels(plots.BandPanels{
		Panels: []plots.BandPanel{
			{YLabel: "test error (%)", LogY: true, Series: []plots.BandSeries{base, fine}},
			{YLabel: "train loss", LogY: true, Series: []plots.BandSeries{baseLoss, fineLoss}},
		},
		Marks: []float64{10},
		Title: "synthetic fine-tuning comparison",
	})
	if err != nil {
		panic(err)
	}
	save(f, skips, "bands", 6*vg.Inch, 5*vg.Inch, true)
	// Output:
	// fine-tuned (band): point 3 (x=3, y=-0.097) skipped: y <= 0 on a log axis
	// fine-tuned (band): point 9 (x=9, y=-0.07334) skipped: y <= 0 on a log axis
	// fine-tuned (band): point 10 (x=10, y=-0.05172) skipped: y <= 0 on a log axis
	// fine-tuned (band): point 15 (x=15, y=-0.02791) skipped: y <= 0 on a log axis
	// fine-tuned (band): point 16 (x=16, y=-0.0873) skipped: y <= 0 on a log axis
}

// TestGoldenBandPanels compares ExampleNewBandPanels with its goldens, as
// TestGolden does for the other figures (regenerate with -regen).
func TestGoldenBandPanels(t *testing.T) {
	cmpimg.CheckPlotApprox(ExampleNewBandPanels, t, pngDelta, "bands.svg", filepath.Join(runtime.GOARCH, "bands.png"))
}

// TestBandPanelsErrors checks the data errors of NewBandPanels.
func TestBandPanelsErrors(t *testing.T) {
	for _, d := range []plots.BandPanels{
		{},
		{Panels: []plots.BandPanel{{Series: []plots.BandSeries{{X: []float64{1, 2}, Mean: []float64{1}}}}}},
		{Panels: []plots.BandPanel{{Series: []plots.BandSeries{{X: []float64{1}, Mean: []float64{1}, Lo: []float64{1}}}}}},
	} {
		if _, _, err := plots.NewBandPanels(d); err == nil {
			t.Errorf("%+v: no error", d)
		}
	}
}
