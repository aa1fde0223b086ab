package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	"github.com/regimes/regimes/realnets/run"
)

// tinyConventional trains a small SI MLP on 2560 MNIST images (20 steps per
// epoch) with weight decay and returns its folder.
func tinyConventional(parent string, momentum float64) (string, error) {
	dir := filepath.Join(parent, "run")
	cfg := realnets.TrainConfig{Model: "mlp", Width: 32, Data: data.Config{Name: "mnist", Subset: 2560},
		LR: 0.1, WD: 0.03, Momentum: momentum, Epochs: 15, Batch: 128, Seed: 1, Out: dir, TestSubset: 500, GradMetrics: "all"}
	return dir, run.Run(context.Background(), cfg, io.Discard)
}

// ExampleRotationalRun compares a tiny conventional MNIST run (an SI MLP of
// width 32, 300 steps, weight decay 0.03) with the rotational-equilibrium
// predictions made from its own gradient statistics: this short run, whose
// loss still falls, rotates slower and sits at a larger norm than the
// equilibrium of its current gradients.
func ExampleRotationalRun() {
	parent, err := os.MkdirTemp("", "rotational")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(parent)
	dir, err := tinyConventional(parent, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := RotationalRun(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	e := r.Equilibrium
	fmt.Printf("RMS angle %.3f, predicted sqrt(2 lr wd) = %.3f\n", e.AngleRMS.Value, e.PredAngleRMS)
	fmt.Printf("norm %.2f, predicted %.2f\n", e.Norm.Value, e.PredNorm.Value)
	// Output:
	// RMS angle 0.048, predicted sqrt(2 lr wd) = 0.077
	// norm 3.05, predicted 2.38
}

func TestRotationalFigure(t *testing.T) {
	dir, err := tinyConventional(t.TempDir(), 0.9)
	if err != nil {
		t.Fatal(err)
	}
	r, err := RotationalRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := RotationalFigure([]RotationalRunResult{r, r})
	if err != nil {
		t.Fatal(err)
	}
	if err := plots.CheckLayout(f.Figure, f.Width, f.Height); err != nil {
		t.Error(err)
	}
	if _, err := RotationalFigure(nil); err == nil {
		t.Error("no error for no runs")
	}
}

func TestRotationalRunErrors(t *testing.T) {
	if _, err := RotationalRun(t.TempDir()); err == nil {
		t.Error("no error for an empty folder")
	}
}

// TestRotationalCommitted recomputes testdata/thermo-mnist/rotational.json
// (the MNIST comparison of `regimes thermo -runs`) from the committed run
// folders.
func TestRotationalCommitted(t *testing.T) {
	data, err := os.ReadFile("../testdata/thermo-mnist/rotational.json")
	if err != nil {
		t.Fatal(err)
	}
	var committed []map[string]any
	if err := json.Unmarshal(data, &committed); err != nil {
		t.Fatal(err)
	}
	for _, c := range committed {
		dir := c["dir"].(string)
		r, err := RotationalRun(filepath.Join("..", dir))
		if err != nil {
			t.Fatal(err)
		}
		r.Dir = dir
		b, _ := json.Marshal(r)
		var got map[string]any
		json.Unmarshal(b, &got)
		if fmt.Sprint(got) != fmt.Sprint(c) {
			t.Errorf("%s: recomputed comparison differs from the committed one", dir)
		}
	}
}
