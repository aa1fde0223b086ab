package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regimes/regimes/analysis"
)

// stabilityDir is the committed prediction check.
const stabilityDir = "../testdata/stability"

// stabilityClaims returns the statements of testdata/stability/README.md
// that carry numbers, each computed here from the committed results: the
// README must contain every one of them (up to line breaks).
func stabilityClaims(t *testing.T, rs []StabilityResult, sum PredictionSummary, sl SliceResult) []string {
	t.Helper()
	at := func(elr float64, epoch int) StabilityResult {
		for _, r := range rs {
			if r.ELR == elr && r.Epoch == epoch {
				return r
			}
		}
		t.Fatalf("no result at ELR %v epoch %d", elr, epoch)
		return StabilityResult{}
	}
	rows := sum.Rows
	if len(rows) != 4 {
		t.Fatalf("%d rows, the README describes 4", len(rows))
	}
	lo := sum.Boundary[0]
	var claims []string
	add := func(format string, a ...any) { claims = append(claims, fmt.Sprintf(format, a...)) }

	// Where each interval lies against the bracket.
	where := func(c [2]float64) string {
		switch {
		case c[1] < lo:
			return "below"
		case c[0] > sum.Boundary[1]:
			return "above"
		}
		return "inside"
	}
	for _, r := range rows {
		add("at %s: GD %s, mean-square %s, batch %s", fmt3(r.ELR), where(r.GDCI), where(r.MSCI), where(r.BatchCI))
	}
	// The two smallest ELRs: GD thresholds below the bracket by factors.
	add("by factors of %.1f and %.1f", lo/rows[1].GD, lo/rows[0].GD)
	// The point sits at about half the GD threshold.
	var big []float64
	for _, r := range rows[1:] {
		big = append(big, r.ELRTimesLambda)
	}
	add("ELR x lambda_max is %.2f-%.2f for the three larger ELRs and %.2f at %s", slices.Min(big), slices.Max(big), rows[0].ELRTimesLambda, fmt3(rows[0].ELR))
	// Above 2 along the way.
	for _, ep := range []int{1, 5} {
		var names, vals []string
		for _, r := range rows {
			if v := r.ELR * at(r.ELR, ep).LambdaMax; v > 2 {
				names = append(names, fmt3(r.ELR))
				vals = append(vals, fmt.Sprintf("%.2f", v))
			}
		}
		add("at epoch %d for %s (%s)", ep, strings.Join(names, ", "), strings.Join(vals, ", "))
	}
	last := rows[3]
	add("%s [%s, %s] (GD)", fmt3(last.GD), fmt3(last.GDCI[0]), fmt3(last.GDCI[1]))
	// Mean-square and batch thresholds against GD at epoch 20.
	var msBelow, bAbove []float64
	for _, r := range rows {
		msBelow = append(msBelow, 100*(1-r.MS/r.GD))
		bAbove = append(bAbove, 100*(r.Batch/r.GD-1))
	}
	add("the mean-square threshold is %.1f-%.1f%% below the GD one", slices.Min(msBelow), slices.Max(msBelow))
	r5 := at(last.ELR, 5)
	add("%.0f%% below it at epoch 5 of %s", 100*(1-r5.MSThreshold/r5.GDThreshold), fmt3(last.ELR))
	add("the batch-sharpness threshold is %.0f-%.0f%% above GD at epoch 20 for the three smaller ELRs and %.0f%% below it at %s",
		slices.Min(bAbove[:3]), slices.Max(bAbove[:3]), -bAbove[3], fmt3(last.ELR))

	// Lanczos: steps taken, all converged to the tolerance.
	var steps []int
	conv := true
	for _, r := range rs {
		steps = append(steps, r.LanczosSteps)
		conv = conv && r.RitzConverged
	}
	if conv {
		add("Lanczos stopped after %d-%d steps", slices.Min(steps), slices.Max(steps))
	}
	// lambda_max against the curvature measured again along its vector,
	// and the asymmetry of the products.
	var dev20, asym20 []float64
	for _, r := range rows {
		dev20 = append(dev20, 100*(r.LambdaDirect/r.LambdaMax-1))
		asym20 = append(asym20, r.Asymmetry)
	}
	add("at epoch 20 the curvature measured again along it is %+.0f%% to %+.0f%% of lambda_max", slices.Min(dev20), slices.Max(dev20))
	add("the antisymmetric part of the compressed products is %.3f-%.3f of their norm", slices.Min(asym20), slices.Max(asym20))
	var direct []string
	for _, r := range rows {
		direct = append(direct, fmt3(2/r.LambdaDirect))
	}
	add("2/(measured again) is %s, %s, %s and %s", direct[0], direct[1], direct[2], direct[3])
	add("to %s and %s against its %s", fmt3(rows[2].GDCI[1]), fmt3(rows[2].MSCI[1]), fmt3(lo))
	worst := rs[0]
	for _, r := range rs {
		if r.LambdaDirect/r.LambdaMax < worst.LambdaDirect/worst.LambdaMax {
			worst = r
		}
	}
	add("at epoch %d of %s: lambda_max %.0f, measured again %.0f, asymmetry %.2f", worst.Epoch, fmt3(worst.ELR), worst.LambdaMax, worst.LambdaDirect, worst.Asymmetry)

	// Gauss-Newton against Hessian spectra at epoch 20.
	var ratio []float64
	for _, r := range rows {
		ratio = append(ratio, r.GNSpectrumTop/r.SpectrumTop)
	}
	add("the top Gauss-Newton node is %.2f-%.2f times the top Hessian node", slices.Min(ratio), slices.Max(ratio))
	var above []float64
	for _, r := range rows {
		above = append(above, 100*(r.SpectrumTop/r.LambdaMax-1))
	}
	add("the top SLQ node of the Hessian is %+.1f%% to %+.1f%% of lambda_max", slices.Min(above), slices.Max(above))
	var negH, nullGN []float64
	for _, r := range rows {
		res := at(r.ELR, 20)
		negH = append(negH, 100*weightBelow(res.Spectrum, -0.05*r.SpectrumTop))
		nullGN = append(nullGN, 100*weightBelow(res.GNSpectrum, 0.01*r.GNSpectrumTop))
	}
	add("%.0f-%.0f%% of the Hessian's SLQ weight is on nodes below -5%% of its top node", slices.Min(negH), slices.Max(negH))
	add("%.1f-%.1f%% of the Gauss-Newton's on nodes below 1%% of its top", slices.Min(nullGN), slices.Max(nullGN))
	add("of the tangent space's %d dimensions", at(rows[0].ELR, 20).GNSpectrum.Dim)

	// Slices.
	mid := len(sl.Random.A) / 2
	add("train loss %.3f on the 2 batches of 128 used for slices", sl.Random.Loss[0][mid])
	n := len(sl.Random.A) - 1
	add("rises to %.3f and %.3f at -%.1f and +%.1f rad", sl.Random.Loss[0][0], sl.Random.Loss[0][n], -sl.Random.A[0], sl.Random.A[n])
	add("(Ritz value %.0f at this scale) to %.1f and %.1f", sl.TopCurvature, sl.Top.Loss[0][0], sl.Top.Loss[0][n])
	g := len(sl.Map.A) - 1
	add("its highest corner %.2f", max(sl.Map.Loss[0][0], sl.Map.Loss[0][g], sl.Map.Loss[g][0], sl.Map.Loss[g][g]))
	b := sl.Between
	peak := 0
	for j, tj := range b.A {
		if tj > 0 && tj < sl.BetweenAngle && b.Loss[0][j] > b.Loss[0][peak] {
			peak = j
		}
	}
	end := 0
	for j, tj := range b.A {
		if math.Abs(tj-sl.BetweenAngle) < math.Abs(b.A[end]-sl.BetweenAngle) {
			end = j
		}
	}
	add("(%.2f rad away) crosses a barrier at about %.2f rad (loss %.2f) and reaches the second point's loss (%.3f)",
		sl.BetweenAngle, b.A[peak], b.Loss[0][peak], b.Loss[0][end])

	// Cost of the measurements, from the results.
	var wall, cpu, swall, scpu, gwall, gcpu float64
	for _, r := range rs {
		wall += r.WallTime
		cpu += r.CPUTime
		if r.SpectrumTime != nil {
			swall += r.SpectrumTime.Wall
			scpu += r.SpectrumTime.CPU
		}
		if r.GNSpectrumTime != nil {
			gwall += r.GNSpectrumTime.Wall
			gcpu += r.GNSpectrumTime.CPU
		}
	}
	add("the %d measurements took %.0f s of wall time and %.0f s of CPU time", len(rs), wall, cpu)
	add("the Hessian spectra %.0f s wall and %.0f s CPU, the Gauss-Newton spectra %.0f s wall and %.0f s CPU", swall, scpu, gwall, gcpu)
	return claims
}

