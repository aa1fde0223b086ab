package plots_test

import (
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"runtime"

	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/regime"
)

// The examples render small figures from synthetic data made by fixed
// formulas below (not science from other packages) into testdata/; the
// golden tests in golden_test.go compare them with the stored references.
// PNGs go to testdata/GOARCH/ because rasterisation may differ between
// architectures.

// exampleDPI keeps the raster goldens small.
const exampleDPI = 96

// save writes f as testdata/<name>.svg (when svg) and
// testdata/<GOARCH>/<name>.png, and prints the skipped points.
func save(f plots.Drawer, skips []plots.Skip, name string, w, h vg.Length, svg bool) {
	for _, s := range skips {
		fmt.Println(s)
	}
	// Every example figure is laid out without overlapping labels.
	if fig, ok := f.(*plots.Figure); ok {
		if err := plots.CheckLayout(fig, w, h); err != nil {
			fmt.Println(err)
		}
	}
	dir := filepath.Join("testdata", runtime.GOARCH)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	if svg {
		if err := plots.Save(f, w, h, filepath.Join("testdata", name+".svg"), plots.SaveOptions{}); err != nil {
			log.Fatal(err)
		}
	}
	if err := plots.Save(f, w, h, filepath.Join(dir, name+".png"), plots.SaveOptions{DPI: exampleDPI}); err != nil {
		log.Fatal(err)
	}
}

// syntheticThreshold is a made-up threshold curve for the examples,
// 2 / (1 + 3/b): it rises from 0.5 at b = 1 towards 2.
func syntheticThreshold(b float64) float64 { return 2 / (1 + 3/b) }

// phaseData returns a small synthetic phase diagram: rows b = 1, 2, 4, 8, 16;
// columns 12 ELRs from 0.1 to 100. The regime is convergence below the
// synthetic threshold, divergence above 20 times it, equilibrium between;
// one run failed and one value is NaN (its regime undetermined).
func phaseData(byRegime bool) plots.PhaseDiagram {
	d := plots.PhaseDiagram{Param: "batch size b", ByRegime: byRegime, Metric: "stationary loss", LogColor: true}
	for j := range 12 {
		d.ELR = append(d.ELR, 0.1*math.Pow(1000, float64(j)/11))
	}
	var gd, ms, as []float64
	for i := range 5 {
		b := math.Pow(2, float64(i))
		d.Values = append(d.Values, b)
		row := make([]plots.Cell, len(d.ELR))
		th := syntheticThreshold(b)
		for j, e := range d.ELR {
			c := plots.Cell{Value: 1e-4 * math.Pow(e/th, 2)}
			switch {
			case e < th:
				c.Regime = regime.Convergence
			case e < 20*th:
				c.Regime = regime.Chaotic
			default:
				c.Regime = regime.Divergence
			}
			row[j] = c
		}
		d.Cells = append(d.Cells, row)
		ms = append(ms, th)
		as = append(as, 1.3*th)
		gd = append(gd, 2)
	}
	d.Cells[1][7].State = plots.CellFailed
	d.Cells[3][2].Regime = regime.Undetermined
	d.Cells[3][2].Value = math.NaN()
	d.Curves = []plots.Curve{
		{Name: "GD 2/λ_{max}(H)", X: gd, Y: d.Values},
		{Name: "mean-square", X: ms, Y: d.Values},
		{Name: "almost-sure", X: as, Y: d.Values},
	}
	return d
}

func ExampleNewPhaseDiagram() {
	f, skips, err := plots.NewPhaseDiagram(phaseData(true))
	if err != nil {
		log.Fatal(err)
	}
	save(f, skips, "phase_regime", 5*vg.Inch, 3*vg.Inch, true)
	// Output:
	// cell (η̃=8.111, batch size b=2): point 19 (x=8.111, y=2) skipped: run failed
}

func ExampleNewPhaseDiagram_metric() {
	f, skips, err := plots.NewPhaseDiagram(phaseData(false))
	if err != nil {
		log.Fatal(err)
	}
	save(f, skips, "phase_metric", 5*vg.Inch, 3*vg.Inch, false)
	// Output:
	// cell (η̃=8.111, batch size b=2): point 19 (x=8.111, y=2) skipped: run failed
	// cell (η̃=0.3511, batch size b=8): point 38 (x=0.3511, y=8) skipped: non-finite value
}

// panelsData returns four synthetic runs from a common start (loss 2.3):
// loss decaying exponentially to a floor that grows with the ELR, gradient
// norm 0.5 sqrt(loss) (1 + k(1 - e^{-t/10})) for the k-th ELR, test error
// falling to a level set by the ELR. One loss value of the largest ELR is 0
// to show a skipped point on a log axis.
func panelsData(withTestError bool) plots.Panels {
	d := plots.Panels{TimeLabel: "epoch"}
	for k, elr := range []float64{1e-4, 1e-3, 1e-2, 1e-1} {
		r := plots.Run{ELR: elr}
		floor := 1e-4 * math.Pow(20, float64(k))
		for t := 0; t <= 100; t += 2 {
			loss := (2.3-floor)*math.Exp(-float64(t)/(5+10*float64(3-k))) + floor
			r.Time = append(r.Time, float64(t))
			r.TrainLoss = append(r.TrainLoss, loss)
			r.GradNorm = append(r.GradNorm, 0.5*math.Sqrt(loss)*(1+float64(k)*(1-math.Exp(-float64(t)/10))))
			if withTestError {
				r.TestError = append(r.TestError, 10+80*math.Exp(-float64(t)/20)*(1-0.2*float64(k))+5*float64(k*k))
			}
		}
		if k == 3 {
			r.TrainLoss[5] = 0
		}
		d.Runs = append(d.Runs, r)
	}
	return d
}

