package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/plots/figdata"
	"github.com/regimes/regimes/regime"
	"github.com/regimes/regimes/sweep"
	"github.com/regimes/regimes/toy"
)

// DemoConfig configures the demo: the toy story of the three regimes on
// built-in defaults.
type DemoConfig struct {
	// Out is the output folder; a killed demo rerun into the same folder
	// redoes only unfinished runs.
	Out string
	// Workers is the number of parallel runs (0: GOMAXPROCS).
	Workers int
	// Progress, if not nil, receives a line per step with the elapsed time.
	Progress io.Writer
}

// DemoResult is what the demo measured.
type DemoResult struct {
	// Phase holds the records of the phase-diagram sweep of lsq (20 ELRs x
	// 8 batch sizes), as in phase/results.jsonl.
	Phase []map[string]any
	// Index is the index.html that shows every figure with its caption.
	Index string
}

// demoBatches are the batch sizes of the demo's phase diagram and
// thresholds figure.
var demoBatches = []float64{1, 2, 3, 4, 6, 8, 12, 16}

// demo is the state of one demo run.
type demo struct {
	cfg    DemoConfig
	start  time.Time
	theory *toy.TheoryCache
	runner sweep.Runner
}

func (d *demo) step(format string, a ...any) {
	if d.cfg.Progress != nil {
		fmt.Fprintf(d.cfg.Progress, "[%5.1fs] %s\n", time.Since(d.start).Seconds(), fmt.Sprintf(format, a...))
	}
}

// Demo runs the toy story into cfg.Out: the phase diagram of lsq over ELR x
// batch size with the theory thresholds, the thresholds figure, the Lyapunov
// scan, the circle's bifurcation diagram and the vmf equilibrium against
// the von Mises-Fisher prediction (PNG and SVG), the data behind each in
// the formats of package figdata, and index.html with a caption per figure.
func Demo(cfg DemoConfig) (*DemoResult, error) {
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Workers < 1 {
		return nil, fmt.Errorf("demo: %d workers: need at least 1", cfg.Workers)
	}
	d := &demo{cfg: cfg, start: time.Now(), theory: new(toy.TheoryCache)}
	d.runner = func(ctx context.Context, raw json.RawMessage, pt sweep.Point) (any, error) {
		return toy.RunSweepPoint(ctx, raw, pt, d.theory)
	}
	out := cfg.Out
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	phase, err := d.data()
	if err != nil {
		return nil, err
	}
	d.step("drawing figures")
	if err := d.figures(); err != nil {
		return nil, err
	}
	index := filepath.Join(out, "index.html")
	if err := fileio.WriteFile(index, writeDemoIndex); err != nil {
		return nil, err
	}
	return &DemoResult{Phase: phase, Index: index}, nil
}

// data runs the sweeps and simulations and writes the figures' data; it
// returns the phase sweep's records.
func (d *demo) data() ([]map[string]any, error) {
	out := d.cfg.Out
	base := toy.SweepBase{Toy: toy.Config{Toy: "lsq", DataSeed: 1}, Batch: 1, Sampling: "iid", Steps: 20000, LyapunovSteps: 1000}
	d.step("phase diagram: lsq, 20 ELRs x %d batch sizes", len(demoBatches))
	phase, err := d.sweep(filepath.Join(out, "phase"), base, sweep.LogSpace(0.5, 50, 20), demoBatches)
	if err != nil {
		return nil, err
	}
	d.step("Lyapunov scan: lsq, b = 1, 24 ELRs")
	lyapBase := base
	lyapBase.LyapunovSteps = 4000
	lyap, err := d.sweep(filepath.Join(out, "lyapunov"), lyapBase, sweep.LogSpace(0.5, 50, 24), []float64{1})
	if err != nil {
		return nil, err
	}
	d.step("thresholds against batch size")
	if err := d.thresholds(filepath.Join(out, "thresholds.csv"), base.Toy, phase); err != nil {
		return nil, err
	}
	if err := demoLyapunovCSV(filepath.Join(out, "lyapunov.csv"), lyap); err != nil {
		return nil, err
	}
	d.step("circle bifurcation diagram")
	if err := demoBifurcation(filepath.Join(out, "bifurcation.csv")); err != nil {
		return nil, err
	}
	d.step("vmf equilibrium against the von Mises-Fisher prediction")
	if err := d.vmf(filepath.Join(out, "vmf.csv")); err != nil {
		return nil, err
	}
	return phase, nil
}

