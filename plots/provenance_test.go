package plots

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/regimes/regimes/internal/buildinfo"
)

// TestRunProvenance checks the entries a figure and a page record, from a
// build with and without VCS information.
func TestRunProvenance(t *testing.T) {
	b := buildinfo.Info{Module: "github.com/regimes/regimes", Version: "(devel)", Revision: "0123abcd", Modified: true}
	got := fmt.Sprint(runProvenance("regimes plot phase", b, false))
	want := "[{Source regimes plot phase} {Software github.com/regimes/regimes (devel)} {Commit 0123abcd (modified)}]"
	if got != want {
		t.Errorf("figure provenance\n got %s\nwant %s", got, want)
	}
	b.Revision, b.Modified = "", false
	page := runProvenance("regimes demo", b, true)
	if len(page) != 4 || page[1].Value != "github.com/regimes/regimes (devel)" || page[2].Key != "Creation Time" || page[3].Key != "Machine" {
		t.Fatalf("page provenance without a revision: %v", page)
	}
	if _, err := time.Parse(time.RFC3339, page[2].Value); err != nil {
		t.Errorf("creation time %q: %v", page[2].Value, err)
	}
	if !strings.Contains(page[3].Value, runtime.Version()) {
		t.Errorf("machine %q does not name the Go version", page[3].Value)
	}
}

// ExampleRunProvenance shows what a command records in every figure it
// writes (plots.DefaultProvenance), here for a test binary.
func ExampleRunProvenance() {
	for _, m := range RunProvenance("regimes plot phase -in results.jsonl -out phase.png", false)[:2] {
		fmt.Printf("%s: %s\n", m.Key, m.Value)
	}
	// Output:
	// Source: regimes plot phase -in results.jsonl -out phase.png
	// Software: github.com/regimes/regimes (devel)
}
