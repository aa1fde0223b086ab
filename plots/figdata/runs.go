package figdata

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/regime"
	"github.com/regimes/regimes/tfevents"
)

// runRecord is the subset of a network per-epoch JSON Lines record used by
// the panels.
type runRecord struct {
	Epoch        *float64 `json:"epoch"`
	TrainLoss    *float64 `json:"train_loss"`
	TestError    *float64 `json:"test_error"`
	GradNormMean *float64 `json:"grad_norm_mean"`
	ELR          *float64 `json:"elr"`
}

// Panels reads the runs of the paper's diagnostic panels, one per file: a
// toy trajectory CSV (regimes simulate; x is the step) or a network's
// per-epoch JSON Lines (regimes train; x is the epoch). The run's ELR is the
// median of its finite realised elr values.
func Panels(files []string) (plots.Panels, error) {
	d := plots.Panels{TimeLabel: "step"}
	var epochs, steps int
	for _, name := range files {
		var r plots.Run
		var elrs []float64
		if fi, err := os.Stat(name); err == nil && fi.IsDir() || tfevents.IsEventFile(name) {
			// TensorBoard event files of a network run (regimes train
			// -tensorboard, or a PyTorch run's): x is the step (the epoch
			// for a per-epoch log); the loss and gradient-norm tags are
			// chosen by name as analyze chooses them.
			epochs++
			t, err := analysis.ReadEventTable(name)
			if err != nil {
				return plots.Panels{}, err
			}
			cols := analysis.ChooseColumns(t.Header)
			loss, grad := cols[analysis.RoleLoss], cols[analysis.RoleGrad]
			if loss == "" || !t.Has("elr") {
				return plots.Panels{}, fmt.Errorf("%s: want a loss tag (%s) and an elr tag (tags: %s)", name, strings.Join(analysis.CommonColumns[analysis.RoleLoss], ", "), strings.Join(t.Header, ", "))
			}
			var err2 error
			if r.Time, err2 = t.Values("step"); err2 == nil {
				r.TrainLoss, err2 = t.Values(loss)
			}
			if err2 == nil {
				elrs, err2 = t.Values("elr")
			}
			if err2 == nil && grad != "" {
				r.GradNorm, err2 = t.Values(grad)
			} else if err2 == nil {
				r.GradNorm = make([]float64, len(r.Time))
				for i := range r.GradNorm {
					r.GradNorm[i] = math.NaN()
				}
			}
			if err2 == nil && t.Has("test_error") {
				r.TestError, err2 = t.Values("test_error")
			}
			if err2 != nil {
				return plots.Panels{}, err2
			}
			elrs = finiteOnly(elrs)
		} else if strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".json") {
			epochs++
			f, err := os.Open(name)
			if err != nil {
				return plots.Panels{}, err
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
					return plots.Panels{}, fmt.Errorf("%s:%d: %v", name, line, err)
				}
				if rec.Epoch == nil || rec.TrainLoss == nil || rec.ELR == nil {
					f.Close()
					return plots.Panels{}, fmt.Errorf("%s:%d: record lacks epoch, train_loss or elr", name, line)
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
				return plots.Panels{}, fmt.Errorf("%s: %v", name, err)
			}
			if !hasErr {
				r.TestError = nil
			}
		} else {
			steps++
			t, err := readTable(name)
			if err != nil {
				return plots.Panels{}, err
			}
			if err := t.need("step", "loss", "grad_norm", "elr"); err != nil {
				return plots.Panels{}, err
			}
			r.Time, r.TrainLoss, r.GradNorm, elrs = t.col("step"), t.col("loss"), t.col("grad_norm"), t.col("elr")
		}
		if len(r.Time) == 0 {
			return plots.Panels{}, fmt.Errorf("%s: no records", name)
		}
		r.ELR = analysis.Median(elrs)
		if !(r.ELR > 0) {
			return plots.Panels{}, fmt.Errorf("%s: median elr is %g; want a positive ELR", name, r.ELR)
		}
		d.Runs = append(d.Runs, r)
	}
	if epochs > 0 && steps > 0 {
		return plots.Panels{}, errors.New("panels: mix of toy CSV (per step) and network JSON Lines (per epoch) inputs; draw them separately")
	}
	if epochs > 0 {
		d.TimeLabel = "epoch"
	}
	return d, nil
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

// PhaseOptions says what a phase diagram shows.
type PhaseOptions struct {
	// Metric is regime (the default), lyapunov or a key of the records'
	// summary.
	Metric string
	// LogColor colours by log10 of the metric.
	LogColor bool
}

