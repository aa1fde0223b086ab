package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/regime"
)

var cmdRealised = &Command{
	UsageLine: "realised -in RUNDIR/metrics.jsonl [-lr X -wd X] [-bands START:REGIME,...] [-tail F] -out FIG.png|.svg [-summary FILE.json]",
	Short:     "realised ELR of a conventional network run over the fixed-ELR regime bands",
	Long: `
Realised draws the realised effective learning rate of a network run of
"regimes train" with -lr/-wd (conventional SGD with weight decay, no sphere)
against the step, over the fixed-ELR regime bands, with the predicted
equilibrium ELR (SCIENCE.md section 3), and the train loss below.

The trainer logs, after every epoch, the realised ELR lr/((1 - lr wd)||x||^2)
of the SI weights x: the ELR of the projected step that moves the direction
the way the conventional step does. With a = lr*wd and an effective gradient
whose root-mean-square norm is G, 1/ELR relaxes (time scale about 1/(2a)
steps) to the fixed point of 1/E' = (1-a)^2/E + E G^2, E = lr/||x||^2:

	E* = sqrt(2a - a^2)/G,    realised ELR* = E*/(1 - a).

G is the RMS of the batch gradient norms over the tail epochs,
sqrt(mean over epochs of grad_norm_full^2 + grad_noise^2) (this is exact:
RMS^2 = full^2 + noise^2 for each gradient pass), not grad_norm_mean (the
mean norm, which is smaller than the RMS and gives a larger ELR*). Epochs
without gradient metrics (null) are left out of G; a run without any in the
tail (-grad-metrics none) is refused. The prediction assumes a steady G: when
the ELR equilibrium lies in regime 1 the run is periodic instead (Lobacheva
et al. 2021: the ELR climbs until the minimum turns unstable, the loss
spikes, the spike's gradient lowers the ELR), G is dominated by the spikes
and ELR* underestimates the typical ELR; ratio in the summary shows by how
much.

The run's lr and wd are read from config.json next to -in (or given with -lr
and -wd). -bands shades ELR intervals in the regime colours: a
comma-separated list of START:REGIME, each band reaching up to the next START
(the last one to infinity), REGIME being 1|conv|convergence,
2|chaos|chaotic equilibrium, 3|div|divergence or 0|undetermined; give the
boundaries measured for the same model and data (for example by
"regimes sweep") and say where they come from. -tail is the fraction of the
epochs at the end over which G and the measured ELR are averaged.

	regimes train -model convnet -width 8 -subset 2000 -lr 0.4 -wd 0.025 -epochs 40 -out conv
	regimes realised -in conv/metrics.jsonl -bands 1e-5:conv,1.4e-2:chaos,2.4e-2:div -out conv/realised.png -summary conv/realised.json

(testdata/conventional holds this run and its figure.)

The summary (written atomically to -summary, and printed) has lr, wd, a,
c (= sqrt(2a - a^2)), tail_epochs (first and last epoch of the tail),
g_rms_tail, g_mean_tail (the mean norm, for comparison), elr_star (the
realised-ELR prediction from g_rms_tail), elr_star_mean_norm (the same with
g_mean_tail), elr_tail (geometric mean of the realised ELR over the tail),
ratio (elr_tail/elr_star), angle_rms_predicted (arccos(1 - a)), angle_tail
(the mean angle_step_mean over the tail) and bands.
`,
}

// The realised command's flags.
var (
	realIn, realOut, realBands, realSummary *string
	realLR, realWD, realTail                *float64
)

func init() {
	c := cmdRealised
	c.Flag = flag.NewFlagSet("realised", flag.ContinueOnError)
	realIn = c.Flag.String("in", "", "metrics.jsonl of a conventional run of regimes train")
	realOut = c.Flag.String("out", "", "figure `file`: .png, .svg or .pdf")
	realBands = c.Flag.String("bands", "", "regime bands START:REGIME,... (default none)")
	realSummary = c.Flag.String("summary", "", "also write the summary JSON to this file")
	realLR = c.Flag.Float64("lr", 0, "learning rate of the run (default: from config.json next to -in)")
	realWD = c.Flag.Float64("wd", 0, "weight decay of the run (default: from config.json next to -in)")
	realTail = c.Flag.Float64("tail", 0.5, "fraction of the epochs at the end used for G and the measured ELR")
	c.Run = runRealised
	register(c)
}

// realisedBand is an ELR interval with its regime, as given by -bands.
type realisedBand struct {
	From   float64       `json:"from"`
	To     float64       `json:"to"` // +Inf written as null
	Regime regime.Regime `json:"regime"`
}

// MarshalJSON writes an infinite upper end as null.
func (b realisedBand) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"from": b.From, "to": finiteOrNil(b.To), "regime": b.Regime})
}

// realisedSummary is the summary the realised command writes.
type realisedSummary struct {
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
	Bands          []realisedBand `json:"bands"`
}

