package realnets

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/regimes/regimes/analysis"
)

// checkpointVersion is the format version written in checkpoints.
const checkpointVersion = 1

// A Tensor is a named array of float32 values saved in a checkpoint.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// A Checkpoint is everything needed to continue a run exactly where it
// stopped: the weights, the BatchNorm running statistics, the optimiser state,
// the initial SI vector (for cos_init and dist_init) and the metrics so far.
// The training order of every epoch is re-derived from the seed
// (data.Permutation), so no random state is stored. It is saved with
// encoding/gob.
type Checkpoint struct {
	Version int
	Config  TrainConfig
	// Epoch and Step are the numbers of completed epochs and steps.
	Epoch, Step int
	Params      []Tensor
	Buffers     []Tensor
	Optim       OptimState
	InitSI      []float32
	Records     []Record
	// Steps are the step records so far (DIR/steps.csv).
	Steps []StepRecord
	// Sharpness are the sharpness records so far (DIR/sharpness.jsonl).
	Sharpness []SharpnessRecord
	// WallTime is the run's wall time in seconds at the checkpoint.
	WallTime float64
}

func tensors(ps []*Param) []Tensor {
	out := make([]Tensor, len(ps))
	for i, p := range ps {
		out[i] = Tensor{Name: p.Name, Shape: slices.Clone(p.Shape), Data: slices.Clone(p.Data)}
	}
	return out
}

// restoreTensors copies ts into ps, checking names and shapes.
func restoreTensors(ps []*Param, ts []Tensor, what string) error {
	if len(ps) != len(ts) {
		return fmt.Errorf("checkpoint has %d %s, the model has %d", len(ts), what, len(ps))
	}
	for i, p := range ps {
		t := ts[i]
		if t.Name != p.Name || !slices.Equal(t.Shape, p.Shape) || len(t.Data) != len(p.Data) {
			return fmt.Errorf("checkpoint %s %d is %s %v, the model's is %s %v", what, i, t.Name, t.Shape, p.Name, p.Shape)
		}
	}
	for i, p := range ps {
		copy(p.Data, ts[i].Data)
	}
	return nil
}

// Restore copies the checkpoint's parameters and buffers into m.
func (c *Checkpoint) Restore(m Model) error {
	if err := restoreTensors(m.Params(), c.Params, "parameters"); err != nil {
		return err
	}
	return restoreTensors(m.Buffers(), c.Buffers, "buffers")
}

// SaveCheckpoint writes c to the named file atomically.
func SaveCheckpoint(name string, c *Checkpoint) error {
	c.Version = checkpointVersion
	return analysis.WriteFileAtomic(name, func(w io.Writer) error {
		return gob.NewEncoder(w).Encode(c)
	})
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint.
func LoadCheckpoint(name string) (*Checkpoint, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var c Checkpoint
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: not a readable checkpoint: %v", name, err)
	}
	if c.Version != checkpointVersion {
		return nil, fmt.Errorf("%s: checkpoint format version %d, this program reads %d", name, c.Version, checkpointVersion)
	}
	return &c, nil
}
