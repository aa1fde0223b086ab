package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/regimes/regimes/experiment"
	"github.com/regimes/regimes/plots"
)

var cmdRealised = &Command{
	UsageLine: "realised -in RUNDIR/metrics.jsonl [-lr X -wd X] [-bands START:REGIME,... | -bands-from SUMMARY.json] [-tail F] -out FIG.png|.svg [-summary FILE.json]",
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
"regimes sweep") and say where they come from. -bands-from takes them from
the summary.json of a fixed-ELR sweep (regimes reproduce mnist): each ELR's
label spans the interval between the geometric midpoints to its neighbours,
and the legend names the file. -tail is the fraction of the
epochs at the end over which G and the measured ELR are averaged.

	regimes train -model convnet -width 8 -subset 2000 -lr 0.4 -wd 0.025 -epochs 40 -out conv
	regimes realised -in conv/metrics.jsonl -bands 1e-5:conv,1.4e-2:chaos,2.4e-2:div -out conv/realised.png -summary conv/realised.json
	regimes realised -in testdata/conventional/metrics.jsonl -bands-from testdata/mnist/summary.json -out realised.png

(testdata/conventional holds this run and its figures.)

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
	realIn, realOut, realBands, realBandsFrom, realSummary *string
	realLR, realWD, realTail                               *float64
)

func init() {
	c := cmdRealised
	c.Flag = flag.NewFlagSet("realised", flag.ContinueOnError)
	realIn = c.Flag.String("in", "", "metrics.jsonl of a conventional run of regimes train")
	realOut = c.Flag.String("out", "", "figure `file`: .png, .svg or .pdf")
	realBands = c.Flag.String("bands", "", "regime bands START:REGIME,... (default none)")
	realBandsFrom = c.Flag.String("bands-from", "", "take the regime bands from the summary.json `file` of a fixed-ELR sweep")
	realSummary = c.Flag.String("summary", "", "also write the summary JSON to this file")
	realLR = c.Flag.Float64("lr", 0, "learning rate of the run (default: from config.json next to -in)")
	realWD = c.Flag.Float64("wd", 0, "weight decay of the run (default: from config.json next to -in)")
	realTail = c.Flag.Float64("tail", 0.5, "fraction of the epochs at the end used for G and the measured ELR")
	c.Run = runRealised
	register(c)
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
	if *realBands != "" && *realBandsFrom != "" {
		return errors.New("give -bands or -bands-from, not both")
	}
	bands, err := experiment.ParseBands(*realBands)
	if err != nil {
		return fmt.Errorf("-bands: %v", err)
	}
	source := ""
	if *realBands != "" {
		source = "given by -bands " + *realBands
	}
	if *realBandsFrom != "" {
		if bands, source, err = experiment.ReadSweepBands(*realBandsFrom); err != nil {
			return fmt.Errorf("-bands-from: %v", err)
		}
	}
	sum, skips, err := experiment.Realised(experiment.RealisedConfig{In: *realIn, LR: *realLR, WD: *realWD,
		Tail: *realTail, Bands: bands, BandSource: source, Figure: *realOut})
	for _, s := range skips {
		fmt.Fprintf(stderr, "skipped %s point %d (%g, %g): %s\n", s.Series, s.Index, s.X, s.Y, s.Reason)
	}
	if err != nil {
		return err
	}
	if *realSummary != "" {
		if err := writeJSONFile(*realSummary, sum); err != nil {
			return err
		}
	}
	return printJSON(stdout, sum)
}
