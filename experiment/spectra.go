package experiment

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets"
)

// SpectraConfig configures RunSpectra. The zero value of a field means its
// documented default.
type SpectraConfig struct {
	// Probes and Steps are SLQ's probe vectors and Lanczos steps (defaults
	// 2 and 16, as the prediction check's epoch 20).
	Probes int `json:"probes"`
	Steps  int `json:"steps"`
	// Batches is the number of training batches of the next epoch the
	// operators average over (default 4).
	Batches int `json:"batches"`
	// FDStep is the finite-difference step (an angle; default 1e-3, as
	// StabilityConfig).
	FDStep float64 `json:"fd_step"`
	// Seed seeds the probes (the same ones for both operators).
	Seed uint64 `json:"seed"`
}

// SpectrumRecord holds the SLQ spectra of one checkpoint: the effective
// tangent Hessian and Gauss-Newton matrix of the mean loss over the
// batches of the epoch after it.
type SpectrumRecord struct {
	Epoch       int               `json:"epoch"`
	ELR         float64           `json:"elr"`
	Hessian     analysis.Spectrum `json:"hessian"`
	GaussNewton analysis.Spectrum `json:"gauss_newton"`
	// HessianTime and GaussNewtonTime are the costs of the two SLQ runs.
	HessianTime     Cost `json:"hessian_time"`
	GaussNewtonTime Cost `json:"gauss_newton_time"`
}

// SpectrumFile is the name of RunSpectra's output in a run folder.
const SpectrumFile = "spectrum.jsonl"

// RunSpectra computes the SLQ spectra of the effective tangent Hessian and
// Gauss-Newton matrix at every epoch checkpoint of the run folder dir
// (epoch-NNNNNN.ckpt, in epoch order: 1, 2, 5, 10, ... and the last) and
// writes them to dir/spectrum.jsonl, atomically after each checkpoint. It
// reports one line per checkpoint on w (nil: quiet). Same seed, same
// numbers: the Hessian spectrum equals Stability's with SLQProbes Probes,
// SLQSteps Steps and the same Batches, FDStep and Seed.
func RunSpectra(dir string, cfg SpectraConfig, w io.Writer) ([]SpectrumRecord, error) {
	if cfg.Probes == 0 {
		cfg.Probes = 2
	}
	if cfg.Steps == 0 {
		cfg.Steps = 16
	}
	if cfg.Batches == 0 {
		cfg.Batches = 4
	}
	if cfg.FDStep == 0 {
		cfg.FDStep = 1e-3
	}
	if cfg.Probes < 1 || cfg.Steps < 1 || cfg.Batches < 1 || !(cfg.FDStep > 0) {
		return nil, fmt.Errorf("spectra: probes %d, steps %d, batches %d, fd step %v: want positive values", cfg.Probes, cfg.Steps, cfg.Batches, cfg.FDStep)
	}
	names, err := filepath.Glob(filepath.Join(dir, "epoch-*.ckpt"))
	if err != nil {
		return nil, err
	}
	epoch := func(n string) int {
		e, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(n), "epoch-"), ".ckpt"))
		if err != nil {
			return -1
		}
		return e
	}
	names = slices.DeleteFunc(names, func(n string) bool { return epoch(n) < 0 })
	slices.SortFunc(names, func(a, b string) int { return epoch(a) - epoch(b) })
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no epoch checkpoints", dir)
	}
	start := time.Now()
	var out []SpectrumRecord
	for i, name := range names {
		m, ds, ck, err := realnets.FromCheckpoint(name)
		if err != nil {
			return out, err
		}
		l, err := realnets.NewLandscape(m, CheckpointBatches(ds, ck, ck.Epoch+1, cfg.Batches), cfg.FDStep)
		if err != nil {
			return out, fmt.Errorf("%s: %v", name, err)
		}
		rec := SpectrumRecord{Epoch: ck.Epoch, ELR: ck.Config.ELR}
		slq := analysis.SLQConfig{Probes: cfg.Probes, Steps: cfg.Steps, Seed: cfg.Seed, Stream: 2}
		t0, c0 := time.Now(), processCPU()
		rec.Hessian = analysis.SLQ(l.Effective(), slq)
		rec.HessianTime = *costSince(t0, c0)
		gn, err := l.EffectiveGaussNewton()
		if err != nil {
			return out, fmt.Errorf("%s: %v", name, err)
		}
		t0, c0 = time.Now(), processCPU()
		rec.GaussNewton = analysis.SLQ(gn, slq)
		rec.GaussNewtonTime = *costSince(t0, c0)
		out = append(out, rec)
		if err := writeJSONL(filepath.Join(dir, SpectrumFile), out); err != nil {
			return out, err
		}
		if w != nil {
			_, hh := rec.Hessian.Range()
			_, gh := rec.GaussNewton.Range()
			el := time.Since(start)
			eta := time.Duration(float64(el) / float64(i+1) * float64(len(names)-i-1))
			fmt.Fprintf(w, "spectra: checkpoint %d/%d (epoch %d), elapsed %s, ETA %s: top SLQ node Hessian %.4g, Gauss-Newton %.4g\n",
				i+1, len(names), rec.Epoch, el.Round(time.Second), eta.Round(time.Second), hh, gh)
		}
	}
	return out, nil
}
