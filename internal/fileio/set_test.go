package fileio

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// Defect 3 of issue 15: a run folder's files are committed as one unit with
// a manifest, and a folder caught between two commits is detected.
func TestWriteSet(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSet(dir, "run1", []File{{"config.json", text("{}\n")}, {"trajectory.csv", text("step\n0\n")}}); err != nil {
		t.Fatal(err)
	}
	m, err := VerifySet(dir)
	if err != nil || m.RunID != "run1" || len(m.Files) != 2 {
		t.Fatalf("VerifySet: %+v, %v", m, err)
	}
	// A later commit of part of the set keeps the other file in the manifest.
	if err := WriteSet(dir, "run1", []File{{"trajectory.csv", text("step\n0\n1\n")}}); err != nil {
		t.Fatal(err)
	}
	if m, err := VerifySet(dir); err != nil || len(m.Files) != 2 {
		t.Fatalf("after a partial commit: %+v, %v", m, err)
	}
	// A file changed behind the manifest's back (as a kill between two
	// renames would leave it) is named.
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"elr":1}`), 0o644)
	if _, err := VerifySet(dir); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("changed file: %v", err)
	}
	os.Remove(filepath.Join(dir, ManifestFile))
	if _, err := VerifySet(dir); err == nil {
		t.Error("no manifest: no error")
	}
	// A failing writer leaves the old files and no temporary.
	if err := WriteSet(dir, "run1", []File{{"a", text("x")}, {"b", func(io.Writer) error { return os.ErrInvalid }}}); err == nil {
		t.Error("failing writer: no error")
	}
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if isTemp(e.Name()) || e.Name() == "a" {
			t.Errorf("left %s", e.Name())
		}
	}
}

// A folder written file by file is sealed by a final manifest over its
// whole tree; Unseal withdraws the claim before the files change.
func TestSeal(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "figures"), 0o755)
	os.WriteFile(filepath.Join(dir, "summary.json"), []byte("{}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "figures", "phase.png"), []byte("png"), 0o644)
	os.WriteFile(filepath.Join(dir, "point-000001.lock"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, ".summary.json.tmp123"), []byte("{"), 0o644)
	if err := WriteSet(filepath.Join(dir, "figures"), "inner", []File{{"a.csv", text("x\n")}}); err != nil {
		t.Fatal(err)
	}
	if err := Seal(dir, "repro"); err != nil {
		t.Fatal(err)
	}
	m, err := VerifySet(dir)
	if err != nil || m.RunID != "repro" {
		t.Fatalf("VerifySet: %+v, %v", m, err)
	}
	var names []string
	for n := range m.Files {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"figures/a.csv", "figures/phase.png", "summary.json"}; !slices.Equal(names, want) {
		t.Errorf("sealed %v; want %v", names, want)
	}
	os.WriteFile(filepath.Join(dir, "figures", "phase.png"), []byte("other"), 0o644)
	if _, err := VerifySet(dir); err == nil || !strings.Contains(err.Error(), "phase.png") {
		t.Errorf("a changed file: %v", err)
	}
	if err := Unseal(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); !os.IsNotExist(err) {
		t.Errorf("Unseal left the manifest: %v", err)
	}
	if err := Unseal(dir); err != nil {
		t.Errorf("Unseal of an unsealed folder: %v", err)
	}
}
