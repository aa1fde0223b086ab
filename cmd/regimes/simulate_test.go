package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/regimes/regimes/toy"
)

func readTrajectory(t *testing.T, name string) [][]float64 {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != toy.CSVHeader {
		t.Fatalf("header %q, want %q", got, toy.CSVHeader)
	}
	var out [][]float64
	for _, r := range rows[1:] {
		v := make([]float64, len(r))
		for j, s := range r {
			if v[j], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, v)
	}
	return out
}

// TestSimulateCircle checks the command end to end on the circle, whose
// 2-cycle is known exactly (SCIENCE.md 6.2: lambda = 1, ELR = 2.5 gives loss
// 0.05 and angle arccos(0.8) = 0.643501).
func TestSimulateCircle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "run")
	code, out, errs := runCmd(t, "simulate", "-toy", "circle", "-elr", "2.5", "-steps", "3000", "-every", "10", "-out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var sum map[string]float64
	if err := json.Unmarshal([]byte(strings.Replace(out, `"out": "`+dir+`"`, `"out": 0`, 1)), &sum); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	for key, want := range map[string]float64{"final_loss": 0.05, "tail_loss_mean": 0.05, "tail_angle_mean": math.Acos(0.8), "random_level": 0.25} {
		if got, ok := sum[key]; !ok || math.Abs(got-want) > 1e-6 {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	rows := readTrajectory(t, filepath.Join(dir, "trajectory.csv"))
	if len(rows) != 301 || rows[300][0] != 3000 || rows[300][6] != 2.5 || rows[300][7] != 1 {
		t.Errorf("%d rows, last %v", len(rows), rows[len(rows)-1])
	}
	var cfg struct {
		Mode string
		Toy  toy.Config
		Sim  toy.SimConfig
	}
	b, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Mode != "sphere" || cfg.Toy.Toy != "circle" || cfg.Toy.Lambda != 1 || cfg.Sim.ELR != 2.5 || cfg.Sim.Every != 10 || cfg.Sim.Seed != 1 {
		t.Errorf("config.json %s", b)
	}
}

// TestSimulateRerun checks that config.json reproduces the run: rebuilding
// the problem and the run from it gives the same trajectory file.
func TestSimulateRerun(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "a.csv")
	a, _ := toy.GenerateLSQ(5, 12, 3, toy.NormsGaussian)
	var buf bytes.Buffer
	toy.WriteCSV(&buf, a, nil)
	os.WriteFile(data, buf.Bytes(), 0o644)
	out := filepath.Join(dir, "run")
	if code, _, errs := runCmd(t, "simulate", "-data", data, "-batch", "2", "-sampling", "shuffle", "-elr", "1.5", "-steps", "500", "-seed", "7", "-out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var cfg struct {
		Toy        toy.Config
		Sim        toy.SimConfig
		DataSHA256 string `json:"data_sha256"`
	}
	b, _ := os.ReadFile(filepath.Join(out, "config.json"))
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	// sha256 of the file bytes, computed independently.
	if want, _ := toy.DataHash(nil, data); cfg.DataSHA256 != want || len(want) != 64 {
		t.Errorf("data_sha256 %q, want %q", cfg.DataSHA256, want)
	}
	p, err := cfg.Toy.Build()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := toy.Simulate(p, cfg.Sim)
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	tr.WriteCSV(&again)
	file, _ := os.ReadFile(filepath.Join(out, "trajectory.csv"))
	if !bytes.Equal(file, again.Bytes()) {
		t.Error("rerunning config.json gives a different trajectory")
	}
}

// TestSimulateConventional checks the conventional mode: the elr column is
// the realised ELR lr/((1 - lr wd)||w_{t-1}||^2) and the norm column follows
// from it (SCIENCE.md section 3).
func TestSimulateConventional(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCmd(t, "simulate", "-toy", "logistic", "-n", "16", "-d", "6", "-lr", "0.2", "-wd", "0.01",
		"-batch", "4", "-steps", "200", "-every", "1", "-init-norm", "2", "-out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `"tail_elr_mean"`) {
		t.Errorf("summary %s", out)
	}
	rows := readTrajectory(t, filepath.Join(dir, "trajectory.csv"))
	if math.Abs(rows[0][7]-2) > 1e-15 {
		t.Errorf("initial norm %v, want 2", rows[0][7])
	}
	for k := 1; k < len(rows); k++ {
		want := 0.2 / ((1 - 0.2*0.01) * rows[k-1][7] * rows[k-1][7])
		if got := rows[k][6]; math.Abs(got-want) > 1e-14*want {
			t.Fatalf("row %d: elr %v, want %v", k, got, want)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if !bytes.Contains(b, []byte(`"mode": "conventional"`)) || !bytes.Contains(b, []byte(`"alpha": 10`)) {
		t.Errorf("config.json %s", b)
	}
}

func TestSimulateErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("1,2,3\n4,x,6\n"), 0o644)
	square := filepath.Join(dir, "square.csv")
	os.WriteFile(square, []byte("1,0\n0,1\n"), 0o644)
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-toy", "nope", "-elr", "1"}, `unknown toy "nope"`},
		{[]string{"-elr", "0"}, "elr must be positive"},
		{[]string{"-elr", "-2"}, "elr must be positive"},
		{[]string{"-elr", "1", "-lr", "1"}, "exclusive"},
		{[]string{"-elr", "1", "-data", filepath.Join(dir, "missing.csv")}, "missing.csv"},
		{[]string{"-elr", "1", "-data", bad}, "bad.csv:2:2:"},
		{[]string{"-elr", "1", "-data", square}, "square.csv: lsq: need fewer samples"},
		{[]string{"-elr", "1", "-batch", "-1"}, "batch must be >= 0"},
		{[]string{"-elr", "1", "-sampling", "random"}, "unknown sampling"},
		{[]string{"-elr", "1", "-batch", "9", "-sampling", "shuffle"}, "batch 9 larger"},
		{[]string{"-lr", "1", "-wd", "2"}, "weight decay"},
	} {
		code, _, errs := runCmd(t, append(append([]string{"simulate"}, tc.args...), "-out", out)...)
		if code != 1 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 1 and one line containing %q", tc.args, code, errs, tc.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Fatalf("%v: output folder created on error", tc.args)
		}
	}
	if code, _, errs := runCmd(t, "simulate", "-elr", "1"); code != exitUsage || !strings.Contains(errs, "-out") {
		t.Errorf("missing -out: exit %d, %q", code, errs)
	}
}

