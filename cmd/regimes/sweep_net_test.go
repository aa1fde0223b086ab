package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	"github.com/regimes/regimes/regime"
	"github.com/regimes/regimes/sweep"
)

// planNetSweep plans a tiny network sweep: the SI MLP of width 16 on 300
// MNIST images, batches of 64, test metrics on 100 test images.
func planNetSweep(t *testing.T, dir string, extra ...string) string {
	t.Helper()
	args := append([]string{"sweep", "plan", "-net", "-model", "mlp", "-width", "16", "-data", "mnist",
		"-subset", "300", "-test-subset", "100", "-batch", "64", "-grad-metrics", "none",
		"-elr-min", "1e-3", "-elr-max", "1", "-elr-points", "2", "-param", "none", "-seeds", "1",
		"-out", dir}, extra...)
	if code, out, e := runCmd(t, args...); code != 0 || !strings.Contains(out, "network points") {
		t.Fatalf("sweep plan -net: exit %d: %s%s", code, out, e)
	}
	return filepath.Join(dir, "plan.json")
}

// TestNetSweepEndToEnd plans, runs and merges a sweep of two ELRs x 2 epochs
// and checks each record against the run folder it came from.
func TestNetSweepEndToEnd(t *testing.T) {
	dir := t.TempDir()
	plan := planNetSweep(t, dir, "-epochs", "2")
	if code, out, e := runCmd(t, "sweep", "run", "-plan", plan, "-workers", "2"); code != 0 || !strings.Contains(out, "ran 2 points") {
		t.Fatalf("sweep run: exit %d: %s%s", code, out, e)
	}
	if code, _, e := runCmd(t, "sweep", "merge", "-plan", plan); code != 0 {
		t.Fatalf("sweep merge: exit %d: %s", code, e)
	}
	recs := readResults(t, filepath.Join(dir, "results.jsonl"))
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	for i, r := range recs {
		if _, ok := r["error"]; ok {
			t.Fatalf("point %d failed: %v", i, r["error"])
		}
		for _, k := range []string{"index", "elr", "param", "value", "seed", "config", "summary", "regime", "evidence", "lyapunov", "theory"} {
			if _, ok := r[k]; !ok {
				t.Errorf("point %d: no key %q", i, k)
			}
		}
		if r["lyapunov"] != nil || r["theory"] != nil {
			t.Errorf("point %d: lyapunov %v theory %v, want null", i, r["lyapunov"], r["theory"])
		}
		sum := r["summary"].(map[string]any)
		run := filepath.Join(dir, sum["run"].(string))
		ms := readJSONL(t, filepath.Join(run, "metrics.jsonl"))
		last := ms[len(ms)-1]
		if len(ms) != 3 || sum["final_train_loss"] != last["train_loss"] || sum["final_test_error"] != last["test_error"] ||
			sum["random_level"] != ms[0]["train_loss"] || sum["epochs"] != 2.0 {
			t.Errorf("point %d: summary %v does not match %s", i, sum, run)
		}
		// Two epochs of ceil(300/64) = 5 steps: too short for the
		// classifier (200 rows).
		ev := r["evidence"].(map[string]any)
		if r["regime"] != regime.Undetermined.String() || ev["rows"] != 10.0 || !strings.Contains(ev["reasons"].([]any)[0].(string), "too short") {
			t.Errorf("point %d: regime %v, evidence %v", i, r["regime"], ev)
		}
		cfg := r["config"].(map[string]any)
		if cfg["elr"] != r["elr"] || cfg["model"] != "mlp" || cfg["out"] != nil {
			t.Errorf("point %d: config %v", i, cfg)
		}
	}
	// The training numbers do not depend on the number of trainer
	// goroutines: a second sweep with one gives the same steps.
	dir1 := t.TempDir()
	plan1 := planNetSweep(t, dir1, "-epochs", "2")
	if code, _, e := runCmd(t, "sweep", "run", "-plan", plan1, "-workers", "1"); code != 0 {
		t.Fatalf("sweep run -workers 1: exit %d: %s", code, e)
	}
	for _, p := range []string{"point-000000", "point-000001"} {
		a, _ := os.ReadFile(filepath.Join(dir, "runs", p, realnets.StepsFile))
		b, _ := os.ReadFile(filepath.Join(dir1, "runs", p, realnets.StepsFile))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: steps.csv differ between 2 and 1 trainer goroutines", p)
		}
	}
}

