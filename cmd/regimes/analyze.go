package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/toy"
)

func init() {
	c := &Command{
		UsageLine: "analyze [flags] FILE",
		Short:     "equilibrium statistics and the regime of a trajectory or training log",
		Long: `
Analyze reads a trajectory and prints, as JSON, the equilibrium statistics of
its loss, gradient-norm and angular-update columns and the regime of the run
(SCIENCE.md sections 4 and 8): "convergence", "chaotic equilibrium",
"divergence" or "undetermined", with the evidence behind the label.

FILE is a toy trajectory CSV written by "regimes simulate" (columns
step,loss,batch_loss,grad_norm,batch_grad_norm,angle,elr,norm), a network log
in JSON Lines written by "regimes train" (.jsonl; the defaults become
-loss train_loss -grad grad_norm_mean -angle angle_step_mean), or any CSV with
a header line, such as a PyTorch training log. Optional columns that the file
lacks under their default names are skipped; -grad none or -angle none turns
one off.

	regimes analyze run.csv
	regimes analyze -loss train_loss -grad grad_norm -angle angular_update -random-level 2.302585 mylog.csv

For each column the statistics are taken over its stationary window: the
transient is cut by the MSER-5 rule (White 1997), the mean has a standard
error by non-overlapping batch means (batches of max(sqrt(N), 10 IAT) rows),
the integrated autocorrelation time uses Sokal's automatic window (c = 5),
and the trend test regresses the batch means on time (Student t).

The regime rules (see analysis.Classify): convergence when the loss falls to
1e-10 of the random level, the gradient norm to 1e-5 of its start, or log loss
falls significantly (p < 0.01) by at least a factor e over its stationary
window or keeps falling (significantly in each half of the window on its
own); otherwise the loss must be stationary (no significant trend, at least
100 effective samples), and it is divergence when the angular update is at
its cap (99% lower bound at least 0.9 pi/2: every step turns by nearly pi/2),
a chaotic equilibrium when the 99% upper confidence bound of its level is
below the random level, divergence when not.
Too short or contradictory evidence gives "undetermined", never a guess.

The random level is the loss of a random point: tr(H)/(2d) for lsq,
the loss at the random initial point for a network. Give it with -random-level. Otherwise
analyze looks for config.json beside FILE and uses its random_level key (at
top level or under "theory"), or log(classes) if it has a classes key, or
rebuilds the toy problem of "regimes simulate" from its "toy" key and takes
its uniform-sphere average, or, for a run folder of "regimes train", the
epoch-0 train_loss of metrics.jsonl beside FILE (the loss of the random
initial point: with the frozen last layer of norm 10 it is far above
log(classes)); when none is found the level is unknown and a stationary run
stays "undetermined". For a network's per-step log, analyze RUN/steps.csv
(loss column batch_loss by default) is what the classifier needs: the
per-epoch metrics.jsonl has too few rows.
Numeric keys under "theory" in that config.json are copied into the report for
"regimes compare".

Output keys: file, rows, roles (role -> column name), columns (for each
analysed column: n, transient_end (row index), transient_at_limit, window,
mean, stderr, ci95, batches, batch_size, std, iat (rows), iat_window, ess,
trend_slope, trend_stat, trend_df, trend_p), regime, evidence (tail_loss_rel,
grad_tail_rel, log_loss_trend_slope, log_loss_trend_p, log_loss_drop,
loss_trend_slope, loss_trend_p, level, level_stderr, level_upper, level_ess,
random_level, angle_level, angle_stderr, lyapunov, settings, reasons) and
theory. Undefined numbers are null.
`,
	}
	c.Flag = flag.NewFlagSet("analyze", flag.ContinueOnError)
	af := addAnalyzeFlags(c.Flag)
	out := c.Flag.String("o", "", "also write the JSON report to this file (atomically)")
	c.Run = func(cmd *Command, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("want one FILE argument, got %d (usage: regimes %s)", len(args), cmd.UsageLine)
		}
		r, err := af.analyze(args[0])
		if err != nil {
			return err
		}
		if *out != "" {
			if err := writeJSONFile(*out, r); err != nil {
				return err
			}
		}
		return printJSON(stdout, r)
	}
	register(c)
}

// minAnalyzeRows is the least number of rows analyze accepts: the MSER-5
// rule needs 4 batches of 5 rows. Runs shorter than the classifier's
// MinRows (200) are analysed but labelled undetermined.
const minAnalyzeRows = 20

