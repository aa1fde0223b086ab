package realnets

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Defect 2 of issue 15: one flipped byte anywhere in a checkpoint, or a
// truncation at any length, is refused naming the file (it used to resume
// with other numbers, or fall back to an older checkpoint without a word).
func TestCheckpointChecksum(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "c.ckpt")
	c := &Checkpoint{Config: TrainConfig{Model: "mlp", ELR: 1e-3}, Epoch: 2, Params: tensors(tinyMLP().Params())}
	if err := SaveCheckpoint(name, c); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(name)
	if ck, err := ReadCheckpoint(name, bytes.NewReader(good)); err != nil || ck.RunID != c.Config.RunID() || ck.RunID == "" {
		t.Fatalf("intact checkpoint: %v", err)
	}
	for i := 0; i < len(good); i += max(1, len(good)/97) {
		b := bytes.Clone(good)
		b[i] ^= 0x20
		_, err := ReadCheckpoint(name, bytes.NewReader(b))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Fatalf("byte %d of %d flipped: err = %v", i, len(good), err)
		}
	}
	for _, k := range []int{0, 5, checkpointHeader - 1, checkpointHeader, checkpointHeader + 1, len(good) / 2, len(good) - 1} {
		_, err := ReadCheckpoint(name, bytes.NewReader(good[:k]))
		if !errors.Is(err, ErrCorruptCheckpoint) || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("truncated to %d of %d bytes: err = %v", k, len(good), err)
		}
	}
	if _, err := ReadCheckpoint(name, io.MultiReader(bytes.NewReader(good), strings.NewReader("x"))); !errors.Is(err, ErrCorruptCheckpoint) {
		t.Errorf("a byte appended: err = %v", err)
	}
}

// TestRunID checks that the run identity ignores what does not change the
// numbers and changes with what does.
func TestRunID(t *testing.T) {
	a := smallConfig("x", "m")
	b := a
	b.Out, b.Workers, b.Epochs, b.CheckpointEvery, b.Resume = "y", 1, 99, 3, true
	if a.RunID() != b.RunID() {
		t.Error("RunID depends on Out, Workers, Epochs, CheckpointEvery or Resume")
	}
	c := a
	c.Batch = 0 // the default, 128, differs from a's 64
	d := a
	d.Seed++
	e := a
	e.ELR *= 2
	for _, o := range []TrainConfig{c, d, e} {
		if o.RunID() == a.RunID() {
			t.Errorf("RunID does not tell %+v from %+v", o, a)
		}
	}
	f := a
	f.Batch = 128
	if f.RunID() != c.RunID() {
		t.Error("RunID of a default field differs from the explicit default")
	}
}
