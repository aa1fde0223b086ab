package experiment

import (
	"os"
	"testing"

	"github.com/regimes/regimes/plots"
)

// TestMain makes plots.Save refuse a figure whose labels overlap, so that
// every figure the tests draw (from committed data too) is checked.
func TestMain(m *testing.M) {
	os.Setenv(plots.StrictLayoutEnv, "1")
	os.Exit(m.Run())
}
