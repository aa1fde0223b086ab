package fileio

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// Defect 7 of issue 15: a kill during a write left .NAME.tmpNNN files that no
// later run removed. RemoveStale removes those whose writer is gone and
// leaves the ones a live writer holds, and every other file.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	dead := filepath.Join(dir, ".trajectory.csv.tmp123456")
	keep := []string{"trajectory.csv", ".hidden", ".x.tmp", ".x.tmpabc", "y.tmp12"}
	for _, n := range append(keep, filepath.Base(dead)) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	live, err := os.CreateTemp(dir, ".metrics.jsonl.tmp*")
	if err != nil {
		t.Fatal(err)
	}
	lockTemp(live)
	defer live.Close()
	removed, err := RemoveStale(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{dead}) {
		t.Errorf("removed %v, want [%s]", removed, dead)
	}
	for _, n := range append(keep, filepath.Base(live.Name())) {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if r, err := RemoveStale(filepath.Join(dir, "none")); err != nil || r != nil {
		t.Errorf("missing folder: %v, %v", r, err)
	}
}

func TestLockHolder(t *testing.T) {
	name := filepath.Join(t.TempDir(), "p.lock")
	unlock, held, err := TryLock(name)
	if err != nil || !held {
		t.Fatalf("TryLock: %v %v", held, err)
	}
	pid, ok := LockHolder(name)
	if runtime.GOOS == "linux" && (!ok || pid != os.Getpid()) {
		t.Errorf("LockHolder of a lock this process holds: %d %v, want %d", pid, ok, os.Getpid())
	}
	unlock()
	if err := os.WriteFile(name, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if pid, ok := LockHolder(name); ok {
		t.Errorf("LockHolder of an unlocked file: %d", pid)
	}
}