func TestSimulateHelp(t *testing.T) {
	code, out, _ := runCmd(t, "help", "simulate")
	if code != 0 || !strings.Contains(out, "tail_angle_mean") || !strings.Contains(out, "-data-seed") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
}

// TestSimulateTheoryForCompare runs the README's compare example: a fresh
// lsq run at ELR 2.2 carries its theory in config.json and agrees with the
// project's regime-2 golden.
func TestSimulateTheoryForCompare(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run1")
	if code, _, e := runCmd(t, "simulate", "-toy", "lsq", "-batch", "1", "-elr", "2.2", "-steps", "50000", "-seed", "1", "-out", dir); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, e)
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct{ Theory map[string]float64 }
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	// Unit-norm rows in d = 24: tr(H) = 1, so the random level is
	// tr(H)/(2d) = 1/48, and with b = 1 and equal norms the lower
	// mean-square bound is 2/lambda = 2 (SCIENCE.md 6.1).
	for k, want := range map[string]float64{"random_level": 1.0 / 48, "ms_bound_lo": 2} {
		if got := cfg.Theory[k]; math.Abs(got-want) > 1e-12 {
			t.Errorf("theory %s = %v, want %v", k, got, want)
		}
	}
	if code, out, e := runCmd(t, "compare", filepath.Join(dir, "trajectory.csv"), "../../testdata/golden/regime2_lsq_elr2.2.json"); code != 0 {
		t.Errorf("compare with the golden: exit %d: %s %s", code, out, e)
	}
}
