package realnets

import (
	"math"
	"math/rand/v2"
)

// A Param is one parameter tensor of a model.
type Param struct {
	// Name identifies the tensor, in PyTorch's naming ("conv1.weight").
	Name string
	// Shape is the tensor's shape in PyTorch's layout (conv weights are
	// out×in×3×3, linear weights out×in).
	Shape []int
	// Data holds the values, row-major.
	Data []float32
	// Grad holds the gradient of the mean loss of the last Forward with
	// grad true. It may be nil for a frozen parameter.
	Grad []float32
	// SI reports whether the tensor is scale-invariant: part of the one
	// joint sphere of SCIENCE.md section 2.
	SI bool
	// Frozen reports whether the tensor is not trained (the fixed last layer
	// of the paper's main protocol).
	Frozen bool
}

// newParam returns a parameter of the given shape with Data and Grad
// allocated.
func newParam(name string, si, frozen bool, shape ...int) *Param {
	size := 1
	for _, s := range shape {
		size *= s
	}
	p := &Param{Name: name, Shape: shape, Data: make([]float32, size), SI: si, Frozen: frozen}
	if !frozen {
		p.Grad = make([]float32, size)
	}
	return p
}

// initUniform fills dst with independent draws from uniform(-bound, bound),
// which is PyTorch's default initialisation of Conv2d and Linear weights
// (kaiming_uniform with a = sqrt(5) gives bound = 1/sqrt(fan_in)) and of
// Linear biases.
func initUniform(dst []float32, bound float64, rng *rand.Rand) {
	for i := range dst {
		dst[i] = float32((2*rng.Float64() - 1) * bound)
	}
}

// rescale multiplies v so that its Euclidean norm becomes norm.
func rescale(v []float32, norm float64) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		panic("realnets: cannot rescale a zero tensor")
	}
	f := norm / math.Sqrt(s)
	for i, x := range v {
		v[i] = float32(float64(x) * f)
	}
}

// headNorm is the Frobenius norm of the fixed last layer's weight, as in the
// paper's protocol (SCIENCE.md section 9).
const headNorm = 10

// newHead returns the last layer, Linear(features -> classes) with bias,
// initialised once from seed as PyTorch does (weight, then bias, from
// uniform(-1/sqrt(features), 1/sqrt(features))) and its weight rescaled to
// Frobenius norm headNorm; both are frozen unless train. Every model and
// every ELR of a sweep with the same seed shares this head.
func newHead(classes, features int, seed uint64, train bool) (head, bias *Param) {
	head = newParam("fc.weight", false, !train, classes, features)
	bias = newParam("fc.bias", false, !train, classes)
	rng := rand.New(rand.NewPCG(seed, 2))
	initUniform(head.Data, 1/math.Sqrt(float64(features)), rng)
	initUniform(bias.Data, 1/math.Sqrt(float64(features)), rng)
	rescale(head.Data, headNorm)
	return head, bias
}
