package realnets

// Mode selects how BatchNorm normalises.
type Mode int

const (
	// Train uses batch statistics and updates the running statistics
	// (momentum 0.1, unbiased variance, as PyTorch).
	Train Mode = iota
	// TrainEval uses batch statistics and does not update the running
	// statistics (train-set metrics, SCIENCE.md section 5).
	TrainEval
	// Eval uses the running statistics.
	Eval
)

// String returns the mode's name.
func (m Mode) String() string {
	switch m {
	case Train:
		return "train"
	case TrainEval:
		return "train-eval"
	case Eval:
		return "eval"
	}
	return "Mode(?)"
}

// A Model is an SI network with a softmax cross-entropy loss. A Model keeps
// its activations between the forward and backward passes, so it is not
// safe for concurrent use.
type Model interface {
	// Params returns all parameters, in a fixed order.
	Params() []*Param
	// Buffers returns the non-trained state saved in checkpoints (BatchNorm
	// running means and variances).
	Buffers() []*Param
	// InputShape returns the shape of one input image.
	InputShape() (c, h, w int)
	// Classes returns the number of classes.
	Classes() int
	// Forward runs n images x (len n*c*h*w) with labels y and returns the
	// mean cross-entropy loss and the number of correct top-1 predictions.
	// When grad is true it also overwrites each non-frozen Param.Grad with
	// the gradient of the mean loss (frozen params: Grad may be nil).
	Forward(x []float32, y []int, n int, mode Mode, grad bool) (loss float64, correct int)
	// SetWorkers sets the number of goroutines used inside Forward; results
	// do not depend on it.
	SetWorkers(k int)
}

var (
	_ Model = (*ConvNet)(nil)
	_ Model = (*MLP)(nil)
	_ Model = (*ResNet)(nil)
)
