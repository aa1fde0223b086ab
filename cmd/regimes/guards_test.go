package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Defect 6 of issue 15: sizes that drive allocations died with "fatal error:
// out of memory" and a stack trace. Each is now refused in one line naming
// what was asked, what it would need and the limit, before any file is
// created; a closed form at any dimension just works.
func TestResourceGuards(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"simulate", "-toy", "vmf", "-d", "1000000000", "-elr", "0.1", "-out", filepath.Join(dir, "a")},
		{"simulate", "-toy", "lsq", "-n", "100000", "-d", "1000000", "-elr", "0.1", "-out", filepath.Join(dir, "b")},
		{"simulate", "-toy", "circle", "-steps", "100000000000", "-every", "1", "-elr", "0.1", "-out", filepath.Join(dir, "c")},
		{"train", "-model", "mlp", "-width", "100000", "-data", "mnist", "-elr", "1e-3", "-epochs", "1", "-out", filepath.Join(dir, "d")},
		{"train", "-model", "convnet", "-width", "100000", "-data", "mnist", "-elr", "1e-3", "-epochs", "1", "-out", filepath.Join(dir, "e")},
		{"sweep", "plan", "-elr-points", "100000000", "-out", filepath.Join(dir, "f")},
		{"sweep", "plan", "-net", "-model", "convnet", "-data", "mnist", "-elr-points", "100000000", "-out", filepath.Join(dir, "g")},
	} {
		code, _, errs := runCmd(t, args...)
		msg := strings.TrimSpace(errs)
		if code == 0 || strings.Contains(msg, "\n") || !strings.Contains(msg, "would need") || !strings.Contains(msg, "limit of") {
			t.Errorf("%v: exit %d, stderr %q; want a one-line refusal naming the need and the limit", args, code, errs)
		}
	}
	if es, _ := os.ReadDir(dir); len(es) != 0 {
		t.Errorf("the refusals created %d entries in the output folder", len(es))
	}
	// A_{d/2}(kappa) ~ kappa/d for d >> kappa: 20/1e12 (T = 0.05, kappa = 20).
	code, out, errs := runCmd(t, "theory", "-toy", "vmf", "-d", "1000000000000", "-elr", "0.1")
	if code != 0 || !strings.Contains(out, `"mean_cos": 2.0000000000000002e-11`) {
		t.Errorf("theory -toy vmf -d 1e12: exit %d, %s%s", code, out, errs)
	}
}

// Defect 8 of issue 15: train made -out before validating, so refusals left
// an empty folder behind, and -elr Inf passed validation. Every refusal now
// comes before the folder exists.
func TestTrainRefusalsMakeNoFolder(t *testing.T) {
	root := t.TempDir()
	for i, args := range [][]string{
		{"-elr", "Inf", "-epochs", "1"},
		{"-lr", "Inf", "-epochs", "1"},
		{"-elr", "1e-3", "-momentum", "Inf", "-lr", "0"},
		{"-elr", "1e-3", "-epochs", "1", "-workers", "-1"},
		{"-elr", "1e-3", "-epochs", "1", "-test-subset", "-1"},
		{"-elr", "1e-3", "-epochs", "1", "-checkpoint-every", "-1"},
		{"-elr", "1e-3", "-epochs", "1", "-width", "-1"},
		{"-elr", "1e-3", "-epochs", "1", "-batch", "1"},
		{"-elr", "1e-3", "-epochs", "1", "-subset", "100", "-sharpness", "200"},
		{"-elr", "1e-3", "-epochs", "1", "-data", "cifar10", "-data-dir", root},
		{"-model", "vgg", "-elr", "1e-3", "-epochs", "1"},
	} {
		out := filepath.Join(root, fmt.Sprintf("run%d", i))
		// A tiny data set, so that a case that is not refused ends quickly.
		args := append([]string{"train", "-test-subset", "50", "-out", out}, args...)
		if !slices.Contains(args, "-subset") {
			args = append(args, "-subset", "100")
		}
		code, _, errs := trainRun(t, args...)
		if code == 0 || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want a one-line refusal", args, code, errs)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: the refusal %q left the folder %s", args, strings.TrimSpace(errs), out)
		}
	}
}

// Defect 7 of issue 15: a kill during a large write left .NAME.tmpNNN files
// that no later run removed. The next run into the folder removes them.
func TestStaleTempsRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".trajectory.csv.tmp2718281828")
	if err := os.WriteFile(stale, []byte("step,loss\n0,"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, "simulate", "-toy", "circle", "-elr", "0.5", "-steps", "100", "-out", dir); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale temporary file is still there: %v", err)
	}
}

// Defect 9 of issue 15: -init-norm 0 and a negative -lyapunov-steps were
// accepted silently.
func TestMinorFlagRefusals(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"simulate", "-toy", "circle", "-lr", "0.1", "-wd", "1e-3", "-init-norm", "0", "-out", filepath.Join(dir, "a")},
		{"simulate", "-toy", "circle", "-lr", "0.1", "-wd", "1e-3", "-init-norm", "-1", "-out", filepath.Join(dir, "b")},
		{"sweep", "plan", "-lyapunov-steps", "-5", "-out", filepath.Join(dir, "c")},
	} {
		code, _, errs := runCmd(t, args...)
		if code == 0 || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want a one-line refusal", args, code, errs)
		}
	}
	if es, _ := os.ReadDir(dir); len(es) != 0 {
		t.Errorf("the refusals created %d entries", len(es))
	}
}
