package run

import (
	"fmt"
	"io"
	"time"

	"github.com/regimes/regimes/internal/progress"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/tfevents"
)

// Progress returns a TrainConfig.Progress hook for one training run: it
// reports the epochs on w with elapsed time and ETA (a live line on a
// terminal, one line per epoch elsewhere; nothing when w is nil) and, when
// tensorboard is not empty, writes every epoch's record as TensorBoard
// scalars (step = epoch) to an event file in the folder tensorboard.
// close ends the report and the event file, and returns the first error
// of writing it.
func Progress(w io.Writer, label, tensorboard string) (hook func(realnets.TrainProgress), close func() error) {
	var (
		rep *progress.Reporter
		ef  *tfevents.File
		err error
	)
	hook = func(p realnets.TrainProgress) {
		if rep == nil && w != nil {
			rep = progress.New(w, progress.Options{Label: label, Unit: "epoch", Total: max(p.Epochs, 1)})
			rep.Resume(p.FirstEpoch)
		}
		if p.Record == nil {
			reportPhase(rep, p)
			return
		}
		if tensorboard != "" && err == nil {
			if ef == nil {
				ef, err = tfevents.Create(tensorboard, time.Now())
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
	}
	close = func() error {
		rep.Finish()
		if ef != nil {
			if cerr := ef.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return fmt.Errorf("tensorboard %s: %v", tensorboard, err)
		}
		return nil
	}
	return hook, close
}

// reportPhase shows the phase of an epoch under way: the training batches
// count for the epoch, the evaluation passes after them are its last
// moments.
func reportPhase(rep *progress.Reporter, p realnets.TrainProgress) {
	if p.Epoch == 0 {
		rep.Phase(1, 0, "starting point: "+p.Phase)
		return
	}
	frac := float64(p.Batch) / float64(max(p.Batches, 1))
	rep.Phase(p.Epoch, 0.99*frac, p.Phase)
}
