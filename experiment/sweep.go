package experiment

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/sweep"
	"github.com/regimes/regimes/toy"
)

// MissingError reports that points of a plan have no result yet.
type MissingError struct {
	// Missing are the indices of the points without a result; Total is the
	// number of points of the plan.
	Missing []int
	Total   int
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%d of %d points have no result yet (first: %d)", len(e.Missing), e.Total, e.Missing[0])
}

// MergeSweep merges the point results of plan p found in dirs into
// out/results.jsonl and out/results.csv, committed together under a
// manifest with the plan's id as the run identity (fileio.WriteSet), and
// returns the line that says so. With points missing it writes nothing and returns a
// *MissingError, unless partial.
func MergeSweep(p *sweep.Plan, dirs []string, out string, partial bool) (string, error) {
	results, missing, err := sweep.Merge(p, dirs)
	if err != nil {
		return "", err
	}
	if len(missing) > 0 && !partial {
		return "", &MissingError{Missing: missing, Total: len(p.Points)}
	}
	recs := make([]map[string]any, len(results))
	for i, r := range results {
		if recs[i], err = r.Record(); err != nil {
			return "", err
		}
	}
	jsonl, csv := filepath.Join(out, "results.jsonl"), filepath.Join(out, "results.csv")
	if err := writeResults(out, p.ID, recs); err != nil {
		return "", err
	}
	return fmt.Sprintf("merged %d of %d points into %s and %s", len(recs), len(p.Points), jsonl, csv), nil
}

// WritePlan writes the sweep plan p (a toy, network or grid plan) to
// out/plan.json atomically, creating out.
func WritePlan(out string, p *sweep.Plan) error {
	if out == "" {
		return errors.New("sweep plan: no output folder")
	}
	if err := fileio.MkdirClean(out); err != nil {
		return err
	}
	return sweep.WritePlan(filepath.Join(out, "plan.json"), p)
}

// PlanRunner returns the runner of the points of plan p, read from
// planFile, and how many points run at once: a toy plan's points
// (toy.SweepRunner) run workers at a time; a network plan's (NewNetPlan)
// one at a time, each trainer run with workers goroutines in
// NetRunsDir(planFile); a grid plan's cells (NewGridPlan) one at a time,
// into the plan's folder, with workers goroutines per forward pass.
func PlanRunner(p *sweep.Plan, planFile string, workers int) (sweep.Runner, int) {
	switch {
	case IsNetPlan(p):
		return NetRunner(NetRunsDir(planFile), workers), 1
	case IsGridPlan(p):
		return GridRunner(filepath.Dir(planFile), workers, nil), 1
	}
	return toy.SweepRunner(), workers
}

// PlanMessage is the line that reports a plan written to name; kind names
// its points ("points", "network points").
func PlanMessage(name string, p *sweep.Plan, kind string) string {
	return fmt.Sprintf("wrote %s: %d %s (%d ELRs x %d %s values x %d seeds), plan %.12s",
		name, len(p.Points), kind, len(p.ELR), len(p.Values), p.Param, len(p.Seeds), p.ID)
}

// writeResults commits a sweep's merged records to dir/results.jsonl and
// dir/results.csv as one unit, with the plan's id as the run identity.
func writeResults(dir, planID string, recs []map[string]any) error {
	if err := fileio.MkdirClean(dir); err != nil {
		return err
	}
	return fileio.WriteSet(dir, planID, []fileio.File{
		{Name: "results.jsonl", Write: func(w io.Writer) error { return fileio.WriteJSONL(w, recs) }},
		{Name: "results.csv", Write: func(w io.Writer) error { return fileio.WriteFlatCSV(w, recs) }},
	})
}
