package buildinfo_test

import (
	"fmt"
	"strings"

	"github.com/regimes/regimes/internal/buildinfo"
)

// Example prints the build of the running binary on one line, as
// "regimes version" does.
func Example() {
	info := buildinfo.Read()
	fmt.Println(strings.Contains(info.String(), info.GoVersion))
	// Output: true
}
