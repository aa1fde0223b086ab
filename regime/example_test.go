package regime_test

import (
	"encoding/json"
	"fmt"

	"github.com/regimes/regimes/regime"
)

func Example() {
	r, err := regime.Parse("chaos")
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(map[string]regime.Regime{"regime": r})
	fmt.Println(r, string(b))

	elrs := []float64{1e-3, 1e-2, 1e-1, 1}
	labels := []regime.Regime{regime.Convergence, regime.Chaotic, regime.Chaotic, regime.Divergence}
	fmt.Println(regime.BoundariesOf(elrs, labels))
	// Output:
	// chaotic equilibrium {"regime":"chaotic equilibrium"}
	// convergence up to 0.001, chaotic 0.01-0.1, divergence from 1
}
