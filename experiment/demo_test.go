package experiment

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/regimes/regimes/plots/figdata"
	"github.com/regimes/regimes/regime"
)

// ExampleDemo runs the demo and checks what a new user sees: the table
// names all three regimes, index.html links five PNG figures (which decode)
// and their SVGs, and the simulated boundary of the phase diagram at b = 1
// brackets the exact almost-sure threshold 2/λ = 2 of equal-norm rows
// (SCIENCE.md 6.1). A second run reuses every finished point.
func ExampleDemo() {
	dir, err := os.MkdirTemp("", "demo")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	res, err := Demo(DemoConfig{Out: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	var table strings.Builder
	res.WriteTable(&table)
	for _, r := range []regime.Regime{regime.Convergence, regime.Chaotic, regime.Divergence} {
		fmt.Printf("table shows %s: %v\n", r, strings.Contains(table.String(), r.String()))
	}
	index, _ := os.ReadFile(res.Index)
	links := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(string(index), -1)
	var pngs, svgs int
	for _, l := range links {
		f, err := os.Open(filepath.Join(dir, l[1]))
		if err != nil {
			fmt.Println("missing:", l[1])
			continue
		}
		if strings.HasSuffix(l[1], ".png") {
			if _, err := png.Decode(f); err == nil {
				pngs++
			}
		} else if strings.HasSuffix(l[1], ".svg") {
			svgs++
		}
		f.Close()
	}
	fmt.Println("index.html links", pngs, "PNGs and", svgs, "SVGs")
	th, err := figdata.Thresholds(filepath.Join(dir, "thresholds.csv"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("b = %g: largest converging ELR < 2 < smallest other: %v\n", th.B[0], th.Converged[0] < 2 && 2 < th.Diverged[0])
	if _, err := Demo(DemoConfig{Out: dir}); err != nil {
		fmt.Println("second run:", err)
	}
	// Output:
	// table shows convergence: true
	// table shows chaotic equilibrium: true
	// table shows divergence: true
	// index.html links 5 PNGs and 5 SVGs
	// b = 1: largest converging ELR < 2 < smallest other: true
}
