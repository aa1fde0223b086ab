package experiment

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
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

// TestThermoCommitted checks testdata/thermo, the output of `regimes thermo`
// on the default grid that the README shows: three of its runs recomputed
// from their configurations give the committed measurements, and the
// README's statements hold on it (the temperature's breakdown angles, the
// Maxwell slopes within 0.025 of -(D-1)/2 = -1, the entropy within 0.06
// nats of the von Mises-Fisher value below a step angle of 0.03 rad).
func TestThermoCommitted(t *testing.T) {
	data, err := os.ReadFile("../testdata/thermo/thermo.json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Config    ThermoConfig `json:"config"`
		Points    []json.RawMessage
		Breakdown []struct {
			Protocol   string   `json:"protocol"`
			Order      int      `json:"order"`
			HoldsBelow *float64 `json:"holds_below"`
		} `json:"breakdown"`
		Maxwell struct {
			DSdLogP []float64 `json:"ds_dlogp"`
			PdVdT   []float64 `json:"minus_p_dv_dt"`
		} `json:"maxwell"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	runs, err := res.Config.Runs()
	if err != nil || len(runs) != len(res.Points) {
		t.Fatalf("runs %d, points %d: %v", len(runs), len(res.Points), err)
	}
	for _, i := range []int{1, 12, 30} {
		p, err := thermoPoint(runs[i])
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(p.Measured)
		var a, b struct {
			Measured json.RawMessage `json:"measured"`
		}
		json.Unmarshal(res.Points[i], &a)
		b.Measured = got
		var ma, mb map[string]any
		json.Unmarshal(a.Measured, &ma)
		json.Unmarshal(b.Measured, &mb)
		if fmt.Sprint(ma) != fmt.Sprint(mb) {
			t.Errorf("run %d (%v): recomputed measurement differs from the committed one", i, runs[i].Protocol)
		}
	}
	want := map[string]float64{"sphere0": 1.59, "elr0": 0.145, "lr0": 0.0324, "sphere1": 0.450, "elr1": math.NaN(), "lr1": 0.103}
	for _, b := range res.Breakdown {
		w := want[fmt.Sprintf("%s%d", b.Protocol, b.Order)]
		switch {
		case math.IsNaN(w) && b.HoldsBelow != nil, !math.IsNaN(w) && (b.HoldsBelow == nil || math.Abs(*b.HoldsBelow-w) > 0.005*w):
			t.Errorf("breakdown %s order %d: %v, README says %v", b.Protocol, b.Order, b.HoldsBelow, w)
		}
	}
	// At ELR 0.01 the fixed-ELR radius excludes the noise-only value
	// sqrt(ELR sigma^2 (D-1)/(2 wd)) and contains the G value.
	for _, raw := range res.Points {
		var q struct {
			Run       toy.ThermoConfig     `json:"run"`
			Predicted toy.ThermoPrediction `json:"predicted"`
			Measured  struct {
				Radius toy.Measured `json:"radius"`
			} `json:"measured"`
		}
		json.Unmarshal(raw, &q)
		if q.Run.Protocol != toy.FixedELR || q.Run.ELR != 0.01 {
			continue
		}
		noise := math.Sqrt(q.Run.ELR * float64(q.Run.D-1) / (2 * q.Run.WD))
		if q.Measured.Radius.Contains(noise) || !q.Measured.Radius.Contains(q.Predicted.Radius) {
			t.Errorf("ELR 0.01 wd %v: radius %v, noise-only %v, G value %v", q.Run.WD, q.Measured.Radius, noise, q.Predicted.Radius)
		}
	}
	for _, s := range append(res.Maxwell.DSdLogP, res.Maxwell.PdVdT...) {
		if math.Abs(s+1) > 0.025 {
			t.Errorf("Maxwell slope %v is not within 0.025 of -1", s)
		}
	}
	for i, raw := range res.Points {
		var q struct {
			Predicted struct {
				AngleRMS float64 `json:"angle_rms"`
			} `json:"predicted"`
			EntropyErr float64 `json:"entropy_err"`
		}
		json.Unmarshal(raw, &q)
		if q.Predicted.AngleRMS < 0.03 && math.Abs(q.EntropyErr) > 0.06 {
			t.Errorf("point %d: entropy off by %v below a step angle of 0.03", i, q.EntropyErr)
		}
	}
}
