package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// updateGolden reports whether the -update test flag asks to rewrite golden
// files. The flag is shared with other commands' tests: it is defined here
// only if no other test file of the package has defined it first.
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata/golden")
	}
}

const fixture = "../../testdata/lsq8x24.csv"

// Tolerances of the golden comparison (scalar.EqualWithinAbsOrRel): the
// closed forms and eigenvalue computations agree to about 1e-12 across
// platforms, so 1e-9 leaves room for different rounding (FMA on arm64);
// the almost-sure threshold (keys as_*) is a root of a Monte Carlo estimate
// found to a relative tolerance of 1e-6, and rounding differences can move it
// by that much, so it gets 1e-4.
const (
	goldenTol   = 1e-9
	goldenASTol = 1e-4
)

var theoryGoldens = []struct {
	name string
	args []string
}{
	{"lsq_b1", []string{"-toy", "lsq", "-data", fixture, "-batch", "1"}},
	{"lsq_b2", []string{"-toy", "lsq", "-data", fixture, "-batch", "2"}},
	{"lsq_b4", []string{"-toy", "lsq", "-data", fixture, "-batch", "4"}},
	{"lsq_b4_distinct", []string{"-toy", "lsq", "-data", fixture, "-batch", "4", "-replace=false"}},
	{"lsq_full", []string{"-toy", "lsq", "-data", fixture, "-batch", "0"}},
	{"circle", []string{"-toy", "circle", "-lambda", "1", "-elr", "2.5"}},
	{"vmf", []string{"-toy", "vmf", "-d", "24", "-mu", "1", "-sigma", "1", "-elr", "0.1"}},
}

// TestTheoryGolden compares the JSON of "regimes theory" with the golden
// files testdata/golden/theory_*.json. Regenerate them with
// go test ./cmd/regimes -run Theory -update.
func TestTheoryGolden(t *testing.T) {
	for _, tc := range theoryGoldens {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCmd(t, append([]string{"theory"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden := filepath.Join("..", "..", "testdata", "golden", "theory_"+tc.name+".json")
			if updateGolden() {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/regimes -run Theory -update)", err)
			}
			var g, w any
			if err := json.Unmarshal([]byte(out), &g); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatalf("%s: %v", golden, err)
			}
			for _, diff := range jsonDiff("", g, w) {
				t.Error(diff)
			}
		})
	}
}

// jsonDiff lists the differences between decoded JSON values got and want;
// numbers compare within goldenTol (goldenASTol under keys starting "as_").
func jsonDiff(path string, got, want any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %v, want an object", path, got)}
		}
		var keys []string
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var diffs []string
		for _, k := range keys {
			gv, gok := g[k]
			wv, wok := w[k]
			if !gok || !wok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: present in output %v, in golden %v", path, k, gok, wok))
				continue
			}
			diffs = append(diffs, jsonDiff(path+"."+k, gv, wv)...)
		}
		return diffs
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: got %v, want %v", path, got, want)}
		}
		var diffs []string
		for i := range w {
			diffs = append(diffs, jsonDiff(fmt.Sprintf("%s[%d]", path, i), g[i], w[i])...)
		}
		return diffs
	case float64:
		g, ok := got.(float64)
		tol := goldenTol
		if strings.HasPrefix(path, ".as_") {
			tol = goldenASTol
		}
		if !ok || !scalar.EqualWithinAbsOrRel(g, w, tol, tol) {
			return []string{fmt.Sprintf("%s: got %v, want %v (tolerance %g)", path, got, w, tol)}
		}
	default:
		if got != want {
			return []string{fmt.Sprintf("%s: got %v, want %v", path, got, want)}
		}
	}
	return nil
}

