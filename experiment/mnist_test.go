package experiment

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regimes/regimes/regime"
)

// TestReproduceQuick runs the tiny version of the MNIST reproduction twice:
// the second run finds every point done and only redraws.
func TestReproduceMNISTQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three small ConvNets, about 10 s")
	}
	dir := t.TempDir()
	sp, err := ReproduceMNIST(context.Background(), MNISTConfig{Out: dir, Quick: true})
	if err != nil {
		t.Fatal(err)
	}
	s := *sp
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
	var progress strings.Builder
	if _, err := ReproduceMNIST(context.Background(), MNISTConfig{Out: dir, Quick: true, Progress: &progress}); err != nil || !strings.Contains(progress.String(), "continuing the experiment") {
		t.Fatalf("second run: %v: %s", err, progress.String())
	}
	after, _ := os.ReadFile(filepath.Join(dir, "points", "point-000001.json"))
	if string(before) != string(after) {
		t.Error("the second run redid a finished point")
	}
	// Another experiment in the same folder is refused.
	if _, err := ReproduceMNIST(context.Background(), MNISTConfig{Out: dir}); err == nil || !strings.Contains(err.Error(), "holds another experiment") {
		t.Errorf("full run in the quick folder: %v", err)
	}
}

// ExampleReproduceMNIST runs the quick form of the MNIST reproduction:
// three small ConvNets for three epochs each, too short for the classifier
// to label.
func ExampleReproduceMNIST() {
	dir, err := os.MkdirTemp("", "mnist")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	s, err := ReproduceMNIST(context.Background(), MNISTConfig{Out: dir, Quick: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ConvNetSI c=%d on %d MNIST images, %d epochs\n", s.Width, s.Subset, s.Epochs)
	for i, e := range s.ELRs {
		fmt.Printf("ELR %.3g: %s (%s)\n", e, s.Regimes[i], s.Reasons[i])
	}
	fmt.Println(s.Boundaries)
	// Output:
	// ConvNetSI c=4 on 256 MNIST images, 3 epochs
	// ELR 0.0001: undetermined (too short: 12 rows, fewer than the 200 needed)
	// ELR 0.01: undetermined (too short: 12 rows, fewer than the 200 needed)
	// ELR 1: undetermined (too short: 12 rows, fewer than the 200 needed)
	// convergence up to none, chaotic none, divergence from none
}
