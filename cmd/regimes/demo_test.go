package main

import (
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/regimes/regimes/plots/figdata"
	"github.com/regimes/regimes/regime"
)

// TestDemo runs the demo as a new user would and checks that every file the
// index links to exists and decodes, that the table names all three
// regimes, and that the simulated boundary brackets the almost-sure
// threshold at b = 1 (2/lambda for equal norms, SCIENCE.md 6.1).
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes about 20 s")
	}
	dir := t.TempDir()
	code, out, e := runCmd(t, "demo", "-out", dir)
	if code != 0 {
		t.Fatalf("demo: exit %d: %s", code, e)
	}
	for _, r := range []string{regime.Convergence.String(), regime.Chaotic.String(), regime.Divergence.String()} {
		if !strings.Contains(out, r) {
			t.Errorf("the demo's table never shows %q", r)
		}
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(string(index), -1)
	if len(links) != 10 {
		t.Errorf("index.html links %d files, want 5 PNGs and 5 SVGs", len(links))
	}
	for _, l := range links {
		name := filepath.Join(dir, l[1])
		f, err := os.Open(name)
		if err != nil {
			t.Errorf("index.html links a missing file: %v", err)
			continue
		}
		if strings.HasSuffix(name, ".png") {
			if _, err := png.Decode(f); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		f.Close()
	}
	th, err := figdata.Thresholds(filepath.Join(dir, "thresholds.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Row 0 is b = 1: the largest converging ELR of the grid lies below the
	// exact threshold 2 and the smallest non-converging one above it.
	if b, conv, div := th.B[0], th.Converged[0], th.Diverged[0]; b != 1 || !(conv < 2 && div > 2) {
		t.Errorf("b = %v: simulated boundary [%v, %v] does not bracket 2", b, conv, div)
	}
	// A second run reuses every finished point.
	if code, _, e := runCmd(t, "demo", "-out", dir); code != 0 {
		t.Fatalf("second demo: exit %d: %s", code, e)
	}
}