// figures draws the demo's figures from the data files (figdata.Figure),
// PNG at 200 dpi and SVG.
func (d *demo) figures() error {
	out := d.cfg.Out
	figs := []struct {
		kind, name, in string
		w, h           vg.Length
	}{
		{"phase", "phase", filepath.Join(out, "phase", "results.jsonl"), 6, 3.6},
		{"thresholds", "thresholds", filepath.Join(out, "thresholds.csv"), 5, 3},
		{"lyapunov", "lyapunov", filepath.Join(out, "lyapunov.csv"), 5, 3},
		{"bifurcation", "bifurcation", filepath.Join(out, "bifurcation.csv"), 5, 3},
		{"stationary", "vmf", filepath.Join(out, "vmf.csv"), 5, 3},
	}
	for _, f := range figs {
		for _, ext := range []string{".png", ".svg"} {
			fig, skips, notes, err := figdata.Figure(f.kind, []string{f.in}, figdata.Options{})
			if err != nil {
				return fmt.Errorf("drawing %s%s: %v", f.name, ext, err)
			}
			for _, n := range notes {
				d.step("%s: %s", f.name, n)
			}
			for _, sk := range skips {
				d.step("%s: %v", f.name, sk)
			}
			if err := plots.Save(fig, f.w*vg.Inch, f.h*vg.Inch, filepath.Join(out, f.name+ext), plots.SaveOptions{DPI: 200}); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoSweep plans and runs a toy sweep over ELR x batch size in dir (reusing
// finished points of the same plan) and returns its merged records.
func (d *demo) sweep(dir string, base toy.SweepBase, elrs, batches []float64) ([]map[string]any, error) {
	p, err := sweep.NewPlan(base, elrs, "batch", batches, []uint64{1})
	if err != nil {
		return nil, err
	}
	planFile := filepath.Join(dir, "plan.json")
	points := filepath.Join(dir, "points")
	if old, err := sweep.ReadPlan(planFile); err != nil || old.ID != p.ID {
		// A plan of an older demo: its points cannot be reused.
		if err := os.RemoveAll(points); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := sweep.WritePlan(planFile, p); err != nil {
		return nil, err
	}
	if _, err := sweep.RunShard(context.Background(), p, sweep.Shard{Index: 0, Count: 1}, points, d.cfg.Workers, d.runner, nil); err != nil {
		return nil, err
	}
	results, missing, err := sweep.Merge(p, []string{points})
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: %d points missing after the run", dir, len(missing))
	}
	recs := make([]map[string]any, len(results))
	for i, r := range results {
		if recs[i], err = r.Record(); err != nil {
			return nil, err
		}
		// Round-trip through JSON so that numbers are float64 throughout.
		b, _ := json.Marshal(recs[i])
		recs[i] = map[string]any{}
		json.Unmarshal(b, &recs[i])
	}
	if err := fileio.WriteFile(filepath.Join(dir, "results.jsonl"), func(w io.Writer) error { return fileio.WriteJSONL(w, recs) }); err != nil {
		return nil, err
	}
	if err := fileio.WriteFile(filepath.Join(dir, "results.csv"), func(w io.Writer) error { return fileio.WriteFlatCSV(w, recs) }); err != nil {
		return nil, err
	}
	return recs, nil
}

func num(m map[string]any, path ...string) float64 {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return math.NaN()
		}
		v = mm[k]
	}
	if x, ok := v.(float64); ok {
		return x
	}
	return math.NaN()
}

func fmtCell(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', 10, 64)
}

func writeCSV(name string, header []string, rows [][]float64) error {
	return fileio.WriteFile(name, func(w io.Writer) error {
		fmt.Fprintln(w, strings.Join(header, ","))
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, x := range r {
				cells[i] = fmtCell(x)
			}
			if _, err := fmt.Fprintln(w, strings.Join(cells, ",")); err != nil {
				return err
			}
		}
		return nil
	})
}

// demoThresholds writes the theory thresholds for each batch size with the
// simulated boundary of the phase sweep: the largest ELR that converged and
// the smallest that did not.
func (d *demo) thresholds(name string, cfg toy.Config, phase []map[string]any) error {
	p, err := cfg.Build()
	if err != nil {
		return err
	}
	var rows [][]float64
	for _, b := range demoBatches {
		th, err := d.theory.LSQ(p, cfg, int(b), true)
		if err != nil {
			return err
		}
		conv, div := math.NaN(), math.NaN()
		for _, r := range phase {
			if num(r, "value") != b {
				continue
			}
			e := num(r, "elr")
			if r["regime"] == regime.Convergence.String() {
				if math.IsNaN(conv) || e > conv {
					conv = e
				}
			} else if math.IsNaN(div) || e < div {
				div = e
			}
		}
		rows = append(rows, []float64{b, th["gd_threshold"], th["ms_threshold"], th["as_threshold"],
			th["as_threshold_lo"], th["as_threshold_hi"], conv, div})
	}
	return writeCSV(name, []string{"b", "gd", "ms", "as", "as_lo", "as_hi", "converged", "diverged"}, rows)
}

// demoLyapunovCSV writes the Lyapunov scan in the lyapunov figure's format.
func demoLyapunovCSV(name string, recs []map[string]any) error {
	return fileio.WriteFile(name, func(w io.Writer) error {
		fmt.Fprintln(w, "elr,exponent,lo,hi,regime")
		for _, r := range recs {
			ci, _ := r["lyapunov_ci"].([]any)
			lo, hi := math.NaN(), math.NaN()
			if len(ci) == 2 {
				lo, _ = ci[0].(float64)
				hi, _ = ci[1].(float64)
			}
			fmt.Fprintf(w, "%s,%s,%s,%s,%s\n", fmtCell(num(r, "elr")), fmtCell(num(r, "lyapunov")), fmtCell(lo), fmtCell(hi), r["regime"])
		}
		return nil
	})
}

// demoBifurcation writes attractor samples of the circle map against ELR
// lambda (lambda = 1) with the closed-form branches: the fixed point 0 below
// the flip at 2 and the 2-cycle +-phi, cos 2phi = 2/(ELR lambda), above it.
func demoBifurcation(name string) error {
	var rows [][]float64
	const lambda = 1.0
	for i := 0; i <= 400; i++ {
		el := 0.2 + 4.8*float64(i)/400
		for _, phi := range toy.CircleAttractor(lambda, el, 0.3, 2000, 6) {
			rows = append(rows, []float64{el, phi, math.NaN(), math.NaN(), math.NaN()})
		}
		th := toy.CircleClosedForm(lambda, el*1.0000001) // just past 2, the cycle exists
		fixed := math.NaN()
		if el <= 2 {
			fixed = 0
		}
		up, down := math.NaN(), math.NaN()
		if th.CycleExists {
			up, down = th.CyclePhi, -th.CyclePhi
		}
		rows = append(rows, []float64{el, math.NaN(), fixed, up, down})
	}
	return writeCSV(name, []string{"x", "y", "fixed point", "2-cycle", ""}, rows)
}

// demoVMF writes the simulated stationary loss of vmf (d = 3, ||mu|| = 1,
// sigma = 1, b = 1) with its 95% confidence interval, and the von
// Mises-Fisher prediction on a fine grid.
func (d *demo) vmf(name string) error {
	cfg := toy.Config{Toy: "vmf", D: 3, Mu: 1, Sigma: 1}
	p, err := cfg.Build()
	if err != nil {
		return err
	}
	elrs := sweep.LogSpace(0.02, 5, 12)
	jobs := make([]toy.Job, len(elrs))
	for i, e := range elrs {
		jobs[i] = toy.Job{Problem: p, Sim: toy.SimConfig{ELR: e, Batch: 1, Steps: 400000, Every: 20, Seed: uint64(i + 1)}}
	}
	res := toy.RunMany(jobs, d.cfg.Workers)
	var rows [][]float64
	for i, r := range res {
		if r.Err != nil {
			return r.Err
		}
		loss := make([]float64, len(r.Trajectory.Records))
		for j, rec := range r.Trajectory.Records {
			loss[j] = rec.Loss
		}
		st := analysis.Stationary(loss)
		rows = append(rows, []float64{elrs[i], st.Mean, st.CI95[0], st.CI95[1], math.NaN()})
	}
	for _, e := range sweep.LogSpace(0.02, 5, 60) {
		rows = append(rows, []float64{e, math.NaN(), math.NaN(), math.NaN(), toy.VMFPrediction(3, 1, 1, e).MeanLoss})
	}
	return writeCSV(name, []string{"elr", "mean", "lo", "hi", "von Mises-Fisher prediction"}, rows)
}

// WriteTable writes the table of the lsq runs at batch sizes 1 and 4 next to
// the theory: for each run its ELR, ELR over the almost-sure threshold, the
// classifier's regime, the tail loss and angle and the Lyapunov exponent.
func (r *DemoResult) WriteTable(w io.Writer) {
	phase := r.Phase
	fmt.Fprintln(w, "lsq toy (n = 8, d = 24, unit-norm rows, data seed 1), 20000 steps per run")
	for _, b := range []float64{1, 4} {
		var th map[string]any
		for _, r := range phase {
			if num(r, "value") == b {
				th, _ = r["theory"].(map[string]any)
				break
			}
		}
		fmt.Fprintf(w, "\nbatch %g: GD threshold %.4g, mean-square %.4g, almost-sure %.4g [%.4g, %.4g], random level %.4g\n",
			b, num(th, "gd_threshold"), num(th, "ms_threshold"), num(th, "as_threshold"),
			num(th, "as_threshold_lo"), num(th, "as_threshold_hi"), num(th, "random_level"))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "ELR\tELR/a.s.\tregime\ttail loss\ttail angle (rad)\tLyapunov\t")
		for _, r := range phase {
			if num(r, "value") != b {
				continue
			}
			e := num(r, "elr")
			fmt.Fprintf(tw, "%.3g\t%.2f\t%s\t%.3g\t%.3g\t%+.4f\t\n", e, e/num(th, "as_threshold"), r["regime"],
				num(r, "summary", "tail_loss_mean"), num(r, "summary", "tail_angle_mean"), num(r, "lyapunov"))
		}
		tw.Flush()
	}
}

