//go:build unix

package fileio

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockTemp takes the exclusive lock that tells RemoveStale a temporary file
// is being written. A file system without locks is not an error: the
// cleanup then only sees an unlocked file, as after a kill.
func lockTemp(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// removeIfDead removes name when no live process holds its lock.
func removeIfDead(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false // a live writer holds it (or locks fail: leave it)
	}
	return os.Remove(name) == nil
}

// renameOpen is true where an open file can be renamed, so that WriteFile
// holds its lock until the temporary name is gone.
const renameOpen = true

// TryLock takes an exclusive lock on the file name (created if missing)
// without waiting. ok is false when another process (or another open file
// of this one) holds it. unlock removes the file and releases the lock; a
// lock of a killed process is released by the kernel, so its file may stay
// behind, unlocked, until the next TryLock and unlock of the same name.
//
// A lock whose holder has exited (a killed process whose last reference
// the kernel has not yet released, see holderGone) is waited for, up to
// settleWait, rather than reported held: it is about to be free. A holder
// in another PID namespace (a runner in another container sharing the
// folder) is listed under a PID this process cannot see, so there TryLock
// reports the lock held only after settleWait.
func TryLock(name string) (unlock func(), ok bool, err error) {
	deadline := time.Now().Add(settleWait)
	for {
		unlock, ok, err = tryLock(name)
		if err != nil || ok || !holderGone(name) || time.Now().After(deadline) {
			return unlock, ok, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settleWait bounds how long TryLock waits for the lock of an exited
// holder to be released.
const settleWait = 10 * time.Second

func tryLock(name string) (unlock func(), ok bool, err error) {
	for {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, false, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, false, nil
			}
			return nil, false, err
		}
		// Another holder may have removed the name (its unlock) between
		// our open and our lock: the lock is then on a file nobody else
		// can find, and a third process could lock a new file of the same
		// name. Hold the lock only while the name still is our file.
		fi, ferr := f.Stat()
		ni, nerr := os.Stat(name)
		if ferr == nil && nerr == nil && os.SameFile(fi, ni) {
			return func() {
				os.Remove(name)
				f.Close()
			}, true, nil
		}
		f.Close()
		if ferr != nil {
			return nil, false, ferr
		}
		if nerr != nil && !os.IsNotExist(nerr) {
			return nil, false, nerr
		}
	}
}
