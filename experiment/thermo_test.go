package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/regimes/regimes/plots"
	"github.com/regimes/regimes/toy"
)

// ExampleThermo runs a small grid of the sphere protocol and prints where the
// leading-order temperature ELR sigma^2/2 holds.
func ExampleThermo() {
	c := ThermoConfig{SphereELRs: []float64{0.01, 0.1, 1}, ELRs: []float64{}, LRs: []float64{}, Rows: 2000}
	res, err := Thermo(context.Background(), c)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Points {
		fmt.Printf("ELR %-4g angle %.3f rad: T %.4f, predicted %.4f, in CI %v\n", p.Run.ELR, p.Predicted.AngleRMS, p.Measured.Temperature.Value, p.Predicted.Temperature, p.InCI.Temperature)
	}
	// Output:
	// ELR 0.01 angle 0.014 rad: T 0.0050, predicted 0.0050, in CI true
	// ELR 0.1  angle 0.145 rad: T 0.0533, predicted 0.0500, in CI false
	// ELR 1    angle 1.593 rad: T 0.3717, predicted 0.5000, in CI false
}

func TestThermoWorkersAgree(t *testing.T) {
	c := ThermoConfig{SphereELRs: []float64{0.1, 0.3}, ELRs: []float64{0.1}, WDs: []float64{0.01}, LRs: []float64{0.1}, Momenta: []float64{0.5}, Rows: 300, MinSteps: 30000}
	c.Workers = 1
	a, err := Thermo(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	c.Workers = 3
	b, _ := Thermo(context.Background(), c)
	for i := range a.Points {
		if a.Points[i].Measured != b.Points[i].Measured {
			t.Fatalf("point %d differs with the worker count", i)
		}
	}
	if a.Points[0].Run.Protocol != toy.Sphere || len(a.Breakdown) != 6 || a.Breakdown[0].Points != 2 {
		t.Errorf("unexpected result %+v", a.Breakdown)
	}
}

func BenchmarkThermoDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Thermo(context.Background(), DefaultThermoConfig()); err != nil {
			b.Fatal(err)
		}
	}
}

func TestThermoFiguresAndJSON(t *testing.T) {
	c := ThermoConfig{SphereELRs: []float64{0.03, 0.3}, ELRs: []float64{0.03, 0.1}, WDs: []float64{0.01, 0.1}, LRs: []float64{0.1}, Momenta: []float64{0, 0.9}, Rows: 300, MinSteps: 30000}
	res, err := Thermo(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	figs, err := ThermoFigures(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		if err := plots.CheckLayout(f.Figure, f.Width, f.Height); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
	dir := t.TempDir()
	files, err := WriteThermoFigures(res, dir, []string{"png", "svg"}, false)
	if err != nil || len(files) != 12 {
		t.Fatalf("figures %v: %v", files, err)
	}
	if _, err := WriteThermoFigures(res, dir, []string{"png"}, false); err == nil {
		t.Error("existing figures overwritten without overwrite")
	}
	j := filepath.Join(dir, "thermo.json")
	if err := WriteThermoJSON(res, j, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteThermoJSON(res, j, false); err == nil {
		t.Error("existing JSON overwritten without overwrite")
	}
	var back map[string]any
	data, _ := os.ReadFile(j)
	if err := json.Unmarshal(data, &back); err != nil || len(back["points"].([]any)) != len(res.Points) {
		t.Errorf("JSON does not read back: %v", err)
	}
}
