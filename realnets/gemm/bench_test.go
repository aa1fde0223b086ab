package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// benchShape is one multiply of the ConvNetSI training step or a square
// reference size.
type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

// convShapes returns the im2col multiplies of ConvNetSI of width c
// (SCIENCE.md section 9) for a chunk of images 32×32 images: for each
// of the four 3×3 convolutions, with (Cin, Cout) = (1, c), (c, 2c), (2c, 4c),
// (4c, 8c) at H = W = 32, 16, 8, 4, the forward product Out = W*col (NN:
// M = Cout, N = images*H*W, K = Cin*9), the weight gradient dW = dOut*col^T
// (NT: M = Cout, N = Cin*9, K = images*H*W) and the input gradient
// dCol = W^T*dOut (TN: M = Cin*9, N = images*H*W, K = Cout).
func convShapes(c, images int) []benchShape {
	var s []benchShape
	cin, cout, hw := 1, c, 32
	for l := 0; l < 4; l++ {
		px := images * hw * hw
		s = append(s,
			benchShape{fmt.Sprintf("c%d_l%d_fwdNN", c, l), false, false, cout, px, cin * 9},
			benchShape{fmt.Sprintf("c%d_l%d_dwNT", c, l), false, true, cout, cin * 9, px},
			benchShape{fmt.Sprintf("c%d_l%d_dxTN", c, l), true, false, cin * 9, px, cout},
		)
		cin, cout, hw = cout, 2*cout, hw/2
	}
	return s
}

func benchShapes() []benchShape {
	s := append(convShapes(16, 4), convShapes(32, 4)...)
	return append(s,
		benchShape{"square256", false, false, 256, 256, 256},
		benchShape{"square512", false, false, 512, 512, 512},
	)
}

// BenchmarkSgemm reports GFLOP/s (2*m*n*k floating-point operations per
// multiply) of Sgemm with the assembly kernel (asm, where available) and the
// portable kernel (go) on the ConvNetSI shapes with chunks of 4 images.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes() {
		for _, k := range paths(b) {
			b.Run(fmt.Sprintf("%s_M%dN%dK%d/%s", s.name, s.m, s.n, s.k, kernelName(k)), func(b *testing.B) {
				withKernel(k, func() {
					benchSgemm(b, s, boolSgemm)
				})
			})
		}
	}
}

// BenchmarkGonum reports GFLOP/s of gonum's pure-Go Sgemm
// (gonum.org/v1/gonum/blas/gonum, which blas32 calls by default) on the same
// shapes. Note that gonum runs large products on several goroutines; run with
// -cpu 1 for a single-threaded comparison.
func BenchmarkGonum(b *testing.B) {
	impl := gonum.Implementation{}
	f := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, bb []float32, ldb int, beta float32, c []float32, ldc int) {
		ta, tb := blas.NoTrans, blas.NoTrans
		if transA {
			ta = blas.Trans
		}
		if transB {
			tb = blas.Trans
		}
		impl.Sgemm(ta, tb, m, n, k, alpha, a, lda, bb, ldb, beta, c, ldc)
	}
	for _, s := range benchShapes() {
		b.Run(fmt.Sprintf("%s_M%dN%dK%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			benchSgemm(b, s, f)
		})
	}
}

// benchSgemm times f on the shape s with random operands and beta = 0,
// reporting GFLOP/s of wall time and, where available, per CPU second.
func benchSgemm(b *testing.B, s benchShape, f func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) {
	rnd := rand.New(rand.NewPCG(1, 1))
	p := newProblem(rnd, s.transA, s.transB, s.m, s.n, s.k, 0, 0, 0, 1, 0)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		f(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc)
	}
	cpu := cpuSeconds() - cpu0
	flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu > 0 {
		// Throughput per CPU second of this process: less disturbed by
		// other processes on a shared machine than wall time, and equal
		// to GFLOP/s for a single-threaded multiply on an idle machine.
		b.ReportMetric(flops/cpu/1e9, "GFLOP/cpu-s")
	}
}

// boolSgemm calls Sgemm with the transposes given as booleans, the form the
// benchmark shapes and gonum's wrapper use.
func boolSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	t := func(x bool) Transpose {
		if x {
			return Trans
		}
		return NoTrans
	}
	Sgemm(t(transA), t(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// BenchmarkConvNetMNIST reports GFLOP/s of Sgemm on the per-image products
// of the MNIST reproduction's ConvNetSI (c = 8, 32×32 padded MNIST; the
// convolution layers see 32, 32, 16 and 8 pixels a side): the forward
// product (NN), the weight gradient (NT) and, above the first layer, the
// input gradient (TN) of each layer.
func BenchmarkConvNetMNIST(b *testing.B) {
	cins := []int{1, 8, 16, 32}
	hs := []int{32, 32, 16, 8}
	for l, cin := range cins {
		cout, hw, k := 8<<l, hs[l]*hs[l], cin*9
		shapes := []benchShape{
			{fmt.Sprintf("l%d_fwdNN", l), false, false, cout, hw, k},
			{fmt.Sprintf("l%d_dwNT", l), false, true, cout, k, hw},
		}
		if l > 0 {
			shapes = append(shapes, benchShape{fmt.Sprintf("l%d_dxTN", l), true, false, k, hw, cout})
		}
		for _, s := range shapes {
			b.Run(fmt.Sprintf("%s_M%dN%dK%d", s.name, s.m, s.n, s.k), func(b *testing.B) { benchSgemm(b, s, boolSgemm) })
		}
	}
}
