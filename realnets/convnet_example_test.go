package realnets_test

import (
	"fmt"
	"math"

	"github.com/regimes/regimes/realnets"
)

// ExampleNewConvNetSI builds the paper's ConvNetSI at width 8 and lists its
// parameters: four scale-invariant convolution weights (one joint sphere)
// and the frozen last layer, whose weight has Frobenius norm 10.
func ExampleNewConvNetSI() {
	m := realnets.NewConvNetSI(realnets.ConvNetConfig{Width: 8, Seed: 1, HeadSeed: 2})
	for _, p := range m.Params() {
		fmt.Printf("%-12s %-14s SI=%-5v frozen=%v\n", p.Name, fmt.Sprint(p.Shape), p.SI, p.Frozen)
	}
	var s float64
	for _, v := range m.Params()[4].Data {
		s += float64(v) * float64(v)
	}
	fmt.Printf("head norm %.4f\n", math.Sqrt(s))
	// Output:
	// conv0.weight [8 1 3 3]      SI=true  frozen=false
	// conv1.weight [16 8 3 3]     SI=true  frozen=false
	// conv2.weight [32 16 3 3]    SI=true  frozen=false
	// conv3.weight [64 32 3 3]    SI=true  frozen=false
	// fc.weight    [10 64]        SI=false frozen=true
	// fc.bias      [10]           SI=false frozen=true
	// head norm 10.0000
}

// ExampleModel_Forward runs one training-mode pass of the SI MLP on a batch
// of four inputs and reports that the loss does not change when all SI
// weights are scaled (SCIENCE.md section 1), up to BatchNorm's eps,
// which breaks the invariance at about 2e-4 on this tiny batch.
func ExampleModel_Forward() {
	var m realnets.Model = realnets.NewMLP(realnets.MLPConfig{Sizes: []int{6, 5, 3}, Seed: 1, HeadSeed: 2})
	x := make([]float32, 4*6)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)))
	}
	y := []int{0, 1, 2, 1}
	loss, _ := m.Forward(x, y, 4, realnets.TrainEval, true)
	for _, p := range m.Params() {
		if p.SI {
			for i := range p.Data {
				p.Data[i] *= 4
			}
		}
	}
	scaled, _ := m.Forward(x, y, 4, realnets.TrainEval, true)
	fmt.Println("loss unchanged to 1e-3:", math.Abs(scaled-loss) < 1e-3*loss)
	// Output:
	// loss unchanged to 1e-3: true
}