// demoCaptions holds the figures of index.html with their captions.
var demoCaptions = []struct{ file, title, caption string }{
	{"phase.png", "Phase diagram of the lsq toy",
		`Each cell is one projected-SGD run of the lsq toy (scale-invariant least squares, n = 8 unit-norm samples in d = 24, SCIENCE.md 6.1) at a fixed effective learning rate (x, log scale) and batch size (rows), 20,000 steps, coloured by the regime the classifier assigns from the run's statistics: convergence (the loss falls to machine zero or keeps falling significantly), chaotic equilibrium (stationary, significantly below the random level tr(H)/(2d)) and divergence (stationary at or above the random level). The lines are the theory of the regime 1|2 boundary: the full-batch threshold 2/λ_max(H), the mean-square threshold (spectral radius of the second-moment map of 6.1 reaching 1) and the almost-sure threshold (zero crossing of the top Lyapunov exponent of the random product of I − η̃H_B). The boundary between blue and the other colours should follow the almost-sure curve; the band of chaotic equilibrium widens with the batch size.`},
	{"thresholds.png", "Regime 1|2 thresholds against batch size",
		`Theory against simulation. Mean-square and almost-sure thresholds (with the confidence interval of the Lyapunov estimate) for i.i.d. batches of size b, and the GD threshold 2/λ_max(H), which both approach as b grows. For b = 1 with equal norms both equal 2/λ exactly (SCIENCE.md 6.1). Markers show the simulated boundary of the phase diagram: the largest ELR of the grid that converged and the smallest that did not; the almost-sure threshold should lie between them. Between the mean-square and the almost-sure thresholds, SGD still converges with probability one although the second moment of the linearised dynamics grows.`},
	{"lyapunov.png", "Top Lyapunov exponent of the projected SGD step (lsq, b = 1)",
		`Finite-time maximal Lyapunov exponent per step of the map u → (u − η̃ g_B(u))/‖u − η̃ g_B(u)‖ driven by the same batch sequence as the trajectory (SCIENCE.md 7), measured transverse to the neutral rotations inside null(A), with 95% confidence intervals from 10 blocks. Shaded bands are the regimes the classifier found from the loss series. Expected: negative (contraction onto the minimum) in regime 1, small positive (about +0.001 to +0.01) in the narrow chaotic band just above the threshold 2, and, for large ELR, whatever regime 3 gives: here the identical batches synchronise two nearby copies, so the exponent is negative although the loss sits at the random level.`},
	{"bifurcation.png", "Bifurcation diagram of the circle toy",
		`The circle toy f = (λ/2) sin²φ on the unit circle (SCIENCE.md 6.2, λ = 1) has the exact step map φ' = φ − arctan(η̃ (λ/2) sin 2φ). Dots are attractor samples after 2,000 steps from φ = 0.3; lines are the closed forms: the minimum φ = 0, stable while its multiplier 1 − η̃λ stays above −1, and past the flip bifurcation at η̃λ = 2 the stable 2-cycle φ ↔ −φ with cos 2φ = 2/(η̃λ), on which the loss is λ/4 − 1/(2η̃). The dots must sit on the lines.`},
	{"vmf.png", "Stationary loss of the vmf toy against the von Mises-Fisher prediction",
		`The vmf toy F(u) = ⟨μ, u⟩ on the unit sphere in d = 3 with isotropic gradient noise σ P_u z (SCIENCE.md 6.3; ‖μ‖ = σ = 1, b = 1) has no convergence regime. Points: the stationary mean loss of 400,000-step runs (MSER transient removed) with 95% batch-means confidence intervals. Line: the leading-order prediction E[F] = −‖μ‖ A_d(‖μ‖/T) with temperature T = η̃σ²/2 and the Bessel ratio A_d computed by a continued fraction. The prediction is exact as η̃ → 0; it fails as the angular step approaches its π/2 cap, and the figure shows where.`},
}

