package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"

	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/toy"
)

// A NamedFigure is a figure with its file name (without extension) and
// page size.
type NamedFigure struct {
	Name          string
	Figure        *plots.Figure
	Width, Height vg.Length
	Skips         []plots.Skip
}

// seriesName names a point's family in the figures.
func seriesName(p ThermoPoint) string {
	switch p.Run.Protocol {
	case toy.Sphere:
		return "sphere, fixed ELR"
	case toy.FixedELR:
		return "fixed ELR + WD"
	default:
		if p.Run.Momentum > 0 {
			return fmt.Sprintf("fixed LR + WD, momentum %g", p.Run.Momentum)
		}
		return "fixed LR + WD"
	}
}

// series groups points by name (in the order of first appearance) and
// builds measured series with x(p) and the measurement m(p).
func series(pts []ThermoPoint, keep func(ThermoPoint) bool, name func(ThermoPoint) string, x func(ThermoPoint) float64, m func(ThermoPoint) toy.Measured) []plots.MeasuredSeries {
	var out []plots.MeasuredSeries
	at := map[string]int{}
	for _, p := range pts {
		if keep != nil && !keep(p) {
			continue
		}
		n := name(p)
		i, ok := at[n]
		if !ok {
			i = len(out)
			at[n] = i
			out = append(out, plots.MeasuredSeries{Name: n})
		}
		v := m(p)
		s := &out[i]
		s.X = append(s.X, x(p))
		s.Y = append(s.Y, v.Value)
		s.Lo = append(s.Lo, v.CI95[0])
		s.Hi = append(s.Hi, v.CI95[1])
	}
	return out
}

func logspace(lo, hi float64, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = lo * math.Pow(hi/lo, float64(i)/float64(n-1))
	}
	return xs
}

func dirELR(p ThermoPoint) float64 { return p.Predicted.DirELR }

