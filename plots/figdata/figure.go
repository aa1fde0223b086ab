package figdata

import (
	"fmt"

	"github.com/regimes/regimes/plots"
	"gonum.org/v1/plot/vg"
)

// Options are the settings of Figure that some kinds take.
type Options struct {
	// Metric and LogColor are the phase diagram's (PhaseOptions).
	Metric   string
	LogColor bool
	// Random is the random level a stationary-loss figure draws (0: none).
	Random float64
}

// Kinds lists the kinds of figure that Figure draws.
var Kinds = []string{"phase", "panels", "thresholds", "lyapunov", "stationary", "bifurcation"}

// Figure reads the files of a figure of the given kind and draws it with
// the builder of package plots: phase (Phase), panels (Panels), thresholds,
// lyapunov, stationary or bifurcation (one file each). It returns the
// points that could not be drawn (those the builder skipped, and the cells
// of the CSV kinds that hold a NaN written as such, which the readers take
// for "no value" like an empty cell) and, for a phase diagram, the notes
// on combined cells.
func Figure(kind string, files []string, o Options) (*plots.Figure, []plots.Skip, []string, error) {
	switch kind {
	case "phase":
		d, notes, err := Phase(files, PhaseOptions{Metric: o.Metric, LogColor: o.LogColor})
		if err != nil {
			return nil, nil, notes, err
		}
		fig, skips, err := plots.NewPhaseDiagram(d)
		return fig, skips, notes, err
	case "panels":
		d, err := Panels(files)
		if err != nil {
			return nil, nil, nil, err
		}
		fig, skips, err := plots.NewPanels(d)
		return fig, skips, nil, err
	}
	kinds := map[string]func(string) (*plots.Figure, []plots.Skip, error){
		"thresholds":  draw(thresholds, plots.NewThresholds),
		"lyapunov":    draw(lyapunov, plots.NewLyapunov),
		"stationary":  draw(func(n string) (plots.Stationary, []plots.Skip, error) { return stationary(n, o.Random) }, plots.NewStationary),
		"bifurcation": draw(bifurcation, plots.NewBifurcation),
	}
	f, ok := kinds[kind]
	if !ok {
		return nil, nil, nil, fmt.Errorf("unknown kind of figure %q (want one of %v)", kind, Kinds)
	}
	if len(files) != 1 {
		return nil, nil, nil, fmt.Errorf("%s takes one file, got %d", kind, len(files))
	}
	fig, skips, err := f(files[0])
	return fig, skips, nil, err
}

// draw chains a reader of one file and a figure builder; the points the
// reader left out (NaN cells written as such) are listed before those the
// builder skipped.
func draw[D any](read func(string) (D, []plots.Skip, error), build func(D) (*plots.Figure, []plots.Skip, error)) func(string) (*plots.Figure, []plots.Skip, error) {
	return func(name string) (*plots.Figure, []plots.Skip, error) {
		d, nans, err := read(name)
		if err != nil {
			return nil, nil, err
		}
		fig, skips, err := build(d)
		return fig, append(nans, skips...), err
	}
}

// Size returns the size of a figure of the given kind: by default 5 x 3
// inches (6.5 x 4.5 for panels); with size "single" or "double" the column
// or text width of plots.SizeFor at the kind's aspect ratio (0.6 for
// panels and phase diagrams, else 0.78). A positive width or height, in
// inches, overrides it.
func Size(kind, size string, width, height float64) (w, h vg.Length, err error) {
	wi, hi := 5.0, 3.0 // inches
	if kind == "panels" {
		wi, hi = 6.5, 4.5
	}
	switch size {
	case "":
	case "single", "double":
		aspect := 0.78
		if kind == "panels" || kind == "phase" {
			aspect = 0.6
		}
		s := plots.SizeFor(size == "double", aspect)
		wi, hi = float64(s.W/vg.Inch), float64(s.H/vg.Inch)
	default:
		return 0, 0, fmt.Errorf("size %q: want single or double", size)
	}
	if width > 0 {
		wi = width
	}
	if height > 0 {
		hi = height
	}
	return vg.Length(wi) * vg.Inch, vg.Length(hi) * vg.Inch, nil
}
