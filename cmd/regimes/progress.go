package main

import (
	"fmt"
	"time"

	"github.com/regimes/regimes/internal/progress"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/tfevents"
)

// trainHook returns the TrainConfig.Progress hook of one training run: it
// reports the epochs on stderr (unless quiet) and, when tb is not empty,
// writes every epoch's record as TensorBoard scalars to an event file in
// the folder tb (step = epoch). close ends the report and the event file.
func trainHook(label string, quiet bool, tb string) (hook func(realnets.TrainProgress), close func() error) {
	var (
		rep *progress.Reporter
		ef  *tfevents.File
		err error
	)
	hook = func(p realnets.TrainProgress) {
		if rep == nil && !quiet {
			rep = progress.New(stderr, progress.Options{Label: label, Unit: "epoch", Total: max(p.Epochs, 1)})
			rep.Resume(p.FirstEpoch)
		}
		if p.Record != nil {
			if tb != "" && err == nil {
				if ef == nil {
					ef, err = tfevents.Create(tb, time.Now())
				}
				if err == nil {
					names, xs := p.Record.Scalars()
					if err = ef.WriteScalars(int64(p.Record.Epoch), time.Now(), names, xs); err == nil {
						err = ef.Sync()
					}
				}
			}
			if p.Epoch > 0 {
				rep.Done(p.Epoch, fmt.Sprintf("train loss %.4g, test error %.3g%%", p.Record.TrainLoss, p.Record.TestError))
				if p.Epoch == p.Epochs {
					rep.Finish()
				}
			}
			return
		}
		if p.Epoch == 0 {
			rep.Phase(1, 0, "starting point: "+p.Phase)
			return
		}
		// Within an epoch the training batches count for the epoch; the
		// evaluation passes after them are its last moments.
		frac := float64(p.Batch) / float64(max(p.Batches, 1))
		rep.Phase(p.Epoch, 0.99*frac, p.Phase)
	}
	close = func() error {
		rep.Finish()
		if ef != nil {
			if cerr := ef.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return fmt.Errorf("-tensorboard %s: %v", tb, err)
		}
		return nil
	}
	return hook, close
}

// pointsReporter returns the done callback of a sweep shard
// (analysis.RunShard): one progress unit per point (nil when quiet).
func pointsReporter(label string, quiet bool) func(done, total int) {
	if quiet {
		return nil
	}
	var rep *progress.Reporter
	return func(done, total int) {
		if total < 1 {
			return
		}
		if rep == nil {
			rep = progress.New(stderr, progress.Options{Label: label, Unit: "point", Total: total})
		}
		if done > 0 {
			rep.Done(done, "")
		}
		if done == total {
			rep.Finish()
		}
	}
}
