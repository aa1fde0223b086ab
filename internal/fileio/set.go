package fileio

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// ManifestFile is the name of a run folder's manifest: the last file of a
// WriteSet, listing the run identity and the SHA-256 of every file of the
// set. A folder whose manifest is missing or does not match its files was
// caught in the middle of a commit (or edited).
const ManifestFile = "manifest.json"

// A File is one member of a set of files written together.
type File struct {
	// Name is the file's name inside the folder.
	Name string
	// Write writes its content.
	Write func(w io.Writer) error
}

// A Manifest lists the files of a run folder committed together.
type Manifest struct {
	// RunID is the identity of the run that wrote the set.
	RunID string `json:"run_id"`
	// Files maps each file's name to the hex SHA-256 of its content.
	Files map[string]string `json:"files"`
}

// WriteSet commits files to dir as one unit: every file is first written to
// a synced temporary; then the old manifest is removed, the temporaries are
// renamed to their names in the order given, and the new manifest (the
// final marker, itself written atomically) records runID and each file's
// SHA-256. A reader that finds a manifest matching the files (VerifySet)
// sees one consistent set; a kill at any moment leaves either the old set
// with its manifest or a folder without one, never a manifest that lies.
// The files of an earlier manifest that the new set does not name are kept
// in the manifest with their current hashes.
func WriteSet(dir, runID string, files []File) (err error) {
	type staged struct {
		name, tmp string
		f         *os.File
	}
	var st []staged
	defer func() {
		for _, s := range st {
			if s.f != nil {
				s.f.Close()
			}
			if err != nil {
				os.Remove(s.tmp)
			}
		}
	}()
	m := Manifest{RunID: runID, Files: map[string]string{}}
	if old, err := ReadManifest(dir); err == nil && old.RunID == runID {
		for n, h := range old.Files {
			m.Files[n] = h
		}
	}
	for _, fl := range files {
		name := filepath.Join(dir, fl.Name)
		f, err := os.CreateTemp(dir, "."+fl.Name+".tmp*")
		if err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		lockTemp(f)
		st = append(st, staged{name: name, tmp: f.Name(), f: f})
		h := sha256.New()
		var buf bytes.Buffer
		if err := fl.Write(io.MultiWriter(&buf, h)); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if _, err := f.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := f.Chmod(0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		m.Files[fl.Name] = hex.EncodeToString(h.Sum(nil))
	}
	if err := os.Remove(filepath.Join(dir, ManifestFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	for i := range st {
		if err := os.Rename(st[i].tmp, st[i].name); err != nil {
			return fmt.Errorf("write %s: %w", st[i].name, err)
		}
		st[i].f.Close()
		st[i].f = nil
	}
	return WriteFile(filepath.Join(dir, ManifestFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(&m)
	})
}

// ReadManifest reads dir's manifest.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %v", filepath.Join(dir, ManifestFile), err)
	}
	return m, nil
}

// VerifySet returns dir's manifest when every file it lists has the
// recorded SHA-256, and otherwise an error naming the first file that does
// not (or the missing manifest).
func VerifySet(dir string) (Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return m, fmt.Errorf("%s: no consistent set of files (%v)", dir, err)
	}
	names := make([]string, 0, len(m.Files))
	for n := range m.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return m, fmt.Errorf("%s: %v", filepath.Join(dir, n), err)
		}
		h := sha256.Sum256(b)
		if hex.EncodeToString(h[:]) != m.Files[n] {
			return m, fmt.Errorf("%s: does not match %s (a commit was interrupted, or the file was changed)", filepath.Join(dir, n), ManifestFile)
		}
	}
	return m, nil
}

// Unseal removes dir's manifest before a run rewrites the folder's files
// one by one (WriteFile) rather than as one WriteSet: from then until Seal
// the folder has no manifest and so claims no consistent set. A folder
// without a manifest, or no folder, is not an error.
func Unseal(dir string) error {
	err := os.Remove(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// Seal writes dir's manifest, the final marker of a run that wrote its
// files one by one after Unseal: runID and the SHA-256 of every regular
// file under dir (by its slash-separated path relative to dir), except
// manifests, temporaries (of WriteFile) and lock files (*.lock). A kill
// before Seal leaves a folder without a manifest, never one that lies.
func Seal(dir, runID string) error {
	m := Manifest{RunID: runID, Files: map[string]string{}}
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		base := e.Name()
		if !e.Type().IsRegular() || base == ManifestFile || isTemp(base) || filepath.Ext(base) == ".lock" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		m.Files[filepath.ToSlash(rel)] = hex.EncodeToString(h[:])
		return nil
	})
	if err != nil {
		return err
	}
	return WriteFile(filepath.Join(dir, ManifestFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(&m)
	})
}
