package sweep

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regimes/regimes/internal/fileio"
)

// Defect 9 of issue 15: two "sweep run" processes on the same shard both did
// all the work. Runners now claim points with a lock file each: together
// they run every point exactly once and leave no lock file behind.
func TestRunShardClaimsPoints(t *testing.T) {
	p, err := NewPlan(struct{ Steps int }{1}, LogSpace(1e-3, 1e-1, 6), "batch", []float64{1, 4}, []uint64{1})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var calls atomic.Int64
	run := func(ctx context.Context, base json.RawMessage, pt Point) (any, error) {
		calls.Add(1)
		time.Sleep(20 * time.Millisecond)
		return map[string]float64{"elr": pt.ELR}, nil
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := RunShard(context.Background(), p, Shard{Index: 0, Count: 1}, dir, 2, run, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := calls.Load(); got != int64(len(p.Points)) {
		t.Errorf("three runners ran %d points, the plan has %d", got, len(p.Points))
	}
	res, missing, err := Merge(p, []string{dir})
	if err != nil || len(missing) != 0 || len(res) != len(p.Points) {
		t.Errorf("merge: %d results, missing %v, %v", len(res), missing, err)
	}
	if locks, _ := filepath.Glob(filepath.Join(dir, "*.lock")); len(locks) != 0 {
		t.Errorf("lock files left: %v", locks)
	}
	// A lock file left by a killed runner (no process holds it) does not
	// stop the next runner.
	os.Remove(PointFile(dir, 0))
	os.WriteFile(filepath.Join(dir, "point-000000.lock"), nil, 0o644)
	if n, err := RunShard(context.Background(), p, Shard{Index: 0, Count: 1}, dir, 1, run, nil); err != nil || n != 1 {
		t.Errorf("after a killed runner's lock: ran %d, %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "point-000000.lock")); !os.IsNotExist(err) {
		t.Errorf("stale lock file not removed: %v", err)
	}
	// A killed runner's lock file beside a finished point (killed between
	// writing the result and removing its lock) is removed by the next run.
	os.WriteFile(filepath.Join(dir, "point-000003.lock"), nil, 0o644)
	if n, err := RunShard(context.Background(), p, Shard{Index: 0, Count: 1}, dir, 1, run, nil); err != nil || n != 0 {
		t.Errorf("rerun of a finished shard: ran %d, %v", n, err)
	}
	if locks, _ := filepath.Glob(filepath.Join(dir, "*.lock")); len(locks) != 0 {
		t.Errorf("lock files left after the next run: %v", locks)
	}
}

// TestHolder: a point whose lock another runner holds is described by the
// holder's pid and command line (here this test process holds it), and a
// free or finished point by "".
func TestHolder(t *testing.T) {
	dir := t.TempDir()
	if h := Holder(dir, 3); h != "" {
		t.Errorf("a point nobody holds: %q", h)
	}
	name := strings.TrimSuffix(PointFile(dir, 3), ".json") + ".lock"
	unlock, held, err := fileio.TryLock(name)
	if err != nil || !held {
		t.Fatal(held, err)
	}
	h := Holder(dir, 3)
	if runtime.GOOS == "linux" && !strings.HasPrefix(h, fmt.Sprintf("pid %d (%s", os.Getpid(), os.Args[0])) {
		t.Errorf("a point this process holds: %q", h)
	}
	unlock()
	if h := Holder(dir, 3); h != "" {
		t.Errorf("after unlock: %q", h)
	}
}
