package experiment

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/toy"
)

// ExampleConventional runs conventional SGD with weight decay on the lsq
// toy (n = 8, d = 24) at lr 0.3, wd 0.1, b = 1: the self-consistent
// equilibrium ELR* lies inside regime 2, above the almost-sure threshold,
// and the run settles there instead of cycling.
func ExampleConventional() {
	dir, err := os.MkdirTemp("", "conventional")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	s, err := Conventional(ConventionalConfig{Toy: toy.Config{}, LR: 0.3, WD: 0.1, InitNorm: 1, Batch: 1,
		Steps: 20000, Seed: 1, LevelSteps: 5000, TheorySeed: 1, Out: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ELR* above the almost-sure threshold:", *s.Prediction.Margin > 0)
	fmt.Println("behaviour:", s.Behaviour.Behaviour)
	for _, f := range []string{"trajectory.csv", "summary.json", "realised_elr.png", "realised_elr.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			fmt.Println(err)
		}
	}
	// The four files are one unit under a manifest (issue 15).
	if m, err := fileio.VerifySet(dir); err != nil || len(m.Files) != 4 || m.RunID == "" {
		fmt.Println("manifest:", m, err)
	}
	// Output:
	// ELR* above the almost-sure threshold: true
	// behaviour: stable
}