// analyzeFlags are the flags that choose the columns and side information
// of an analysis, shared by analyze and compare.
type analyzeFlags struct {
	loss, grad, angle *string
	randomLevel       *string
	lyapunov          *string
	alpha             *float64
	minESS            *float64
}

// noColumn is the column name that turns an optional column off.
const noColumn = "none"

func addAnalyzeFlags(fs *flag.FlagSet) *analyzeFlags {
	return &analyzeFlags{
		loss:        fs.String("loss", "", "name of the loss column (default loss, or train_loss for .jsonl)"),
		grad:        fs.String("grad", "", "name of the gradient-norm column, or none (default grad_norm, or grad_norm_mean for .jsonl, if present)"),
		angle:       fs.String("angle", "", "name of the angular-update column, or none (default angle, or angle_step_mean for .jsonl, if present)"),
		randomLevel: fs.String("random-level", "", "random level of the loss (default: from config.json beside the file, else unknown)"),
		lyapunov:    fs.String("lyapunov", "", "maximal Lyapunov exponent as X or X,LO,HI with its confidence interval"),
		alpha:       fs.Float64("alpha", 0.01, "significance level of the classifier's trend tests and level comparison"),
		minESS:      fs.Float64("min-ess", 100, "least effective sample size of the stationary window for a stationary verdict"),
	}
}

// analyze reads and analyses one trajectory file.
func (af *analyzeFlags) analyze(name string) (analysis.Report, error) {
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
	opt := analysis.AnalyzeOptions{Settings: analysis.ClassifySettings{Alpha: *af.alpha, MinESS: *af.minESS}}
	opt.Loss = col(*af.loss, "loss", "train_loss", true)
	if *af.loss == "" && !jsonl && !t.Has("loss") && t.Has("batch_loss") {
		opt.Loss = "batch_loss" // a network's steps.csv
	}
	opt.Grad = col(*af.grad, "grad_norm", "grad_norm_mean", false)
	opt.Angle = col(*af.angle, "angle", "angle_step_mean", false)
	if *af.alpha <= 0 || *af.alpha >= 1 {
		return analysis.Report{}, fmt.Errorf("-alpha %v: want a level in (0, 1)", *af.alpha)
	}
	if !(*af.minESS > 0) {
		return analysis.Report{}, fmt.Errorf("-min-ess %v: want a positive number", *af.minESS)
	}
	if *af.lyapunov != "" {
		if opt.Lyapunov, err = parseLyapunov(*af.lyapunov); err != nil {
			return analysis.Report{}, err
		}
	}
	opt.RandomLevel = math.NaN()
	cfgLevel, theory, err := readSideConfig(filepath.Join(filepath.Dir(name), "config.json"))
	if err != nil {
		return analysis.Report{}, err
	}
	opt.Theory = theory
	if *af.randomLevel != "" {
		v, err := strconv.ParseFloat(*af.randomLevel, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return analysis.Report{}, fmt.Errorf("-random-level %q: want a positive number", *af.randomLevel)
		}
		opt.RandomLevel = v
	} else {
		opt.RandomLevel = cfgLevel
		if math.IsNaN(cfgLevel) {
			// A run folder of regimes train: the epoch-0 train loss in
			// metrics.jsonl beside FILE (realnets.RandomLevel).
			if v, err := realnets.RandomLevel(filepath.Dir(name)); err == nil {
				opt.RandomLevel = v
			}
		}
	}
	if t.Len() < minAnalyzeRows {
		return analysis.Report{}, fmt.Errorf("%s: %d data rows; want at least %d (MSER-5 needs 4 batches of 5)", name, t.Len(), minAnalyzeRows)
	}
	return analysis.Analyze(t, opt)
}

// parseLyapunov parses X or X,LO,HI.
func parseLyapunov(s string) (*analysis.LyapunovEvidence, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 1 && len(parts) != 3 {
		return nil, fmt.Errorf("-lyapunov %q: want X or X,LO,HI", s)
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("-lyapunov %q: %q is not a finite number", s, p)
		}
		v[i] = f
	}
	if len(v) == 1 {
		return &analysis.LyapunovEvidence{Exponent: v[0], CI: [2]float64{v[0], v[0]}}, nil
	}
	if !(v[1] <= v[0] && v[0] <= v[2]) {
		return nil, fmt.Errorf("-lyapunov %q: want LO <= X <= HI", s)
	}
	return &analysis.LyapunovEvidence{Exponent: v[0], CI: [2]float64{v[1], v[2]}}, nil
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
