package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/regimes/regimes/experiment"
	"github.com/regimes/regimes/internal/cli"
)

// stabilityUsage is the usage line of the stability command.
const stabilityUsage = "stability [flags] [CHECKPOINT]"

var cmdStability = &Command{
	UsageLine: stabilityUsage,
	Short:     "Hessian spectra, batch sharpness and the stability thresholds of a network's minima",
	Long:      helpText("stability"),
	Flags:     stabilityFlags,
}

func stabilityFlags(fs *flag.FlagSet) func([]string) error {
	out := fs.String("out", "stability", "folder of the prediction check")
	elrs := fs.String("elrs", "0.00017782794100389232,0.0012115276586285885,0.003162277660168379,0.00825404185268019", "comma-separated regime-1 ELRs to train and measure")
	summary := fs.String("summary", "testdata/mnist/summary.json", "summary.json of the reproduction whose 1|2 bracket the predictions are compared with")
	slices := fs.Bool("slices", true, "also compute and draw the loss slices")
	from := fs.Int("slice-from", 1, "index in -elrs of the run whose last point the slices go through")
	to := fs.Int("slice-to", 2, "index in -elrs of the run whose last point the great-circle slice goes to")
	batches := fs.Int("batches", 0, "with CHECKPOINT: training batches the Hessians average over (0: 8)")
	topK := fs.Int("top-k", 0, "with CHECKPOINT: top eigenvectors spanning the mean-square subspace (0: 8)")
	probes := fs.Int("slq-probes", 0, "with CHECKPOINT: SLQ probe vectors of the Hessian spectrum (0: none)")
	gnProbes := fs.Int("gn-probes", 0, "with CHECKPOINT: SLQ probe vectors of the Gauss-Newton spectrum (0: none)")
	redraw := fs.Bool("redraw", false, "redraw the figures, summary.json and table.md of -out from its stability.jsonl and slices.json, without training or measuring")
	quiet := fs.Bool("quiet", false, "no progress on stderr (by default a line per training epoch and measurement, or a live line on a terminal)")
	tol := fs.Float64("lanczos-tol", 1e-2, "with CHECKPOINT: relative residual at which Lanczos stops (at most 100 steps; 0: exactly 24 steps)")
	slqSteps := fs.Int("slq-steps", 24, "with CHECKPOINT: Lanczos steps per SLQ probe vector")
	fd := fs.Float64("fd-step", 0, "with CHECKPOINT: finite-difference step (an angle in radians) of the Hessian-vector products (0: 1e-3)")
	return func(args []string) error {
		if len(args) > 1 {
			return usagef("want at most one CHECKPOINT, got %d arguments (usage: regimes %s)", len(args), stabilityUsage)
		}
		if len(args) == 1 {
			if *fd < 0 || *batches < 0 || *topK < 0 || *probes < 0 || *gnProbes < 0 || !(*tol >= 0) || *slqSteps < 1 {
				return fmt.Errorf("-fd-step, -batches, -top-k, -slq-probes, -gn-probes and -lanczos-tol must not be negative, -slq-steps must be positive")
			}
			cfg := experiment.StabilityConfig{Batches: *batches, TopK: *topK, LanczosTol: *tol, SLQProbes: *probes, GNProbes: *gnProbes, SLQSteps: *slqSteps, FDStep: *fd, Seed: 1}
			r, err := experiment.StabilityAt(args[0], cfg)
			if err != nil {
				return err
			}
			return printJSON(stdout, r)
		}
		if *redraw {
			sum, err := experiment.RedrawStability(*out, *summary)
			if err != nil {
				return err
			}
			return printJSON(stdout, sum)
		}
		es, err := cli.Floats(*elrs, cli.Positive)
		if err == nil && len(es) == 0 {
			err = errors.New("no ELRs")
		}
		if err != nil {
			return fmt.Errorf("-elrs: %v", err)
		}
		sum, err := experiment.StabilityCheck(context.Background(), experiment.StabilityCheckConfig{
			Run: experiment.MNISTStabilityConfig(*out, es), Summary: *summary,
			Slices: *slices, SliceFrom: *from, SliceTo: *to, SliceConfig: experiment.SliceConfig{Seed: 1},
		}, progressOut(*quiet))
		if err != nil {
			return err
		}
		return printJSON(stdout, sum)
	}
}
