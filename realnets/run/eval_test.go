package run

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/regimes/regimes/realnets"
)

// TestEvalEpochsLog trains the same run with a record after every epoch
// and with records at the log-spaced epochs only (straight, and stopped
// after a non-evaluated epoch and resumed): the steps are bitwise the same,
// the sparse runs hold exactly the records of epochs 0, 1, ..., 6, 8 and
// the last, 9, and each is bitwise the full run's record of that epoch
// (the one-epoch angle and the epoch's mean step angle included); likewise
// with EvalEvery.
func TestEvalEpochsLog(t *testing.T) {
	mnist := smallMNIST(t, 300, 200)
	full := smallConfig(t.TempDir(), mnist)
	full.Epochs = 9
	mustRun(t, full)
	all := readRecords(t, full.Out)
	if len(all) != 10 {
		t.Fatalf("%d records, want 10", len(all))
	}
	var want []realnets.Record
	for _, r := range all {
		if slices.Contains([]int{0, 1, 2, 3, 4, 5, 6, 8, 9}, r.Epoch) {
			want = append(want, r)
		}
	}

	sparse := full
	sparse.Out, sparse.EvalEpochs, sparse.CheckpointEvery = t.TempDir(), realnets.EvalLog, 1
	mustRun(t, sparse)
	if got := readRecords(t, sparse.Out); recordsJSON(got) != recordsJSON(want) {
		t.Errorf("log-spaced records:\n%s\nwant the full run's\n%s", recordsJSON(got), recordsJSON(want))
	}
	sameSteps(t, full.Out, sparse.Out, 9*5)

	// Stopped while training epoch 8, after epoch 7 (not evaluated) was
	// checkpointed, then resumed.
	stopped := sparse
	stopped.Out = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	stopped.Progress = func(p realnets.TrainProgress) {
		if p.Epoch == 8 {
			cancel()
		}
	}
	if err := Run(ctx, stopped, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped run: %v", err)
	}
	if c, err := realnets.LoadCheckpoint(LastCheckpoint(stopped.Out)); err != nil || c.Epoch != 7 {
		t.Fatalf("checkpoint %v, want epoch 7", err)
	}
	mustRun(t, realnets.TrainConfig{Out: stopped.Out, Resume: true})
	if got := readRecords(t, stopped.Out); recordsJSON(got) != recordsJSON(want) {
		t.Errorf("resumed log-spaced records:\n%s\nwant\n%s", recordsJSON(got), recordsJSON(want))
	}
	sameSteps(t, full.Out, stopped.Out, 9*5)

	// The gradient pass at the start only: the same records without the
	// gradient metrics after epoch 0.
	start := sparse
	start.Out, start.GradMetrics = t.TempDir(), realnets.GradStart
	mustRun(t, start)
	for i := 1; i < len(want); i++ {
		want[i].GradNormMean, want[i].GradNormFull, want[i].GradNoise = nil, nil, nil
	}
	if got := readRecords(t, start.Out); recordsJSON(got) != recordsJSON(want) || want[0].GradNormMean == nil {
		t.Errorf("gradient metrics at the start only:\n%s\nwant\n%s", recordsJSON(got), recordsJSON(want))
	}
	sameSteps(t, full.Out, start.Out, 9*5)

	// EvalEvery: every 4th epoch alone (0, 4, 8 and the last, 9), and
	// together with the log-spaced epochs (their union: 0, ..., 6, 8, 9 as
	// above, since 4 and 8 are log-spaced too; at 7 neither).
	for _, c := range []struct {
		eval   realnets.EvalEpochs
		epochs []int
	}{{"", []int{0, 4, 8, 9}}, {realnets.EvalLog, []int{0, 1, 2, 3, 4, 5, 6, 8, 9}}} {
		every := full
		every.Out, every.EvalEpochs, every.EvalEvery = t.TempDir(), c.eval, 4
		mustRun(t, every)
		var want []realnets.Record
		for _, r := range all {
			if slices.Contains(c.epochs, r.Epoch) {
				want = append(want, r)
			}
		}
		if got := readRecords(t, every.Out); recordsJSON(got) != recordsJSON(want) {
			t.Errorf("eval every 4 (eval epochs %q):\n%s\nwant the full run's\n%s", c.eval, recordsJSON(got), recordsJSON(want))
		}
		sameSteps(t, full.Out, every.Out, 9*5)
	}
}