// ThermoFigures builds the figures of a Thermo result: the energy and
// entropy of the direction law against the ELR of the direction dynamics
// with the von Mises-Fisher theory; the stationary radius against the weight
// decay (log-log) with theory; the ideal-gas law p V against (D-1) T/2 with
// both sides measured; the Maxwell slopes of the fixed-ELR protocol; the
// relative error of the temperature against the step angle; and the map of
// that error over the fixed-ELR grid.
func ThermoFigures(res *ThermoResult) ([]NamedFigure, error) {
	c := res.Config
	pts := res.Points
	if len(pts) == 0 {
		return nil, fmt.Errorf("thermo figures: no points")
	}
	var figs []NamedFigure
	add := func(name string, sz plots.Size, f *plots.Figure, skips []plots.Skip, err error) error {
		if err != nil {
			return fmt.Errorf("thermo figure %s: %v", name, err)
		}
		figs = append(figs, NamedFigure{Name: name, Figure: f, Width: sz.W, Height: sz.H, Skips: skips})
		return nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		lo, hi = math.Min(lo, dirELR(p)), math.Max(hi, dirELR(p))
	}
	xs := logspace(lo/1.5, hi*1.5, 120)
	var uy, sy []float64
	for _, e := range xs {
		k := c.Mu / (e * c.Sigma * c.Sigma / 2)
		uy = append(uy, c.Mu*(1-analysis.VMFMeanCos(c.D, k)))
		sy = append(sy, analysis.VMFEntropy(c.D, k))
	}
	xl := "ELR of the direction dynamics"
	f, sk, err := plots.NewMeasuredPanels(plots.MeasuredPanels{Cols: 2,
		Title: fmt.Sprintf("vmf toy, D = %d: stationary direction law vs the Gibbs law at T = ELR sigma^2/2", c.D),
		Panels: []plots.MeasuredPanel{
			{XLabel: xl, YLabel: "U + mu", LogX: true, LogY: true,
				Series: series(pts, nil, seriesName, dirELR, func(p ThermoPoint) toy.Measured {
					e := p.Measured.Energy
					return toy.Measured{Value: e.Value + c.Mu, CI95: [2]float64{e.CI95[0] + c.Mu, e.CI95[1] + c.Mu}}
				}),
				Curves: []plots.Curve{{Name: "von Mises-Fisher theory", X: xs, Y: uy}}},
			{XLabel: xl, YLabel: "entropy S (nats)", LogX: true,
				Series: series(pts, nil, seriesName, dirELR, func(p ThermoPoint) toy.Measured { return p.Measured.Entropy }),
				Curves: []plots.Curve{{Name: "von Mises-Fisher theory", X: xs, Y: sy}}},
		}})
	if err := add("thermo_energy_entropy", plots.SizeFor(true, 0.5), f, sk, err); err != nil {
		return nil, err
	}

	// Radius against weight decay, one series per rate.
	var rPanels []plots.MeasuredPanel
	for _, proto := range []toy.ThermoProtocol{toy.FixedELR, toy.FixedLR} {
		keep := func(p ThermoPoint) bool { return p.Run.Protocol == proto }
		name := func(p ThermoPoint) string {
			if proto == toy.FixedELR {
				return fmt.Sprintf("ELR %g", p.Run.ELR)
			}
			return fmt.Sprintf("LR %g, momentum %g", p.Run.LR, p.Run.Momentum)
		}
		ss := series(pts, keep, name, func(p ThermoPoint) float64 { return p.Run.WD }, func(p ThermoPoint) toy.Measured { return p.Measured.Radius })
		if len(ss) == 0 {
			continue
		}
		// theory: the prediction at the grid's weight decays, joined.
		var curves []plots.Curve
		groups := map[string]*plots.Curve{}
		var order []string
		for _, p := range pts {
			if !keep(p) {
				continue
			}
			n := name(p)
			if groups[n] == nil {
				groups[n] = &plots.Curve{Name: "theory r*"}
				order = append(order, n)
			}
			groups[n].X = append(groups[n].X, p.Run.WD)
			groups[n].Y = append(groups[n].Y, p.Predicted.Radius)
		}
		for _, n := range order {
			curves = append(curves, *groups[n])
		}
		title := "fixed ELR + WD: r*^2 = ELR G/(2 WD)"
		if proto == toy.FixedLR {
			title = "fixed LR + WD: r*^4 = LR G/(2 WD (1-beta))"
		}
		rPanels = append(rPanels, plots.MeasuredPanel{Title: title, XLabel: "weight decay", YLabel: "stationary norm r*", LogX: true, LogY: true, Series: ss, Curves: curves})
	}
	if len(rPanels) > 0 {
		f, sk, err = plots.NewMeasuredPanels(plots.MeasuredPanels{Panels: rPanels, Cols: 2})
		if err := add("thermo_radius", plots.SizeFor(true, 0.55), f, sk, err); err != nil {
			return nil, err
		}
	}

	// Ideal gas: pV against (D-1)T/2, both measured.
	dm1 := float64(c.D - 1)
	gas := series(pts, nil, seriesName, func(p ThermoPoint) float64 { return dm1 * p.Measured.Temperature.Value / 2 },
		func(p ThermoPoint) toy.Measured { return p.Measured.PV })
	glo, ghi := math.Inf(1), math.Inf(-1)
	for _, s := range gas {
		for _, x := range s.X {
			glo, ghi = math.Min(glo, x), math.Max(ghi, x)
		}
	}
	diag := logspace(glo/1.3, ghi*1.3, 2)
	f, sk, err = plots.NewMeasuredPanels(plots.MeasuredPanels{Panels: []plots.MeasuredPanel{{
		Title:  "ideal gas, both sides measured",
		XLabel: "(D-1) T/2, measured", YLabel: "p V, measured", LogX: true, LogY: true, Series: gas,
		Curves: []plots.Curve{{Name: "p V = (D-1) T/2", X: diag, Y: diag}}}}})
	if err := add("thermo_ideal_gas", plots.SizeFor(false, 0.9), f, sk, err); err != nil {
		return nil, err
	}

	// Maxwell slopes.
	mx := res.Maxwell
	if len(mx.ELR) > 0 || len(mx.WD) > 0 {
		th := mx.Theory
		band := func(name string, x, y, se []float64) plots.MeasuredSeries {
			s := plots.MeasuredSeries{Name: name, X: x, Y: y}
			for i := range y {
				s.Lo = append(s.Lo, y[i]-1.96*se[i])
				s.Hi = append(s.Hi, y[i]+1.96*se[i])
			}
			return s
		}
		pnl := []plots.MeasuredPanel{
			{Title: "dS/dlog p at fixed T", XLabel: "ELR (fixes T)", YLabel: "slope", LogX: true,
				Series: []plots.MeasuredSeries{band("measured slope", mx.ELR, mx.DSdLogP, mx.DSdLogPSE)}, Level: &th, LevelName: "ideal gas -(D-1)/2"},
			{Title: "-p dV/dT at fixed p", XLabel: "weight decay p", YLabel: "slope", LogX: true,
				Series: []plots.MeasuredSeries{band("measured slope", mx.WD, mx.PdVdT, mx.PdVdTSE)}, Level: &th, LevelName: "ideal gas -(D-1)/2"},
		}
		f, sk, err = plots.NewMeasuredPanels(plots.MeasuredPanels{Panels: pnl, Cols: 2,
			Title: fmt.Sprintf("Maxwell relation, fixed ELR + WD, step angle < %g rad", mx.MaxAngle)})
		if err := add("thermo_maxwell", plots.SizeFor(true, 0.42), f, sk, err); err != nil {
			return nil, err
		}
	}

	// Relative error of T and T1 against the step angle.
	angle := func(p ThermoPoint) float64 { return p.Predicted.AngleRMS }
	relTo := func(pred func(ThermoPoint) float64) func(ThermoPoint) toy.Measured {
		return func(p ThermoPoint) toy.Measured {
			t := pred(p)
			m := p.Measured.Temperature
			return toy.Measured{Value: m.Value/t - 1, CI95: [2]float64{m.CI95[0]/t - 1, m.CI95[1]/t - 1}}
		}
	}
	zero := 0.0
	holds := func(order int) string {
		s := ""
		for _, b := range res.Breakdown {
			if b.Order == order && b.Points > 0 {
				if math.IsNaN(b.HoldsBelow) {
					s += fmt.Sprintf(" %v none,", b.Protocol)
				} else {
					s += fmt.Sprintf(" %v %.2g,", b.Protocol, b.HoldsBelow)
				}
			}
		}
		return s[:len(s)-1]
	}
	f, sk, err = plots.NewMeasuredPanels(plots.MeasuredPanels{Cols: 2,
		Title: fmt.Sprintf("temperature: first point off by > %.2f SE at step angle (rad)", FailZ),
		Panels: []plots.MeasuredPanel{
			{Title: "T:" + holds(0), XLabel: "predicted step angle (rad)", YLabel: "T measured / T predicted - 1", LogX: true,
				Series: series(pts, nil, seriesName, angle, relTo(func(p ThermoPoint) float64 { return p.Predicted.Temperature })), Level: &zero, LevelName: "exact"},
			{Title: "T1:" + holds(1), XLabel: "predicted step angle (rad)", YLabel: "T measured / T1 - 1", LogX: true,
				Series: series(pts, nil, seriesName, angle, relTo(func(p ThermoPoint) float64 { return p.Predicted.Temperature1 })), Level: &zero, LevelName: "exact"},
		}})
	if err := add("thermo_error_angle", plots.SizeFor(true, 0.5), f, sk, err); err != nil {
		return nil, err
	}

	// Map of the relative error of T over the fixed-ELR grid.
	elrs := append([]float64(nil), c.ELRs...)
	wds := append([]float64(nil), c.WDs...)
	sort.Float64s(elrs)
	sort.Float64s(wds)
	if len(elrs) > 0 && len(wds) > 0 {
		cells := make([][]plots.Cell, len(wds))
		for i := range cells {
			cells[i] = make([]plots.Cell, len(elrs))
			for j := range cells[i] {
				cells[i][j].State = plots.CellMissing
			}
		}
		for _, p := range pts {
			if p.Run.Protocol != toy.FixedELR {
				continue
			}
			i, j := sort.SearchFloat64s(wds, p.Run.WD), sort.SearchFloat64s(elrs, p.Run.ELR)
			cells[i][j] = plots.Cell{Value: p.RelErr.Temperature}
		}
		var b ThermoBreakdown
		for _, x := range res.Breakdown {
			if x.Protocol == toy.FixedELR && x.Order == 0 {
				b = x
			}
		}
		f, sk, err = plots.NewPhaseDiagram(plots.PhaseDiagram{ELR: elrs, Param: "weight decay", Values: wds, Cells: cells,
			Metric: "T rel. error", Diverging: true,
			Title: fmt.Sprintf("fixed ELR + WD: T measured/predicted - 1 (holds below step angle %.2g rad)", b.HoldsBelow)})
		if err := add("thermo_error_map", plots.SizeFor(true, 0.5), f, sk, err); err != nil {
			return nil, err
		}
	}
	return figs, nil
}

