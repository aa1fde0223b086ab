package plots_test

import (
	"path/filepath"
	"runtime"
	"testing"

	"gonum.org/v1/plot/cmpimg"
)

// pngDelta is the normalised tolerance of raster comparisons (cmpimg's
// YIQ distance): anti-aliasing may differ in the last bit between Go
// versions; real changes (a moved line, another colour) exceed it.
const pngDelta = 0.01

// The golden tests run each example and compare its output with
// testdata/*_golden.svg (byte-exact) and testdata/GOARCH/*_golden.png
// (within pngDelta). Regenerate the goldens with `go test ./plots -regen`
// after looking at the new figures.
func TestGolden(t *testing.T) {
	arch := func(name string) string { return filepath.Join(runtime.GOARCH, name) }
	for _, tc := range []struct {
		name  string
		ex    func()
		files []string
	}{
		{"phase_regime", ExampleNewPhaseDiagram, []string{"phase_regime.svg", arch("phase_regime.png")}},
		{"phase_metric", ExampleNewPhaseDiagram_metric, []string{arch("phase_metric.png")}},
		{"panels", ExampleNewPanels, []string{"panels.svg", arch("panels.png")}},
		{"thresholds", ExampleNewThresholds, []string{arch("thresholds.png")}},
		{"lyapunov", ExampleNewLyapunov, []string{"lyapunov.svg", arch("lyapunov.png")}},
		{"stationary", ExampleNewStationary, []string{arch("stationary.png")}},
		{"bifurcation", ExampleNewBifurcation, []string{arch("bifurcation.png")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmpimg.CheckPlotApprox(tc.ex, t, pngDelta, tc.files...)
		})
	}
}
