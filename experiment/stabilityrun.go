package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/internal/progress"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	"github.com/regimes/regimes/realnets/run"
)

// StabilityRunConfig configures RunStability: fixed-ELR trainings of the
// MNIST reproduction's setting (SCIENCE.md section 9; testdata/mnist) and
// the stability of their points at log-spaced epochs.
type StabilityRunConfig struct {
	// Out is the folder: Out/elr-NN/ holds each training run, Out/stability.jsonl
	// one StabilityResult per (ELR, epoch).
	Out string `json:"out"`
	// ELRs are the fixed ELRs trained.
	ELRs []float64 `json:"elrs"`
	// Train is the training configuration shared by the runs (ELR and Out
	// are set per run).
	Train realnets.TrainConfig `json:"train"`
	// Epochs lists the checkpoint epochs measured (they must be epochs at
	// which run.Run keeps checkpoints: 1, 2, 5 times a power of ten, or
	// the last); 0 is the starting point.
	Epochs []int `json:"epochs"`
	// Final is the configuration at the last epoch (with SLQ, say); Tracking
	// the one at the earlier epochs.
	Final, Tracking StabilityConfig
}

// MNISTStabilityConfig returns the configuration of the committed
// prediction check (testdata/stability): ConvNetSI c=8 on the first 2,000
// MNIST training images, batch 128, seed 1, 20 epochs, as in
// testdata/mnist, at the given regime-1 ELRs.
func MNISTStabilityConfig(out string, elrs []float64) StabilityRunConfig {
	return StabilityRunConfig{
		Out:  out,
		ELRs: elrs,
		Train: realnets.TrainConfig{
			Model: "convnet", Width: 8,
			Data:   data.Config{Name: "mnist", Pad: true, Subset: 2000},
			Epochs: 20, Batch: 128, Seed: 1, TestSubset: 500, GradMetrics: "log",
		},
		Epochs:   []int{1, 5, 20},
		Final:    StabilityConfig{Batches: 4, TopK: 4, LanczosSteps: 60, LanczosTol: 1e-2, SLQProbes: 3, SLQSteps: 24, GNProbes: 3, Seed: 1},
		Tracking: StabilityConfig{Batches: 4, TopK: 3, LanczosSteps: 40, LanczosTol: 1e-2, Seed: 1},
	}
}

// RunStability trains every ELR of cfg (reusing a finished run in its
// folder and resuming an interrupted one) and measures the stability at cfg.Epochs, writing
// Out/stability.jsonl atomically after every measurement. It reports its
// progress on w (nil: quiet), one stage an ELR, with the elapsed time and
// an ETA: a live line on a terminal, else a line per training epoch and
// per measurement.
func RunStability(ctx context.Context, cfg StabilityRunConfig, w io.Writer) ([]StabilityResult, error) {
	var rep *progress.Reporter
	if w != nil {
		rep = progress.New(w, progress.Options{Label: "stability", Unit: "stage", Total: max(len(cfg.ELRs), 1)})
	}
	defer rep.Finish()
	return runStability(ctx, cfg, rep)
}

// runStability is RunStability reporting stage i+1 for ELR i on rep:
// training is the first half of a stage, the measurements the second.
func runStability(ctx context.Context, cfg StabilityRunConfig, rep *progress.Reporter) ([]StabilityResult, error) {
	if err := fileio.MkdirClean(cfg.Out); err != nil {
		return nil, err
	}
	var out []StabilityResult
	for i, elr := range cfg.ELRs {
		dir := filepath.Join(cfg.Out, fmt.Sprintf("elr-%02d", i))
		tc := cfg.Train
		tc.ELR, tc.Out = elr, dir
		last := filepath.Join(dir, fmt.Sprintf("epoch-%06d.ckpt", tc.Epochs))
		if _, err := os.Stat(last); err != nil {
			// An interrupted run resumes from its last checkpoint, bitwise
			// as if uninterrupted (run.Run), when it is this training.
			if ck := run.LastCheckpoint(dir); ck != "" {
				c, err := realnets.LoadCheckpoint(ck)
				if err != nil {
					return out, fmt.Errorf("ELR %g: %v", elr, err)
				}
				if !sameTraining(c.Config, tc) {
					return out, fmt.Errorf("ELR %g: %s holds another training (%s %d epochs at ELR %g, seed %d); move it away", elr, dir, c.Config.Model, c.Config.Epochs, c.Config.ELR, c.Config.Seed)
				}
				tc.Resume = true
			}
			if rep != nil {
				tc.Progress = func(p realnets.TrainProgress) {
					frac := 0.5 * (float64(max(p.Epoch-1, 0)) + float64(p.Batch)/float64(max(p.Batches, 1))) / float64(max(tc.Epochs, 1))
					if p.Record == nil {
						rep.Phase(i+1, frac, fmt.Sprintf("ELR %.3g: training epoch %d/%d, %s", elr, max(p.Epoch, 1), tc.Epochs, p.Phase))
					} else if p.Epoch > 0 {
						rep.Stage(i+1, 0.5*float64(p.Epoch)/float64(max(tc.Epochs, 1)), fmt.Sprintf("ELR %.3g: training epoch %d/%d, train loss %.4g",
							elr, p.Epoch, tc.Epochs, p.Record.TrainLoss))
					}
				}
			}
			if err := run.Run(ctx, tc, nil); err != nil {
				return out, fmt.Errorf("ELR %g: %v", elr, err)
			}
		} else {
			rep.Skip(i+1, 0.5)
		}
		for j, ep := range cfg.Epochs {
			rep.Phase(i+1, 0.5+0.5*float64(j)/float64(len(cfg.Epochs)), fmt.Sprintf("ELR %.3g: measuring epoch %d", elr, ep))
			sc := cfg.Tracking
			if ep == tc.Epochs {
				sc = cfg.Final
			}
			r, err := StabilityAt(filepath.Join(dir, fmt.Sprintf("epoch-%06d.ckpt", ep)), sc)
			if err != nil {
				return out, err
			}
			out = append(out, r)
			if err := writeJSONL(filepath.Join(cfg.Out, "stability.jsonl"), out); err != nil {
				return out, err
			}
			rep.Stage(i+1, 0.5+0.5*float64(j+1)/float64(len(cfg.Epochs)), fmt.Sprintf("ELR %.3g epoch %d: lambda_max %.4g, GD threshold %.3g, MS %.3g, batch %.3g",
				elr, ep, r.LambdaMax, r.GDThreshold, r.MSThreshold, r.BatchThreshold))
		}
	}
	return out, nil
}

