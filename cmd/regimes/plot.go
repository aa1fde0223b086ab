package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/regime"
)

var cmdPlot = &Command{
	UsageLine: "plot KIND -in FILE[,FILE...] -out FILE.png|.svg|.pdf [flags]",
	Short:     "draw a figure (phase, panels, thresholds, lyapunov, stationary, bifurcation)",
	Long: `
Plot draws one publication figure from files written by the other commands
(or by hand, for the small CSV formats below). The format follows the
extension of -out: PNG (at -dpi dots per inch, 300 by default), SVG (fonts
embedded with -embed-fonts) or PDF. The same input gives the same bytes.
Points that cannot be drawn (non-finite, or zero or negative on a
logarithmic axis) are skipped and listed on stderr; bad input stops the
command with one line naming the file and line, and nothing is written.

KIND is one of:

phase        Phase diagram over ELR (log x) and the sweep's second parameter
             (rows), from sweep JSON Lines (regimes sweep). Colour by the
             regime label (-metric regime, the default), by the top Lyapunov
             exponent (-metric lyapunov, diverging map centred at 0), or by any
             key of "summary" (-metric NAME; add -log-color for values that
             span decades). Failed points ("error" present) and non-finite
             values are cross-hatched and listed. The theory thresholds of
             each row ("theory": gd_threshold, ms_threshold, as_threshold) are
             drawn as curves over the cells (SCIENCE.md 6.1). Several seeds
             of one cell are combined: the regime when they all agree, else
             undetermined (reported on stderr); the mean of a metric.

panels       The paper's diagnostic panels (Kodryan et al. 2022, Fig. 1;
             SCIENCE.md section 4), one line per input file coloured by ELR:
             train loss (log y), test error (networks only) and mean effective
             gradient norm (log y) against step or epoch, and train loss (log x)
             against gradient norm (log y) with the common start marked.
             Inputs: toy trajectory CSV (regimes simulate; header step,loss,
             batch_loss,grad_norm,batch_grad_norm,angle,elr,norm; x is the
             step) or network JSON Lines (regimes train; keys epoch,
             train_loss, test_error, grad_norm_mean, elr; x is the epoch).
             The run's ELR is its median realised elr.

thresholds   Regime 1|2 thresholds against batch size (log-log). CSV with
             header b and any of gd, ms, as, as_lo, as_hi, converged, diverged
             (ms: mean-square, as: almost-sure with its confidence interval,
             converged/diverged: largest converging and smallest
             non-converging simulated ELR). Empty cells mean "no value".

lyapunov     Top Lyapunov exponent against ELR (log x) with the zero line.
             CSV with header elr,exponent and optional lo,hi (confidence
             interval) and regime (convergence, chaotic equilibrium,
             divergence, undetermined); consecutive points with the same
             regime form a shaded band reaching halfway (in log ELR) to the
             neighbouring points.

stationary   Stationary loss against ELR (log x). CSV with header elr,mean and
             optional lo,hi; every other column is a closed-form curve named
             by its header (e.g. two_cycle, vmf), drawn through the rows where
             it has a value (rows may leave mean empty to sample the curve
             finely). -random draws the random level.

bifurcation  Bifurcation diagram: CSV with header x,y (attractor points, e.g.
             x = ELR*lambda and y = phi) and optional further columns, each a
             closed-form branch drawn through the rows where it has a value.

Example:

	regimes plot phase -in sweep.jsonl -out phase.png
	regimes plot panels -in elr1e-3.csv,elr1e-2.csv -out panels.svg -embed-fonts
`,
}

// The plot command's flags, defined in init.
var (
	plotIn, plotOut, plotMetric, plotTitle *string
	plotDPI                                *int
	plotEmbed, plotLogColor                *bool
	plotRandom, plotWidth, plotHeight      *float64
)

// plotMaxReports is the number of skipped points listed on stderr.
const plotMaxReports = 20

