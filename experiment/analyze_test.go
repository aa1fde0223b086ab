package experiment

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/regimes/regimes/toy"
)

// ExampleAnalyzeFile simulates projected SGD on the lsq reference problem
// (n = 8 unit-norm rows in d = 24, b = 1) at ELR 2.2, just above the
// almost-sure threshold 2, and analyses its trajectory: AnalyzeFile finds the
// random level tr(H)/(2d) = 1/48 in the config.json that Simulate wrote
// beside it, and the classifier labels the run a chaotic equilibrium.
func ExampleAnalyzeFile() {
	dir, err := os.MkdirTemp("", "analyze")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	if _, err := Simulate(SimulateConfig{Toy: toy.Config{Toy: "lsq", Data: filepath.Join("..", "testdata", "lsq8x24.csv")},
		ELR: 2.2, Batch: 1, Steps: 50000, Seed: 1, Out: dir}); err != nil {
		fmt.Println(err)
		return
	}
	r, err := AnalyzeFile(filepath.Join(dir, "trajectory.csv"), AnalyzeConfig{Alpha: 0.01, MinESS: 100})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("random level %.6f (1/48 = %.6f)\n", r.Evidence.RandomLevel, 1.0/48)
	fmt.Println("regime:", r.Regime)
	// Output:
	// random level 0.020833 (1/48 = 0.020833)
	// regime: chaotic equilibrium
}