// sameTraining reports whether a and b train the same network on the same
// data with the same ELR, batch, epochs and seeds.
func sameTraining(a, b realnets.TrainConfig) bool {
	return a.Model == b.Model && a.Width == b.Width && a.Data == b.Data && a.ELR == b.ELR && a.Epochs == b.Epochs &&
		a.Batch == b.Batch && a.Seed == b.Seed && a.HeadSeed == b.HeadSeed
}

func writeJSONL[T any](name string, rs []T) error {
	return fileio.WriteFile(name, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for i := range rs {
			if err := enc.Encode(&rs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// StabilityCheckConfig configures StabilityCheck.
type StabilityCheckConfig struct {
	// Run is the training and measurement configuration.
	Run StabilityRunConfig
	// Summary is the reproduction's summary.json whose 1|2 bracket the
	// predictions are compared with (Boundary12).
	Summary string
	// Slices, when set, adds the slices through the last point of run
	// SliceFrom with the great circle to that of run SliceTo (indices into
	// Run.ELRs).
	Slices             bool
	SliceFrom, SliceTo int
	SliceConfig        SliceConfig
}

// StabilityCheck is the prediction check of testdata/stability: it runs
// RunStability, draws the figures and writes summary.json into
// Run.Out/figures (StabilityFigures), and, when asked, computes the slices
// into Run.Out/slices.json and draws them (SliceFigures).
func StabilityCheck(ctx context.Context, cfg StabilityCheckConfig, w io.Writer) (PredictionSummary, error) {
	bracket, err := Boundary12(cfg.Summary)
	if err != nil {
		return PredictionSummary{}, err
	}
	n := len(cfg.Run.ELRs)
	if cfg.Slices && (cfg.SliceFrom < 0 || cfg.SliceFrom >= n || cfg.SliceTo < 0 || cfg.SliceTo >= n || cfg.SliceFrom == cfg.SliceTo) {
		return PredictionSummary{}, fmt.Errorf("slices from run %d to run %d: want two different indices into the %d ELRs", cfg.SliceFrom, cfg.SliceTo, n)
	}
	var rep *progress.Reporter
	if w != nil {
		// One stage an ELR, and the slices one more.
		rep = progress.New(w, progress.Options{Label: "stability", Unit: "stage", Total: max(n, 1) + map[bool]int{true: 1}[cfg.Slices]})
	}
	defer rep.Finish()
	rs, err := runStability(ctx, cfg.Run, rep)
	if err != nil {
		return PredictionSummary{}, err
	}
	figs := filepath.Join(cfg.Run.Out, "figures")
	sum, err := StabilityFigures(figs, rs, bracket)
	if err != nil || !cfg.Slices {
		return sum, err
	}
	last := func(i int) string {
		return filepath.Join(cfg.Run.Out, fmt.Sprintf("elr-%02d", i), fmt.Sprintf("epoch-%06d.ckpt", cfg.Run.Train.Epochs))
	}
	rep.Phase(n+1, 0, "slices through "+last(cfg.SliceFrom))
	sl, err := SlicesAt(last(cfg.SliceFrom), last(cfg.SliceTo), cfg.SliceConfig)
	if err != nil {
		return sum, err
	}
	rep.Done(n+1, "slices through "+last(cfg.SliceFrom))
	if err := writeJSONL(filepath.Join(cfg.Run.Out, "slices.json"), []SliceResult{sl}); err != nil {
		return sum, err
	}
	return sum, SliceFigures(figs, sl)
}

// ReadStability reads the results of RunStability from name (one
// StabilityResult per line).
func ReadStability(name string) ([]StabilityResult, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []StabilityResult
	dec := json.NewDecoder(f)
	for {
		var r StabilityResult
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: result %d: %v", name, len(out)+1, err)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no results", name)
	}
	return out, nil
}

// RedrawStability redraws what StabilityCheck draws from the results it
// wrote into the folder out (stability.jsonl and, when present,
// slices.json), comparing with the bracket of summary, without training or
// measuring anything: for figures, summary.json and table.md made by a
// newer version of the drawing code.
func RedrawStability(out, summary string) (PredictionSummary, error) {
	bracket, err := Boundary12(summary)
	if err != nil {
		return PredictionSummary{}, err
	}
	rs, err := ReadStability(filepath.Join(out, "stability.jsonl"))
	if err != nil {
		return PredictionSummary{}, err
	}
	figs := filepath.Join(out, "figures")
	sum, err := StabilityFigures(figs, rs, bracket)
	if err != nil {
		return sum, err
	}
	b, err := os.ReadFile(filepath.Join(out, "slices.json"))
	if errors.Is(err, os.ErrNotExist) {
		return sum, nil
	} else if err != nil {
		return sum, err
	}
	var sl SliceResult
	if err := json.Unmarshal(b, &sl); err != nil {
		return sum, fmt.Errorf("%s: %v", filepath.Join(out, "slices.json"), err)
	}
	return sum, SliceFigures(figs, sl)
}
