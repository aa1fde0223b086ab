//go:build unix

package fileio

import (
	"os"
	"syscall"
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
