package fileio

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// LockHolder returns the process that holds the flock lock on the file
// name (TryLock), as /proc/locks records it: the process that took the
// lock, which for an inherited descriptor may have exited while a child
// still holds it. ok is false when no flock lock of the file is listed or
// the table cannot be read.
func LockHolder(name string) (pid int, ok bool) {
	fi, err := os.Stat(name)
	if err != nil {
		return 0, false
	}
	st, sok := fi.Sys().(*syscall.Stat_t)
	if !sok {
		return 0, false
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	// "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; a blocked waiter's
	// line has "->" after the number.
	major, minor := (st.Dev>>8)&0xfff|(st.Dev>>32)&^0xfff, st.Dev&0xff|(st.Dev>>12)&^0xff
	id := fmt.Sprintf("%02x:%02x:%d", major, minor, st.Ino)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 6 || fs[1] != "FLOCK" || fs[5] != id {
			continue
		}
		if p, err := strconv.Atoi(fs[4]); err == nil {
			return p, true
		}
	}
	return 0, false
}

// holderGone reports whether the lock on name is held on behalf of a
// process that no longer exists (or that /proc/locks does not name): the
// kernel releases a flock lock when the last reference to its open file
// goes, and for a killed process that final release can run after the
// process has been reaped (a deferred fput), so for a moment the lock
// outlives its owner. Seen under load: a sweep runner started right after
// another was killed found the killed one's point lock held.
func holderGone(name string) bool {
	if _, err := os.Stat("/proc/locks"); err != nil {
		return false // no lock table to tell: report the lock held
	}
	pid, ok := LockHolder(name)
	if !ok {
		return true // held, yet listed for no process
	}
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return os.IsNotExist(err)
}
