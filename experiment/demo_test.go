package experiment

import (
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/regimes/regimes/internal/fileio"
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
	var log strings.Builder
	res, err := Demo(DemoConfig{Out: dir, Progress: &log})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("progress lines with elapsed time and ETA, stages 1 to 6, ending at 100%:", demoLogOK(log.String()))
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
	checkDemoCaptions(dir)
	if _, err := Demo(DemoConfig{Out: dir}); err != nil {
		fmt.Println("second run:", err)
	}
	// The folder is sealed by a manifest over all its files, and each
	// sweep's merged results by its own with the plan as run identity
	// (issue 15).
	m, err := fileio.VerifySet(dir)
	inner, err2 := fileio.VerifySet(filepath.Join(dir, "phase"))
	if err != nil || err2 != nil || m.Files["index.html"] == "" || m.Files["phase/results.jsonl"] == "" || inner.Files["results.csv"] == "" {
		fmt.Println("manifests:", err, err2)
	}
	// Output:
	// progress lines with elapsed time and ETA, stages 1 to 6, ending at 100%: true
	// table shows convergence: true
	// table shows chaotic equilibrium: true
	// table shows divergence: true
	// index.html links 5 PNGs and 5 SVGs
	// b = 1: largest converging ELR < 2 < smallest other: true
	// lyapunov caption: counts and maximum as recounted from lyapunov.csv: true
	// thresholds caption: bracket count as recounted from thresholds.csv: true
	// bifurcation caption: split within 2% of the flip at 2: true
	// vmf caption: first departure as recomputed from vmf.csv: true
}

// checkDemoCaptions recomputes the numbers of the demo's captions from its
// data files with plain CSV parsing, independently of package plots, and
// prints whether they agree.
func checkDemoCaptions(dir string) {
	caps, err := DemoCaptions(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	rows := func(name string) []map[string]string {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		head := strings.Split(lines[0], ",")
		var out []map[string]string
		for _, l := range lines[1:] {
			m := map[string]string{}
			for i, c := range strings.Split(l, ",") {
				if i < len(head) {
					m[head[i]] = c
				}
			}
			out = append(out, m)
		}
		return out
	}
	f := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return math.NaN()
		}
		return v
	}
	// Lyapunov: significantly positive per regime, and the maximum.
	ly := caps["lyapunov"].Facts
	pos := map[string]float64{}
	best := math.Inf(-1)
	for _, r := range rows("lyapunov.csv") {
		if f(r["lo"]) > 0 {
			pos[strings.ReplaceAll(r["regime"], " ", "_")]++
		}
		best = math.Max(best, f(r["exponent"]))
	}
	ok := ly["max"] == best
	for _, reg := range []string{"convergence", "chaotic_equilibrium", "divergence"} {
		ok = ok && ly[reg+"_pos"] == pos[reg]
	}
	fmt.Println("lyapunov caption: counts and maximum as recounted from lyapunov.csv:", ok)
	// Thresholds: the almost-sure threshold between the markers.
	between := 0.0
	for _, r := range rows("thresholds.csv") {
		if f(r["converged"]) <= f(r["as"]) && f(r["as"]) <= f(r["diverged"]) {
			between++
		}
	}
	fmt.Println("thresholds caption: bracket count as recounted from thresholds.csv:", caps["thresholds"].Facts["between"] == between)
	fmt.Println("bifurcation caption: split within 2% of the flip at 2:", math.Abs(caps["bifurcation"].Facts["split_at"]-2) < 0.04)
	// vmf: the first ELR whose mean is more than 5% off the prediction,
	// the prediction interpolated linearly in log ELR between its rows.
	var px, py []float64
	type pt struct{ e, m float64 }
	var pts []pt
	for _, r := range rows("vmf.csv") {
		if v := f(r["von Mises-Fisher prediction"]); !math.IsNaN(v) {
			px, py = append(px, f(r["elr"])), append(py, v)
		}
		if m := f(r["mean"]); !math.IsNaN(m) {
			pts = append(pts, pt{f(r["elr"]), m})
		}
	}
	first := math.NaN()
	for _, q := range pts {
		for i := 1; i < len(px); i++ {
			if px[i-1] <= q.e && q.e <= px[i] {
				t := math.Log(q.e/px[i-1]) / math.Log(px[i]/px[i-1])
				p := py[i-1] + t*(py[i]-py[i-1])
				if math.Abs(q.m-p) > 0.05*math.Abs(p) && math.IsNaN(first) {
					first = q.e
				}
				break
			}
		}
	}
	fmt.Println("vmf caption: first departure as recomputed from vmf.csv:", caps["vmf"].Facts["first_off"] == first)
}

// demoLogOK reports whether the demo's progress off a terminal is a line
// per stage start and per tenth of a sweep, each with the elapsed time and
// an ETA, and its notes (seeds that disagree): every stage 1..6 shown, the
// share never decreasing, the last line at 100% with ETA 0s.
func demoLogOK(log string) bool {
	line := regexp.MustCompile(`^demo: stage ([1-6])/6 \((\d+)%\), elapsed [0-9hms]+, ETA ([0-9hms]+|unknown), .+$`)
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	stages, last := map[string]bool{}, -1
	for _, l := range lines {
		if strings.HasPrefix(l, "demo: phase: cell ") {
			continue // a note
		}
		m := line.FindStringSubmatch(l)
		if m == nil {
			fmt.Printf("not a progress line: %q\n", l)
			return false
		}
		pct, _ := strconv.Atoi(m[2])
		if pct < last {
			fmt.Printf("share down: %q\n", l)
			return false
		}
		stages[m[1]], last = true, pct
	}
	end := lines[len(lines)-1]
	return len(stages) == 6 && strings.HasPrefix(end, "demo: stage 6/6 (100%)") && strings.Contains(end, "ETA 0s, done")
}
