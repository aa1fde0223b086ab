package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
)

// ExampleNetRunner runs one point of a network sweep: an SI MLP of width 16
// trained on the sphere for two epochs on 256 MNIST images at ELR 1e-2,
// classified from its per-step log (16 steps: too short to label).
func ExampleNetRunner() {
	dir, err := os.MkdirTemp("", "netsweep")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	p, err := NewNetPlan(NetPlanConfig{
		Train: realnets.TrainConfig{Model: "mlp", Width: 16, Data: data.Config{Name: "mnist", Subset: 256},
			Epochs: 2, Batch: 32, GradMetrics: "none", TestSubset: 100},
		ELRMin: 1e-2, ELRMax: 1e-2, ELRPoints: 1, Param: "none", Seeds: []uint64{1},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	run := NetRunner(filepath.Join(dir, "runs"), 1)
	res, err := run(context.Background(), p.Base, p.Points[0])
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(res)
	var rec struct {
		Regime  string
		Summary struct {
			Epochs int    `json:"epochs"`
			Steps  int    `json:"steps"`
			Run    string `json:"run"`
		}
		Evidence analysis.Evidence
	}
	json.Unmarshal(b, &rec)
	fmt.Println(rec.Regime, rec.Summary.Epochs, "epochs", rec.Summary.Steps, "steps in", rec.Summary.Run)
	fmt.Println(rec.Evidence.Reasons[0])
	// Output:
	// undetermined 2 epochs 16 steps in runs/point-000000
	// too short: 16 rows, fewer than the 20 needed
}
