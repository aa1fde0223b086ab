package fileio

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
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

// TestTryLockExitedHolder: a lock whose taker has exited while a process
// that inherited its descriptor still holds it (flock(1) takes the lock,
// its shell leaves a background sleep holding it and both exit) is waited
// for, as the kernel's late release of a killed runner's lock is, and
// then taken; a lock of a live holder is refused at once.
func TestTryLockExitedHolder(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/locks")
	}
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("no flock(1)")
	}
	name := filepath.Join(t.TempDir(), "p.lock")
	if out, err := exec.Command("flock", name, "sh", "-c", "sleep 1 >/dev/null 2>&1 &").CombinedOutput(); err != nil {
		t.Fatalf("flock: %v %s", err, out)
	}
	t0 := time.Now()
	unlock, held, err := TryLock(name)
	if err != nil || !held {
		t.Fatalf("TryLock after the holder's taker exited: held %v, %v", held, err)
	}
	if d := time.Since(t0); d < 300*time.Millisecond {
		t.Errorf("TryLock took %v: the inherited lock was not held at all (the test proves nothing)", d)
	}
	unlock()
	// A live holder: refused without the wait.
	cmd := exec.Command("flock", name, "sleep", "3")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for i := 0; i < 200; i++ {
		if pid, ok := LockHolder(name); ok && pid == cmd.Process.Pid {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	t0 = time.Now()
	if _, held, err := TryLock(name); held || err != nil {
		t.Fatalf("TryLock of a lock a live process holds: held %v, %v", held, err)
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("TryLock waited %v for a live holder", d)
	}
}
