package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
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
// predictions made from its own checkpoint gradient passes: this short
// run, whose loss still falls, rotates slower and sits at a larger norm
// than the equilibrium of its current gradients.
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
	// norm 3.05, predicted 2.20
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

// TestRotationalCheckpointNoise checks that the noise trace the comparison
// uses is measured at the checkpoint's weights from a fixed set of batches,
// not from the training steps: from the run's epoch-10 checkpoint, every
// full batch of the training set in its order (20 of 128 images), a
// two-pass computation of tr Sigma_1 at unit norm, the mean over batches of
// ||g_b - mean g||^2 ||x||^2, written here without Evaluator.Gradients,
// gives epoch 10's grad_noise^2 of metrics.jsonl within 1e-9, and the
// squared norm of the mean its grad_norm_full^2.
func TestRotationalCheckpointNoise(t *testing.T) {
	dir, err := tinyConventional(t.TempDir(), 0.9)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := realnets.LoadCheckpoint(filepath.Join(dir, "epoch-000010.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	m, train, _, err := realnets.Setup(ck.Config)
	if err != nil {
		t.Fatal(err)
	}
	if err := ck.Restore(m); err != nil {
		t.Fatal(err)
	}
	const b = 128
	x := make([]float32, b*train.ImageSize())
	y := make([]int, b)
	idx := make([]int, b)
	var grads [][]float64
	for lo := 0; lo+b <= train.N; lo += b {
		for j := range idx {
			idx[j] = lo + j
		}
		train.Gather(x, y, idx)
		m.Forward(x, y, b, realnets.TrainEval, true)
		var g []float64
		for _, p := range m.Params() {
			if p.SI {
				for _, v := range p.Grad[:len(p.Data)] {
					g = append(g, float64(v))
				}
			}
		}
		grads = append(grads, g)
	}
	if len(grads) != 20 {
		t.Fatalf("%d batches, want 20", len(grads))
	}
	k := float64(len(grads))
	mean := make([]float64, len(grads[0]))
	for _, g := range grads {
		for i, v := range g {
			mean[i] += v / k
		}
	}
	var tr, full float64
	for _, g := range grads {
		for i, v := range g {
			d := v - mean[i]
			tr += d * d / k
		}
	}
	for _, v := range mean {
		full += v * v
	}
	x2 := realnets.SINorm(m.Params())
	x2 *= x2
	tr, full = tr*x2, full*x2
	recs, err := realnets.ReadMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	rec := recs[10]
	if rec.Epoch != 10 || rec.GradNoise == nil || rec.GradNormFull == nil {
		t.Fatalf("record %+v", rec)
	}
	if got := *rec.GradNoise * *rec.GradNoise; math.Abs(got-tr) > 1e-9*tr {
		t.Errorf("grad_noise^2 %v, checkpoint pass %v", got, tr)
	}
	if got := *rec.GradNormFull * *rec.GradNormFull; math.Abs(got-full) > 1e-9*full {
		t.Errorf("grad_norm_full^2 %v, checkpoint pass %v", got, full)
	}
}