// WriteThermoFigures renders the figures of res into dir as name.ext for
// each format ext ("png", "svg", "pdf") and returns the files written. An
// existing file is replaced only when overwrite is set.
func WriteThermoFigures(res *ThermoResult, dir string, exts []string, overwrite bool) ([]string, error) {
	figs, err := ThermoFigures(res)
	if err != nil {
		return nil, err
	}
	return WriteFigures(figs, dir, exts, overwrite)
}

// ErrExists is wrapped by the refusal to replace an existing result file.
var ErrExists = errors.New("exists and overwrite is not set")

// WriteFigures renders figs into dir as name.ext for each format ext and
// returns the files written; an existing file is replaced only when
// overwrite is set.
func WriteFigures(figs []NamedFigure, dir string, exts []string, overwrite bool) ([]string, error) {
	var files []string
	for _, f := range figs {
		for _, ext := range exts {
			name := filepath.Join(dir, f.Name+"."+ext)
			if !overwrite && exists(name) {
				return files, fmt.Errorf("%s %w", name, ErrExists)
			}
			if err := plots.Save(f.Figure, f.Width, f.Height, name, plots.SaveOptions{}); err != nil {
				return files, err
			}
			files = append(files, name)
		}
	}
	return files, nil
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// WriteThermoJSON writes res as indented JSON to file, atomically; an
// existing file is replaced only when overwrite is set.
func WriteThermoJSON(res *ThermoResult, file string, overwrite bool) error {
	if !overwrite && exists(file) {
		return fmt.Errorf("%s %w", file, ErrExists)
	}
	data, err := json.MarshalIndent(res, "", " ")
	if err != nil {
		return err
	}
	return fileio.WriteFile(file, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}

// WriteTable writes the measured-versus-predicted table of res: one line per
// run with the protocol and rates, the predicted RMS step angle, the
// temperature measured (with its 95% CI) against the leading order T and the
// first order T1, the entropy against the von Mises-Fisher value, the
// stationary radius against r*, the RMS angle against its prediction, and
// p V against (D-1)T/2 with the measured T; then where the temperature
// predictions break down and the Maxwell slopes.
func (res *ThermoResult) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "protocol\trate\twd\tmom\tangle\tT measured [95% CI]\tT\tT1\tS meas\tS vMF\tr* meas\tr*\tangle rms\tpred\tpV\t(D-1)T/2")
	dm1 := float64(res.Config.D - 1)
	for _, p := range res.Points {
		rate := p.Run.ELR
		if p.Run.Protocol == toy.FixedLR {
			rate = p.Run.LR
		}
		m, q := p.Measured, p.Predicted
		fmt.Fprintf(tw, "%v\t%g\t%g\t%g\t%.3g\t%.4g [%.4g, %.4g]\t%.4g\t%.4g\t%.3f\t%.3f\t%.4g\t%.4g\t%.4g\t%.4g\t%.4g\t%.4g\n",
			p.Run.Protocol, rate, p.Run.WD, p.Run.Momentum, q.AngleRMS,
			m.Temperature.Value, m.Temperature.CI95[0], m.Temperature.CI95[1], q.Temperature, q.Temperature1,
			m.Entropy.Value, q.Entropy, m.Radius.Value, q.Radius, m.AngleRMS.Value, q.AngleRMS,
			m.PV.Value, dm1*m.Temperature.Value/2)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, b := range res.Breakdown {
		name := "T"
		if b.Order == 1 {
			name = "T1"
		}
		if math.IsNaN(b.HoldsBelow) {
			fmt.Fprintf(w, "%s, %v: within %.2f standard errors at all %d points\n", name, b.Protocol, FailZ, b.Points)
		} else {
			fmt.Fprintf(w, "%s, %v: within %.2f standard errors below a step angle of %.3g rad (%d of %d points off)\n", name, b.Protocol, FailZ, b.HoldsBelow, b.Failures, b.Points)
		}
	}
	mx := res.Maxwell
	for i := range mx.ELR {
		fmt.Fprintf(w, "Maxwell: dS/dlog p at ELR %g = %.3f +- %.3f (ideal gas %g)\n", mx.ELR[i], mx.DSdLogP[i], 1.96*mx.DSdLogPSE[i], mx.Theory)
	}
	for i := range mx.WD {
		fmt.Fprintf(w, "Maxwell: -p dV/dT at wd %g = %.3f +- %.3f (ideal gas %g)\n", mx.WD[i], mx.PdVdT[i], 1.96*mx.PdVdTSE[i], mx.Theory)
	}
	_, err := fmt.Fprintf(w, "%d runs in %.1f s\n", len(res.Points), res.Seconds)
	return err
}

// WriteRotationalTable writes the measured-versus-predicted table of
// network runs (RotationalRun): the run, rates, steps per epoch, the
// window's length and checkpoints, the p-value of the realised ELR's trend
// over the window, the shuffle factor f, the SI norm, realised ELR and RMS
// angle, each measured [95% CI] against its prediction (from the checkpoint
// passes), and the other readings of the radius: from the checkpoint passes
// without the correction (independent draws), from the training steps' G
// with the correction and without it, and from tr Sigma_1 alone.
func WriteRotationalTable(w io.Writer, rs []RotationalRunResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tlr\twd\tmom\tsteps/ep\twindow\tckpts\ttrend p\tf\tnorm [95% CI]\tpred [95% CI]\tELR [95% CI]\tpred [95% CI]\tangle rms [95% CI]\tpred\tindep.\tsteps' G\tsteps' G indep.\tnoise-only")
	iv := func(v analysis.Interval) string {
		return fmt.Sprintf("%.4g [%.4g, %.4g]", v.Value, v.CI95[0], v.CI95[1])
	}
	for _, r := range rs {
		e := r.Equilibrium
		fmt.Fprintf(tw, "%s\t%g\t%g\t%g\t%d\t%d\t%d\t%.2g\t%.3f\t%s\t%s\t%s\t%s\t%s\t%.4g\t%.4g\t%.4g\t%.4g\t%.4g\n",
			filepath.Base(r.Dir), r.LR, r.WD, r.Momentum, r.Batches, e.Steps, e.Checkpoints, e.TrendP, e.ShuffleFactor,
			iv(e.Norm), iv(e.PredNorm), iv(e.ELR), iv(e.PredELR), iv(e.AngleRMS), e.PredAngleRMS,
			e.PredNormIndependent.Value, e.PredNormStream.Value, e.PredNormStreamIndependent.Value, e.PredNormNoiseOnly.Value)
	}
	return tw.Flush()
}

// CheckFormats returns an error unless every ext is a figure format of
// WriteFigures: png, svg or pdf.
func CheckFormats(exts []string) error {
	for _, e := range exts {
		if e != "png" && e != "svg" && e != "pdf" {
			return fmt.Errorf("unknown figure format %q (want png, svg or pdf)", e)
		}
	}
	return nil
}

// PrepareThermo makes the output folder dir of Thermo and refuses an
// existing dir/thermo.json unless overwrite, before any run.
func PrepareThermo(dir string, overwrite bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if js := filepath.Join(dir, "thermo.json"); !overwrite && exists(js) {
		return fmt.Errorf("%s %w", js, ErrExists)
	}
	return nil
}

// WriteThermo writes res to dir: thermo.json and the figures in the
// formats exts.
func WriteThermo(res *ThermoResult, dir string, exts []string, overwrite bool) error {
	if err := WriteThermoJSON(res, filepath.Join(dir, "thermo.json"), overwrite); err != nil {
		return err
	}
	_, err := WriteThermoFigures(res, dir, exts, overwrite)
	return err
}

// WriteRotational writes the rotational-equilibrium results rs to dir:
// rotational.json and the figure rotational.png and .svg. Existing files
// are replaced only when overwrite is set.
func WriteRotational(rs []RotationalRunResult, dir string, overwrite bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := filepath.Join(dir, "rotational.json")
	if !overwrite && exists(name) {
		return fmt.Errorf("%s %w", name, ErrExists)
	}
	if err := fileio.WriteFile(name, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(rs)
	}); err != nil {
		return err
	}
	fig, err := RotationalFigure(rs)
	if err != nil {
		return err
	}
	_, err = WriteFigures([]NamedFigure{fig}, dir, []string{"png", "svg"}, overwrite)
	return err
}
