package plots

import (
	"os"
	"testing"
)

// TestMain makes Save refuse a figure whose labels overlap, so that every
// figure the tests save is checked.
func TestMain(m *testing.M) {
	os.Setenv(StrictLayoutEnv, "1")
	os.Exit(m.Run())
}