func runRealised(cmd *Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q", args[0])
	}
	if *realIn == "" || *realOut == "" {
		return errors.New("both -in and -out are required")
	}
	if _, err := plots.FormatOf(*realOut); err != nil {
		return fmt.Errorf("-out %s: want a .png, .svg or .pdf file", *realOut)
	}
	if !(*realTail > 0 && *realTail <= 1) {
		return fmt.Errorf("-tail %g: want a fraction in (0, 1]", *realTail)
	}
	bands, err := parseBands(*realBands)
	if err != nil {
		return fmt.Errorf("-bands: %v", err)
	}
	recs, err := realnets.ReadMetrics(*realIn)
	if err != nil {
		return err
	}
	if len(recs) < 2 {
		return fmt.Errorf("%s: %d records, want at least 2", *realIn, len(recs))
	}
	lr, wd := *realLR, *realWD
	if lr == 0 {
		name := filepath.Join(filepath.Dir(*realIn), "config.json")
		b, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("no -lr and %v", err)
		}
		var cfg realnets.TrainConfig
		if err := json.Unmarshal(b, &cfg); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		if cfg.ELR > 0 || cfg.LR == 0 {
			return fmt.Errorf("%s: the run trained at a fixed ELR %g on the sphere, not conventionally (-lr/-wd)", name, cfg.ELR)
		}
		lr = cfg.LR
		if *realWD == 0 {
			wd = cfg.WD
		}
	}
	sum, err := realisedStats(recs, lr, wd, *realTail)
	if err != nil {
		return fmt.Errorf("%s: %v", *realIn, err)
	}
	sum.In, sum.Bands = *realIn, bands
	d := plots.Realised{Title: fmt.Sprintf("conventional SGD: lr %g, wd %g", lr, wd)}
	for _, r := range recs[1:] { // epoch 0 has the initial ELR only
		d.Step = append(d.Step, float64(r.Step))
		d.ELR = append(d.ELR, r.ELR)
		d.Loss = append(d.Loss, r.TrainLoss)
	}
	if sum.ELRStar > 0 {
		d.Levels = append(d.Levels, plots.Level{Name: "predicted ELR* (RMS G of the tail)", Y: sum.ELRStar})
	}
	for _, b := range bands {
		d.Bands = append(d.Bands, plots.Band{From: b.From, To: b.To, Regime: b.Regime})
	}
	fig, skips, err := plots.NewRealised(d)
	if err != nil {
		return err
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
	for _, b := range bands {
		for _, v := range []float64{b.From, b.To} {
			if v >= dlo && v <= dhi {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if p := fig.Plots[0][0]; hi > lo {
		p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
	}
	for _, s := range skips {
		fmt.Fprintf(stderr, "skipped %s point %d (%g, %g): %s\n", s.Series, s.Index, s.X, s.Y, s.Reason)
	}
	if err := plots.Save(fig, 6.5*vg.Inch, 4.5*vg.Inch, *realOut, plots.SaveOptions{}); err != nil {
		return err
	}
	if *realSummary != "" {
		if err := writeJSONFile(*realSummary, sum); err != nil {
			return err
		}
	}
	return printJSON(stdout, sum)
}

// realisedStats computes the equilibrium prediction of SCIENCE.md
// section 3 from the tail of a conventional run's records.
func realisedStats(recs []realnets.Record, lr, wd, tail float64) (realisedSummary, error) {
	a := lr * wd
	if !(lr > 0) || wd < 0 || a >= 1 {
		return realisedSummary{}, fmt.Errorf("lr %g and wd %g: want lr > 0, wd >= 0 and lr*wd < 1", lr, wd)
	}
	s := realisedSummary{LR: lr, WD: wd, A: a, C: math.Sqrt(2*a - a*a), AnglePredicted: math.Acos(1 - a)}
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
		return s, fmt.Errorf("no gradient metrics in epochs %d..%d (train with -grad-metrics all or log)", first, last)
	}
	s.GRMSTail = math.Sqrt(g2 / float64(ng))
	s.GMeanTail = g1 / float64(ng)
	s.ELRStar = s.C / ((1 - a) * s.GRMSTail)
	s.ELRStarMean = s.C / ((1 - a) * s.GMeanTail)
	s.Ratio = s.ELRTail / s.ELRStar
	return s, nil
}

// MarshalJSON writes non-finite numbers as null.
func (s realisedSummary) MarshalJSON() ([]byte, error) {
	type plain realisedSummary
	b, err := json.Marshal(struct {
		plain
		AngleTail any `json:"angle_tail"`
	}{plain(s), finiteOrNil(s.AngleTail)})
	return b, err
}

// parseBands parses START:REGIME,... into contiguous bands.
func parseBands(s string) ([]realisedBand, error) {
	var out []realisedBand
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
		out = append(out, realisedBand{From: v, Regime: r})
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