// Phase reads sweep results (JSON Lines of regimes sweep merge) into a
// phase diagram over ELR and the sweep's second parameter, with the theory
// thresholds of each row as curves. Several seeds of one cell are combined
// by CombineSeeds; notes say what was combined away, one line per cell.
func Phase(files []string, o PhaseOptions) (d plots.PhaseDiagram, notes []string, err error) {
	type key struct{ elr, value float64 }
	// Every seed of a cell is kept; they are combined below.
	cells := map[key][]plots.Cell{}
	elrSet, valSet := map[float64]bool{}, map[float64]bool{}
	theory := map[string]map[float64]float64{}
	param := ""
	metric := o.Metric
	if metric == "" {
		metric = "regime"
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return d, nil, err
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
				return d, nil, fmt.Errorf("%s:%d: %v", name, line, err)
			}
			if rec.ELR == nil || rec.Value == nil {
				f.Close()
				return d, nil, fmt.Errorf("%s:%d: record lacks elr or value", name, line)
			}
			if !(*rec.ELR > 0) {
				f.Close()
				return d, nil, fmt.Errorf("%s:%d: elr %g; the phase diagram's ELRs must be positive", name, line, *rec.ELR)
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
						return d, nil, fmt.Errorf("%s:%d: %v", name, line, strings.TrimPrefix(err.Error(), "plots: "))
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
						return d, nil, fmt.Errorf("%s:%d: summary has no key %q", name, line, metric)
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
			return d, nil, fmt.Errorf("%s: %v", name, err)
		}
	}
	if len(cells) == 0 {
		return d, nil, fmt.Errorf("%s: no sweep records", strings.Join(files, ","))
	}
	d = plots.PhaseDiagram{
		Param:     ParamLabel(param),
		ByRegime:  metric == "regime",
		Metric:    metric,
		Diverging: metric == "lyapunov",
		LogColor:  o.LogColor,
	}
	if metric == "lyapunov" {
		d.Metric = "λ_{max} (per step)"
	}
	d.ELR = sortedKeys(elrSet)
	d.Values = sortedKeys(valSet)
	for _, v := range d.Values {
		row := make([]plots.Cell, len(d.ELR))
		for j, e := range d.ELR {
			c, note := CombineSeeds(cells[key{e, v}], d.ByRegime)
			if note != "" {
				notes = append(notes, fmt.Sprintf("cell (elr %.4g, %s %.4g): %s", e, param, v, note))
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
	return d, notes, nil
}

// CombineSeeds combines the runs (seeds) of one phase-diagram cell: the
// regime when every run that gave a result agrees, else undetermined; the
// mean of the finite metric values otherwise. A cell fails only when every
// run failed; note says what was combined away (a disagreement, failed
// runs), for the report on stderr.
func CombineSeeds(cs []plots.Cell, byRegime bool) (plots.Cell, string) {
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

// LabelRuns gives each run of d the regime of the sweep point with the same
// ELR (to a relative elrMatch), so that NewPanels colours the runs by regime
// with ELR order as lightness; runs without a matching point keep
// regime.Undetermined. When two runs share an ELR, their legend labels
// name them by names[i] (e.g. the run folders) when given.
// elrMatch is the relative distance within which LabelRuns takes a run's
// ELR, the median of its records' realised ELRs, for a sweep point's: the
// realised ELR is computed from float32 weights, and 2.4e-9 off the nominal
// 0.1468 for a run of testdata/mnist (which a tolerance of 1e-9 left
// unlabelled); grids never put two ELRs this close.
const elrMatch = 1e-6

func LabelRuns(d *plots.Panels, elrs []float64, labels []regime.Regime, names []string) {
	count := map[float64]int{}
	for _, r := range d.Runs {
		count[r.ELR]++
	}
	for i := range d.Runs {
		r := &d.Runs[i]
		for k, e := range elrs {
			if k < len(labels) && math.Abs(e-r.ELR) <= elrMatch*math.Abs(e) {
				r.Regime = labels[k]
				break
			}
		}
		if count[r.ELR] > 1 && i < len(names) && names[i] != "" {
			r.Label = plots.ELRSymbol + " = " + fmt.Sprintf("%.3g", r.ELR) + " (" + names[i] + ")"
		}
	}
}

// ParamLabel returns the axis label of a sweep's second parameter, the same
// words in every figure ("batch" is "batch size b", as on the thresholds
// figure's axis); unknown names are returned as they are.
func ParamLabel(param string) string {
	switch param {
	case "batch":
		return "batch size b"
	case "wd":
		return "weight decay"
	case "lr":
		return "learning rate"
	case "momentum":
		return "momentum"
	}
	return param
}

// finiteOnly returns the finite values of x.
func finiteOnly(x []float64) []float64 {
	var out []float64
	for _, v := range x {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, v)
		}
	}
	return out
}
