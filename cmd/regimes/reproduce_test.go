package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regimes/regimes/regime"
)

// TestReproduceQuick runs the tiny version of the MNIST reproduction twice:
// the second run finds every point done and only redraws.
func TestReproduceQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three small ConvNets, about 10 s")
	}
	dir := t.TempDir()
	code, out, e := runCmd(t, "reproduce", "mnist", "-quick", "-out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	var s reproSummary
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &s); err != nil {
		t.Fatalf("stdout %q: %v", out, err)
	}
	// The quick grid: 3 ELRs, 1e-4 to 1 (log-spaced).
	if len(s.ELRs) != 3 || s.ELRs[0] != 1e-4 || s.ELRs[2] != 1 || len(s.Regimes) != 3 || s.Width != 4 {
		t.Fatalf("summary %+v", s)
	}
	// 3 epochs of 4 steps: too short for the classifier (200 rows), so no
	// regime and no boundary.
	for i, r := range s.Regimes {
		if r != regime.Undetermined || !strings.Contains(s.Reasons[i], "too short: 12 rows") {
			t.Errorf("ELR %g: %s (%s)", s.ELRs[i], r, s.Reasons[i])
		}
	}
	if s.ConvergenceMax != nil || s.ChaoticMin != nil || s.DivergenceMin != nil || !(s.WallTime > 0) || !(s.TrainTime > 0) {
		t.Errorf("summary %+v", s)
	}
	for _, f := range []string{"results.jsonl", "results.csv", "summary.json", "figures/panels.png", "figures/panels.svg",
		"figures/phase.png", "figures/phase.svg", "runs/point-000002/steps.csv"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	before, _ := os.ReadFile(filepath.Join(dir, "points", "point-000001.json"))
	code, _, e = runCmd(t, "reproduce", "mnist", "-quick", "-out", dir)
	if code != 0 || !strings.Contains(e, "continuing the experiment") {
		t.Fatalf("second run: exit %d: %s", code, e)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "points", "point-000001.json"))
	if string(before) != string(after) {
		t.Error("the second run redid a finished point")
	}
	// Another experiment in the same folder is refused.
	if code, _, e := runCmd(t, "reproduce", "mnist", "-out", dir); code != 1 || !strings.Contains(e, "holds another experiment") {
		t.Errorf("full run in the quick folder: exit %d, %q", code, e)
	}
	if code, _, e := runCmd(t, "reproduce", "cifar"); code != 1 || !strings.Contains(e, "want the experiment name") {
		t.Errorf("reproduce cifar: exit %d, %q", code, e)
	}
}
