package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGridErrors checks that bad grid flags stop with one line naming the
// problem and exit status 1, before anything is trained.
func TestGridErrors(t *testing.T) {
	dir := t.TempDir()
	base := []string{"grid", "-plrs", "1e-2", "-flrs", "1e-3", "-pre-epochs", "2", "-fine-epochs", "1", "-out", dir}
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{[]string{"-swa-ks", "2,x"}, `-swa-ks: "x"`},
		{[]string{"-swa-ks", "3"}, "K = 3"},
		{[]string{"-plrs", "1e-2,-1"}, `-plrs: "-1"`},
		{[]string{"-seeds", "0"}, "-seeds 0"},
		{[]string{"-grad-metrics", "all"}, "-grad-metrics all"},
		{[]string{"-out", ""}, "no output folder"},
	} {
		code, _, errOut := runCmd(t, append(append([]string{}, base...), tc.extra...)...)
		if code != wantExit(tc.want) || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 1 and one line containing %q", tc.extra, code, errOut, tc.want)
		}
	}
}

// TestGridSweep runs a one-PLR grid the cluster way (grid -plan-only, then
// sweep run as two shards, then sweep merge) and then as the one-process
// grid command in the same folder, which finds every cell done and must
// write the same grid.json and print the same labels.
func TestGridSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a tiny grid")
	}
	dir := t.TempDir()
	args := []string{"grid", "-model", "mlp", "-width", "16", "-subset", "300", "-test-subset", "200", "-plrs", "1e-3,3e-2",
		"-flrs", "1e-3", "-pre-epochs", "2", "-fine-epochs", "1", "-swa-ks", "2", "-path-points", "2", "-seeds", "1", "-workers", "1", "-out", dir}
	code, out, errOut := runCmd(t, append(args, "-plan-only")...)
	if code != 0 || !strings.Contains(out, "2 grid cells (2 PLRs x 1 seeds)") {
		t.Fatalf("grid -plan-only: exit %d, %q %q", code, out, errOut)
	}
	plan := filepath.Join(dir, "plan.json")
	for _, sh := range []string{"1/2", "0/2"} {
		if code, out, errOut := runCmd(t, "sweep", "run", "-plan", plan, "-shard", sh, "-workers", "1", "-quiet"); code != 0 || !strings.Contains(out, "ran 1 points") {
			t.Fatalf("sweep run -shard %s: exit %d, %q %q", sh, code, out, errOut)
		}
	}
	code, merged, errOut := runCmd(t, "sweep", "merge", "-plan", plan)
	if code != 0 || !strings.Contains(merged, "merged 2 of 2 grid cells") || !strings.Contains(merged, "PLR 0.03: ") {
		t.Fatalf("sweep merge: exit %d, %q %q", code, merged, errOut)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "grid.json"))
	code, out, errOut = runCmd(t, args...)
	if code != 0 {
		t.Fatalf("grid: exit %d, %q", code, errOut)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "grid.json"))
	if len(first) == 0 || !bytes.Equal(first, again) {
		t.Errorf("grid after the sharded sweep rewrote grid.json differently (%d and %d bytes)", len(first), len(again))
	}
	if _, labels, _ := strings.Cut(merged, "\n"); out != labels {
		t.Errorf("grid printed %q, the merge %q", out, labels)
	}
	if strings.Contains(errOut, "training") {
		t.Errorf("grid trained again after the sweep: %q", errOut)
	}
}
