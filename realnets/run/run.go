package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/realnets"
)

// The files of a run folder.
const (
	ConfigFile    = "config.json"
	MetricsFile   = "metrics.jsonl"
	SharpnessFile = "sharpness.jsonl"
	LastFile      = "last.ckpt"
)

// CheckpointName returns the name of the checkpoint of epoch in the run
// folder dir: dir/epoch-NNNNNN.ckpt.
func CheckpointName(dir string, epoch int) string {
	return filepath.Join(dir, fmt.Sprintf("epoch-%06d.ckpt", epoch))
}

// Run runs the training that cfg describes into the run folder cfg.Out:
// config.json, metrics.jsonl (one Record per epoch, epoch 0 being the
// starting point, or per evaluated epoch: realnets.TrainConfig.EvalEpochs), steps.csv (one StepRecord per step, or per cfg.LogEvery
// steps, with the header realnets.StepsHeader, rewritten at every epoch
// end), sharpness.jsonl when cfg.Sharpness is set, and the checkpoints. It
// shows a progress bar on progress when progress is not nil. It stops with
// ctx's error when ctx is done; the last checkpoint then lets a resume
// (cfg.Resume) continue exactly: the numbers of a resumed run are bitwise
// those of an uninterrupted one.
//
// A new run refuses a folder that holds another run, or this run with
// checkpoints, unless cfg.Force, which removes the old run's checkpoints
// and files first. With cfg.Resume the run continues from the folder's
// last intact checkpoint with the configuration stored there; only
// cfg.Epochs (to extend the run, 0 to keep it), cfg.Workers,
// cfg.WorkersNow and cfg.Progress are taken from cfg.
func Run(ctx context.Context, cfg realnets.TrainConfig, progress io.Writer) error {
	if cfg.Out == "" && !cfg.Resume {
		return fmt.Errorf("no output folder (realnets.Fit trains in memory)")
	}
	opt := realnets.FitOptions{Store: &folder{dir: cfg.Out}, Progress: progress}
	if cfg.Resume {
		c, ck, err := resume(cfg)
		if err != nil {
			return err
		}
		cfg, opt.Start = c, ck
	}
	_, err := realnets.Fit(ctx, cfg, opt)
	return err
}

// resume returns the configuration and checkpoint from which the run
// folder cfg.Out continues, with cfg's Epochs, Workers and Progress.
func resume(cfg realnets.TrainConfig) (realnets.TrainConfig, *realnets.Checkpoint, error) {
	if cfg.Out == "" {
		return cfg, nil, fmt.Errorf("resume needs the run's output folder")
	}
	if cfg.Epochs < 0 || cfg.Workers < 0 {
		return cfg, nil, fmt.Errorf("resume %s: epochs %d, workers %d: want non-negative values (0: keep the run's)", cfg.Out, cfg.Epochs, cfg.Workers)
	}
	_, ck, err := resumePoint(cfg.Out)
	if err != nil {
		return cfg, nil, err
	}
	c := ck.Config
	c.Out = cfg.Out
	if cfg.Epochs > 0 {
		if cfg.Epochs < ck.Epoch {
			return cfg, nil, refuse(cfg.Out, nil, "resume %s: the run has completed %d epochs, {Epochs} %d would shorten it (give at least %d)", cfg.Out, ck.Epoch, cfg.Epochs, ck.Epoch)
		}
		c.Epochs = cfg.Epochs
	}
	if cfg.Workers > 0 {
		c.Workers = cfg.Workers
	}
	c.Resume = true
	c.Progress, c.WorkersNow = cfg.Progress, cfg.WorkersNow
	return c, ck, nil
}

// folder is the realnets.Store of a run folder.
type folder struct{ dir string }

// Open claims the folder for a new run and makes it: every check of the
// run is done, so the folder is made just before its first file.
func (f *folder) Open(s *realnets.State) error {
	if !s.Config.Resume {
		if err := claimFolder(&s.Config); err != nil {
			return err
		}
	}
	return fileio.MkdirClean(f.dir)
}

