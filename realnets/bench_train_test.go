package realnets

import (
	"runtime"
	"sync"
	"testing"

	"github.com/regimes/regimes/realnets/data"
)

// benchMNIST caches MNIST (28x28 for the MLP, padded to 32x32 for the
// ConvNet) across benchmarks.
var benchMNIST = struct {
	sync.Once
	plain, padded *data.Dataset
	err           error
}{}

func loadBenchMNIST(b *testing.B, pad bool) *data.Set {
	benchMNIST.Do(func() {
		if benchMNIST.plain, benchMNIST.err = data.Load(data.Config{Name: "mnist"}); benchMNIST.err != nil {
			return
		}
		benchMNIST.padded, benchMNIST.err = data.Load(data.Config{Name: "mnist", Pad: true})
	})
	if benchMNIST.err != nil {
		b.Fatal(benchMNIST.err)
	}
	if pad {
		return benchMNIST.padded.Train
	}
	return benchMNIST.plain.Train
}

// benchEndToEnd measures end-to-end training throughput: one step per
// iteration (gather a shuffled batch of 128 MNIST images from memory,
// forward and backward, fixed-ELR sphere step), Workers = 2, as issue 5's
// comparison with PyTorch specifies.
func benchEndToEnd(b *testing.B, m Model, s *data.Set) {
	const batch = 128
	m.SetWorkers(2)
	opt := NewSphereSGD(m.Params(), 1e-3, 0)
	perm := make([]int, s.N)
	data.Permutation(perm, 1, 1)
	x := make([]float32, batch*s.ImageSize())
	y := make([]int, batch)
	step := func(k int) {
		lo := (k * batch) % (s.N - batch)
		s.Gather(x, y, perm[lo:lo+batch])
		m.Forward(x, y, batch, Train, true)
		opt.Step()
	}
	step(0) // allocate the model's buffers outside the timing
	// Collect the garbage of loading MNIST now: a training run amortises
	// that one collection over many epochs, a short benchmark would not.
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for k := 0; k < b.N; k++ {
		step(k)
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkEndToEndConvNet8(b *testing.B) {
	benchEndToEnd(b, NewConvNetSI(ConvNetConfig{Width: 8, Seed: 1}), loadBenchMNIST(b, true))
}
func BenchmarkEndToEndConvNet16(b *testing.B) {
	benchEndToEnd(b, NewConvNetSI(ConvNetConfig{Width: 16, Seed: 1}), loadBenchMNIST(b, true))
}
func BenchmarkEndToEndConvNet32(b *testing.B) {
	benchEndToEnd(b, NewConvNetSI(ConvNetConfig{Width: 32, Seed: 1}), loadBenchMNIST(b, true))
}
func BenchmarkEndToEndMLP(b *testing.B) {
	benchEndToEnd(b, NewMLP(MLPConfig{Sizes: []int{784, 256, 256, 10}, Seed: 1}), loadBenchMNIST(b, false))
}

func benchEndToEndResNet(b *testing.B, width int) {
	benchEndToEnd(b, NewResNetSI(ResNetConfig{Width: width, InChannels: 1, Seed: 1}), loadBenchMNIST(b, true))
}

func BenchmarkEndToEndResNet4(b *testing.B)  { benchEndToEndResNet(b, 4) }
func BenchmarkEndToEndResNet8(b *testing.B)  { benchEndToEndResNet(b, 8) }
func BenchmarkEndToEndResNet16(b *testing.B) { benchEndToEndResNet(b, 16) }
