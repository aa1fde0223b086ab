package toy_test

import (
	"fmt"
	"math"

	"github.com/regimes/regimes/toy"
)

// ExampleTheory asks for the circle's closed form past its flip
// bifurcation (ELR lambda = 2.5 > 2): the 2-cycle ±phi with
// cos 2phi = 2/(ELR lambda) and loss lambda/4 - 1/(2 ELR).
func ExampleTheory() {
	th, err := toy.Theory(toy.TheoryRequest{Config: toy.Config{Toy: "circle", Lambda: 1}, ELR: 2.5})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := th.Circle
	fmt.Printf("stable fixed point: %v, cycle: %v\n", c.FixedPointStable, c.CycleExists)
	fmt.Printf("cos 2phi = %.4f (2/2.5 = 0.8), loss %.4f (1/4 - 1/5 = 0.05)\n", math.Cos(2*c.CyclePhi), c.CycleLoss)
	// Output:
	// stable fixed point: false, cycle: true
	// cos 2phi = 0.8000 (2/2.5 = 0.8), loss 0.0500 (1/4 - 1/5 = 0.05)
}