// TestNetSweepKilledPoint kills a network sweep (SIGKILL of a child regimes
// process) in the middle of a point, reruns it, and compares the point with
// an uninterrupted sweep: the killed point resumes from its checkpoint.
func TestNetSweepKilledPoint(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	plan := planNetSweep(t, dir, "-epochs", "40", "-elr-points", "1", "-test-subset", "50")
	cmd := exec.Command(os.Args[0], "sweep", "run", "-plan", plan, "-workers", "1")
	cmd.Env = append(os.Environ(), "REGIMES_AS_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(dir, "runs", "point-000000", "last.ckpt")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c, err := realnets.LoadCheckpoint(ckpt); err == nil && c.Epoch >= 2 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint at epoch 2 in 60 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatal("the child was not killed by a signal")
	}
	if _, err := os.Stat(sweep.PointFile(filepath.Join(dir, "points"), 0)); err == nil {
		t.Fatal("the point finished before the kill; make the run longer")
	}
	c, err := realnets.LoadCheckpoint(ckpt)
	if err != nil {
		t.Fatalf("after SIGKILL: %v", err)
	}
	t.Logf("killed after epoch %d of 40", c.Epoch)
	if code, _, e := runCmd(t, "sweep", "run", "-plan", plan); code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, e)
	}
	clean := t.TempDir()
	b, _ := os.ReadFile(plan)
	os.WriteFile(filepath.Join(clean, "plan.json"), b, 0o644)
	if code, _, e := runCmd(t, "sweep", "run", "-plan", filepath.Join(clean, "plan.json")); code != 0 {
		t.Fatalf("clean run: exit %d: %s", code, e)
	}
	for _, name := range []string{realnets.StepsFile} {
		got, _ := os.ReadFile(filepath.Join(dir, "runs", "point-000000", name))
		want, _ := os.ReadFile(filepath.Join(clean, "runs", "point-000000", name))
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s of the killed and resumed point differs from an uninterrupted one", name)
		}
	}
	got, want := pointResult(t, dir), pointResult(t, clean)
	delete(got["summary"].(map[string]any), "wall_time")
	delete(want["summary"].(map[string]any), "wall_time")
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("resumed point:\n%s\nuninterrupted:\n%s", g, w)
	}
}

func pointResult(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(sweep.PointFile(filepath.Join(dir, "points"), 0))
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Result map[string]any `json:"result"`
		Error  string         `json:"error"`
	}
	if err := json.Unmarshal(b, &pr); err != nil || pr.Error != "" {
		t.Fatalf("point result %s: %v", b, err)
	}
	return pr.Result
}

// TestNetSweepForeignRun checks that a point refuses a run folder left by a
// training of another configuration.
func TestNetSweepForeignRun(t *testing.T) {
	dir := t.TempDir()
	plan := planNetSweep(t, dir, "-epochs", "1", "-elr-points", "1")
	other := realnets.TrainConfig{Model: "mlp", Width: 16, Data: data.Config{Name: "mnist", Subset: 300}, Batch: 64,
		ELR: 0.5, Epochs: 1, Seed: 1, TestSubset: 100, GradMetrics: "none", Out: filepath.Join(dir, "runs", "point-000000")}
	if code, _, e := runCmd(t, "train", "-model", "mlp", "-width", "16", "-subset", "300", "-batch", "64", "-elr", "0.5",
		"-epochs", "1", "-seed", "1", "-test-subset", "100", "-grad-metrics", "none", "-out", other.Out); code != 0 {
		t.Fatalf("train: exit %d: %s", code, e)
	}
	if code, _, e := runCmd(t, "sweep", "run", "-plan", plan); code != 0 {
		t.Fatalf("sweep run: exit %d: %s", code, e)
	}
	b, _ := os.ReadFile(sweep.PointFile(filepath.Join(dir, "points"), 0))
	if !strings.Contains(string(b), "holds a run of another configuration (ELR 0.5") {
		t.Errorf("point result %s, want an error about the foreign run", b)
	}
}

func TestNetSweepPlanErrors(t *testing.T) {
	dir := t.TempDir()
	base := []string{"sweep", "plan", "-net", "-model", "mlp", "-out", dir}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-epochs", "2", "-param", "batch"}, `unknown second parameter "batch" for a network sweep`},
		{[]string{"-epochs", "0"}, "0 epochs per run"},
		{[]string{"-epochs", "2", "-param", "width", "-values", "8,2.5"}, "width must be a whole number >= 1, not 2.5"},
		{[]string{"-epochs", "2", "-param", "subset", "-values", "x"}, `-values: "x" is not a finite number`},
		{[]string{"-epochs", "2", "-model", "vgg"}, `model "vgg"`},
		{[]string{"-epochs", "2", "-elr-min", "0"}, "the ELR grid"},
		{[]string{"-epochs", "2", "-grad-metrics", "some"}, `grad metrics "some"`},
	} {
		code, _, e := runCmd(t, append(base, tc.args...)...)
		if code != 1 || !strings.Contains(e, tc.want) || strings.Count(e, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 1 and one line containing %q", tc.args, code, e, tc.want)
		}
	}
}