func init() {
	c := cmdPlot
	c.Flag = flag.NewFlagSet("plot", flag.ContinueOnError)
	plotIn = c.Flag.String("in", "", "input `files`, comma-separated")
	plotOut = c.Flag.String("out", "", "output `file`: .png, .svg or .pdf")
	plotDPI = c.Flag.Int("dpi", plots.DefaultDPI, "PNG resolution in dots per inch")
	plotEmbed = c.Flag.Bool("embed-fonts", false, "embed the fonts in SVG output")
	plotMetric = c.Flag.String("metric", "regime", "phase: regime, lyapunov or a summary key")
	plotLogColor = c.Flag.Bool("log-color", false, "phase: colour by log10 of the metric")
	plotRandom = c.Flag.Float64("random", 0, "stationary: random level to draw (0: none)")
	plotWidth = c.Flag.Float64("width", 0, "figure width in inches (0: 6.5 for panels, 5 otherwise)")
	plotHeight = c.Flag.Float64("height", 0, "figure height in inches (0: 4.5 for panels, 3 otherwise)")
	plotTitle = c.Flag.String("title", "", "figure title (default none)")
	c.Run = runPlot
	register(c)
}

func runPlot(cmd *Command, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("want a KIND (phase, panels, thresholds, lyapunov, stationary, bifurcation) before the flags")
	}
	// Flags may follow KIND: parse them now.
	kind := args[0]
	if err := cmd.Flag.Parse(args[1:]); err != nil {
		return err
	}
	if rest := cmd.Flag.Args(); len(rest) > 0 {
		return fmt.Errorf("unexpected argument %q", rest[0])
	}
	if *plotIn == "" || *plotOut == "" {
		return errors.New("both -in and -out are required")
	}
	format, err := plots.FormatOf(*plotOut)
	if err != nil {
		return fmt.Errorf("-out %s: want a .png, .svg or .pdf file", *plotOut)
	}
	if *plotDPI <= 0 {
		return fmt.Errorf("-dpi %d must be positive", *plotDPI)
	}
	files := strings.Split(*plotIn, ",")
	w, h := 5.0, 3.0
	var fig *plots.Figure
	var skips []plots.Skip
	switch kind {
	case "phase":
		fig, skips, err = plotPhase(files)
	case "panels":
		w, h = 6.5, 4.5
		fig, skips, err = plotPanels(files)
	case "thresholds":
		fig, skips, err = plotThresholds(files)
	case "lyapunov":
		fig, skips, err = plotLyapunov(files)
	case "stationary":
		fig, skips, err = plotStationary(files)
	case "bifurcation":
		fig, skips, err = plotBifurcation(files)
	default:
		return fmt.Errorf("unknown KIND %q (want phase, panels, thresholds, lyapunov, stationary or bifurcation)", kind)
	}
	if err != nil {
		return err
	}
	if *plotWidth > 0 {
		w = *plotWidth
	}
	if *plotHeight > 0 {
		h = *plotHeight
	}
	if *plotTitle != "" {
		fig.Title = *plotTitle
	}
	for i, s := range skips {
		if i == plotMaxReports {
			fmt.Fprintf(stderr, "regimes plot: ... and %d more skipped points\n", len(skips)-i)
			break
		}
		fmt.Fprintf(stderr, "regimes plot: %v\n", s)
	}
	opts := plots.SaveOptions{DPI: *plotDPI, EmbedFonts: *plotEmbed}
	return analysis.WriteFileAtomic(*plotOut, func(wr io.Writer) error {
		return plots.Render(wr, fig, vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch, format, opts)
	})
}

func oneFile(files []string, kind string) (string, error) {
	if len(files) != 1 {
		return "", fmt.Errorf("%s takes one -in file, got %d", kind, len(files))
	}
	return files[0], nil
}

// table is a CSV file read into columns of numbers (NaN for empty cells).
type table struct {
	name   string
	header []string
	cols   map[string][]float64
}

func (t *table) col(name string) []float64 { return t.cols[name] }

func (t *table) need(names ...string) error {
	for _, n := range names {
		if _, ok := t.cols[n]; !ok {
			return fmt.Errorf("%s: missing column %q (header: %s)", t.name, n, strings.Join(t.header, ","))
		}
	}
	return nil
}

