package toy_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/regimes/regimes/sweep"
	"github.com/regimes/regimes/toy"
)

// ExampleRunSweepPoint runs one point of a toy sweep on the lsq reference
// problem (n = 8, d = 24, data seed 1) at batch size 1: ELR 1, below the
// threshold 2/λ = 2 of equal-norm rows at b = 1 (SCIENCE.md 6.1), converges.
func ExampleRunSweepPoint() {
	base, _ := json.Marshal(toy.SweepBase{Toy: toy.Config{Toy: "lsq", DataSeed: 1}, Batch: 1, Sampling: "iid", Steps: 5000})
	pt := sweep.Point{Index: 0, ELR: 1, Param: "batch", Value: 1, Seed: 1}
	res, err := toy.RunSweepPoint(context.Background(), base, pt, new(toy.TheoryCache))
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := res.(map[string]any)
	th := rec["theory"].(map[string]float64)
	fmt.Println("regime:", rec["regime"])
	fmt.Printf("almost-sure threshold %.4f, GD threshold %.4f\n", th["as_threshold"], th["gd_threshold"])
	// Output:
	// regime: convergence
	// almost-sure threshold 2.0000, GD threshold 7.5104
}
