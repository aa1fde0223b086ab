package progress_test

import (
	"os"
	"time"

	"github.com/regimes/regimes/internal/progress"
)

// Example reports three epochs of 20 s each to a log (not a terminal), with
// a fake clock so that the output is deterministic.
func Example() {
	now := time.Unix(1700000000, 0)
	clock := func() time.Time { return now }
	r := progress.New(os.Stdout, progress.Options{Label: "train", Unit: "epoch", Total: 3, Terminal: progress.TerminalNo, Now: clock})
	for epoch := 1; epoch <= 3; epoch++ {
		r.Phase(epoch, 0, "training")
		now = now.Add(15 * time.Second)
		r.Phase(epoch, 0.75, "evaluating")
		now = now.Add(5 * time.Second)
		r.Done(epoch, "")
	}
	r.Finish()
	// Output:
	// train: epoch 1/3 (33%), elapsed 20s, ETA 40s, done
	// train: epoch 2/3 (66%), elapsed 40s, ETA 20s, done
	// train: epoch 3/3 (100%), elapsed 1m00s, ETA 0s, done
}