func ExampleNewPanels() {
	f, skips, err := plots.NewPanels(panelsData(true))
	if err != nil {
		log.Fatal(err)
	}
	save(f, skips, "panels", 6.5*vg.Inch, 4.5*vg.Inch, true)
	// Output:
	// train loss at η̃=0.1: point 5 (x=10, y=0) skipped: y <= 0 on a log axis
	// loss vs gradient norm at η̃=0.1: point 5 (x=0, y=1.45) skipped: x <= 0 on a log axis
}

func ExampleNewThresholds() {
	d := plots.Thresholds{}
	for i := range 6 {
		b := math.Pow(2, float64(i))
		th := syntheticThreshold(b)
		d.B = append(d.B, b)
		d.GD = append(d.GD, 2)
		d.MS = append(d.MS, th)
		d.AS = append(d.AS, th*(1+0.3/b))
		d.ASLo = append(d.ASLo, th*(1+0.3/b)*0.95)
		d.ASHi = append(d.ASHi, th*(1+0.3/b)*1.05)
		d.Converged = append(d.Converged, th*(1+0.3/b)*0.9)
		d.Diverged = append(d.Diverged, th*(1+0.3/b)*1.12)
	}
	d.Converged[0] = math.NaN() // no converging run at b = 1: not drawn, not reported
	f, skips, err := plots.NewThresholds(d)
	if err != nil {
		log.Fatal(err)
	}
	save(f, skips, "thresholds", 5*vg.Inch, 3*vg.Inch, false)
	// Output:
}

func ExampleNewLyapunov() {
	d := plots.Lyapunov{
		Bands: []plots.Band{
			{From: 0.1, To: 2, Regime: regime.Convergence},
			{From: 2, To: 30, Regime: regime.Chaotic},
			{From: 30, To: 100, Regime: regime.Divergence},
		},
	}
	for j := range 15 {
		e := 0.1 * math.Pow(1000, float64(j)/14)
		// A synthetic exponent: log|1 - e/1.5| below 2, then a small
		// positive plateau (not science).
		v := math.Max(math.Log(math.Abs(1-e/4)), -2)
		if e > 2 {
			v = 0.01 * math.Log(e/2)
		}
		d.ELR = append(d.ELR, e)
		d.Exp = append(d.Exp, v)
		d.Lo = append(d.Lo, v-0.05)
		d.Hi = append(d.Hi, v+0.05)
	}
	d.Exp[3] = math.NaN()
	f, skips, err := plots.NewLyapunov(d)
	if err != nil {
		log.Fatal(err)
	}
	save(f, skips, "lyapunov", 5*vg.Inch, 3*vg.Inch, true)
	// Output:
	// Lyapunov exponent: point 3 (x=0.4394, y=NaN) skipped: non-finite y
}

func ExampleNewStationary() {
	// The closed form drawn is a synthetic saturating curve
	// 0.25 - 0.5/η̃ for η̃ > 2 (the shape of a 2-cycle level), and the
	// "measurements" lie on it with 5% intervals.
	d := plots.Stationary{Random: 0.25}
	var cx, cy []float64
	for j := range 200 {
		e := 2 * math.Pow(50, float64(j)/199)
		cx = append(cx, e)
		cy = append(cy, 0.25-0.5/e)
	}
	for j := range 10 {
		e := 2.2 * math.Pow(40, float64(j)/9)
		m := 0.25 - 0.5/e
		d.ELR = append(d.ELR, e)
		d.Mean = append(d.Mean, m)
		d.Lo = append(d.Lo, 0.95*m)
		d.Hi = append(d.Hi, 1.05*m)
	}
	d.Curves = []plots.Curve{{Name: "closed form", X: cx, Y: cy}}
	f, skips, err := plots.NewStationary(d)
	if err != nil {
		log.Fatal(err)
	}
	save(f, skips, "stationary", 5*vg.Inch, 3*vg.Inch, false)
	// Output:
}

func ExampleNewBifurcation() {
	// Attractor of the map φ' = φ - arctan((x/2) sin 2φ) for x in [1, 4]:
	// 64 iterations after 200 of transient from φ = 0.3.
	d := plots.Bifurcation{}
	var up, down, bx []float64
	for j := range 150 {
		x := 1 + 3*float64(j)/149
		phi := 0.3
		for k := range 264 {
			phi -= math.Atan(x / 2 * math.Sin(2*phi))
			if k >= 200 {
				d.X = append(d.X, x)
				d.Y = append(d.Y, phi)
			}
		}
		if x > 2 {
			a := 0.5 * math.Acos(2/x)
			bx, up, down = append(bx, x), append(up, a), append(down, -a)
		}
	}
	d.Branches = []plots.Curve{{Name: "2-cycle ±½ arccos(2/x)", X: bx, Y: up}, {Name: "", X: bx, Y: down}}
	f, skips, err := plots.NewBifurcation(d)
	if err != nil {
		log.Fatal(err)
	}
	save(f, skips, "bifurcation", 5*vg.Inch, 3*vg.Inch, false)
	// Output:
}
