//go:build !unix

package fileio

import (
	"os"
	"time"
)

func lockTemp(*os.File) {}

// removeIfDead removes name when it has not been written for an hour.
func removeIfDead(name string) bool {
	fi, err := os.Stat(name)
	if err != nil || time.Since(fi.ModTime()) < time.Hour {
		return false
	}
	return os.Remove(name) == nil
}

// renameOpen is false where an open file may not be renamed.
const renameOpen = false

// TryLock takes the lock file name by creating it exclusively (where flock
// is not available; a killed process's lock file then stays until removed).
func TryLock(name string) (unlock func(), ok bool, err error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if os.IsExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	f.Close()
	return func() { os.Remove(name) }, true, nil
}
