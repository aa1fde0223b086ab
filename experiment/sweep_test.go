package experiment

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	"github.com/regimes/regimes/sweep"
	"github.com/regimes/regimes/toy"
)

// ExamplePlanRunner writes a toy plan and a network plan, reads them back
// and runs one toy point with the runner PlanRunner chooses: toy points
// run several at a time, network points one at a time.
func ExamplePlanRunner() {
	dir, err := os.MkdirTemp("", "plans")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	toyPlan, err := toy.NewSweepPlan(toy.SweepPlanConfig{Base: toy.SweepBase{Toy: toy.Config{Toy: "lsq", DataSeed: 1}, Batch: 1, Sampling: "iid", Steps: 2000},
		ELRMin: 1, ELRMax: 1, ELRPoints: 1, Param: "batch", Values: []float64{1}, Seeds: []uint64{1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	netPlan, err := NewNetPlan(NetPlanConfig{Train: realnets.TrainConfig{Model: "mlp", Width: 16, Data: data.Config{Name: "mnist", Subset: 256},
		Epochs: 1, Batch: 32, GradMetrics: "none"}, ELRMin: 1e-2, ELRMax: 1e-1, ELRPoints: 2, Param: "none", Seeds: []uint64{1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range []struct {
		name string
		p    *sweep.Plan
	}{{"toy", toyPlan}, {"net", netPlan}} {
		if err := WritePlan(filepath.Join(dir, c.name), c.p); err != nil {
			fmt.Println(err)
			return
		}
		planFile := filepath.Join(dir, c.name, "plan.json")
		p, err := sweep.ReadPlan(planFile)
		if err != nil {
			fmt.Println(err)
			return
		}
		run, workers := PlanRunner(p, planFile, 4)
		fmt.Printf("%s plan: %d points, %d at a time\n", c.name, len(p.Points), workers)
		if c.name == "toy" {
			res, err := run(context.Background(), p.Base, p.Points[0])
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Println("toy point at ELR 1, b = 1:", res.(map[string]any)["regime"])
		}
	}
	// Output:
	// toy plan: 1 points, 4 at a time
	// toy point at ELR 1, b = 1: convergence
	// net plan: 2 points, 1 at a time
}
