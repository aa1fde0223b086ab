package experiment

import (
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
)

// Network is what the protocols that train several runs of one network
// (Finetune, Grid) train: the model, its data and the test set it is
// evaluated on. Its JSON form opens the config objects of finetune.json
// and grid.json.
type Network struct {
	Model      realnets.ModelKind `json:"model"`
	Width      int                `json:"width"`
	Hidden     int                `json:"hidden,omitempty"`
	Data       string             `json:"data"`
	Subset     int                `json:"subset"`
	SubsetSeed uint64             `json:"subset_seed,omitempty"`
	TestSubset int                `json:"test_subset"`

	// DataDir is the folder of the data files ("" for MNIST: the GoMNIST
	// module's).
	DataDir string `json:"-"`
	// Workers is the number of goroutines per forward pass (0: GOMAXPROCS);
	// results do not depend on it.
	Workers int `json:"-"`
}

// NetworkOf returns the network that the training configuration c trains.
func NetworkOf(c realnets.TrainConfig) Network {
	return Network{Model: c.Model, Width: c.Width, Hidden: c.Hidden, Data: c.Data.Name, Subset: c.Data.Subset,
		SubsetSeed: c.Data.SubsetSeed, TestSubset: c.TestSubset, DataDir: c.Data.Dir, Workers: c.Workers}
}

// trainConfig returns the training configuration shared by a protocol's
// runs of n, in mini-batches of batch, with the last layer drawn from
// headSeed and the gradient metrics gm.
func (n Network) trainConfig(batch int, headSeed uint64, gm realnets.GradMetrics) realnets.TrainConfig {
	return realnets.TrainConfig{
		Model: n.Model, Width: n.Width, Hidden: n.Hidden,
		Data: data.Config{Name: n.Data, Dir: n.DataDir, Subset: n.Subset,
			SubsetRandom: n.SubsetSeed != 0, SubsetSeed: n.SubsetSeed},
		Batch: batch, HeadSeed: headSeed, Workers: n.Workers,
		GradMetrics: gm, TestSubset: n.TestSubset,
	}
}
