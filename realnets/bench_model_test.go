package realnets

import (
	"math/rand/v2"
	"testing"
)

// benchTrain measures forward and backward passes (a training step without
// the optimiser) of m at batch n, and reports training images per second.
// Compare with testdata/torchbench.py, which measures PyTorch on the same
// models.
func benchTrain(b *testing.B, m Model, n int) {
	c, h, w := m.InputShape()
	rng := rand.New(rand.NewPCG(1, 1))
	x := randSlice(rng, n*c*h*w, 1)
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(m.Classes())
	}
	m.Forward(x, y, n, Train, true) // allocate the buffers
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m.Forward(x, y, n, Train, true)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "img/s")
}

func benchConvNet(b *testing.B, width int) {
	benchTrain(b, NewConvNetSI(ConvNetConfig{Width: width, Workers: 2}), 128)
}

func BenchmarkTrainConvNetC8(b *testing.B)  { benchConvNet(b, 8) }
func BenchmarkTrainConvNetC16(b *testing.B) { benchConvNet(b, 16) }
func BenchmarkTrainConvNetC32(b *testing.B) { benchConvNet(b, 32) }

func BenchmarkTrainMLP(b *testing.B) {
	benchTrain(b, NewMLP(MLPConfig{Sizes: []int{784, 256, 256, 10}, Workers: 2}), 128)
}

func BenchmarkTrainMLP1(b *testing.B) {
	benchTrain(b, NewMLP(MLPConfig{Sizes: []int{784, 256, 256, 10}, Workers: 1}), 128)
}
