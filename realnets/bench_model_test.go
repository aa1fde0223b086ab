//go:build unix

// The benchmarks also report CPU time (getrusage), so they are Unix-only.

package realnets

import (
	"math/rand/v2"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchTrain measures forward and backward passes (a training step without
// the optimiser) of m at batch n, and reports training images per second of
// wall time (img/s) and of CPU time (img/cpu-s): on a shared machine the
// second, times the number of workers, estimates the unloaded throughput.
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
	runtime.GC()                    // and collect the garbage of setting up
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for range b.N {
		m.Forward(x, y, n, Train, true)
	}
	cpu := cpuTime() - c0
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "img/s")
	b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "img/cpu-s")
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

func BenchmarkTrainConvNetC16W1(b *testing.B) {
	benchTrain(b, NewConvNetSI(ConvNetConfig{Width: 16, Workers: 1}), 128)
}

func BenchmarkTrainMLP1(b *testing.B) {
	benchTrain(b, NewMLP(MLPConfig{Sizes: []int{784, 256, 256, 10}, Workers: 1}), 128)
}

func benchResNet(b *testing.B, width int) {
	benchTrain(b, NewResNetSI(ResNetConfig{Width: width, InChannels: 1, Workers: 2}), 128)
}

func BenchmarkTrainResNetK4(b *testing.B)  { benchResNet(b, 4) }
func BenchmarkTrainResNetK8(b *testing.B)  { benchResNet(b, 8) }
func BenchmarkTrainResNetK16(b *testing.B) { benchResNet(b, 16) }

// BenchmarkTrainConvNetC8W1 is the ConvNet of the MNIST reproduction on one
// goroutine: against BenchmarkTrainConvNetC8's img/cpu-s it says what two
// runs side by side gain over one run on two goroutines.
func BenchmarkTrainConvNetC8W1(b *testing.B) {
	benchTrain(b, NewConvNetSI(ConvNetConfig{Width: 8, Workers: 1}), 128)
}
