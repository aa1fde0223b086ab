package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/regimes/regimes/regime"
	"gonum.org/v1/gonum/stat/distuv"
)

// The roles of the series that Analyze reads, the keys of Report.Roles.
const (
	RoleLoss  = "loss"
	RoleGrad  = "grad"
	RoleAngle = "angle"
	// RoleStep is the step or epoch column: reported, not analysed.
	RoleStep = "step"
)

// A Report is the analysis of one trajectory file, as printed by
// "regimes analyze" and read by "regimes compare".
type Report struct {
	// File is the analysed file, if any.
	File string `json:"file,omitempty"`
	// Rows is the number of rows analysed.
	Rows int `json:"rows"`
	// Roles maps each role (RoleLoss, RoleGrad, RoleAngle) to the name of
	// the column that played it.
	Roles map[string]string `json:"roles"`
	// Chosen lists the roles whose column was chosen by its name
	// (ChooseColumns) rather than given, with that column.
	Chosen map[string]string `json:"chosen,omitempty"`
	// Missing counts, by role, the rows without a value in that role's
	// column (an empty cell, a null, an absent key); they are left out of
	// that role's series. Roles with no missing rows are not listed.
	Missing map[string]int `json:"missing,omitempty"`
	// Columns holds the statistics of each analysed column, by column name.
	Columns map[string]SeriesStats `json:"columns"`
	// Regime and Evidence are the result of Classify.
	Regime   regime.Regime `json:"regime"`
	Evidence Evidence      `json:"evidence"`
	// Theory holds deterministic quantities of the run (thresholds,
	// closed forms, the random level) that must be reproduced exactly up
	// to rounding; Compare checks them with a relative tolerance.
	Theory map[string]float64 `json:"theory,omitempty"`
}

// AnalyzeOptions selects the columns and the side information of Analyze.
type AnalyzeOptions struct {
	// Loss is the name of the loss column (required).
	Loss string
	// Grad and Angle name the gradient-norm and angular-update columns;
	// empty means none.
	Grad, Angle string
	// Step names the step or epoch column (optional; reported in Roles).
	Step string
	// RandomLevel is the random level of the loss (0 or NaN: unknown).
	RandomLevel float64
	// Lyapunov is a Lyapunov estimate of the run, if any.
	Lyapunov *LyapunovEvidence
	// Theory is copied into the report.
	Theory map[string]float64
	// Settings are the classifier's thresholds.
	Settings ClassifySettings
}

