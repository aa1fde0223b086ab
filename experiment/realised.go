package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/regime"
)

// ErrNoGradMetrics is wrapped by the error of RealisedStats for a log
// without gradient metrics in its tail.
var ErrNoGradMetrics = errors.New("train with realnets.TrainConfig.GradMetrics all or log")

// RealisedBand is an ELR interval with its regime, as given by -bands.
type RealisedBand struct {
	From   float64       `json:"from"`
	To     float64       `json:"to"` // +Inf written as null
	Regime regime.Regime `json:"regime"`
}

// MarshalJSON writes an infinite upper end as null.
func (b RealisedBand) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"from": b.From, "to": fileio.Finite(b.To), "regime": b.Regime})
}

// RealisedSummary is the summary the realised command writes.
type RealisedSummary struct {
	In             string         `json:"in"`
	LR             float64        `json:"lr"`
	WD             float64        `json:"wd"`
	A              float64        `json:"a"`
	C              float64        `json:"c"`
	TailEpochs     [2]int         `json:"tail_epochs"`
	GRMSTail       float64        `json:"g_rms_tail"`
	GMeanTail      float64        `json:"g_mean_tail"`
	ELRStar        float64        `json:"elr_star"`
	ELRStarMean    float64        `json:"elr_star_mean_norm"`
	ELRTail        float64        `json:"elr_tail"`
	Ratio          float64        `json:"ratio"`
	AnglePredicted float64        `json:"angle_rms_predicted"`
	AngleTail      float64        `json:"angle_tail"`
	Bands          []RealisedBand `json:"bands"`
}

// RealisedConfig configures the realised-ELR analysis of a conventional
// network run (regimes train with lr and wd).
type RealisedConfig struct {
	// In is the run's metrics.jsonl, or its TensorBoard event files (a
	// file or folder, read by realnets.ReadMetricsAny).
	In string
	// LR and WD are the run's learning rate and weight decay; LR = 0 reads
	// both from config.json beside In (WD = 0 then also takes the run's).
	LR, WD float64
	// Tail is the fraction of the epochs at the end over which G and the
	// measured ELR are averaged, in (0, 1].
	Tail float64
	// Bands are the fixed-ELR regime bands drawn behind the run.
	Bands []RealisedBand
	// BandSource says where the bands come from (e.g. "fixed-ELR sweep
	// testdata/mnist/summary.json"); the figure's legend names it.
	BandSource string
	// Figure is the figure file (.png, .svg or .pdf).
	Figure string
}

