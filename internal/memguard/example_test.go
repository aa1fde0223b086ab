package memguard_test

import (
	"fmt"

	"github.com/regimes/regimes/internal/memguard"
)

func Example() {
	d := 1e12 // a dimension that asks for 8 vectors of float64s
	err := memguard.Check(fmt.Sprintf("a run in dimension d=%g", d), 8*8*d)
	fmt.Println(err != nil)
	fmt.Println(memguard.Bytes(8 * 8 * d))
	// Output:
	// true
	// 58.2 TiB
}
