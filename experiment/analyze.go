package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets/run"
	"github.com/regimes/regimes/toy"
)

// minAnalyzeRows is the least number of rows AnalyzeFile accepts: the
// MSER-5 rule needs 4 batches of 5 rows (the classifier's default MinRows).
const minAnalyzeRows = 20

// noColumn is the column name that turns an optional column off.
const noColumn = "none"

// AnalyzeConfig says how AnalyzeFile reads a trajectory.
type AnalyzeConfig struct {
	// Loss, Grad and Angle name the columns of the loss, the gradient norm
	// and the angular update (or TensorBoard tags); "" means the first of
	// the file's columns that analysis.ChooseColumns recognises for the role
	// (train_loss, loss, batch_loss; grad_norm_mean, grad_norm,
	// mean_eff_grad_norm; angle_step_mean, angle, mean_angle,
	// angular_update; see analysis.CommonColumns), and "none" turns an
	// optional column off. An optional role without a column is left out.
	Loss, Grad, Angle string
	// RandomLevel is the random level of the loss; 0 means: from the side
	// information beside the file (RandomLevelBeside).
	RandomLevel float64
	// Lyapunov is the maximal Lyapunov exponent with its interval, if known.
	Lyapunov *analysis.LyapunovEvidence
	// Alpha and MinESS are the classifier's significance level and least
	// effective sample size.
	Alpha, MinESS float64
}

// AnalyzeFile reads a trajectory (a toy trajectory CSV, a network's
// steps.csv or metrics.jsonl, any CSV with a header or JSON Lines log, or
// TensorBoard event files: a file whose name contains "tfevents" or a
// folder of them)
// and returns its equilibrium statistics and regime (analysis.Analyze),
// with the random level and theory found beside it.
func AnalyzeFile(name string, c AnalyzeConfig) (analysis.Report, error) {
	t, err := analysis.ReadTableFile(name)
	if err != nil {
		return analysis.Report{}, err
	}
	// Each role's column: the name given, or else the one
	// analysis.ChooseColumns recognises among the file's names (reported
	// in Report.Chosen).
	chosen := analysis.ChooseColumns(t.Header)
	auto := map[string]string{}
	col := func(role, given string, required bool) (string, error) {
		switch {
		case given == noColumn && !required:
			return "", nil
		case given != "":
			return given, nil
		}
		c, ok := chosen[role]
		if !ok && required {
			return "", fmt.Errorf("%s: no %s column: none of %s (columns: %s); name it with -%s", name, role, strings.Join(analysis.CommonColumns[role], ", "), strings.Join(t.Header, ", "), role)
		}
		if ok {
			auto[role] = c
		}
		return c, nil
	}
	opt := analysis.AnalyzeOptions{Settings: analysis.ClassifySettings{Alpha: c.Alpha, MinESS: c.MinESS}}
	if opt.Loss, err = col(analysis.RoleLoss, c.Loss, true); err != nil {
		return analysis.Report{}, err
	}
	if opt.Grad, err = col(analysis.RoleGrad, c.Grad, false); err != nil {
		return analysis.Report{}, err
	}
	if opt.Angle, err = col(analysis.RoleAngle, c.Angle, false); err != nil {
		return analysis.Report{}, err
	}
	opt.Step = chosen[analysis.RoleStep]
	if c.Alpha <= 0 || c.Alpha >= 1 {
		return analysis.Report{}, fmt.Errorf("significance level %v: want a level in (0, 1)", c.Alpha)
	}
	if !(c.MinESS > 0) {
		return analysis.Report{}, fmt.Errorf("least effective sample size %v: want a positive number", c.MinESS)
	}
	opt.Lyapunov = c.Lyapunov
	level, theory, err := RandomLevelBeside(name)
	if err != nil {
		return analysis.Report{}, err
	}
	opt.Theory, opt.RandomLevel = theory, level
	if c.RandomLevel != 0 {
		if !(c.RandomLevel > 0) || math.IsInf(c.RandomLevel, 0) {
			return analysis.Report{}, fmt.Errorf("random level %v: want a positive number", c.RandomLevel)
		}
		opt.RandomLevel = c.RandomLevel
	}
	if t.Len() < minAnalyzeRows {
		return analysis.Report{}, fmt.Errorf("%s: %d data rows; want at least %d (MSER-5 needs 4 batches of 5)", name, t.Len(), minAnalyzeRows)
	}
	r, err := analysis.Analyze(t, opt)
	if len(auto) > 0 {
		r.Chosen = auto
	}
	return r, err
}

// RandomLevelBeside returns the random level of the loss of the trajectory
// in name and the numeric theory values found beside it: from config.json
// in its folder (its random_level key at top level or under "theory", or
// log(classes), or the uniform-sphere average of the toy problem of
// "regimes simulate" rebuilt from its "toy" key), else, for a run folder of
// "regimes train", the epoch-0 train loss of metrics.jsonl (the loss of the
// random initial point); NaN when none is found. An unreadable config.json
// is an error.
func RandomLevelBeside(name string) (float64, map[string]float64, error) {
	level, theory, err := readSideConfig(filepath.Join(filepath.Dir(name), "config.json"))
	if err != nil {
		return level, nil, err
	}
	if math.IsNaN(level) {
		if v, err := run.RandomLevel(filepath.Dir(name)); err == nil {
			level = v
		}
	}
	return level, theory, nil
}

// readSideConfig reads the random level and the numeric theory values from
// a config.json beside a trajectory. A missing file gives NaN and no
// theory; an unreadable one is an error.
func readSideConfig(name string) (randomLevel float64, theory map[string]float64, err error) {
	randomLevel = math.NaN()
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return randomLevel, nil, nil
	}
	if err != nil {
		return randomLevel, nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return randomLevel, nil, fmt.Errorf("%s: %v", name, err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		return randomLevel, nil, fmt.Errorf("%s: not a JSON object: %v", name, err)
	}
	if th, ok := cfg["theory"].(map[string]any); ok {
		for k, v := range th {
			if x, ok := v.(float64); ok {
				if theory == nil {
					theory = map[string]float64{}
				}
				theory[k] = x
			}
		}
	}
	if v, ok := cfg["random_level"].(float64); ok && v > 0 {
		randomLevel = v
	} else if v, ok := theory["random_level"]; ok && v > 0 {
		randomLevel = v
	} else if k, ok := cfg["classes"].(float64); ok && k >= 2 {
		randomLevel = math.Log(k)
	} else if raw, ok := cfg["toy"].(map[string]any); ok {
		randomLevel = toyRandomLevel(raw, filepath.Dir(name))
	}
	return randomLevel, theory, nil
}

// toyRandomLevel rebuilds the toy problem described by the "toy" object of
// a config.json written by "regimes simulate" and returns its random level
// (the uniform-sphere average of the loss), or NaN if the problem cannot be
// rebuilt (for example a data file that has moved). A relative data path
// is tried as written and then relative to the folder of config.json.
func toyRandomLevel(raw map[string]any, dir string) float64 {
	b, err := json.Marshal(raw)
	if err != nil {
		return math.NaN()
	}
	var c toy.Config
	if err := json.Unmarshal(b, &c); err != nil {
		return math.NaN()
	}
	p, err := c.Build()
	if err != nil && c.Data != "" && !filepath.IsAbs(c.Data) {
		c.Data = filepath.Join(dir, c.Data)
		p, err = c.Build()
	}
	if err != nil {
		return math.NaN()
	}
	if v := p.RandomLevel(); v > 0 && !math.IsInf(v, 0) {
		return v
	}
	return math.NaN()
}
