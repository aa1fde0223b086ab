package realnets

import (
	"encoding/json"
	"fmt"
	"math"
	"os"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/tfevents"
)

// ReadMetricsAny reads a run's per-epoch records from its metrics.jsonl
// (ReadMetrics) or from TensorBoard event files (a file whose name contains
// "tfevents", or a folder of them), such as "regimes train -tensorboard"
// writes: each step is an epoch, and the tags named as Record's JSON fields
// (train_loss, test_error, elr, grad_norm_mean, angle_step_mean, ...) fill
// them; other tags are ignored and missing ones stay unset (null).
func ReadMetricsAny(name string) ([]Record, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() && !tfevents.IsEventFile(name) {
		return ReadMetrics(name)
	}
	t, err := analysis.ReadEventTable(name)
	if err != nil {
		return nil, err
	}
	cols := map[string][]float64{}
	for _, h := range t.Header {
		if cols[h], err = t.Values(h); err != nil {
			return nil, err
		}
	}
	out := make([]Record, t.Len())
	for i := range out {
		m := map[string]any{}
		for h, x := range cols {
			if v := x[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				m[h] = v
			}
		}
		m["epoch"] = int(cols["step"][i])
		delete(m, "step")
		b, _ := json.Marshal(m)
		if err := json.Unmarshal(b, &out[i]); err != nil {
			return nil, fmt.Errorf("%s: step %d: %v", name, int(cols["step"][i]), err)
		}
	}
	return out, nil
}
