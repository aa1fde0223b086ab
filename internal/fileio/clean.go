package fileio

import (
	"os"
	"path/filepath"
	"strings"
)

// isTemp reports whether base is the name of one of WriteFile's temporary
// files: "." + the target's name + ".tmp" + the digits os.CreateTemp adds.
func isTemp(base string) bool {
	if !strings.HasPrefix(base, ".") {
		return false
	}
	i := strings.LastIndex(base, ".tmp")
	if i <= 0 || i+4 == len(base) {
		return false
	}
	for _, r := range base[i+4:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// RemoveStale removes the temporary files that WriteFile left in dir when
// its process was killed mid-write (".NAME.tmpNNN"), and returns their
// names. A temporary file that a live WriteFile is still writing is left
// alone: WriteFile holds an exclusive lock on it (flock) from its creation
// to its rename, and the lock dies with the process. Where locks are not
// available a temporary file is removed only when it is older than an hour.
// A missing dir is not an error.
func RemoveStale(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var removed []string
	for _, e := range es {
		if !e.Type().IsRegular() || !isTemp(e.Name()) {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if removeIfDead(name) {
			removed = append(removed, name)
		}
	}
	return removed, nil
}

// MkdirClean makes the folder dir (and its parents) that a run is about to
// write into, and removes the temporary files that killed writes left in
// it (RemoveStale): every writer of a run folder starts with it, so that a
// kill leaves no temporary file behind after the next run.
func MkdirClean(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	_, err := RemoveStale(dir)
	return err
}
