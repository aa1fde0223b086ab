package realnets

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestCheckpointRoundTrip(t *testing.T) {
	m := tinyMLP()
	m.Forward(tinySet(6, 1).X, tinySet(6, 1).Y, 6, Train, false) // move the running statistics
	a, st := 0.5, 0.25
	c := &Checkpoint{
		Config:   TrainConfig{Model: "mlp", Width: 8, ELR: 1e-3},
		Epoch:    3,
		Step:     12,
		Params:   tensors(m.Params()),
		Buffers:  tensors(m.Buffers()),
		Optim:    OptimState{Kind: "sgd", Momentum: [][]float32{{1, 2}, nil}, Started: true},
		InitSI:   []float32{1, -2, 3},
		Records:  []Record{{Epoch: 0, TrainLoss: 2.5}, {Epoch: 1, AngleStepMean: &a, GradNoise: &st}},
		WallTime: 1.5,
	}
	name := filepath.Join(t.TempDir(), "c.ckpt")
	if err := SaveCheckpoint(name, c); err != nil {
		t.Fatal(err)
	}
	d, err := LoadCheckpoint(name)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Records, c.Records) || d.Records[0].AngleStepMean != nil || d.Epoch != 3 || d.Step != 12 ||
		!slices.Equal(d.InitSI, c.InitSI) || d.Optim.Kind != "sgd" || !d.Optim.Started || !slices.Equal(d.Optim.Momentum[0], []float32{1, 2}) ||
		d.Config.ELR != 1e-3 || d.WallTime != 1.5 {
		t.Errorf("round trip changed the checkpoint: %+v", d)
	}
	m2 := tinyMLP()
	for _, p := range m2.Params() {
		clear(p.Data)
	}
	if err := d.Restore(m2); err != nil {
		t.Fatal(err)
	}
	for i, p := range m.Params() {
		if !slices.Equal(p.Data, m2.Params()[i].Data) {
			t.Errorf("%s not restored", p.Name)
		}
	}
	for i, p := range m.Buffers() {
		if !slices.Equal(p.Data, m2.Buffers()[i].Data) {
			t.Errorf("%s not restored", p.Name)
		}
	}
	other := NewMLP(MLPConfig{Sizes: []int{16, 9, 3}, Workers: 1})
	if err := d.Restore(other); err == nil || !strings.Contains(err.Error(), "the model's is") {
		t.Errorf("restoring into another shape: %v", err)
	}
}

func TestCheckpointCorrupt(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "c.ckpt")
	if err := SaveCheckpoint(name, &Checkpoint{Epoch: 1, Params: tensors(tinyMLP().Params())}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(name)
	os.WriteFile(name, b[:len(b)/2], 0o644)
	if _, err := LoadCheckpoint(name); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "not an intact checkpoint") {
		t.Errorf("truncated checkpoint: %v", err)
	}
	if _, err := LoadCheckpoint(filepath.Join(dir, "none")); err == nil {
		t.Errorf("missing checkpoint: no error")
	}
}
