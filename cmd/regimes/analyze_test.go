package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/regime"
)

// stationaryLoss returns n rows of a positive stationary series around
// level: level*exp(0.1 z) with z a unit-variance AR(1) of coefficient 0.8.
func stationaryLoss(n int, level float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(11, seed))
	const phi = 0.8
	sd := 1 / math.Sqrt(1-phi*phi)
	z := rng.NormFloat64() * sd
	x := make([]float64, n)
	for i := range x {
		x[i] = level * math.Exp(0.1*z/sd)
		z = phi*z + rng.NormFloat64()
	}
	return x
}

// writeToyCSV writes a trajectory in the toy CSV format of "regimes
// simulate" with the given loss; grad_norm = sqrt(2 loss) and
// angle = atan(elr grad_norm) as for lsq at b = 1 (SCIENCE.md section 2).
func writeToyCSV(t *testing.T, name string, loss []float64, elr float64) {
	t.Helper()
	var b strings.Builder
	b.WriteString("step,loss,batch_loss,grad_norm,batch_grad_norm,angle,elr,norm\n")
	for i, l := range loss {
		g := math.Sqrt(2 * l)
		fmt.Fprintf(&b, "%d,%.17g,%.17g,%.17g,%.17g,%.17g,%g,1\n", i+1, l, l, g, g, math.Atan(elr*g), elr)
	}
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAnalyzeToyCSV(t *testing.T) {
	dir := t.TempDir()
	traj := filepath.Join(dir, "trajectory.csv")
	writeToyCSV(t, traj, stationaryLoss(4000, 0.012, 1), 2.2)
	// The lsq random level 1/(2d) = 1/48 at d = 24 (SCIENCE.md 6.1), read
	// from config.json beside the file.
	cfg := `{"toy": "lsq", "random_level": 0.020833333333333332, "theory": {"gd_threshold": 8.3}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report.json")
	code, stdout, stderr := runCmd(t, "analyze", "-o", out, traj)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r analysis.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Regime != regime.Chaotic {
		t.Errorf("regime %q: %v", r.Regime, r.Evidence.Reasons)
	}
	if r.Evidence.RandomLevel != 1.0/48 || r.Theory["gd_threshold"] != 8.3 {
		t.Errorf("random level %v, theory %v not taken from config.json", r.Evidence.RandomLevel, r.Theory)
	}
	for _, col := range []string{"loss", "grad_norm", "angle"} {
		s, ok := r.Columns[col]
		if !ok {
			t.Errorf("no statistics for %s", col)
			continue
		}
		if s.N != 4000 || !(s.StdErr > 0) || !(s.IAT > 0) || !(s.ESS > 0) || math.IsNaN(s.TrendP) {
			t.Errorf("%s statistics %+v", col, s)
		}
	}
	// The required keys of the issue, by name, in the raw JSON.
	for _, key := range []string{`"transient_end"`, `"mean"`, `"stderr"`, `"iat"`, `"ess"`, `"trend_p"`, `"regime"`, `"evidence"`, `"reasons"`} {
		if !strings.Contains(stdout, key) {
			t.Errorf("output lacks %s", key)
		}
	}
	written, err := os.ReadFile(out)
	if err != nil || string(written) != stdout {
		t.Errorf("-o file differs from stdout (%v)", err)
	}
}

func TestAnalyzeUserLogs(t *testing.T) {
	dir := t.TempDir()
	loss := stationaryLoss(1000, 0.5, 2)
	// A researcher's CSV with its own column names and an extra text column.
	var b strings.Builder
	b.WriteString("epoch,phase,train_loss,gnorm,angular_update\n")
	for i, l := range loss {
		fmt.Fprintf(&b, "%d,train,%g,%g,%g\n", i, l, 2*l, 0.1)
	}
	user := filepath.Join(dir, "mylog.csv")
	os.WriteFile(user, []byte(b.String()), 0o644)
	// A network log in JSON Lines with the keys of "regimes train".
	b.Reset()
	for i, l := range loss {
		fmt.Fprintf(&b, `{"epoch": %d, "train_loss": %g, "grad_norm_mean": %g, "angle_step_mean": 0.1, "test_error": 50}`+"\n", i, l, 2*l)
	}
	jl := filepath.Join(dir, "train.jsonl")
	os.WriteFile(jl, []byte(b.String()), 0o644)
	// The random level of a 10-class network is log 10 = 2.302585.
	for _, tc := range []struct {
		name   string
		args   []string
		regime regime.Regime
		roles  string
	}{
		{"user columns", []string{"-loss", "train_loss", "-grad", "gnorm", "-angle", "angular_update", "-random-level", "2.302585", user}, regime.Chaotic, "train_loss gnorm angular_update"},
		{"user no grad", []string{"-loss", "train_loss", "-grad", "none", "-angle", "none", "-random-level", "2.302585", user}, regime.Chaotic, "train_loss"},
		{"jsonl defaults", []string{"-random-level", "2.302585", jl}, regime.Chaotic, "train_loss grad_norm_mean angle_step_mean"},
		{"level unknown", []string{jl}, regime.Undetermined, "train_loss grad_norm_mean angle_step_mean"},
		{"level 0.3: above", []string{"-random-level", "0.3", jl}, regime.Divergence, "train_loss grad_norm_mean angle_step_mean"},
		{"contradiction noted", []string{"-random-level", "2.302585", "-lyapunov", "-0.1,-0.2,-0.05", jl}, regime.Chaotic, "train_loss grad_norm_mean angle_step_mean"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append([]string{"analyze"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var r analysis.Report
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatal(err)
			}
			if r.Regime != tc.regime {
				t.Errorf("regime %q, want %q: %v", r.Regime, tc.regime, r.Evidence.Reasons)
			}
			roles := strings.TrimSpace(r.Roles[analysis.RoleLoss] + " " + r.Roles[analysis.RoleGrad] + " " + r.Roles[analysis.RoleAngle])
			roles = strings.Join(strings.Fields(roles), " ")
			if roles != tc.roles {
				t.Errorf("roles %q, want %q", roles, tc.roles)
			}
		})
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	good := filepath.Join(dir, "good.csv")
	writeToyCSV(t, good, stationaryLoss(300, 0.01, 3), 2.2)
	var rows strings.Builder
	rows.WriteString("step,loss\n")
	for i := range 10 {
		fmt.Fprintf(&rows, "%d,0.5\n", i)
	}
	short := write("short.csv", rows.String())
	for i := 10; i < 25; i++ {
		fmt.Fprintf(&rows, "%d,0.5\n", i)
	}
	rows.WriteString("25,zero\n")
	bad := write("bad.csv", rows.String())
	empty := write("empty.csv", "")
	out := filepath.Join(dir, "out.json")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{}, "want one FILE argument"},
		{"missing file", []string{filepath.Join(dir, "nope.csv")}, "no such file"},
		{"empty", []string{empty}, "empty file"},
		{"missing column", []string{"-loss", "train_loss", good}, `no column "train_loss"`},
		{"missing optional named", []string{"-grad", "gnorm", good}, `no column "gnorm"`},
		// Line 27: the header is line 1 and the bad row is the 26th data row.
		{"non-numeric", []string{bad}, `bad.csv:27: column "loss": "zero" is not a number`},
		{"too few rows", []string{short}, "10 data rows; want at least 20"},
		{"bad level", []string{"-random-level", "-1", good}, `-random-level "-1": want a positive number`},
		{"bad lyapunov", []string{"-lyapunov", "1,2", good}, "want X or X,LO,HI"},
		{"bad alpha", []string{"-alpha", "2", good}, "-alpha 2"},
		{"bad output", []string{"-o", filepath.Join(dir, "no", "dir", "x.json"), good}, "no such file"},
		{"nothing written", []string{"-o", out, bad}, "not a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append([]string{"analyze"}, tc.args...)...)
			if code != wantExit(tc.want) {
				t.Errorf("exit %d, want %d", code, wantExit(tc.want))
			}
			if !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "regimes analyze: ") {
				t.Errorf("stderr %q, want one line containing %q", stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q on error", stdout)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an output file was written on error: %v", err)
	}
}

func TestAnalyzeSimulateConfig(t *testing.T) {
	// A config.json as written by "regimes simulate" has no random level
	// but the toy configuration: analyze rebuilds the problem. For lsq
	// with unit-norm rows at d = 24 the random level is 1/(2d) = 1/48
	// (SCIENCE.md 6.1).
	dir := t.TempDir()
	traj := filepath.Join(dir, "trajectory.csv")
	writeToyCSV(t, traj, stationaryLoss(2000, 0.012, 6), 2.2)
	cfg := `{"command": "regimes simulate", "mode": "sphere", "toy": {"toy": "lsq", "n": 8, "d": 24, "data_seed": 0, "norms": "unit"}, "sim": {"elr": 2.2, "batch": 1}}`
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644)
	code, stdout, stderr := runCmd(t, "analyze", traj)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r analysis.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Evidence.RandomLevel-1.0/48) > 1e-15 || r.Regime != regime.Chaotic {
		t.Errorf("random level %v, regime %s", r.Evidence.RandomLevel, r.Regime)
	}
}

// TestAnalyzeForeignLog runs analyze as a PyTorch user would on a
// per-epoch log (testdata/foreign: epoch 0 has no gradient or angle key):
// without flags it says on stderr which columns it chose; with the
// gradient column named (flags after FILE) it no longer stops at the
// missing key of epoch 0; from JSON Lines and event files alike, the run
// at ELR 1 is divergence.
func TestAnalyzeForeignLog(t *testing.T) {
	jl := filepath.Join("..", "..", "testdata", "foreign", "divergence.jsonl")
	tb := filepath.Join("..", "..", "testdata", "foreign", "divergence.tb")
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{jl}, "chose -loss train_loss -grad mean_eff_grad_norm -angle mean_angle from the column names"},
		{[]string{jl, "-grad", "mean_eff_grad_norm", "-loss", "train_loss"}, "chose -angle mean_angle from the column names"},
		{[]string{tb}, "chose -loss Loss/train -angle angle/mean from the column names"},
	} {
		code, out, e := runCmd(t, append([]string{"analyze"}, tc.args...)...)
		var r analysis.Report
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || !strings.Contains(e, tc.stderr) {
			t.Errorf("analyze %v: exit %d, stderr %q; want %q", tc.args, code, e, tc.stderr)
			continue
		}
		if r.Regime != regime.Divergence || r.Missing[analysis.RoleAngle] != 1 {
			t.Errorf("analyze %v: %s with %d angles missing; want divergence, epoch 0's angle missing", tc.args, r.Regime, r.Missing[analysis.RoleAngle])
		}
	}
}
