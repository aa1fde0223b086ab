package figdata

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/regimes/regimes/tfevents"
)

// TestPanelsTensorBoard reads the panels of a run from TensorBoard event
// files, tagged as regimes train -tensorboard tags them.
func TestPanelsTensorBoard(t *testing.T) {
	var buf bytes.Buffer
	w := tfevents.NewWriter(&buf)
	w.Write(tfevents.Event{WallTime: 1700000000, FileVersion: tfevents.FileVersion})
	// Epoch 0 has no gradient norm (not measured), as with -grad-metrics log.
	w.WriteScalars(0, time.Unix(1700000000, 0), []string{"train_loss", "test_error", "elr"}, []float64{2.25, 90, 0.5})
	for e := int64(1); e <= 2; e++ {
		w.WriteScalars(e, time.Unix(1700000000+e, 0), []string{"train_loss", "test_error", "grad_norm_mean", "elr"},
			[]float64{2.25 / float64(e+1), 50, 0.25 * float64(e), 0.5})
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "events.out.tfevents.1700000000.x"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Panels([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if d.TimeLabel != "epoch" || len(d.Runs) != 1 {
		t.Fatalf("panels %+v", d)
	}
	r := d.Runs[0]
	// The values are exact in float32 (simple_value).
	if len(r.Time) != 3 || r.Time[2] != 2 || r.TrainLoss[1] != 1.125 || !math.IsNaN(r.GradNorm[0]) || r.GradNorm[2] != 0.5 || r.TestError[0] != 90 || r.ELR != 0.5 {
		t.Errorf("run %+v", r)
	}
}