// weightBelow returns the mean over probes of the quadrature weight on
// nodes below x.
func weightBelow(sp *analysis.Spectrum, x float64) float64 {
	if sp == nil {
		return math.NaN()
	}
	var w float64
	for _, q := range sp.Probes {
		for j, th := range q.Nodes {
			if th < x {
				w += q.Weights[j]
			}
		}
	}
	return w / float64(len(sp.Probes))
}

// TestStabilityREADME checks testdata/stability against its README: the
// committed figures/summary.json and table.md are what Summarise and Table
// make of the committed stability.jsonl, the README shows that table and
// every numeric statement of stabilityClaims, and the folder holds only
// files the README's command writes.
func TestStabilityREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(stabilityDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	rs, bracket, sl := committedStability(t)
	sum := Summarise(rs, bracket)
	var got PredictionSummary
	b, err := os.ReadFile(filepath.Join(stabilityDir, "figures", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(sum)
	have, _ := json.Marshal(got)
	if !bytes.Equal(want, have) {
		t.Errorf("figures/summary.json is not Summarise of stability.jsonl:\n%s\n%s", have, want)
	}
	table, err := os.ReadFile(filepath.Join(stabilityDir, "figures", "table.md"))
	if err != nil {
		t.Fatal(err)
	}
	if string(table) != sum.Table() {
		t.Errorf("figures/table.md is not the summary's Table:\n%s\nwant\n%s", table, sum.Table())
	}
	if !strings.Contains(string(readme), sum.Table()) {
		t.Errorf("the README does not show the table of the results:\n%s", sum.Table())
	}
	// The repository README quotes the prediction at the edge.
	top, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	last := sum.Rows[len(sum.Rows)-1]
	if c := fmt.Sprintf("from %s [%s, %s] (GD; mean-square %s, batch sharpness %s)", fmt3(last.GD), fmt3(last.GDCI[0]), fmt3(last.GDCI[1]), fmt3(last.MS), fmt3(last.Batch)); !strings.Contains(strings.Join(strings.Fields(string(top)), " "), c) {
		t.Errorf("README.md does not say %q", c)
	}
	for _, c := range stabilityClaims(t, rs, sum, sl) {
		if !strings.Contains(text, c) {
			t.Errorf("the README does not say %q", c)
		} else {
			t.Logf("README says %q", c)
		}
	}
	// The folder: the command's outputs, checkpoints removed.
	var extra []string
	filepath.Walk(stabilityDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(stabilityDir, p)
		ok := rel == "README.md" || rel == "stability.jsonl" || rel == "slices.json" || strings.HasPrefix(rel, "figures"+string(filepath.Separator))
		if strings.HasPrefix(rel, "elr-0") {
			base := filepath.Base(rel)
			ok = base == "config.json" || base == "metrics.jsonl" || base == "steps.csv" || base == "manifest.json"
		}
		if !ok {
			extra = append(extra, rel)
		}
		return nil
	})
	if len(extra) > 0 {
		t.Errorf("files the command does not write (or checkpoints): %v", extra)
	}
	// Each run's config.json names its folder under the command's -out.
	for i := range sum.Rows {
		b, err := os.ReadFile(filepath.Join(stabilityDir, fmt.Sprintf("elr-%02d", i), "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Out string  `json:"out"`
			ELR float64 `json:"elr"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		if c.Out != fmt.Sprintf("testdata/stability/elr-%02d", i) || c.ELR != sum.Rows[i].ELR {
			t.Errorf("elr-%02d/config.json: out %q, ELR %v", i, c.Out, c.ELR)
		}
	}
}

// TestStabilityFiguresCommitted redraws the committed figures from the
// committed results (with the strict layout check of TestMain: no two
// labels overlap) and checks that the redraw writes the committed
// summary.json and table.md.
func TestStabilityFiguresCommitted(t *testing.T) {
	rs, bracket, sl := committedStability(t)
	dir := t.TempDir()
	if _, err := StabilityFigures(dir, rs, bracket); err != nil {
		t.Fatal(err)
	}
	if err := SliceFigures(dir, sl); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"summary.json", "table.md", "spectrum-hist-0.00121.csv"} {
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(stabilityDir, "figures", f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the redraw differs from the committed file", f)
		}
	}
}

// committedStability reads the committed results of testdata/stability and
// the 1|2 bracket of testdata/mnist they are compared with.
func committedStability(t *testing.T) ([]StabilityResult, [2]float64, SliceResult) {
	t.Helper()
	rs, err := ReadStability(filepath.Join(stabilityDir, "stability.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	bracket, err := Boundary12("../testdata/mnist/summary.json")
	if err != nil {
		t.Fatal(err)
	}
	var sl SliceResult
	b, err := os.ReadFile(filepath.Join(stabilityDir, "slices.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sl); err != nil {
		t.Fatal(err)
	}
	return rs, bracket, sl
}