// readTable reads a CSV file with a header row of column names; the columns
// named in text are not read (they hold labels, not numbers).
func readTable(name string, text ...string) (*table, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.Comment = '#'
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: reading header: %v", name, err)
	}
	t := &table{name: name, header: header, cols: map[string][]float64{}}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		if _, dup := t.cols[h]; dup {
			return nil, fmt.Errorf("%s: duplicate column %q", name, h)
		}
		t.cols[h] = nil
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		line, _ := r.FieldPos(0)
		for i, s := range rec {
			if contains(text, header[i]) {
				continue
			}
			v := math.NaN()
			if s = strings.TrimSpace(s); s != "" {
				v, err = strconv.ParseFloat(s, 64)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: column %s: %q is not a number", name, line, header[i], s)
				}
			}
			t.cols[header[i]] = append(t.cols[header[i]], v)
		}
	}
	if len(t.cols[header[0]]) == 0 && !contains(text, header[0]) {
		return nil, fmt.Errorf("%s: no data rows", name)
	}
	return t, nil
}

// extraCurves returns the columns other than known as curves against x,
// keeping only rows where both are present.
func extraCurves(t *table, x []float64, known ...string) []plots.Curve {
	var out []plots.Curve
	for _, h := range t.header {
		if contains(known, h) {
			continue
		}
		var c plots.Curve
		c.Name = strings.ReplaceAll(h, "_", " ")
		for i, v := range t.cols[h] {
			if !math.IsNaN(v) && !math.IsNaN(x[i]) {
				c.X = append(c.X, x[i])
				c.Y = append(c.Y, v)
			}
		}
		out = append(out, c)
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// present returns xs and ys restricted to the rows where ys is not NaN.
func present(xs, ys []float64, more ...[]float64) (ox, oy []float64, om [][]float64) {
	om = make([][]float64, len(more))
	for i := range ys {
		if math.IsNaN(ys[i]) {
			continue
		}
		ox, oy = append(ox, xs[i]), append(oy, ys[i])
		for k, m := range more {
			if m != nil {
				om[k] = append(om[k], m[i])
			}
		}
	}
	return ox, oy, om
}

func plotThresholds(files []string) (*plots.Figure, []plots.Skip, error) {
	name, err := oneFile(files, "thresholds")
	if err != nil {
		return nil, nil, err
	}
	t, err := readTable(name)
	if err != nil {
		return nil, nil, err
	}
	if err := t.need("b"); err != nil {
		return nil, nil, err
	}
	return plots.NewThresholds(plots.Thresholds{
		B: t.col("b"), GD: t.col("gd"), MS: t.col("ms"), AS: t.col("as"),
		ASLo: t.col("as_lo"), ASHi: t.col("as_hi"),
		Converged: t.col("converged"), Diverged: t.col("diverged"),
	})
}

func plotLyapunov(files []string) (*plots.Figure, []plots.Skip, error) {
	name, err := oneFile(files, "lyapunov")
	if err != nil {
		return nil, nil, err
	}
	t, err := readTable(name, "regime")
	if err != nil {
		return nil, nil, err
	}
	if err := t.need("elr", "exponent"); err != nil {
		return nil, nil, err
	}
	d := plots.Lyapunov{ELR: t.col("elr"), Exp: t.col("exponent"), Lo: t.col("lo"), Hi: t.col("hi")}
	bands, err := readBands(name, d.ELR)
	if err != nil {
		return nil, nil, err
	}
	d.Bands = bands
	return plots.NewLyapunov(d)
}

// readBands reads the optional text column "regime" of a lyapunov CSV and
// turns runs of equal labels into bands reaching halfway, in log ELR, to
// the neighbouring points. (readTable does not keep text columns, so the
// file is read again here.)
func readBands(name string, elr []float64) ([]plots.Band, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	header, err := r.Read()
	if err != nil {
		return nil, err
	}
	col := -1
	for i, h := range header {
		if strings.TrimSpace(h) == "regime" {
			col = i
		}
	}
	if col < 0 {
		return nil, nil
	}
	type pt struct {
		elr float64
		r   regime.Regime
	}
	var pts []pt
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		reg, err := regime.Parse(rec[col])
		if err != nil {
			line, _ := r.FieldPos(col)
			return nil, fmt.Errorf("%s:%d: %v", name, line, strings.TrimPrefix(err.Error(), "plots: "))
		}
		if i < len(elr) && elr[i] > 0 {
			pts = append(pts, pt{elr[i], reg})
		}
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].elr < pts[j].elr })
	var bands []plots.Band
	for i := 0; i < len(pts); {
		j := i
		for j+1 < len(pts) && pts[j+1].r == pts[i].r {
			j++
		}
		from, to := pts[i].elr, pts[j].elr
		if i > 0 {
			from = math.Sqrt(pts[i-1].elr * pts[i].elr)
		} else if len(pts) > 1 {
			from = pts[0].elr * math.Sqrt(pts[0].elr/pts[1].elr)
		} else {
			from /= 2
		}
		if j+1 < len(pts) {
			to = math.Sqrt(pts[j].elr * pts[j+1].elr)
		} else if len(pts) > 1 {
			to = pts[j].elr * math.Sqrt(pts[j].elr/pts[j-1].elr)
		} else {
			to *= 2
		}
		bands = append(bands, plots.Band{From: from, To: to, Regime: pts[i].r})
		i = j + 1
	}
	return bands, nil
}

