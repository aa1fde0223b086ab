package run

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regimes/regimes/realnets"
)

// LastCheckpoint returns the checkpoint of dir with the most completed
// epochs (last.ckpt or the latest epoch-NNNNNN.ckpt), or "" if there is none.
func LastCheckpoint(dir string) string {
	best, bestEpoch := latestEpochCheckpoint(dir)
	last := filepath.Join(dir, LastFile)
	if c, err := realnets.LoadCheckpoint(last); err == nil && c.Epoch >= bestEpoch {
		return last
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		// A broken last.ckpt is reported by the caller, never passed over
		// for an older checkpoint without a word.
		return last
	}
	return best
}

// latestEpochCheckpoint returns the epoch-NNNNNN.ckpt of dir with the most
// completed epochs and that epoch, or "" and -1 if there is none.
func latestEpochCheckpoint(dir string) (string, int) {
	best, bestEpoch := "", -1
	names, _ := filepath.Glob(filepath.Join(dir, "epoch-*.ckpt"))
	for _, n := range names {
		var e int
		if _, err := fmt.Sscanf(filepath.Base(n), "epoch-%d.ckpt", &e); err == nil && e > bestEpoch {
			best, bestEpoch = n, e
		}
	}
	return best, bestEpoch
}

// waysOut ends the refusals of a resume: what the user can do instead.
const waysOut = "start afresh with {Force}, or from an intact checkpoint with {From}"

// resumePoint returns the checkpoint a resumed run in dir continues from:
// last.ckpt or an epoch-NNNNNN.ckpt with more completed epochs. It refuses
// a folder without checkpoints, a last.ckpt or chosen checkpoint that is not
// intact, and one of another run than dir/config.json's.
func resumePoint(dir string) (string, *realnets.Checkpoint, error) {
	last := filepath.Join(dir, LastFile)
	ck, err := realnets.LoadCheckpoint(last)
	name := last
	switch {
	case errors.Is(err, os.ErrNotExist):
		name, ck = "", nil
	case err != nil:
		return "", nil, refuse(dir, err, "resume %s: %v; "+waysOut, dir, err)
	default:
		if err := sameRunAsFolder(dir, last, ck); err != nil {
			return "", nil, err
		}
	}
	best, bestEpoch := latestEpochCheckpoint(dir)
	if best != "" && (ck == nil || bestEpoch > ck.Epoch) {
		if ck, err = realnets.LoadCheckpoint(best); err != nil {
			return "", nil, refuse(dir, err, "resume %s: %v; "+waysOut, dir, err)
		}
		if err := sameRunAsFolder(dir, best, ck); err != nil {
			return "", nil, err
		}
		name = best
	}
	if ck == nil {
		return "", nil, fmt.Errorf("%s: no checkpoint to resume from", dir)
	}
	return name, ck, nil
}

// sameRunAsFolder returns an error unless the checkpoint ck (read from the
// file name) belongs to the run described by dir/config.json: its recorded
// run identity (or, in a config.json written before identities, the one
// computed from it) must be ck's.
func sameRunAsFolder(dir, name string, ck *realnets.Checkpoint) error {
	cfgName := filepath.Join(dir, ConfigFile)
	b, err := os.ReadFile(cfgName)
	if err != nil {
		return refuse(dir, err, "resume %s: %v (a checkpoint without its run's configuration); "+waysOut, dir, err)
	}
	var rc runConfig
	if err := json.Unmarshal(b, &rc); err != nil {
		return refuse(dir, err, "resume %s: %s: %v; "+waysOut, dir, cfgName, err)
	}
	id := rc.RunID
	if id == "" {
		id = rc.TrainConfig.RunID()
	}
	if ck.RunID != id {
		return refuse(dir, nil, "resume %s: %s is a checkpoint of another run (run %s: %s) than config.json's (run %s: %s); "+waysOut,
			dir, filepath.Base(name), ck.RunID, ck.Config.Summary(), id, rc.TrainConfig.Summary())
	}
	return nil
}

// FinishedRun returns the records of the finished run in dir when its
// config.json describes want (realnets.SameRun) and its metrics.jsonl ends at
// want.Epochs; ok is false when dir holds no finished run of that
// configuration (missing, unfinished or another configuration: the caller
// decides). A finished run needs no checkpoint to be reused.
func FinishedRun(dir string, want realnets.TrainConfig) (recs []realnets.Record, ok bool) {
	have, err := readConfig(filepath.Join(dir, ConfigFile))
	if err != nil || realnets.SameRun(*have, want) != nil {
		return nil, false
	}
	recs, err = realnets.ReadMetrics(filepath.Join(dir, MetricsFile))
	if err != nil || len(recs) == 0 || recs[len(recs)-1].Epoch != want.Epochs {
		return nil, false
	}
	return recs, true
}

// readConfig reads a run's config.json.
func readConfig(name string) (*realnets.TrainConfig, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var c realnets.TrainConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &c, nil
}
