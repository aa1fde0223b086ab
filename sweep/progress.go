package sweep

import (
	"io"

	"github.com/regimes/regimes/internal/progress"
)

// Progress returns a done callback for RunShard that reports one progress
// unit per point on w with elapsed time and ETA (a live line on a
// terminal, one line per point elsewhere), or nil when w is nil.
func Progress(w io.Writer, label string) func(done, total int) {
	if w == nil {
		return nil
	}
	var rep *progress.Reporter
	return func(done, total int) {
		if total < 1 {
			return
		}
		if rep == nil {
			rep = progress.New(w, progress.Options{Label: label, Unit: "point", Total: total})
		}
		if done > 0 {
			rep.Done(done, "")
		}
		if done == total {
			rep.Finish()
		}
	}
}