func plotStationary(files []string) (*plots.Figure, []plots.Skip, error) {
	name, err := oneFile(files, "stationary")
	if err != nil {
		return nil, nil, err
	}
	t, err := readTable(name)
	if err != nil {
		return nil, nil, err
	}
	if err := t.need("elr", "mean"); err != nil {
		return nil, nil, err
	}
	lo, hi := t.col("lo"), t.col("hi")
	if (lo == nil) != (hi == nil) {
		return nil, nil, fmt.Errorf("%s: give both lo and hi columns or neither", name)
	}
	x, mean, more := present(t.col("elr"), t.col("mean"), lo, hi)
	return plots.NewStationary(plots.Stationary{
		ELR: x, Mean: mean, Lo: more[0], Hi: more[1],
		Curves: extraCurves(t, t.col("elr"), "elr", "mean", "lo", "hi"),
		Random: *plotRandom,
	})
}

func plotBifurcation(files []string) (*plots.Figure, []plots.Skip, error) {
	name, err := oneFile(files, "bifurcation")
	if err != nil {
		return nil, nil, err
	}
	t, err := readTable(name)
	if err != nil {
		return nil, nil, err
	}
	if err := t.need("x", "y"); err != nil {
		return nil, nil, err
	}
	x, y, _ := present(t.col("x"), t.col("y"))
	return plots.NewBifurcation(plots.Bifurcation{X: x, Y: y, Branches: extraCurves(t, t.col("x"), "x", "y")})
}

// runRecord is the subset of a network per-epoch JSON Lines record used by
// the panels.
type runRecord struct {
	Epoch        *float64 `json:"epoch"`
	TrainLoss    *float64 `json:"train_loss"`
	TestError    *float64 `json:"test_error"`
	GradNormMean *float64 `json:"grad_norm_mean"`
	ELR          *float64 `json:"elr"`
}

