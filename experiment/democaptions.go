package experiment

import (
	"fmt"
	"path/filepath"

	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/plots/figdata"
)

// DemoCaptions reads the data files of a demo folder (the ones its figures
// are drawn from, through the same figdata readers) and returns each
// figure's caption computed from them, keyed by the figure's file name
// without extension: phase, thresholds, lyapunov, bifurcation, vmf. A
// caption states what the data show, nothing written in advance.
func DemoCaptions(out string) (map[string]plots.Caption, error) {
	caps := map[string]plots.Caption{}
	ph, _, err := figdata.Phase([]string{filepath.Join(out, "phase", "results.jsonl")}, figdata.PhaseOptions{})
	if err != nil {
		return nil, err
	}
	ph.ByRegime = true
	c := plots.PhaseCaption(ph)
	c.Text = "Each cell is a projected-SGD run of the lsq toy (SCIENCE.md 6.1) at a fixed ELR and batch size b, batches drawn i.i.d. with replacement (so b > n is allowed), the seeds of a cell combined (disagreeing seeds are drawn undetermined). " +
		c.Text + " The lines are the GD, mean-square and almost-sure thresholds of each row."
	caps["phase"] = c

	th, err := figdata.Thresholds(filepath.Join(out, "thresholds.csv"))
	if err != nil {
		return nil, err
	}
	caps["thresholds"] = plots.ThresholdsCaption(th)

	ly, err := figdata.Lyapunov(filepath.Join(out, "lyapunov.csv"))
	if err != nil {
		return nil, err
	}
	c = plots.LyapunovCaption(ly)
	axis := "a linear axis"
	if ly.Linear > 0 {
		axis = fmt.Sprintf("an axis linear within ±%g and logarithmic beyond", ly.Linear)
	}
	c.Text = fmt.Sprintf("Lyapunov exponent of the projected step u → (u − η̃ g_B(u))/‖u − η̃ g_B(u)‖ (lsq, b = 1) driven by the trajectory's own batch sequence, measured transverse to the neutral rotations (SCIENCE.md 7), each point the mean over seeds, on %s. %s", axis, c.Text)
	caps["lyapunov"] = c

	bi, err := figdata.Bifurcation(filepath.Join(out, "bifurcation.csv"))
	if err != nil {
		return nil, err
	}
	c = plots.BifurcationCaption(bi, 1e-3)
	c.Text = "The circle toy f = (λ/2) sin²φ (SCIENCE.md 6.2, λ = 1): the fixed point φ = 0 below the flip at η̃λ = 2 and the 2-cycle ±φ with cos 2φ = 2/(η̃λ) above it. " + c.Text
	caps["bifurcation"] = c

	st, err := figdata.Stationary(filepath.Join(out, "vmf.csv"), 0)
	if err != nil {
		return nil, err
	}
	c = plots.StationaryCaption(st, 0.05)
	c.Text = fmt.Sprintf("The vmf toy (SCIENCE.md 6.3, d = 3, ‖μ‖ = σ = 1, b = 1) against the leading-order von Mises-Fisher prediction with temperature η̃σ²/2; the dotted line marks η̃σ²d = 2, where the angular step approaches its cap. %s", c.Text)
	caps["vmf"] = c
	return caps, nil
}
