package realnets

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/regimes/regimes/tfevents"
)

func TestReadMetricsAny(t *testing.T) {
	// Records of our trainer written as scalars, as train -tensorboard does.
	recs, err := ReadMetrics("../testdata/mnist/runs/point-000012/metrics.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := tfevents.NewWriter(&buf)
	w.Write(tfevents.Event{WallTime: 1700000000, FileVersion: tfevents.FileVersion})
	for _, r := range recs {
		names, xs := r.Scalars()
		if err := w.WriteScalars(int64(r.Epoch), time.Unix(1700000000, 0), names, xs); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "events.out.tfevents.1700000000.x"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMetricsAny(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(recs) {
		t.Fatalf("%d records, want %d", len(got), len(recs))
	}
	for i, r := range recs {
		g := got[i]
		// simple_value is a float32.
		f32 := func(x float64) float64 { return float64(float32(x)) }
		if g.Epoch != r.Epoch || g.TrainLoss != f32(r.TrainLoss) || g.ELR != f32(r.ELR) || g.TestError != f32(r.TestError) {
			t.Errorf("epoch %d: %+v, want %+v", r.Epoch, g, r)
		}
		if (r.AngleStepMean == nil) != (g.AngleStepMean == nil) || r.AngleStepMean != nil && *g.AngleStepMean != f32(*r.AngleStepMean) {
			t.Errorf("epoch %d: angle_step_mean %v, want %v", r.Epoch, g.AngleStepMean, r.AngleStepMean)
		}
	}
	// metrics.jsonl itself reads as before.
	if again, err := ReadMetricsAny("../testdata/mnist/runs/point-000012/metrics.jsonl"); err != nil || len(again) != len(recs) {
		t.Errorf("metrics.jsonl: %d records, %v", len(again), err)
	}
}
