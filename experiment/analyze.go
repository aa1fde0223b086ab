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
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/toy"
)

// minAnalyzeRows is the least number of rows AnalyzeFile accepts: the
// MSER-5 rule needs 4 batches of 5 rows. Runs shorter than the classifier's
// MinRows (200) are analysed but labelled undetermined.
const minAnalyzeRows = 20

// noColumn is the column name that turns an optional column off.
const noColumn = "none"

// AnalyzeConfig says how AnalyzeFile reads a trajectory.
type AnalyzeConfig struct {
	// Loss, Grad and Angle name the columns of the loss, the gradient norm
	// and the angular update; "" means the default for the file type (loss,
	// grad_norm, angle for a CSV, batch_loss for a network's steps.csv;
	// train_loss, grad_norm_mean, angle_step_mean for JSON Lines), and
	// "none" turns an optional column off. An optional column the file
	// lacks under its default name is left out.
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
// steps.csv or metrics.jsonl, or any CSV with a header or JSON Lines log)
// and returns its equilibrium statistics and regime (analysis.Analyze),
// with the random level and theory found beside it.
func AnalyzeFile(name string, c AnalyzeConfig) (analysis.Report, error) {
	t, err := analysis.ReadTableFile(name)
	if err != nil {
		return analysis.Report{}, err
	}
	lower := strings.ToLower(name)
	jsonl := strings.HasSuffix(lower, ".jsonl") || strings.HasSuffix(lower, ".ndjson")
	// col returns the column for a role: the name given, or else the
	// default for the file type; an optional column that the file lacks
	// under its default name is left out, but a name given must exist.
	col := func(given, def, jsonlDef string, required bool) string {
		switch {
		case given == noColumn && !required:
			return ""
		case given != "":
			return given
		case jsonl:
			def = jsonlDef
		}
		if required || t.Has(def) {
			return def
		}
		return ""
	}
	opt := analysis.AnalyzeOptions{Settings: analysis.ClassifySettings{Alpha: c.Alpha, MinESS: c.MinESS}}
	opt.Loss = col(c.Loss, "loss", "train_loss", true)
	if c.Loss == "" && !jsonl && !t.Has("loss") && t.Has("batch_loss") {
		opt.Loss = "batch_loss" // a network's steps.csv
	}
	opt.Grad = col(c.Grad, "grad_norm", "grad_norm_mean", false)
	opt.Angle = col(c.Angle, "angle", "angle_step_mean", false)
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
	return analysis.Analyze(t, opt)
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
		if v, err := realnets.RandomLevel(filepath.Dir(name)); err == nil {
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