// Analyze computes the statistics of the chosen columns of t and the
// regime of the run. A missing column or a bad cell is an error naming the
// file, line and column, and so are steps (opt.Step) that do not increase. Rows where a column has no value (an empty cell,
// a null, a key absent from a line) are left out of that column's series
// and counted in Report.Missing: a PyTorch log without gradient keys at
// epoch 0, or our own metrics.jsonl with a null angle there, keeps every
// role. The gradient-norm and angle columns may hold NaN or infinite
// values only if the loss does too (the run blew up); they are then not
// used, and the evidence says so.
func Analyze(t *Table, opt AnalyzeOptions) (Report, error) {
	r := Report{File: t.Name, Rows: t.Len(), Roles: map[string]string{}, Columns: map[string]SeriesStats{}, Theory: opt.Theory}
	in := RegimeInput{RandomLevel: opt.RandomLevel, Lyapunov: opt.Lyapunov, Settings: opt.Settings}
	if opt.Loss == "" {
		return r, fmt.Errorf("%s: no loss column given", t.Name)
	}
	read := func(role, col string) ([]float64, error) {
		x, missing, err := t.Present(col)
		if err != nil {
			return nil, err
		}
		r.Roles[role] = col
		if missing > 0 {
			if r.Missing == nil {
				r.Missing = map[string]int{}
			}
			r.Missing[role] = missing
		}
		return x, nil
	}
	var err error
	if in.Loss, err = read(RoleLoss, opt.Loss); err != nil {
		return r, err
	}
	if len(in.Loss) == 0 {
		return r, fmt.Errorf("%s: column %q has no values", t.Name, opt.Loss)
	}
	if opt.Grad != "" {
		if in.GradNorm, err = read(RoleGrad, opt.Grad); err != nil {
			return r, err
		}
	}
	if opt.Angle != "" {
		if in.Angle, err = read(RoleAngle, opt.Angle); err != nil {
			return r, err
		}
	}
	if opt.Step != "" {
		if err := checkSteps(t, opt.Step); err != nil {
			return r, err
		}
		r.Roles[RoleStep] = opt.Step
	}
	c := Classify(in)
	r.Regime, r.Evidence = c.Regime, c.Evidence
	for _, role := range []string{RoleLoss, RoleGrad, RoleAngle} {
		if m := r.Missing[role]; m > 0 {
			r.Evidence.Reasons = append(r.Evidence.Reasons, fmt.Sprintf("note: %d of %d rows have no %s value (column %q: empty, null or absent) and are left out of its series", m, r.Rows, role, r.Roles[role]))
		}
	}
	if finite(in.Loss) {
		if c.Loss.N == 0 {
			c.Loss = Stationary(in.Loss)
		}
		r.Columns[opt.Loss] = c.Loss
	}
	if c.GradNorm != nil {
		r.Columns[opt.Grad] = *c.GradNorm
	}
	if c.Angle != nil {
		r.Columns[opt.Angle] = *c.Angle
	}
	return r, nil
}

// checkSteps reports an error unless the values of t's step column
// increase strictly from row to row: a log whose steps go back or repeat (a
// run appended to after a restart, two runs in one file, rows out of
// order) is not one time series. Rows without a step are skipped.
func checkSteps(t *Table, col string) error {
	x, err := t.Values(col)
	if err != nil {
		return err
	}
	cells, _ := t.Text(col)
	prev := -1
	for i, v := range x {
		if cells[i] == "" {
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s:%d: column %q: step %g is not a finite number", t.Name, t.line[i], col, v)
		}
		if prev >= 0 && !(v > x[prev]) {
			return fmt.Errorf("%s:%d: column %q: step %g after %g (line %d); the steps of a log must increase (rows out of order, or a log appended to after a restart?)", t.Name, t.line[i], col, v, x[prev], t.line[prev])
		}
		prev = i
	}
	return nil
}

// ReadReport decodes a Report from JSON, as written by "regimes analyze".
func ReadReport(data []byte, name string) (Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%s: not an analyze report: %v", name, err)
	}
	var has struct {
		Regime *string `json:"regime"`
	}
	json.Unmarshal(data, &has) // data decoded above
	if has.Regime == nil || *has.Regime == "" || r.Roles[RoleLoss] == "" {
		return r, fmt.Errorf("%s: not an analyze report (no regime or loss column)", name)
	}
	return r, nil
}

// Tolerance sets how closely Compare requires two reports to agree. The
// zero value means the documented defaults.
type Tolerance struct {
	// Alpha is the two-sided significance level of the z-test on the
	// difference of each pair of stationary levels,
	// z = (m1 - m2) / sqrt(se1^2 + se2^2). Default 0.001 (|z| > 3.29),
	// so that the up to three levels of a report (loss, gradient norm,
	// angle) give a false alarm in at most 0.3% of agreeing runs.
	Alpha float64 `json:"alpha"`
	// TheoryRel is the relative tolerance on the deterministic quantities
	// under Report.Theory and on the random level. Default 1e-6.
	TheoryRel float64 `json:"theory_rel"`
}

func (t Tolerance) withDefaults() Tolerance {
	if t.Alpha == 0 {
		t.Alpha = 0.001
	}
	if t.TheoryRel == 0 {
		t.TheoryRel = 1e-6
	}
	return t
}

