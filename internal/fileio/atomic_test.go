package fileio

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(name, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A failing writer must leave the old content and no temporary file.
	boom := errors.New("boom")
	err := WriteFile(name, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got error %v, want %v", err, boom)
	}
	if b, _ := os.ReadFile(name); string(b) != "old" {
		t.Fatalf("content after failed write = %q, want %q", b, "old")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("temporary file left behind: %d entries", len(ents))
	}
	if err := WriteFile(name, func(w io.Writer) error {
		_, err := io.WriteString(w, "new")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); string(b) != "new" {
		t.Fatalf("content = %q, want %q", b, "new")
	}
}

func TestWriteFileMode(t *testing.T) {
	name := filepath.Join(t.TempDir(), "x.json")
	if err := WriteFile(name, func(w io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	// os.CreateTemp makes 0600 files; results are for everyone to read.
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if err := WriteFile(filepath.Join(t.TempDir(), "no", "such", "dir"), func(w io.Writer) error { return nil }); err == nil {
		t.Errorf("writing into a missing folder succeeded")
	}
}
