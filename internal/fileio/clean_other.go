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
