package plots

import (
	"fmt"
	"runtime"
	"time"

	"github.com/regimes/regimes/internal/buildinfo"
)

// RunProvenance returns what the figures and pages of a run record about
// it: the command line that made them (Source) and the build (Software:
// the module path and version; Commit: the VCS revision, marked
// "(modified)" when the tree had local changes, when the go command stamped
// one; see internal/buildinfo). With page, also the date and the machine,
// which a page lists but a figure leaves out, so that the same command on
// the same build writes the same figure bytes.
func RunProvenance(command string, page bool) []Meta {
	return runProvenance(command, buildinfo.Read(), page)
}

func runProvenance(command string, b buildinfo.Info, page bool) []Meta {
	m := []Meta{{Key: "Source", Value: command}, {Key: "Software", Value: b.Module + " " + b.Version}}
	if b.Revision != "" {
		rev := b.Revision
		if b.Modified {
			rev += " (modified)"
		}
		m = append(m, Meta{Key: "Commit", Value: rev})
	}
	if page {
		m = append(m,
			Meta{Key: "Creation Time", Value: time.Now().UTC().Format(time.RFC3339)},
			Meta{Key: "Machine", Value: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())})
	}
	return m
}
