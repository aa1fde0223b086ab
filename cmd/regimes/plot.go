package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/plots/figdata"
)

var cmdPlot = &Command{
	UsageLine: "plot KIND -in FILE[,FILE...] -out FILE.png|.svg|.pdf [flags]",
	Short:     "draw a figure (phase, panels, thresholds, lyapunov, stationary, bifurcation)",
	Long:      helpText("plot"),
	Flags:     plotFlags,
}

// plotConfig holds the flags of the plot command.
type plotConfig struct {
	in, out, title string
	dpi            int
	embed          bool
	width, height  float64
	size           string
	opts           figdata.Options
}

func plotFlags(fs *flag.FlagSet) func([]string) error {
	var c plotConfig
	fs.StringVar(&c.in, "in", "", "input `files`, comma-separated")
	fs.StringVar(&c.out, "out", "", "output `file`: .png, .svg or .pdf")
	fs.IntVar(&c.dpi, "dpi", plots.DefaultDPI, "PNG resolution in dots per inch")
	fs.BoolVar(&c.embed, "embed-fonts", false, "embed the fonts in SVG output")
	fs.StringVar(&c.opts.Metric, "metric", "regime", "phase: regime, lyapunov or a summary key")
	fs.BoolVar(&c.opts.LogColor, "log-color", false, "phase: colour by log10 of the metric")
	fs.Float64Var(&c.opts.Random, "random", 0, "stationary: random level to draw (0: none)")
	fs.StringVar(&c.size, "size", "", "single (3.3 in, one column) or double (6.9 in, the text width); -width and -height override")
	fs.Float64Var(&c.width, "width", 0, "figure width in inches (0: 6.5 for panels, 5 otherwise)")
	fs.Float64Var(&c.height, "height", 0, "figure height in inches (0: 4.5 for panels, 3 otherwise)")
	fs.StringVar(&c.title, "title", "", "figure title (default none)")
	return func(args []string) error {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return usagef("want a KIND (phase, panels, thresholds, lyapunov, stationary, bifurcation) before the flags")
		}
		// Flags may follow KIND: parse them now.
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if rest := fs.Args(); len(rest) > 0 {
			return usagef("unexpected argument %q", rest[0])
		}
		return c.plot(args[0])
	}
}

func (c *plotConfig) plot(kind string) error {
	if c.in == "" || c.out == "" {
		return usagef("both -in and -out are required")
	}
	format, err := plots.FormatOf(c.out)
	if err != nil {
		return fmt.Errorf("-out %s: want a .png, .svg or .pdf file", c.out)
	}
	if c.dpi <= 0 {
		return fmt.Errorf("-dpi %d must be positive", c.dpi)
	}
	if !slices.Contains(figdata.Kinds, kind) {
		return usagef("unknown KIND %q (want phase, panels, thresholds, lyapunov, stationary or bifurcation)", kind)
	}
	fig, skips, notes, err := figdata.Figure(kind, strings.Split(c.in, ","), c.opts)
	for _, n := range notes {
		fmt.Fprintf(stderr, "regimes plot: %s\n", n)
	}
	if err != nil {
		return err
	}
	w, h, err := figdata.Size(kind, c.size, c.width, c.height)
	if err != nil {
		return fmt.Errorf("-%v", err)
	}
	if c.title != "" {
		fig.Title = c.title
	}
	// One line per series and reason, however many points it skipped.
	for _, s := range plots.SummarizeSkips(skips) {
		fmt.Fprintf(stderr, "regimes plot: %s\n", s)
	}
	if err := plots.CheckLayout(fig, w, h); err != nil {
		fmt.Fprintf(stderr, "regimes plot: warning: %v\n", err)
	}
	opts := plots.SaveOptions{DPI: c.dpi, EmbedFonts: c.embed}
	return fileio.WriteFile(c.out, func(wr io.Writer) error {
		return plots.Render(wr, fig, w, h, format, opts)
	})
}
