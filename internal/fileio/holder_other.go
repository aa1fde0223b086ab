//go:build !linux

package fileio

// LockHolder reports no holder where the lock table cannot be read (it is
// read from /proc/locks on Linux).
func LockHolder(name string) (pid int, ok bool) { return 0, false }

func holderGone(name string) bool { return false }