// Realised computes the equilibrium prediction of SCIENCE.md section 3 for
// the run in cfg.In (RealisedStats) and draws its realised ELR against the
// step over the regime bands with the predicted ELR*, and the train loss
// below, into cfg.Figure. It returns the summary and the points the figure
// skipped.
func Realised(cfg RealisedConfig) (RealisedSummary, []plots.Skip, error) {
	if !(cfg.Tail > 0 && cfg.Tail <= 1) {
		return RealisedSummary{}, nil, fmt.Errorf("tail %g: want a fraction in (0, 1]", cfg.Tail)
	}
	if _, err := plots.FormatOf(cfg.Figure); err != nil {
		return RealisedSummary{}, nil, fmt.Errorf("figure %s: want a .png, .svg or .pdf file", cfg.Figure)
	}
	recs, err := realnets.ReadMetricsAny(cfg.In)
	if err != nil {
		return RealisedSummary{}, nil, err
	}
	if len(recs) < 2 {
		return RealisedSummary{}, nil, fmt.Errorf("%s: %d records, want at least 2", cfg.In, len(recs))
	}
	lr, wd := cfg.LR, cfg.WD
	if lr == 0 {
		name := filepath.Join(filepath.Dir(cfg.In), "config.json")
		b, err := os.ReadFile(name)
		if err != nil {
			return RealisedSummary{}, nil, fmt.Errorf("no learning rate given and %v", err)
		}
		var run realnets.TrainConfig
		if err := json.Unmarshal(b, &run); err != nil {
			return RealisedSummary{}, nil, fmt.Errorf("%s: %v", name, err)
		}
		if run.ELR > 0 || run.LR == 0 {
			return RealisedSummary{}, nil, fmt.Errorf("%s: the run trained at a fixed ELR %g on the sphere, not conventionally (lr and wd)", name, run.ELR)
		}
		lr = run.LR
		if cfg.WD == 0 {
			wd = run.WD
		}
	}
	sum, err := RealisedStats(recs, lr, wd, cfg.Tail)
	if err != nil {
		return RealisedSummary{}, nil, fmt.Errorf("%s: %v", cfg.In, err)
	}
	sum.In, sum.Bands = cfg.In, cfg.Bands
	d := plots.Realised{Title: fmt.Sprintf("conventional SGD: lr %g, wd %g", lr, wd), BandSource: cfg.BandSource}
	for _, r := range recs[1:] { // epoch 0 has the initial ELR only
		d.Step = append(d.Step, float64(r.Step))
		d.ELR = append(d.ELR, r.ELR)
		d.Loss = append(d.Loss, r.TrainLoss)
	}
	d.TraceName = "realised " + plots.ELRSymbol + recordSpacing(d.Step)
	if sum.ELRStar > 0 {
		name := fmt.Sprintf("predicted ELR* = %.2g (RMS G of the tail)", sum.ELRStar)
		if sum.ELRTail > 0 {
			r := sum.ELRTail / sum.ELRStar
			rel := "below"
			if r < 1 {
				r, rel = 1/r, "above"
			}
			name += fmt.Sprintf(", %.2g× %s the tail's mean", r, rel)
		}
		d.Levels = append(d.Levels, plots.Level{Name: name, Y: sum.ELRStar, Concept: plots.ELRStar})
	}
	if sum.ELRTail > 0 {
		d.Levels = append(d.Levels, plots.Level{Name: fmt.Sprintf("tail's geometric-mean ELR = %.2g", sum.ELRTail), Y: sum.ELRTail, Concept: plots.MeasuredLevel})
	}
	for _, b := range cfg.Bands {
		d.Bands = append(d.Bands, plots.Band{From: b.From, To: b.To, Regime: b.Regime})
	}
	fig, skips, err := plots.NewRealised(d)
	if err != nil {
		return RealisedSummary{}, nil, err
	}
	// Show the nearby band edges as well as the data, so that the run can be
	// read against the regime boundaries.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range d.ELR {
		if v > 0 && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	for _, l := range d.Levels {
		lo, hi = math.Min(lo, l.Y), math.Max(hi, l.Y)
	}
	// Band edges within a factor 30 of the data (beyond, the band's colour
	// already says which regime lies there).
	dlo, dhi := lo/30, hi*30
	for _, b := range cfg.Bands {
		for _, v := range []float64{b.From, b.To} {
			if v >= dlo && v <= dhi {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if p := fig.Plots[0][0]; hi > lo {
		p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
	}
	if err := plots.Save(fig, 6.5*vg.Inch, 4.5*vg.Inch, cfg.Figure, plots.SaveOptions{}); err != nil {
		return RealisedSummary{}, nil, err
	}
	return sum, skips, nil
}

// recordSpacing describes how often the trace is sampled, e.g. " (one
// record every 16 steps)", when the spacing is constant.
func recordSpacing(steps []float64) string {
	if len(steps) < 3 {
		return ""
	}
	d := steps[1] - steps[0]
	for i := 2; i < len(steps); i++ {
		if steps[i]-steps[i-1] != d {
			return ""
		}
	}
	if d <= 1 {
		return ""
	}
	return fmt.Sprintf(" (one record every %g steps)", d)
}

// BandsOfSweep returns the regime bands of a fixed-ELR sweep: each ELR's
// label spans the interval between the geometric midpoints to its
// neighbours (as the cells of a phase strip), adjacent intervals of one
// label merge, and the outer ends extend to 0 and +Inf.
func BandsOfSweep(elrs []float64, labels []regime.Regime) ([]RealisedBand, error) {
	if len(elrs) != len(labels) || len(elrs) == 0 {
		return nil, fmt.Errorf("bands: %d ELRs and %d labels", len(elrs), len(labels))
	}
	idx := make([]int, len(elrs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return elrs[idx[a]] < elrs[idx[b]] })
	var out []RealisedBand
	for k, i := range idx {
		if !(elrs[i] > 0) || math.IsInf(elrs[i], 0) {
			return nil, fmt.Errorf("bands: ELR %g must be positive and finite", elrs[i])
		}
		from := 0.0
		if k > 0 {
			from = math.Sqrt(elrs[idx[k-1]] * elrs[i])
		}
		if n := len(out); n > 0 && out[n-1].Regime == labels[i] {
			continue
		}
		if n := len(out); n > 0 {
			out[n-1].To = from
		}
		out = append(out, RealisedBand{From: from, To: math.Inf(1), Regime: labels[i]})
	}
	return out, nil
}

// ReadSweepBands reads the regime bands of a fixed-ELR network sweep from
// its summary.json (the "elrs" and "regimes" of regimes reproduce mnist)
// with BandsOfSweep, and names their source for the figure.
func ReadSweepBands(name string) ([]RealisedBand, string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, "", err
	}
	var s struct {
		ELRs    []float64       `json:"elrs"`
		Regimes []regime.Regime `json:"regimes"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, "", fmt.Errorf("%s: %v", name, err)
	}
	bands, err := BandsOfSweep(s.ELRs, s.Regimes)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %v", name, err)
	}
	return bands, fmt.Sprintf("fixed-ELR sweep %s (%d ELRs)", shortPath(name), len(s.ELRs)), nil
}

// shortPath returns the last folder and file of name ("mnist/summary.json"),
// so that a figure names its source the same way wherever the data sit.
func shortPath(name string) string {
	dir, file := filepath.Split(filepath.Clean(name))
	if d := filepath.Base(dir); dir != "" && d != "." && d != string(filepath.Separator) {
		return d + "/" + file
	}
	return file
}

// RealisedStats computes the equilibrium prediction of SCIENCE.md
// section 3 from the tail of a conventional run's records.
func RealisedStats(recs []realnets.Record, lr, wd, tail float64) (RealisedSummary, error) {
	eq, err := analysis.ConventionalFixedPoint(lr, wd)
	if err != nil {
		return RealisedSummary{}, err
	}
	s := RealisedSummary{LR: lr, WD: wd, A: eq.A, C: eq.C, AnglePredicted: eq.Angle}
	// The tail: the last ceil(tail*E) epochs, E the last epoch (epoch 0 is
	// the starting point and never in the tail unless tail = 1).
	last := recs[len(recs)-1].Epoch
	first := last - int(math.Ceil(tail*float64(last))) + 1
	first = max(first, 0)
	s.TailEpochs = [2]int{first, last}
	var g2, g1, logELR, ang float64
	var ng, ne, na int
	for _, r := range recs {
		if r.Epoch < first {
			continue
		}
		if r.GradNormFull != nil && r.GradNoise != nil {
			g2 += *r.GradNormFull**r.GradNormFull + *r.GradNoise**r.GradNoise
			ng++
			if r.GradNormMean != nil {
				g1 += *r.GradNormMean
			}
		}
		if r.ELR > 0 {
			logELR += math.Log(r.ELR)
			ne++
		}
		if r.AngleStepMean != nil {
			ang += *r.AngleStepMean
			na++
		}
	}
	if ne == 0 {
		return s, fmt.Errorf("no positive realised ELR in epochs %d..%d", first, last)
	}
	s.ELRTail = math.Exp(logELR / float64(ne))
	s.AngleTail = math.NaN()
	if na > 0 {
		s.AngleTail = ang / float64(na)
	}
	if ng == 0 {
		return s, fmt.Errorf("no gradient metrics in epochs %d..%d (%w)", first, last, ErrNoGradMetrics)
	}
	s.GRMSTail = math.Sqrt(g2 / float64(ng))
	s.GMeanTail = g1 / float64(ng)
	s.ELRStar = eq.RealisedELR(s.GRMSTail)
	s.ELRStarMean = eq.RealisedELR(s.GMeanTail)
	s.Ratio = s.ELRTail / s.ELRStar
	return s, nil
}

// MarshalJSON writes non-finite numbers as null.
func (s RealisedSummary) MarshalJSON() ([]byte, error) {
	type plain RealisedSummary
	b, err := json.Marshal(struct {
		plain
		AngleTail any `json:"angle_tail"`
	}{plain(s), fileio.Finite(s.AngleTail)})
	return b, err
}

// ParseBands parses START:REGIME,... into contiguous bands.
func ParseBands(s string) ([]RealisedBand, error) {
	var out []RealisedBand
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		start, name, ok := strings.Cut(f, ":")
		if !ok {
			return nil, fmt.Errorf("%q: want START:REGIME", f)
		}
		v, err := strconv.ParseFloat(start, 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("%q: start %q is not a non-negative number", f, start)
		}
		r, err := regime.Parse(name)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", f, err)
		}
		out = append(out, RealisedBand{From: v, Regime: r})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].From < out[j].From })
	for i := range out {
		if i > 0 && out[i].From == out[i-1].From {
			return nil, fmt.Errorf("two bands start at %g", out[i].From)
		}
		out[i].To = math.Inf(1)
		if i+1 < len(out) {
			out[i].To = out[i+1].From
		}
	}
	return out, nil
}
