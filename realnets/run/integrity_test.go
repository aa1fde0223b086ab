package run

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regimes/regimes/realnets"
)

// copyDir copies the regular files of src into a new folder dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	es, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestResumeRefusals covers defects 1, 2 and 4 of issue 15 on a real run
// folder: a corrupt or truncated last.ckpt, a checkpoint of another run left
// behind or copied in, and -epochs below the completed epochs are refused in
// one line naming the file and the ways out, and change no file.
func TestResumeRefusals(t *testing.T) {
	mnist := smallMNIST(t, 300, 200)
	a := smallConfig(t.TempDir(), mnist)
	a.Epochs = 2
	mustRun(t, a)
	other := smallConfig(t.TempDir(), mnist)
	other.Epochs, other.ELR = 1, 1e-2
	mustRun(t, other)
	mlp := smallConfig(t.TempDir(), mnist)
	mlp.Width, mlp.Epochs = 8, 1
	mustRun(t, mlp)

	snapshot := func(dir string) map[string]string {
		m := map[string]string{}
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			m[e.Name()] = string(b)
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		mangle func(dir string)
		epochs int
		want   []string
	}{
		{"flipped byte", func(dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "last.ckpt"))
			b[len(b)-10] ^= 1
			os.WriteFile(filepath.Join(dir, "last.ckpt"), b, 0o644)
		}, 3, []string{"last.ckpt", "checksum", "TrainConfig.Force", "TrainConfig.From"}},
		{"truncated", func(dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "last.ckpt"))
			os.WriteFile(filepath.Join(dir, "last.ckpt"), b[:len(b)/3], 0o644)
		}, 3, []string{"last.ckpt", "truncated", "TrainConfig.Force", "TrainConfig.From"}},
		{"another run's checkpoint", func(dir string) {
			b, _ := os.ReadFile(filepath.Join(other.Out, "last.ckpt"))
			os.WriteFile(filepath.Join(dir, "last.ckpt"), b, 0o644)
		}, 3, []string{"last.ckpt", "another run", "elr 0.01", "TrainConfig.Force", "TrainConfig.From"}},
		{"MLP of another width", func(dir string) {
			b, _ := os.ReadFile(filepath.Join(mlp.Out, "last.ckpt"))
			os.WriteFile(filepath.Join(dir, "epoch-000005.ckpt"), b, 0o644)
		}, 6, []string{"epoch-000005.ckpt", "another run", "width 8"}},
		{"epochs below completed", func(string) {}, 1, []string{"completed 2 epochs", "TrainConfig.Epochs 1"}},
	} {
		dir := filepath.Join(t.TempDir(), "run")
		copyDir(t, a.Out, dir)
		tc.mangle(dir)
		before := snapshot(dir)
		err := runErr(realnets.TrainConfig{Out: dir, Resume: true, Epochs: tc.epochs})
		t.Logf("%s: %v", tc.name, err)
		if err == nil {
			t.Errorf("%s: resumed", tc.name)
			continue
		}
		msg := err.Error()
		var fe *FolderError
		if !errors.As(err, &fe) {
			t.Errorf("%s: %T is not a *FolderError", tc.name, err)
		} else if txt := fe.Text(func(f string) string { return "-" + strings.ToLower(f) }); strings.Contains(txt, "TrainConfig") || !strings.Contains(txt, " -") {
			t.Errorf("%s: Text with flag names: %q", tc.name, txt)
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: error has several lines: %q", tc.name, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q does not mention %q", tc.name, msg, w)
			}
		}
		after := snapshot(dir)
		for k, v := range before {
			if after[k] != v {
				t.Errorf("%s: the refusal changed %s", tc.name, k)
			}
		}
		if len(after) != len(before) {
			t.Errorf("%s: the refusal left %d files, there were %d", tc.name, len(after), len(before))
		}
	}
	// The intact folder resumes, and config.json carries the run identity.
	dir := filepath.Join(t.TempDir(), "run")
	copyDir(t, a.Out, dir)
	mustRun(t, realnets.TrainConfig{Out: dir, Resume: true, Epochs: 3})
	b, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if !strings.Contains(string(b), `"run_id": "`+a.RunID()+`"`) {
		t.Errorf("config.json has no run_id %s:\n%s", a.RunID(), b)
	}
}

func runErr(c realnets.TrainConfig) error { return Run(context.Background(), c, nil) }

// Defect 1 of issue 15: train into a folder holding an older run restarted
// silently and left that run's later checkpoints behind for -resume to pick.
// It is refused naming -resume and -force; -force replaces the old run.
func TestTrainIntoAnotherRun(t *testing.T) {
	mnist := smallMNIST(t, 300, 200)
	a := smallConfig(t.TempDir(), mnist)
	a.Epochs = 5
	mustRun(t, a)
	z := filepath.Join(t.TempDir(), "z")
	copyDir(t, a.Out, z)
	b := smallConfig(z, mnist)
	b.ELR, b.Epochs = 1e-2, 2
	err := runErr(b)
	if err == nil || !strings.Contains(err.Error(), "another run") || !strings.Contains(err.Error(), "TrainConfig.Resume") || !strings.Contains(err.Error(), "TrainConfig.Force") {
		t.Fatalf("train into another run's folder: %v", err)
	}
	same := a
	same.Out = z
	if err := runErr(same); err == nil || !strings.Contains(err.Error(), "this run already") {
		t.Errorf("train the same run again into its folder: %v", err)
	}
	b.Force = true
	mustRun(t, b)
	if _, err := os.Stat(filepath.Join(z, "epoch-000005.ckpt")); !os.IsNotExist(err) {
		t.Errorf("-force left the old run's epoch-5 checkpoint: %v", err)
	}
	mustRun(t, realnets.TrainConfig{Out: z, Resume: true, Epochs: 3})
	if r := readRecords(t, z); len(r) != 4 || r[3].ELR < 0.0099 {
		t.Errorf("resumed the replaced run: %d records, elr %v", len(r), r[len(r)-1].ELR)
	}
}