// theoryJSON runs "regimes theory" and decodes its output.
func theoryJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errs := runCmd(t, append([]string{"theory"}, args...)...)
	if code != 0 {
		t.Fatalf("regimes theory %v: exit %d: %s", args, code, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return m
}

// TestTheoryValues checks printed numbers against closed forms of
// SCIENCE.md, independently of the golden files.
func TestTheoryValues(t *testing.T) {
	// The fixture has 8 unit-norm rows: b = 1 gives ms_threshold = 2/lambda = 2
	// (section 6.1), and the almost-sure threshold coincides (every step matrix is
	// a reflection at 2/lambda); lambda_star = 1 and random_level = 1/(2*24).
	b1 := theoryJSON(t, "-toy", "lsq", "-data", fixture, "-batch", "1")
	for _, c := range []struct {
		key       string
		want, tol float64
	}{
		{"ms_threshold", 2, 1e-6},
		{"as_threshold", 2, 1e-3},
		{"lambda_star", 1, 1e-12},
		{"random_level", 1.0 / 48, 1e-12},
	} {
		if got := b1[c.key].(float64); math.Abs(got-c.want) > c.tol {
			t.Errorf("lsq b=1: %s = %v, want %v", c.key, got, c.want)
		}
	}
	if ci := b1["as_threshold_ci"].([]any); len(ci) != 2 {
		t.Errorf("as_threshold_ci = %v, want two numbers", ci)
	}
	// Full batch: all three thresholds equal 2/lambda_max.
	full := theoryJSON(t, "-toy", "lsq", "-data", fixture, "-batch", "0")
	gd := 2 / full["lambda_max"].(float64)
	for _, k := range []string{"gd_threshold", "ms_threshold", "as_threshold"} {
		if got := full[k].(float64); !scalar.EqualWithinRel(got, gd, 1e-9) {
			t.Errorf("full batch: %s = %v, want 2/lambda_max = %v", k, got, gd)
		}
	}
	// b = 4: the mean-square threshold is below the almost-sure one (Jensen).
	b4 := theoryJSON(t, "-toy", "lsq", "-data", fixture, "-batch", "4")
	if ms, as := b4["ms_threshold"].(float64), b4["as_threshold"].(float64); !(ms < as) {
		t.Errorf("b=4: ms_threshold %v not below as_threshold %v", ms, as)
	}
	// Circle check values of section 6.2.
	c := theoryJSON(t, "-toy", "circle", "-lambda", "1", "-elr", "2.5")
	for k, want := range map[string]float64{"cycle_loss": 0.05, "cycle_grad_norm": 0.3, "cycle_angle": 0.643501} {
		if got := c[k].(float64); math.Abs(got-want) > 1e-6 {
			t.Errorf("circle: %s = %v, want %v", k, got, want)
		}
	}
	if c["fixed_point_stable"].(bool) {
		t.Error("circle at ELR lambda = 2.5: fixed point reported stable")
	}
	// vmf in d = 3: A_3(kappa) = coth kappa - 1/kappa; sigma = 1, ELR = 0.8,
	// batch 2: T = 0.8/(2*2) = 0.2, kappa = 5 (hand calculation).
	v := theoryJSON(t, "-toy", "vmf", "-d", "3", "-mu", "1", "-sigma", "1", "-elr", "0.8", "-batch", "2")
	if got, want := v["mean_loss"].(float64), -(1/math.Tanh(5) - 0.2); math.Abs(got-want) > 1e-14 {
		t.Errorf("vmf: mean_loss = %v, want %v", got, want)
	}
	if got := v["temperature"].(float64); math.Abs(got-0.2) > 1e-15 {
		t.Errorf("vmf: temperature = %v, want 0.2", got)
	}
	// Generated data, as "regimes simulate" would build them.
	g := theoryJSON(t, "-toy", "lsq", "-n", "6", "-d", "10", "-data-seed", "3", "-batch", "2")
	if g["n"].(float64) != 6 || g["d"].(float64) != 10 || g["rank"].(float64) != 6 {
		t.Errorf("generated data: n, d, rank = %v, %v, %v, want 6, 10, 6", g["n"], g["d"], g["rank"])
	}
}

func TestTheoryErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // a fragment of the one-line error
	}{
		{[]string{"-toy", "nope"}, `unknown toy "nope"`},
		{[]string{"-toy", "circle"}, "circle: ELR 0: want a positive finite number"},
		{[]string{"-toy", "vmf", "-elr", "-1"}, "vmf: ELR -1: want a positive finite number"},
		{[]string{"-toy", "vmf", "-elr", "1", "-mu", "0"}, "vmf: need mu > 0"},
		{[]string{"-toy", "logistic"}, "no closed-form theory"},
		{[]string{"-toy", "lsq", "-batch", "-1"}, "batch -1: want at least 0"},
		{[]string{"-toy", "lsq", "-data", "no/such/file.csv"}, "no/such/file.csv"},
		{[]string{"-toy", "circle", "-lambda", "-2", "-elr", "1"}, "lambda"},
		{[]string{"-toy", "lsq", "extra"}, "unexpected arguments"},
	} {
		code, out, errs := runCmd(t, append([]string{"theory"}, tc.args...)...)
		if code != wantExit(tc.want) || out != "" || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("theory %v: exit %d, stdout %q, stderr %q; want exit 1 and one line containing %q", tc.args, code, out, errs, tc.want)
		}
	}
}

func TestTheoryHelp(t *testing.T) {
	code, out, _ := runCmd(t, "help", "theory")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, frag := range []string{"usage: regimes theory", "ms_threshold", "as_threshold_ci", "cycle_angle", "mean_loss", "-batch"} {
		if !strings.Contains(out, frag) {
			t.Errorf("help theory lacks %q", frag)
		}
	}
}

// TestJSONDiff checks that the golden comparison detects changes.
func TestJSONDiff(t *testing.T) {
	var w any
	json.Unmarshal([]byte(`{"a": 1, "as_x": [1, 2], "b": true, "c": {"d": "x"}}`), &w)
	for _, tc := range []struct {
		got   string
		diffs int
	}{
		{`{"a": 1, "as_x": [1, 2], "b": true, "c": {"d": "x"}}`, 0},
		{`{"a": 1.0000000001, "as_x": [1.00001, 2], "b": true, "c": {"d": "x"}}`, 0}, // within 1e-9 and 1e-4
		{`{"a": 1.00001, "as_x": [1, 2], "b": true, "c": {"d": "x"}}`, 1},
		{`{"a": 1, "as_x": [1.01, 2], "b": false, "c": {"d": "y"}}`, 3},
		{`{"a": 1, "as_x": [1], "b": true, "c": {"d": "x"}, "e": 0}`, 2},
	} {
		var g any
		if err := json.Unmarshal([]byte(tc.got), &g); err != nil {
			t.Fatal(err)
		}
		if d := jsonDiff("", g, w); len(d) != tc.diffs {
			t.Errorf("%s: %d differences %v, want %d", tc.got, len(d), d, tc.diffs)
		}
	}
}
