package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestStabilityCheckpoint trains a tiny MLP for one epoch and measures its
// checkpoint: the JSON result has a positive top curvature, GD threshold
// 2/lambda_max, and a mean-square threshold not above it, and, with
// -slq-probes and -gn-probes, both spectra.
func TestStabilityCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, _, errs := trainRun(t, "train", "-model", "mlp", "-width", "16", "-data", "mnist", "-subset", "256",
		"-test-subset", "100", "-elr", "1e-3", "-epochs", "1", "-seed", "1", "-grad-metrics", "log", "-out", dir)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	code, out, errs := trainRun(t, "stability", "-batches", "2", "-top-k", "2", "-fd-step", "3e-4", "-slq-probes", "2", "-gn-probes", "2", filepath.Join(dir, "epoch-000001.ckpt"))
	if code != 0 {
		t.Fatalf("stability: exit %d: %s", code, errs)
	}
	var r struct {
		Epoch       int     `json:"epoch"`
		LambdaMax   float64 `json:"lambda_max"`
		GDThreshold float64 `json:"gd_threshold"`
		MSThreshold float64 `json:"ms_threshold"`
		Batches     int     `json:"batches"`
		Spectrum    *struct {
			Dim    int `json:"dim"`
			Probes []struct {
				Nodes []float64 `json:"nodes"`
			} `json:"probes"`
		} `json:"spectrum"`
		GN *struct {
			Dim    int `json:"dim"`
			Probes []struct {
				Nodes []float64 `json:"nodes"`
			} `json:"probes"`
		} `json:"gn_spectrum"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Epoch != 1 || r.Batches != 2 || !(r.LambdaMax > 0) || r.GDThreshold*r.LambdaMax < 2-1e-9 || r.GDThreshold*r.LambdaMax > 2+1e-9 || !(r.MSThreshold > 0 && r.MSThreshold <= r.GDThreshold*(1+1e-9)) {
		t.Errorf("result %+v", r)
	}
	// Both spectra on the tangent space, 2 probes each; the Gauss-Newton
	// nodes are those of a positive semi-definite operator (to the
	// finite-difference error).
	if r.Spectrum == nil || r.GN == nil || len(r.Spectrum.Probes) != 2 || len(r.GN.Probes) != 2 || r.GN.Dim != r.Spectrum.Dim {
		t.Fatalf("spectra %+v %+v", r.Spectrum, r.GN)
	}
	for _, p := range r.GN.Probes {
		top := p.Nodes[len(p.Nodes)-1]
		if !(top > 0) || p.Nodes[0] < -1e-2*top {
			t.Errorf("Gauss-Newton nodes %v", p.Nodes)
		}
	}
	code, _, errs = trainRun(t, "stability", "-fd-step", "-1", filepath.Join(dir, "epoch-000001.ckpt"))
	if code == 0 || !strings.Contains(errs, "must not be negative") {
		t.Errorf("negative step: exit %d: %s", code, errs)
	}
	code, _, errs = trainRun(t, "stability", filepath.Join(dir, "missing.ckpt"))
	if code == 0 || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
		t.Errorf("missing checkpoint: exit %d, stderr %q (want one line)", code, errs)
	}
}