// Save writes an epoch's checkpoints and then commits the folder's files.
// The checkpoints come first: a folder whose metrics.jsonl lists an epoch
// always holds that epoch's checkpoints (a kill in between leaves the
// checkpoints one epoch ahead, and the resume commits them).
func (f *folder) Save(s *realnets.State) error {
	if s.Trained {
		last := s.Epoch == s.Config.Epochs
		var ck *realnets.Checkpoint
		if realnets.LogEpoch(s.Epoch) || last {
			s.Report("checkpoint")
			ck = s.Checkpoint()
			if err := realnets.SaveCheckpoint(CheckpointName(f.dir, s.Epoch), ck); err != nil {
				return err
			}
		}
		if every := s.Config.CheckpointEvery; last || (every > 0 && s.Epoch%every == 0) {
			if ck == nil {
				ck = s.Checkpoint()
			}
			if err := realnets.SaveCheckpoint(filepath.Join(f.dir, LastFile), ck); err != nil {
				return err
			}
		}
	}
	return commit(f.dir, s)
}

// commit rewrites the run folder's files from the run's state as one unit
// (fileio.WriteSet, with the run identity in the manifest): config.json,
// metrics.jsonl, steps.csv and, for runs that compute it, sharpness.jsonl.
// A kill at any moment leaves a folder whose manifest matches its files or
// one without a manifest, and the checkpoints (which carry the same state)
// let a resume rewrite it.
func commit(dir string, s *realnets.State) error {
	cfgOut := runConfig{TrainConfig: s.Config, RunID: s.Config.RunID()}
	cfgOut.Resume = false
	files := []fileio.File{
		{Name: ConfigFile, Write: func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(cfgOut)
		}},
		{Name: MetricsFile, Write: func(w io.Writer) error { return fileio.WriteJSONL(w, s.Records) }},
		{Name: realnets.StepsFile, Write: func(w io.Writer) error { return realnets.WriteSteps(w, s.Steps) }},
	}
	if s.Config.Sharpness > 0 {
		files = append(files, fileio.File{Name: SharpnessFile, Write: func(w io.Writer) error { return fileio.WriteJSONL(w, s.Sharpness) }})
	}
	return fileio.WriteSet(dir, cfgOut.RunID, files)
}

// runConfig is the content of DIR/config.json: the configuration and its
// run identity.
type runConfig struct {
	realnets.TrainConfig
	RunID string `json:"run_id"`
}

// claimFolder checks that a new run may write into cfg.Out: the folder is
// new, empty of runs, or holds this same run without checkpoints (a start
// killed before its first checkpoint). A folder with another run, or with
// this run's checkpoints, is refused naming Resume and Force, unless
// cfg.Force, which removes the old run's checkpoints and files.
func claimFolder(cfg *realnets.TrainConfig) error {
	dir := cfg.Out
	ckpts, _ := filepath.Glob(filepath.Join(dir, "*.ckpt"))
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil && len(ckpts) == 0 {
		return nil
	}
	if cfg.Force {
		old := append(ckpts, filepath.Join(dir, fileio.ManifestFile), filepath.Join(dir, ConfigFile),
			filepath.Join(dir, MetricsFile), filepath.Join(dir, realnets.StepsFile), filepath.Join(dir, SharpnessFile))
		for _, n := range old {
			if err := os.Remove(n); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		return nil
	}
	var have runConfig
	if err == nil {
		err = json.Unmarshal(b, &have)
	}
	switch {
	case err != nil:
		return refuse(dir, err, "%s holds checkpoints without a readable config.json (%v); replace them with {Force}", dir, err)
	case realnets.SameRun(have.TrainConfig, *cfg) != nil:
		return refuse(dir, nil, "%s holds another run (%s: %v); continue that run with {Resume}, or replace it with {Force}", dir, have.TrainConfig.Summary(), realnets.SameRun(have.TrainConfig, *cfg))
	case len(ckpts) > 0:
		return refuse(dir, nil, "%s holds this run already, with checkpoints; continue it with {Resume}, or start it again with {Force}", dir)
	}
	return nil
}
