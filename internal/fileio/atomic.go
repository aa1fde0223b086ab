package fileio

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes the file name through write so that readers see either
// the old content or the complete new one, never a partial file, and so
// that the new content survives a crash once WriteFile returns: the data go
// through a buffer to a temporary file in the same folder, which is locked
// while it is written (so that RemoveStale knows it is alive), synced,
// given mode 0644 and renamed over name, then closed; then the folder is synced
// so that the rename itself is durable. On error nothing is left behind and
// an existing file is unchanged.
func WriteFile(name string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	tmp := f.Name()
	// The lock tells RemoveStale that this temporary file is alive; it is
	// held until the file has its final name (and dies with the process).
	lockTemp(f)
	closed := false
	defer func() {
		if !closed {
			f.Close()
		}
		if err != nil {
			os.Remove(tmp)
			err = fmt.Errorf("write %s: %w", name, err)
		}
	}()
	bw := bufio.NewWriter(f)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if !renameOpen {
		closed = true
		if err = f.Close(); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, name); err != nil {
		return err
	}
	if !closed {
		closed = true
		if err = f.Close(); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. File systems that cannot sync a
// folder (it is not supported everywhere) are not an error: the rename
// has happened and is atomic.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !isUnsupported(err) {
		return err
	}
	return nil
}
