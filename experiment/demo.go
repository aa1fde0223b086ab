package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/internal/progress"
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
	// Progress, if not nil, receives the demo's progress in its six
	// stages (the phase sweep, the Lyapunov sweep, three data sets, the
	// figures) with the elapsed time and an ETA: a live line on a
	// terminal, else a line at the start of each stage and per tenth of a
	// sweep's points, and its notes (seeds that disagree) on lines of
	// their own.
	Progress io.Writer
	// Provenance is recorded in every figure (PNG text chunks, SVG
	// comment): the command line, version and commit, as the caller knows
	// them. PageProvenance is listed on index.html (with the date and the
	// machine, which figures leave out to keep their bytes reproducible);
	// empty means Provenance.
	Provenance, PageProvenance []plots.Meta
	// Science, if not empty, is the path or URL of SCIENCE.md that
	// index.html links to.
	Science string
}

// DemoResult is what the demo measured.
type DemoResult struct {
	// Phase holds the records of the phase-diagram sweep of lsq
	// (demoPhaseELRs x demoBatches x demoPhaseSeeds), as in
	// phase/results.jsonl.
	Phase []map[string]any
	// Index is the index.html that shows every figure with its caption.
	Index string
}

// demoBatches are the batch sizes of the demo's phase diagram and
// thresholds figure.
var demoBatches = []float64{1, 2, 3, 4, 6, 8, 12, 16}

// The demo's grids. The phase diagram: 24 ELRs a factor 1.22 apart (the
// chaotic band of lsq is 1 to 3 such steps wide), two seeds per cell (cells
// where they disagree are drawn undetermined). The Lyapunov scan: a coarse
// grid over the whole range and a fine one across the chaotic band and the
// lower divergence band, where the exponent is small and its sign is the
// question, three seeds per ELR.
var (
	demoPhaseELRs  = sweep.LogSpace(0.5, 50, 24)
	demoPhaseSeeds = []uint64{1, 2}
	demoLyapELRs   = mergeGrids(sweep.LogSpace(0.5, 50, 12), sweep.LogSpace(1.9, 5, 12))
	demoLyapSeeds  = []uint64{1, 2, 3}
)

// mergeGrids returns the sorted union of grids.
func mergeGrids(grids ...[]float64) []float64 {
	var out []float64
	for _, g := range grids {
		out = append(out, g...)
	}
	sort.Float64s(out)
	return slices.Compact(out)
}

// demoStages is the number of stages of the demo's progress, and
// demoStageWeights their shares of its time (seconds of each on 2 cores:
// the phase sweep 23, the Lyapunov sweep 8, thresholds and bifurcation
// under 0.5, vmf 3, the figures 2), which the ETA weighs them by.
const demoStages = 6

var demoStageWeights = []float64{23, 8, 0.3, 0.3, 3, 2}

// demo is the state of one demo run.
type demo struct {
	cfg    DemoConfig
	rep    *progress.Reporter // nil: silent
	stage  int                // the stage under way, 1-based
	what   string             // its name
	theory *toy.TheoryCache
	runner sweep.Runner
	plans  []string // the ids of the sweep plans run, for the run identity
}

// step starts the next stage.
func (d *demo) step(format string, a ...any) {
	d.stage++
	d.what = fmt.Sprintf(format, a...)
	d.rep.Stage(d.stage, 0, d.what)
}

// points returns the callback of a sweep's finished points: the live
// line, and a line per tenth of the points.
func (d *demo) points() func(done, total int) {
	if d.rep == nil {
		return nil
	}
	return func(done, total int) {
		frac := float64(done) / float64(total)
		note := fmt.Sprintf("%s: %d/%d points", d.what, done, total)
		if done*10/total > (done-1)*10/total {
			d.rep.Stage(d.stage, frac, note)
		} else {
			d.rep.Phase(d.stage, frac, note)
		}
	}
}

