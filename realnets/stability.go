package realnets

import (
	"fmt"

	"github.com/regimes/regimes/realnets/data"
)

// FromCheckpoint loads the checkpoint name, the data set of its run and
// the model with the checkpoint's parameters and BatchNorm buffers: what a
// measurement on a saved point (sharpness, spectra, slices) starts from.
func FromCheckpoint(name string) (Model, *data.Dataset, *Checkpoint, error) {
	ck, err := LoadCheckpoint(name)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg := ck.Config
	cfg.defaults()
	ds, err := data.Load(cfg.Data)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	tr := ds.Train
	m, err := newModel(&cfg, tr.C, tr.H, tr.W, tr.Classes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	if err := ck.Restore(m); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	return m, ds, ck, nil
}