// A Comparison is the result of Compare.
type Comparison struct {
	// Agree reports whether the runs agree.
	Agree bool `json:"agree"`
	// Reasons explains every disagreement, one sentence each.
	Reasons []string `json:"reasons"`
	// Checked lists what was compared and found in agreement.
	Checked []string `json:"checked"`
}

// Compare says whether a run agrees with a golden run: the same regime;
// for stationary regimes (chaotic equilibrium, divergence) every stationary
// level of a role present in the golden report (loss, gradient norm,
// angle) within the joint confidence of the two runs (two-sided z-test at
// level tol.Alpha on the difference of the means with standard error
// sqrt(se1^2 + se2^2)); and every deterministic quantity under the
// golden's Theory, plus the random level, within the relative tolerance
// tol.TheoryRel. Levels of converging runs are not compared (they keep
// decreasing). Every disagreement is explained in Reasons.
func Compare(run, golden Report, tol Tolerance) Comparison {
	tol = tol.withDefaults()
	var c Comparison
	bad := func(format string, args ...any) { c.Reasons = append(c.Reasons, fmt.Sprintf(format, args...)) }
	ok := func(format string, args ...any) { c.Checked = append(c.Checked, fmt.Sprintf(format, args...)) }

	if run.Regime != golden.Regime {
		bad("regime %q differs from the golden %q", run.Regime, golden.Regime)
	} else {
		ok("regime %q", run.Regime)
	}
	stationary := func(r regime.Regime) bool { return r == regime.Chaotic || r == regime.Divergence }
	if stationary(run.Regime) && stationary(golden.Regime) {
		zc := distuv.UnitNormal.Quantile(1 - tol.Alpha/2)
		for _, role := range []string{RoleLoss, RoleGrad, RoleAngle} {
			gcol, ok1 := golden.Roles[role]
			if !ok1 {
				continue
			}
			rcol, ok2 := run.Roles[role]
			if !ok2 {
				bad("the run has no %s column (the golden has %q)", role, gcol)
				continue
			}
			g, okg := golden.Columns[gcol]
			s, oks := run.Columns[rcol]
			if !okg || !oks || math.IsNaN(g.StdErr) || math.IsNaN(s.StdErr) {
				bad("%s level: no standard error to compare with", role)
				continue
			}
			se := math.Hypot(s.StdErr, g.StdErr)
			z := (s.Mean - g.Mean) / se
			if math.Abs(z) > zc || math.IsNaN(z) {
				bad("%s level %.6g +/- %.2g differs from the golden %.6g +/- %.2g: z = %.2f, beyond %.2f (two-sided level %g)", role, s.Mean, s.StdErr, g.Mean, g.StdErr, z, zc, tol.Alpha)
			} else {
				ok("%s level %.6g vs %.6g (z = %.2f)", role, s.Mean, g.Mean, z)
			}
		}
	}
	closeRel := func(a, b float64) bool {
		if a == b {
			return true
		}
		return math.Abs(a-b) <= tol.TheoryRel*math.Max(math.Abs(a), math.Abs(b))
	}
	if rg, rr := golden.Evidence.RandomLevel, run.Evidence.RandomLevel; !math.IsNaN(rg) || !math.IsNaN(rr) {
		if !closeRel(rr, rg) {
			bad("random level %.10g differs from the golden %.10g (relative tolerance %g)", rr, rg, tol.TheoryRel)
		} else {
			ok("random level %.10g", rr)
		}
	}
	keys := make([]string, 0, len(golden.Theory))
	for k := range golden.Theory {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := golden.Theory[k]
		v, has := run.Theory[k]
		switch {
		case !has:
			bad("theory %s missing from the run (golden %.10g)", k, g)
		case !closeRel(v, g):
			bad("theory %s = %.10g differs from the golden %.10g (relative tolerance %g)", k, v, g, tol.TheoryRel)
		default:
			ok("theory %s = %.10g", k, v)
		}
	}
	c.Agree = len(c.Reasons) == 0
	if c.Reasons == nil {
		c.Reasons = []string{}
	}
	return c
}
