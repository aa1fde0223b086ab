package realnets

import (
	"fmt"

	"github.com/regimes/regimes/realnets/data"
)

// Setup returns the model a training configuration describes, initialised
// from its seeds as Run initialises it, with the training set and the test
// set (cut to TestSubset) it trains and evaluates on. Protocols that
// evaluate checkpoints (SWA, paths) restore them into this model.
func Setup(cfg TrainConfig) (Model, *data.Set, *data.Set, error) {
	cfg.defaults()
	if cfg.Out == "" {
		cfg.Out = "-" // validate asks for one; Setup writes nothing
	}
	if cfg.ELR == 0 && cfg.LR == 0 {
		cfg.ELR = 1 // nor does it train
	}
	if err := cfg.validate(); err != nil {
		return nil, nil, nil, err
	}
	ds, err := data.Load(cfg.Data)
	if err != nil {
		return nil, nil, nil, err
	}
	train, test := ds.Train, ds.Test
	if cfg.TestSubset > 0 && cfg.TestSubset < test.N {
		k := cfg.TestSubset * test.ImageSize()
		test = &data.Set{N: cfg.TestSubset, C: test.C, H: test.H, W: test.W, Classes: test.Classes, X: test.X[:k], Y: test.Y[:cfg.TestSubset]}
	}
	if train.N < 2 {
		return nil, nil, nil, fmt.Errorf("training set has %d images; BatchNorm needs at least 2", train.N)
	}
	m, err := newModel(&cfg, train.C, train.H, train.W, train.Classes)
	if err != nil {
		return nil, nil, nil, err
	}
	return m, train, test, nil
}
