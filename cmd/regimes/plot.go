package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/plots/figdata"
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
	if kind == "panels" {
		w, h = 6.5, 4.5
	}
	fig, skips, err := drawFigure(kind, files)
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
	return fileio.WriteFile(*plotOut, func(wr io.Writer) error {
		return plots.Render(wr, fig, vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch, format, opts)
	})
}

// drawFigure reads the files of a figure of the given kind and draws it.
func drawFigure(kind string, files []string) (*plots.Figure, []plots.Skip, error) {
	if kind == "phase" {
		d, notes, err := figdata.Phase(files, figdata.PhaseOptions{Metric: *plotMetric, LogColor: *plotLogColor})
		for _, n := range notes {
			fmt.Fprintf(stderr, "regimes plot: %s\n", n)
		}
		if err != nil {
			return nil, nil, err
		}
		return plots.NewPhaseDiagram(d)
	}
	if kind == "panels" {
		d, err := figdata.Panels(files)
		if err != nil {
			return nil, nil, err
		}
		return plots.NewPanels(d)
	}
	kinds := map[string]func(string) (*plots.Figure, []plots.Skip, error){
		"thresholds":  figure(figdata.Thresholds, plots.NewThresholds),
		"lyapunov":    figure(figdata.Lyapunov, plots.NewLyapunov),
		"stationary":  figure(func(n string) (plots.Stationary, error) { return figdata.Stationary(n, *plotRandom) }, plots.NewStationary),
		"bifurcation": figure(figdata.Bifurcation, plots.NewBifurcation),
	}
	draw, ok := kinds[kind]
	if !ok {
		return nil, nil, fmt.Errorf("unknown KIND %q (want phase, panels, thresholds, lyapunov, stationary or bifurcation)", kind)
	}
	if len(files) != 1 {
		return nil, nil, fmt.Errorf("%s takes one -in file, got %d", kind, len(files))
	}
	return draw(files[0])
}

// figure chains a reader of one file and a figure builder.
func figure[D any](read func(string) (D, error), draw func(D) (*plots.Figure, []plots.Skip, error)) func(string) (*plots.Figure, []plots.Skip, error) {
	return func(name string) (*plots.Figure, []plots.Skip, error) {
		d, err := read(name)
		if err != nil {
			return nil, nil, err
		}
		return draw(d)
	}
}
