package plots

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/vg"
)

func TestLandscapeFigures(t *testing.T) {
	dir := t.TempDir()
	if d := os.Getenv("REGIMES_FIGDIR"); d != "" {
		dir = d
	}
	a := make([]float64, 21)
	for i := range a {
		a[i] = -1 + 0.1*float64(i)
	}
	loss := make([][]float64, len(a))
	for i, b := range a {
		loss[i] = make([]float64, len(a))
		for j, x := range a {
			loss[i][j] = 0.1 + math.Sin(x)*math.Sin(x) + 3*math.Sin(b)*math.Sin(b)
		}
	}
	sz := SizeFor(false, 0.8)
	f, err := NewSliceMap(SliceMap{A: a, B: a, Loss: loss, Log: true, Title: "slice"})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckLayout(f, sz.W, sz.H); err != nil {
		t.Error(err)
	}
	if err := Save(f, sz.W, sz.H, filepath.Join(dir, "slicemap.png"), SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	tr, skips, err := NewSharpnessTrack(SharpnessTrack{Tracks: []Track{
		{Name: "ELR 1e-3", ELR: 1e-3, Epoch: []float64{1, 5, 20}, Lambda: []float64{3000, 2500, 1700}, Batch: []float64{2100, 1900, nan}, Color: RegimeColor(1)},
		{Name: "ELR 1e-4", ELR: 1e-4, Epoch: []float64{1, 5, 20}, Lambda: []float64{9000, 7000, 8000}, Batch: []float64{5000, 4000, 3000}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(skips) != 1 {
		t.Errorf("skips %v, want the NaN batch sharpness", skips)
	}
	if err := CheckLayout(tr, sz.W, sz.H); err != nil {
		t.Error(err)
	}
	if err := Save(tr, sz.W, sz.H, filepath.Join(dir, "track.png"), SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	x := []float64{1.8e-4, 1.2e-3, 3.2e-3, 8.3e-3}
	sc, _, err := NewStabilityCheck(StabilityCheck{TrainELR: x, Boundary: [2]float64{8.3e-3, 2.7e-2},
		Predictions: []Prediction{
			{Name: "GD 2/λ_{max}", Concept: GDThreshold, Value: []float64{2e-4, 7e-4, 1e-3, 2e-3}, Lo: []float64{1.5e-4, 6e-4, 8e-4, 1.5e-3}, Hi: []float64{3e-4, 9e-4, 1.4e-3, 3e-3}},
			{Name: "mean-square", Concept: MSThreshold, Value: []float64{1.8e-4, 6e-4, 9e-4, 1.8e-3}, Lo: []float64{1.5e-4, 5e-4, 8e-4, 1.5e-3}, Hi: []float64{2e-4, 7e-4, 1e-3, 2e-3}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckLayout(sc, sz.W, sz.H); err != nil {
		t.Error(err)
	}
	if err := Save(sc, sz.W, sz.H, filepath.Join(dir, "check.png"), SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewSliceMap(SliceMap{A: a[:1], B: a, Loss: loss}); err == nil {
		t.Error("a 1-column slice map was accepted")
	}
	_ = vg.Points
}

// TestSliceMapDeterministic draws a map whose contour levels have many
// paths each (a landscape of 16 wells) several times: the SVG bytes are the
// same every time (gonum/plot's contour keeps a level's paths in a map).
func TestSliceMapDeterministic(t *testing.T) {
	a := make([]float64, 41)
	for i := range a {
		a[i] = -1 + float64(i)/20
	}
	loss := make([][]float64, len(a))
	for i, y := range a {
		loss[i] = make([]float64, len(a))
		for j, x := range a {
			loss[i][j] = 2.5 + math.Cos(2*math.Pi*x)*math.Cos(2*math.Pi*y)
		}
	}
	var first []byte
	for k := range 6 {
		f, err := NewSliceMap(SliceMap{A: a, B: a, Loss: loss})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		sz := SizeFor(false, 1)
		if err := Render(&b, f, sz.W, sz.H, SVG, SaveOptions{}); err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			first = b.Bytes()
			if n := bytes.Count(first, []byte("<path")); n < 40 {
				t.Fatalf("only %d paths: the test needs many contour paths per level", n)
			}
		} else if !bytes.Equal(b.Bytes(), first) {
			t.Fatalf("render %d differs from the first", k)
		}
	}
}
