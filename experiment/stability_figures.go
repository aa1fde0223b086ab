package experiment

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/regime"
)

// Boundary12 returns the measured regime 1|2 bracket of a reproduction's
// summary.json (testdata/mnist/summary.json): the largest ELR labelled
// convergence below the smallest labelled chaotic equilibrium, and that
// smallest one.
func Boundary12(summary string) ([2]float64, error) {
	b, err := os.ReadFile(summary)
	if err != nil {
		return [2]float64{}, err
	}
	var s struct {
		ELRs    []float64 `json:"elrs"`
		Regimes []string  `json:"regimes"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return [2]float64{}, fmt.Errorf("%s: %v", summary, err)
	}
	if len(s.ELRs) != len(s.Regimes) {
		return [2]float64{}, fmt.Errorf("%s: %d ELRs and %d regimes", summary, len(s.ELRs), len(s.Regimes))
	}
	hi := math.Inf(1)
	for i, r := range s.Regimes {
		if r == "chaotic equilibrium" {
			hi = math.Min(hi, s.ELRs[i])
		}
	}
	lo := math.Inf(-1)
	for i, r := range s.Regimes {
		if r == "convergence" && s.ELRs[i] < hi {
			lo = math.Max(lo, s.ELRs[i])
		}
	}
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return [2]float64{}, fmt.Errorf("%s: no convergence below a chaotic equilibrium", summary)
	}
	return [2]float64{lo, hi}, nil
}

// Prediction is one row of the prediction check: the thresholds predicted
// from the point a regime-1 run reached at its last epoch.
type PredictionRow struct {
	ELR       float64 `json:"elr"`
	Epoch     int     `json:"epoch"`
	LambdaMax float64 `json:"lambda_max"`
	// LambdaDirect and Asymmetry are StabilityResult's: the curvature
	// measured again along lambda_max's vector and the antisymmetric part
	// of the compressed products.
	LambdaDirect   float64    `json:"lambda_direct,omitempty"`
	Asymmetry      float64    `json:"asymmetry,omitempty"`
	GD             float64    `json:"gd_threshold"`
	GDCI           [2]float64 `json:"gd_threshold_ci"`
	MS             float64    `json:"ms_threshold"`
	MSCI           [2]float64 `json:"ms_threshold_ci"`
	Batch          float64    `json:"batch_threshold"`
	BatchCI        [2]float64 `json:"batch_threshold_ci"`
	ELRTimesLambda float64    `json:"elr_times_lambda_max"`
	// SpectrumTop and GNSpectrumTop are the largest SLQ nodes of the
	// Hessian and Gauss-Newton spectra, when measured.
	SpectrumTop   float64 `json:"spectrum_top,omitempty"`
	GNSpectrumTop float64 `json:"gn_spectrum_top,omitempty"`
}

// PredictionSummary compares the predictions with the measured boundary.
type PredictionSummary struct {
	Rows []PredictionRow `json:"rows"`
	// Boundary is the measured 1|2 bracket.
	Boundary [2]float64 `json:"boundary"`
	// Below counts, per predictor, the rows whose 95% interval lies wholly
	// below the bracket, Inside those that overlap it, Above those above.
	GD    PredictionCount `json:"gd"`
	MS    PredictionCount `json:"ms"`
	Batch PredictionCount `json:"batch"`
}

// PredictionCount counts predictions against the bracket.
type PredictionCount struct {
	Below, Inside, Above int
}

func count(lo, hi float64, b [2]float64) PredictionCount {
	switch {
	case hi < b[0]:
		return PredictionCount{Below: 1}
	case lo > b[1]:
		return PredictionCount{Above: 1}
	}
	return PredictionCount{Inside: 1}
}

func (c *PredictionCount) add(d PredictionCount) {
	c.Below += d.Below
	c.Inside += d.Inside
	c.Above += d.Above
}

// Summarise builds the prediction summary from the results at each ELR's
// last epoch. The batch-sharpness interval is 2/(Ratio -+ 2 SE), SE the
// standard error of the mean quotient scaled to the ratio.
func Summarise(rs []StabilityResult, boundary [2]float64) PredictionSummary {
	last := map[float64]StabilityResult{}
	for _, r := range rs {
		if q, ok := last[r.ELR]; !ok || r.Epoch > q.Epoch {
			last[r.ELR] = r
		}
	}
	var elrs []float64
	for e := range last {
		elrs = append(elrs, e)
	}
	slices.Sort(elrs)
	s := PredictionSummary{Boundary: boundary}
	for _, e := range elrs {
		r := last[e]
		bs := r.BatchSharpness
		rel := 0.0
		if bs.Mean > 0 {
			rel = 1.96 * bs.MeanStdErr / bs.Mean
		}
		row := PredictionRow{ELR: e, Epoch: r.Epoch, LambdaMax: r.LambdaMax, LambdaDirect: r.LambdaDirect, Asymmetry: r.Asymmetry, GD: r.GDThreshold, GDCI: r.GDThresholdCI,
			MS: r.MSThreshold, MSCI: r.MSThresholdCI, Batch: r.BatchThreshold,
			BatchCI:        [2]float64{r.BatchThreshold / (1 + rel), r.BatchThreshold / math.Max(1-rel, 1e-9)},
			ELRTimesLambda: e * r.LambdaMax}
		if r.Spectrum != nil {
			_, row.SpectrumTop = r.Spectrum.Range()
		}
		if r.GNSpectrum != nil {
			_, row.GNSpectrumTop = r.GNSpectrum.Range()
		}
		s.Rows = append(s.Rows, row)
		s.GD.add(count(row.GDCI[0], row.GDCI[1], boundary))
		s.MS.add(count(row.MSCI[0], row.MSCI[1], boundary))
		s.Batch.add(count(row.BatchCI[0], row.BatchCI[1], boundary))
	}
	return s
}

// Table returns the summary as a Markdown table: per row the ELR of the
// run, lambda_max and the curvature measured along its vector, ELR x lambda_max, the three thresholds with their
// intervals and the top SLQ nodes of the Hessian and Gauss-Newton spectra,
// then the measured bracket; values to 3 significant digits.
func (s PredictionSummary) Table() string {
	var b strings.Builder
	b.WriteString("| ELR of the run | lambda_max (eff.), along its vector | ELR x lambda_max | GD 2/lambda_max [95% CI] | mean-square [95% CI] | 2/batch sharpness [95% CI] | top SLQ node: Hessian, GN |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	ci := func(v float64, c [2]float64) string { return fmt3(v) + " [" + fmt3(c[0]) + ", " + fmt3(c[1]) + "]" }
	top := func(v float64) string {
		if v == 0 {
			return "-"
		}
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	for _, r := range s.Rows {
		fmt.Fprintf(&b, "| %s | %.0f, %s | %.2f | %s | %s | %s | %s, %s |\n", fmt3(r.ELR), r.LambdaMax, top(r.LambdaDirect), r.ELRTimesLambda,
			ci(r.GD, r.GDCI), ci(r.MS, r.MSCI), ci(r.Batch, r.BatchCI), top(r.SpectrumTop), top(r.GNSpectrumTop))
	}
	fmt.Fprintf(&b, "| measured 1\\|2 bracket | | | %s to %s | | | |\n", fmt3(s.Boundary[0]), fmt3(s.Boundary[1]))
	return b.String()
}

// fmt3 formats x with 3 significant digits in exponent form without a
// leading zero in the exponent: 8.83e-4.
func fmt3(x float64) string {
	t := strconv.FormatFloat(x, 'e', 2, 64)
	t = strings.Replace(t, "e-0", "e-", 1)
	return strings.Replace(t, "e+0", "e+", 1)
}

// StabilityFigures writes the sharpness-tracking figure (track), the
// prediction check (check) and the SLQ spectra at the last epochs of the
// Hessian (spectrum) and of the Gauss-Newton matrix (gn-spectrum, when
// measured) as PNG and SVG into dir, with their data as CSV, and
// summary.json and its Table as table.md.
func StabilityFigures(dir string, rs []StabilityResult, boundary [2]float64) (PredictionSummary, error) {
	if err := fileio.MkdirClean(dir); err != nil {
		return PredictionSummary{}, err
	}
	sum := Summarise(rs, boundary)
	byELR := map[float64][]StabilityResult{}
	for _, r := range rs {
		byELR[r.ELR] = append(byELR[r.ELR], r)
	}
	var tracks []plots.Track
	for i, row := range sum.Rows {
		t := plots.Track{Name: "η\u0303 " + fmtELR(row.ELR), ELR: row.ELR, Color: runColor(i, len(sum.Rows))}
		for _, r := range byELR[row.ELR] {
			t.Epoch = append(t.Epoch, float64(r.Epoch))
			t.Lambda = append(t.Lambda, r.LambdaMax)
			t.Batch = append(t.Batch, r.BatchSharpness.Ratio)
		}
		tracks = append(tracks, t)
	}
	sz := plots.SizeFor(false, 0.9)
	save := func(name string, f *plots.Figure) error {
		for _, ext := range []string{".png", ".svg"} {
			if err := plots.Save(f, sz.W, sz.H, filepath.Join(dir, name+ext), plots.SaveOptions{}); err != nil {
				return err
			}
		}
		return nil
	}
	tf, _, err := plots.NewSharpnessTrack(plots.SharpnessTrack{Tracks: tracks})
	if err != nil {
		return sum, err
	}
	if err := save("track", tf); err != nil {
		return sum, err
	}
	// The three predictors are drawn side by side (x times 0.96, 1, 1.04)
	// so that their bars do not hide each other.
	var x, xl, xr []float64
	var gd, gdl, gdh, ms, msl, msh, bt, btl, bth []float64
	for _, r := range sum.Rows {
		x, xl, xr = append(x, r.ELR), append(xl, r.ELR*0.96), append(xr, r.ELR*1.04)
		gd, gdl, gdh = append(gd, r.GD), append(gdl, r.GDCI[0]), append(gdh, r.GDCI[1])
		ms, msl, msh = append(ms, r.MS), append(msl, r.MSCI[0]), append(msh, r.MSCI[1])
		bt, btl, bth = append(bt, r.Batch), append(btl, r.BatchCI[0]), append(bth, r.BatchCI[1])
	}
	cf, _, err := plots.NewStabilityCheck(plots.StabilityCheck{TrainELR: x, Boundary: boundary,
		BoundaryName: "measured 1|2 bracket (testdata/mnist)",
		Predictions: []plots.Prediction{
			{Name: "GD 2/λ_{max}", Concept: plots.GDThreshold, X: x, Value: gd, Lo: gdl, Hi: gdh},
			{Name: "mean-square", Concept: plots.MSThreshold, X: xl, Value: ms, Lo: msl, Hi: msh},
			{Name: "2/batch sharpness", Concept: plots.ASThreshold, X: xr, Value: bt, Lo: btl, Hi: bth},
		}})
	if err != nil {
		return sum, err
	}
	if err := save("check", cf); err != nil {
		return sum, err
	}
	// SLQ spectra at the last epochs: one panel per run, the Hessian's and
	// the Gauss-Newton matrix's on the same bins, against ELR x eigenvalue
	// (so that every run shares the axis and GD's stability limit is the
	// line at 2). The panels draw the histogram of the quadrature nodes
	// (no mass outside their range: a Gaussian kernel would spread the
	// Gauss-Newton null-space spike over negative eigenvalues on the log
	// axis); the kernel densities go to the CSVs NAME-ELR.csv, the
	// histograms (in eigenvalue units) to NAME-hist-ELR.csv.
	type spec struct {
		name string
		get  func(StabilityResult) *analysis.Spectrum
		col  color.Color
		leg  string
	}
	specs := []spec{
		{"spectrum", func(r StabilityResult) *analysis.Spectrum { return r.Spectrum }, runColorBlack(), "Hessian"},
		{"gn-spectrum", func(r StabilityResult) *analysis.Spectrum { return r.GNSpectrum }, color.NRGBA{R: 0x00, G: 0x9e, B: 0x73, A: 0xff}, "Gauss-Newton"}, // Okabe-Ito bluish green: not a regime colour,
	}
	lo, hi := math.Inf(1), 2.0
	for _, row := range sum.Rows {
		for _, r := range byELR[row.ELR] {
			for _, sp := range specs {
				if s := sp.get(r); r.Epoch == row.Epoch && s != nil {
					a, b := s.Range()
					lo, hi = math.Min(lo, a*row.ELR), math.Max(hi, b*row.ELR)
				}
			}
		}
	}
	if hi > lo {
		const bins = 48
		pad := 0.03 * (hi - lo)
		scaled := analysis.Grid(lo-pad, hi+pad, bins+1)
		var panels []plots.BandPanel
		for _, row := range sum.Rows {
			var series []plots.BandSeries
			edges := make([]float64, len(scaled))
			for k, e := range scaled {
				edges[k] = e / row.ELR
			}
			width := edges[1] - edges[0]
			for _, r := range byELR[row.ELR] {
				if r.Epoch != row.Epoch {
					continue
				}
				for _, f := range specs {
					sp := f.get(r)
					if sp == nil {
						continue
					}
					// A step line through the bins (eigenvalues per bin),
					// floored for the log axis.
					h := sp.Histogram(edges)
					var x, y []float64
					for k, v := range h {
						v = math.Max(v*width, 1e-2)
						x, y = append(x, scaled[k], scaled[k+1]), append(y, v, v)
					}
					series = append(series, plots.BandSeries{Name: f.leg, X: x, Mean: y, Color: f.col})
					a, b := sp.Range()
					grid := analysis.Grid(a-0.05*(b-a), b+0.05*(b-a), 400)
					if err := fileio.WriteFile(filepath.Join(dir, f.name+"-"+fmtELR(row.ELR)+".csv"), func(w io.Writer) error {
						return sp.WriteDensityCSV(w, grid, 0.03*(b-a))
					}); err != nil {
						return sum, err
					}
					if err := fileio.WriteFile(filepath.Join(dir, f.name+"-hist-"+fmtELR(row.ELR)+".csv"), func(w io.Writer) error {
						return sp.WriteHistogramCSV(w, edges)
					}); err != nil {
						return sum, err
					}
				}
			}
			if len(series) > 0 {
				panels = append(panels, plots.BandPanel{YLabel: "η\u0303 " + fmtELR(row.ELR), LogY: true, Series: series})
			}
		}
		if len(panels) > 0 {
			sf, _, err := plots.NewBandPanels(plots.BandPanels{
				XLabel: "ELR × effective tangent eigenvalue", Marks: []float64{2}, MarkName: "GD stability limit (2)",
				Title:  fmt.Sprintf("SLQ spectra at epoch %d: eigenvalues per bin (%d bins)", sum.Rows[0].Epoch, bins),
				Panels: panels})
			if err != nil {
				return sum, err
			}
			ssz := plots.SizeFor(false, 0.3*float64(len(panels))+0.3)
			for _, ext := range []string{".png", ".svg"} {
				if err := plots.Save(sf, ssz.W, ssz.H, filepath.Join(dir, "spectrum"+ext), plots.SaveOptions{}); err != nil {
					return sum, err
				}
			}
		}
	}
	if err := fileio.WriteFile(filepath.Join(dir, "table.md"), func(w io.Writer) error {
		_, err := io.WriteString(w, sum.Table())
		return err
	}); err != nil {
		return sum, err
	}
	if err := fileio.WriteFile(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(sum)
	}); err != nil {
		return sum, err
	}
	return sum, nil
}

// SliceFigures writes the 1-D slices (random direction, top eigenvector,
// and the great circle to the other point when there is one) and the 2-D
// slice as PNG and SVG into dir, with the slices as CSV.
func SliceFigures(dir string, r SliceResult) error {
	if err := fileio.MkdirClean(dir); err != nil {
		return err
	}
	sz := plots.SizeFor(false, 0.8)
	series := []plots.BandSeries{
		{Name: "filter-normalised random direction", X: r.Random.A, Mean: r.Random.Loss[0], Color: runColor(0, 3)},
		{Name: "top Hessian eigenvector", X: r.Top.A, Mean: r.Top.Loss[0], Color: runColor(2, 3)},
	}
	if r.Between != nil {
		series = append(series, plots.BandSeries{Name: "great circle to the other solution", X: r.Between.A, Mean: r.Between.Loss[0], Color: runColorBlack()})
	}
	f, _, err := plots.NewBandPanels(plots.BandPanels{XLabel: "angle from the solution (rad)",
		Panels: []plots.BandPanel{{YLabel: "train loss (batch statistics)", LogY: true, Series: series}}})
	if err != nil {
		return err
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := plots.Save(f, sz.W, sz.H, filepath.Join(dir, "slice1d"+ext), plots.SaveOptions{}); err != nil {
			return err
		}
	}
	m, err := plots.NewSliceMap(plots.SliceMap{A: r.Map.A, B: r.Map.B, Loss: r.Map.Loss, Log: true})
	if err != nil {
		return err
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := plots.Save(m, sz.W, sz.H, filepath.Join(dir, "slicemap"+ext), plots.SaveOptions{}); err != nil {
			return err
		}
	}
	for name, s := range map[string]*analysis.Slice{"slice-random.csv": &r.Random, "slice-top.csv": &r.Top, "slicemap.csv": &r.Map, "slice-between.csv": r.Between} {
		if s == nil {
			continue
		}
		if err := fileio.WriteFile(filepath.Join(dir, name), s.WriteCSV); err != nil {
			return err
		}
	}
	return nil
}

func fmtELR(e float64) string { return strconv.FormatFloat(e, 'g', 3, 64) }

// runColor is the colour of run i of n: the convergence hue, dark to light
// by ELR (every run here is a regime-1 run).
func runColor(i, n int) color.Color {
	t := 0.5
	if n > 1 {
		t = float64(i) / float64(n-1)
	}
	return plots.RunColor(regime.Convergence, t)
}

func runColorBlack() color.Color { return color.Black }
