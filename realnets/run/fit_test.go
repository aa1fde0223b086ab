package run

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/regimes/regimes/realnets"
)

type countRecorder struct {
	epochs []int
	stop   int // stop with an error at this epoch (0: never)
}

var errStop = errors.New("stop")

func (c *countRecorder) Record(r realnets.Record) error {
	c.epochs = append(c.epochs, r.Epoch)
	if c.stop > 0 && r.Epoch == c.stop {
		return errStop
	}
	return nil
}

// TestFitInMemory checks that Fit trains without a folder, writing
// nothing, that its records and steps are bitwise those Run writes for the
// same configuration, and that its Recorder sees every epoch and can stop
// the run.
func TestFitInMemory(t *testing.T) {
	mnist := smallMNIST(t, 300, 200)
	wd, _ := os.Getwd()
	cfg := smallConfig("", mnist)
	var rec countRecorder
	res, err := realnets.Fit(context.Background(), cfg, realnets.FitOptions{Recorder: &rec})
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Getwd(); after != wd {
		t.Fatalf("Fit changed the working folder")
	}
	if want := []int{0, 1, 2, 3}; !reflect.DeepEqual(rec.epochs, want) {
		t.Errorf("recorder saw epochs %v, want %v", rec.epochs, want)
	}
	dir := filepath.Join(t.TempDir(), "run")
	mustRun(t, smallConfig(dir, mnist))
	recs, err := realnets.ReadMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(res.Records) {
		t.Fatalf("Fit made %d records, Run %d", len(res.Records), len(recs))
	}
	for i := range recs {
		a, b := recs[i], res.Records[i]
		a.WallTime, b.WallTime = 0, 0
		if a.Epoch != b.Epoch || a.TrainLoss != b.TrainLoss || a.TestLoss != b.TestLoss || a.SINorm != b.SINorm || a.ELR != b.ELR {
			t.Errorf("epoch %d: Fit %+v, Run %+v", i, b, a)
		}
	}
	steps, err := realnets.ReadSteps(filepath.Join(dir, realnets.StepsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != len(res.Steps) || len(steps) == 0 || steps[len(steps)-1].BatchLoss != res.Steps[len(res.Steps)-1].BatchLoss {
		t.Errorf("steps differ: Fit %d, Run %d", len(res.Steps), len(steps))
	}
	stop := countRecorder{stop: 2}
	res, err = realnets.Fit(context.Background(), cfg, realnets.FitOptions{Recorder: &stop})
	if !errors.Is(err, errStop) || res == nil || len(res.Records) != 3 {
		t.Errorf("a recorder error at epoch 2: err %v, %d records; want errStop after 3", err, len(res.Records))
	}
	if err := Run(context.Background(), cfg, nil); err == nil {
		t.Error("Run without an output folder succeeded")
	}
}