func plotPanels(files []string) (*plots.Figure, []plots.Skip, error) {
	d := plots.Panels{TimeLabel: "step"}
	var epochs, steps int
	for _, name := range files {
		var r plots.Run
		var elrs []float64
		if strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".json") {
			epochs++
			f, err := os.Open(name)
			if err != nil {
				return nil, nil, err
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<26)
			line := 0
			var hasErr bool
			for sc.Scan() {
				line++
				if strings.TrimSpace(sc.Text()) == "" {
					continue
				}
				var rec runRecord
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
					f.Close()
					return nil, nil, fmt.Errorf("%s:%d: %v", name, line, err)
				}
				if rec.Epoch == nil || rec.TrainLoss == nil || rec.ELR == nil {
					f.Close()
					return nil, nil, fmt.Errorf("%s:%d: record lacks epoch, train_loss or elr", name, line)
				}
				// grad_norm_mean is null at the epochs a run skipped its
				// gradient pass (regimes train -grad-metrics log): those
				// points are skipped and reported.
				gn := math.NaN()
				if rec.GradNormMean != nil {
					gn = *rec.GradNormMean
				}
				r.Time = append(r.Time, *rec.Epoch)
				r.TrainLoss = append(r.TrainLoss, *rec.TrainLoss)
				r.GradNorm = append(r.GradNorm, gn)
				te := math.NaN()
				if rec.TestError != nil {
					te, hasErr = *rec.TestError, true
				}
				r.TestError = append(r.TestError, te)
				elrs = append(elrs, *rec.ELR)
			}
			f.Close()
			if err := sc.Err(); err != nil {
				return nil, nil, fmt.Errorf("%s: %v", name, err)
			}
			if !hasErr {
				r.TestError = nil
			}
		} else {
			steps++
			t, err := readTable(name)
			if err != nil {
				return nil, nil, err
			}
			if err := t.need("step", "loss", "grad_norm", "elr"); err != nil {
				return nil, nil, err
			}
			r.Time, r.TrainLoss, r.GradNorm, elrs = t.col("step"), t.col("loss"), t.col("grad_norm"), t.col("elr")
		}
		if len(r.Time) == 0 {
			return nil, nil, fmt.Errorf("%s: no records", name)
		}
		r.ELR = median(elrs)
		if !(r.ELR > 0) {
			return nil, nil, fmt.Errorf("%s: median elr is %g; want a positive ELR", name, r.ELR)
		}
		d.Runs = append(d.Runs, r)
	}
	if epochs > 0 && steps > 0 {
		return nil, nil, errors.New("panels: mix of toy CSV (per step) and network JSON Lines (per epoch) inputs; draw them separately")
	}
	if epochs > 0 {
		d.TimeLabel = "epoch"
	}
	return plots.NewPanels(d)
}