func writeDemoIndex(w io.Writer) error {
	fmt.Fprint(w, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>regimes demo: the three regimes of scale-invariant training on toy problems</title>
<style>
body { font-family: Georgia, serif; max-width: 62em; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
figure { margin: 2.5em 0; }
img { max-width: 100%; border: 1px solid #ddd; }
figcaption { margin-top: 0.6em; }
h1 { font-size: 1.6em; }
code { font-size: 0.95em; }
</style>
</head>
<body>
<h1>The three regimes of scale-invariant training, on toy problems</h1>
<p>Written by <code>regimes demo</code>. Each figure is drawn from the data file beside it
(<code>phase/results.jsonl</code>, <code>thresholds.csv</code>, <code>lyapunov.csv</code>,
<code>bifurcation.csv</code>, <code>vmf.csv</code>) and can be redrawn with <code>regimes plot</code>.
SVG versions sit beside the PNGs. The toys are this project's own reconstruction, not the paper's toy example.</p>
`)
	for _, c := range demoCaptions {
		svg := strings.TrimSuffix(c.file, ".png") + ".svg"
		fmt.Fprintf(w, "<figure>\n<h2>%s</h2>\n<a href=\"%s\"><img src=\"%s\" alt=\"%s\"></a>\n<figcaption>%s</figcaption>\n</figure>\n",
			html.EscapeString(c.title), svg, c.file, html.EscapeString(c.title), html.EscapeString(c.caption))
	}
	_, err := fmt.Fprint(w, "</body>\n</html>\n")
	return err
}