// Demo runs the toy story into cfg.Out: the phase diagram of lsq over ELR x
// batch size with the theory thresholds, the thresholds figure, the Lyapunov
// scan, the circle's bifurcation diagram and the vmf equilibrium against
// the von Mises-Fisher prediction (PNG and SVG), the data behind each in
// the formats of package figdata, and index.html with a caption per figure;
// a final manifest (fileio.Seal) lists every file of the folder with its
// SHA-256 once all are written.
func Demo(cfg DemoConfig) (*DemoResult, error) {
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Workers < 1 {
		return nil, fmt.Errorf("demo: %d workers: need at least 1", cfg.Workers)
	}
	d := &demo{cfg: cfg, theory: new(toy.TheoryCache)}
	if cfg.Progress != nil {
		d.rep = progress.New(cfg.Progress, progress.Options{Label: "demo", Unit: "stage", Total: demoStages, Weights: demoStageWeights})
	}
	defer d.rep.Finish()
	d.runner = func(ctx context.Context, raw json.RawMessage, pt sweep.Point) (any, error) {
		return toy.RunSweepPoint(ctx, raw, pt, d.theory)
	}
	out := cfg.Out
	if err := fileio.MkdirClean(out); err != nil {
		return nil, err
	}
	// The folder is rewritten file by file: it claims no consistent set
	// until the final manifest (Seal) lists them all.
	if err := fileio.Unseal(out); err != nil {
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
	res := &DemoResult{Phase: phase, Index: filepath.Join(out, "index.html")}
	page, err := d.page(res)
	if err != nil {
		return nil, err
	}
	if err := fileio.WriteFile(res.Index, page.Write); err != nil {
		return nil, err
	}
	id, err := runID(struct {
		Command string
		Plans   []string
	}{"regimes demo", d.plans})
	if err != nil {
		return nil, err
	}
	if err := fileio.Seal(out, id); err != nil {
		return nil, err
	}
	d.rep.Done(demoStages, "figures and index.html written")
	return res, nil
}

// data runs the sweeps and simulations and writes the figures' data; it
// returns the phase sweep's records.
func (d *demo) data() ([]map[string]any, error) {
	out := d.cfg.Out
	base := toy.SweepBase{Toy: toy.Config{Toy: "lsq", DataSeed: toy.ReferenceDataSeed}, Batch: 1, Sampling: "iid", Steps: 20000, LyapunovSteps: 1000}
	d.step("phase diagram: lsq, %d ELRs x %d batch sizes x %d seeds", len(demoPhaseELRs), len(demoBatches), len(demoPhaseSeeds))
	phase, err := d.sweep(filepath.Join(out, "phase"), base, demoPhaseELRs, demoBatches, demoPhaseSeeds)
	if err != nil {
		return nil, err
	}
	d.step("Lyapunov scan: lsq, b = 1, %d ELRs x %d seeds", len(demoLyapELRs), len(demoLyapSeeds))
	lyapBase := base
	lyapBase.LyapunovSteps = 4000
	lyap, err := d.sweep(filepath.Join(out, "lyapunov"), lyapBase, demoLyapELRs, []float64{1}, demoLyapSeeds)
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
	single, double := plots.SizeFor(false, 0.78), plots.SizeFor(true, 0.5)
	figs := []struct {
		kind, name, in string
		size           plots.Size
	}{
		{"phase", "phase", filepath.Join(out, "phase", "results.jsonl"), double},
		{"thresholds", "thresholds", filepath.Join(out, "thresholds.csv"), single},
		{"lyapunov", "lyapunov", filepath.Join(out, "lyapunov.csv"), single},
		{"bifurcation", "bifurcation", filepath.Join(out, "bifurcation.csv"), single},
		{"stationary", "vmf", filepath.Join(out, "vmf.csv"), single},
	}
	for _, f := range figs {
		var fig *plots.Figure
		var skips []plots.Skip
		var notes []string
		var err error
		if f.name == "vmf" {
			fig, skips, err = demoVMFFigure(f.in)
		} else {
			fig, skips, notes, err = figdata.Figure(f.kind, []string{f.in}, figdata.Options{})
		}
		if err != nil {
			return fmt.Errorf("drawing %s: %v", f.name, err)
		}
		for _, n := range notes {
			d.rep.Printf("%s: %s", f.name, n)
		}
		for _, sk := range plots.SummarizeSkips(skips) {
			d.rep.Printf("%s: %s", f.name, sk)
		}
		if err := plots.CheckLayout(fig, f.size.W, f.size.H); err != nil {
			return fmt.Errorf("drawing %s: %v", f.name, err)
		}
		for _, ext := range []string{".png", ".svg"} {
			if err := plots.Save(fig, f.size.W, f.size.H, filepath.Join(out, f.name+ext), plots.SaveOptions{Provenance: d.cfg.Provenance}); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoVMFDims are the vmf toy's d and σ in the demo.
const demoVMFD, demoVMFSigma = 3, 1.0

// demoVMFFigure draws the vmf figure with a mark at η̃σ²d = 2, where the
// angular step of the vmf toy nears its cap and the leading-order
// prediction is expected to fail (SCIENCE.md 6.3).
func demoVMFFigure(name string) (*plots.Figure, []plots.Skip, error) {
	st, err := figdata.Stationary(name, 0)
	if err != nil {
		return nil, nil, err
	}
	st.Marks = []plots.Mark{{Name: "η̃σ²d = 2", X: 2 / (demoVMFSigma * demoVMFSigma * demoVMFD)}}
	return plots.NewStationary(st)
}

// demoSweep plans and runs a toy sweep over ELR x batch size in dir (reusing
// finished points of the same plan) and returns its merged records.
func (d *demo) sweep(dir string, base toy.SweepBase, elrs, batches []float64, seeds []uint64) ([]map[string]any, error) {
	p, err := sweep.NewPlan(base, elrs, "batch", batches, seeds)
	if err != nil {
		return nil, err
	}
	d.plans = append(d.plans, p.ID)
	planFile := filepath.Join(dir, "plan.json")
	points := filepath.Join(dir, "points")
	if old, err := sweep.ReadPlan(planFile); err != nil || old.ID != p.ID {
		// A plan of an older demo: its points cannot be reused.
		if err := os.RemoveAll(points); err != nil {
			return nil, err
		}
	}
	if err := fileio.MkdirClean(dir); err != nil {
		return nil, err
	}
	if err := sweep.WritePlan(planFile, p); err != nil {
		return nil, err
	}
	if _, err := sweep.RunShard(context.Background(), p, sweep.Shard{Index: 0, Count: 1}, points, d.cfg.Workers, d.runner, d.points()); err != nil {
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
	if err := writeResults(dir, p.ID, recs); err != nil {
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
		th, err := d.theory.LSQ(p, cfg, int(b), toy.IID)
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
	// The seeds of an ELR are combined: the mean of their estimates, with
	// the interval of a mean of independent estimates (half-width
	// sqrt(sum of squared half-widths)/n), and the regime when every seed
	// agrees (undetermined otherwise).
	type acc struct {
		sum, hw2 float64
		n, nci   int
		regimes  map[string]bool
	}
	byELR := map[float64]*acc{}
	var elrs []float64
	for _, r := range recs {
		e := num(r, "elr")
		a := byELR[e]
		if a == nil {
			a = &acc{regimes: map[string]bool{}}
			byELR[e] = a
			elrs = append(elrs, e)
		}
		if x := num(r, "lyapunov"); !math.IsNaN(x) {
			a.sum += x
			a.n++
			if ci, _ := r["lyapunov_ci"].([]any); len(ci) == 2 {
				lo, _ := ci[0].(float64)
				hi, _ := ci[1].(float64)
				a.hw2 += (hi - lo) * (hi - lo) / 4
				a.nci++
			}
		}
		reg, _ := r["regime"].(string)
		a.regimes[reg] = true
	}
	sort.Float64s(elrs)
	return fileio.WriteFile(name, func(w io.Writer) error {
		fmt.Fprintln(w, "elr,exponent,lo,hi,seeds,regime")
		for _, e := range elrs {
			a := byELR[e]
			m, lo, hi := math.NaN(), math.NaN(), math.NaN()
			if a.n > 0 {
				m = a.sum / float64(a.n)
			}
			if a.nci == a.n && a.n > 0 {
				h := math.Sqrt(a.hw2) / float64(a.n)
				lo, hi = m-h, m+h
			}
			reg := regime.Undetermined.String()
			if len(a.regimes) == 1 {
				for k := range a.regimes {
					reg = k
				}
			}
			fmt.Fprintf(w, "%s,%s,%s,%s,%d,%s\n", fmtCell(e), fmtCell(m), fmtCell(lo), fmtCell(hi), a.n, reg)
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
		fmt.Fprintln(tw, "ELR\tELR/a.s.\tseed\tregime\ttail loss\ttail angle (rad)\tLyapunov\t")
		for _, r := range phase {
			if num(r, "value") != b {
				continue
			}
			e := num(r, "elr")
			fmt.Fprintf(tw, "%.3g\t%.2f\t%g\t%s\t%.3g\t%.3g\t%+.4f\t\n", e, e/num(th, "as_threshold"), num(r, "seed"), r["regime"],
				num(r, "summary", "tail_loss_mean"), num(r, "summary", "tail_angle_mean"), num(r, "lyapunov"))
		}
		tw.Flush()
	}
}

// demoFigures are the figures of index.html: file name, title and the
// data files they are drawn from. Their captions come from DemoCaptions.
var demoFigures = []struct {
	name, title string
	data        []string
}{
	{"phase", "Phase diagram of the lsq toy", []string{"phase/results.jsonl", "phase/results.csv"}},
	{"thresholds", "Regime 1|2 thresholds against batch size", []string{"thresholds.csv"}},
	{"lyapunov", "Top Lyapunov exponent of the projected SGD step (lsq, b = 1)", []string{"lyapunov.csv", "lyapunov/results.csv"}},
	{"bifurcation", "Bifurcation diagram of the circle toy", []string{"bifurcation.csv"}},
	{"vmf", "Stationary loss of the vmf toy against the von Mises-Fisher prediction", []string{"vmf.csv"}},
}

// page builds index.html: the thresholds table, the runs next to the
// theory, every figure with its caption computed from its data and links
// to that data, SCIENCE.md, and the provenance.
func (d *demo) page(res *DemoResult) (Page, error) {
	out := d.cfg.Out
	caps, err := DemoCaptions(out)
	if err != nil {
		return Page{}, err
	}
	p := Page{
		Title:      "The three regimes of scale-invariant training, on toy problems",
		Intro:      "Written by regimes demo. Each figure is drawn from the data files linked under it, in the formats regimes plot reads; SVG versions sit beside the PNGs (click a figure). Every number in a caption is computed from those files. The toys are this project's own reconstruction, not the paper's toy example.",
		Provenance: d.cfg.PageProvenance,
	}
	if len(p.Provenance) == 0 {
		p.Provenance = d.cfg.Provenance
	}
	if d.cfg.Science != "" {
		p.Links = append(p.Links, PageLink{Text: "SCIENCE.md (the specification: toys, thresholds, classifier)", Href: d.cfg.Science})
	}
	th, err := figdata.Thresholds(filepath.Join(out, "thresholds.csv"))
	if err != nil {
		return Page{}, err
	}
	t := PageTable{Title: "Thresholds of the lsq toy against the batch size",
		Header:  []string{"b", "GD 2/λ_max(H)", "mean-square", "almost-sure [95% CI]", "largest converging ELR (sim.)", "smallest other ELR (sim.)"},
		Caption: "Theory (regimes theory) and the simulated boundary of the phase diagram; the ELR grid's step bounds how close the simulated markers can be."}
	for i, b := range th.B {
		t.Rows = append(t.Rows, []string{fmt.Sprintf("%g", b), fmt.Sprintf("%.4g", th.GD[i]), fmt.Sprintf("%.4g", th.MS[i]),
			fmt.Sprintf("%.4g [%.4g, %.4g]", th.AS[i], th.ASLo[i], th.ASHi[i]), fmt.Sprintf("%.3g", th.Converged[i]), fmt.Sprintf("%.3g", th.Diverged[i])})
	}
	p.Tables = append(p.Tables, t)
	for _, b := range []float64{1, 4} {
		t := PageTable{Title: fmt.Sprintf("Runs at batch size %g next to the theory", b),
			Header: []string{"ELR", "ELR / almost-sure", "seed", "regime", "tail loss", "tail angle (rad)", "Lyapunov"}}
		for _, r := range res.Phase {
			if num(r, "value") != b {
				continue
			}
			th, _ := r["theory"].(map[string]any)
			e := num(r, "elr")
			t.Rows = append(t.Rows, []string{fmt.Sprintf("%.3g", e), fmt.Sprintf("%.2f", e/num(th, "as_threshold")), fmt.Sprintf("%g", num(r, "seed")),
				fmt.Sprint(r["regime"]), fmt.Sprintf("%.3g", num(r, "summary", "tail_loss_mean")), fmt.Sprintf("%.3g", num(r, "summary", "tail_angle_mean")),
				minusSign(fmt.Sprintf("%+.4f", num(r, "lyapunov")))})
			t.Caption = fmt.Sprintf("Almost-sure threshold %.4g, random level %.4g; 20,000 steps per run.", num(th, "as_threshold"), num(th, "random_level"))
		}
		p.Tables = append(p.Tables, t)
	}
	for _, f := range demoFigures {
		p.Figures = append(p.Figures, PageFigure{Title: f.title, Caption: caps[f.name].Text, PNG: f.name + ".png", SVG: f.name + ".svg", Data: f.data})
	}
	return p, nil
}

// minusSign writes negative numbers with U+2212.
func minusSign(s string) string { return strings.ReplaceAll(s, "-", "\u2212") }