// median returns the median of the finite values of xs (NaN if none).
func median(xs []float64) float64 {
	var v []float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// sweepRecord is the subset of a sweep JSON Lines record used by phase.
type sweepRecord struct {
	ELR      *float64           `json:"elr"`
	Param    string             `json:"param"`
	Value    *float64           `json:"value"`
	Summary  map[string]any     `json:"summary"`
	Regime   string             `json:"regime"`
	Lyapunov *float64           `json:"lyapunov"`
	Theory   map[string]float64 `json:"theory"`
	Error    *string            `json:"error"`
}

func plotPhase(files []string) (*plots.Figure, []plots.Skip, error) {
	type key struct{ elr, value float64 }
	// Every seed of a cell is kept; they are combined below.
	cells := map[key][]plots.Cell{}
	elrSet, valSet := map[float64]bool{}, map[float64]bool{}
	theory := map[string]map[float64]float64{}
	param := ""
	metric := *plotMetric
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		line := 0
		for sc.Scan() {
			line++
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var rec sweepRecord
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				f.Close()
				return nil, nil, fmt.Errorf("%s:%d: %v", name, line, err)
			}
			if rec.ELR == nil || rec.Value == nil {
				f.Close()
				return nil, nil, fmt.Errorf("%s:%d: record lacks elr or value", name, line)
			}
			if param == "" {
				param = rec.Param
				if param == "none" { // a network sweep over ELR alone: a phase strip
					param = ""
				}
			}
			k := key{*rec.ELR, *rec.Value}
			elrSet[k.elr], valSet[k.value] = true, true
			c := plots.Cell{Value: math.NaN()}
			if rec.Error != nil {
				c.State = plots.CellFailed
			} else {
				switch metric {
				case "regime":
					reg, err := regime.Parse(rec.Regime)
					if err != nil {
						f.Close()
						return nil, nil, fmt.Errorf("%s:%d: %v", name, line, strings.TrimPrefix(err.Error(), "plots: "))
					}
					c.Regime = reg
				case "lyapunov":
					if rec.Lyapunov != nil {
						c.Value = *rec.Lyapunov
					}
				default:
					v, ok := rec.Summary[metric]
					if !ok {
						f.Close()
						return nil, nil, fmt.Errorf("%s:%d: summary has no key %q", name, line, metric)
					}
					if x, ok := v.(float64); ok {
						c.Value = x
					}
				}
			}
			cells[k] = append(cells[k], c)
			for tk, tv := range rec.Theory {
				if theory[tk] == nil {
					theory[tk] = map[float64]float64{}
				}
				theory[tk][k.value] = tv
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, nil, fmt.Errorf("%s: %v", name, err)
		}
	}
	if len(cells) == 0 {
		return nil, nil, fmt.Errorf("%s: no sweep records", strings.Join(files, ","))
	}
	d := plots.PhaseDiagram{
		Param:     param,
		ByRegime:  metric == "regime",
		Metric:    metric,
		Diverging: metric == "lyapunov",
		LogColor:  *plotLogColor,
	}
	if metric == "lyapunov" {
		d.Metric = "λ_{max} (per step)"
	}
	d.ELR = sortedKeys(elrSet)
	d.Values = sortedKeys(valSet)
	for _, v := range d.Values {
		row := make([]plots.Cell, len(d.ELR))
		for j, e := range d.ELR {
			c, note := combineSeeds(cells[key{e, v}], d.ByRegime)
			if note != "" {
				fmt.Fprintf(stderr, "regimes plot: cell (elr %.4g, %s %.4g): %s\n", e, param, v, note)
			}
			row[j] = c
		}
		d.Cells = append(d.Cells, row)
	}
	for _, tc := range []struct{ key, name string }{
		{"gd_threshold", "GD 2/λ_{max}(H)"},
		{"ms_threshold", "mean-square"},
		{"as_threshold", "almost-sure"},
	} {
		m := theory[tc.key]
		if len(m) == 0 {
			continue
		}
		c := plots.Curve{Name: tc.name}
		for _, v := range d.Values {
			if x, ok := m[v]; ok {
				c.X, c.Y = append(c.X, x), append(c.Y, v)
			}
		}
		d.Curves = append(d.Curves, c)
	}
	return plots.NewPhaseDiagram(d)
}

// combineSeeds combines the runs (seeds) of one phase-diagram cell: the
// regime when every run that gave a result agrees, else undetermined; the
// mean of the finite metric values otherwise. A cell fails only when every
// run failed; note says what was combined away (a disagreement, failed
// runs), for the report on stderr.
func combineSeeds(cs []plots.Cell, byRegime bool) (plots.Cell, string) {
	if len(cs) == 0 {
		return plots.Cell{State: plots.CellMissing}, ""
	}
	var ok []plots.Cell
	for _, c := range cs {
		if c.State == plots.CellOK {
			ok = append(ok, c)
		}
	}
	if len(ok) == 0 {
		return cs[0], ""
	}
	note := ""
	if len(ok) < len(cs) {
		note = fmt.Sprintf("%d of %d runs failed; drawn from the others", len(cs)-len(ok), len(cs))
	}
	out := ok[0]
	if byRegime {
		for _, c := range ok[1:] {
			if c.Regime != out.Regime {
				out.Regime = regime.Undetermined
				note = strings.TrimPrefix(note+"; ", "; ") + "seeds disagree on the regime; drawn undetermined"
				break
			}
		}
		return out, note
	}
	var sum float64
	var n int
	for _, c := range ok {
		if !math.IsNaN(c.Value) && !math.IsInf(c.Value, 0) {
			sum += c.Value
			n++
		}
	}
	out.Value = math.NaN()
	if n > 0 {
		out.Value = sum / float64(n)
	}
	return out, note
}

func sortedKeys(m map[float64]bool) []float64 {
	out := make([]float64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Float64s(out)
	return out
}
