package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// A kern is one micro-kernel path of Sgemm.
type kern int

const (
	kGo     kern = iota // the portable Go kernel
	kAVX2               // the AVX2/FMA assembly kernel alone
	kAVX512             // the AVX-512 double-tile kernel where it applies
)

// paths lists the micro-kernels to test: the portable Go kernel always, and
// the assembly kernels this machine can run.
func paths(t testing.TB) []kern {
	ks := []kern{kGo}
	if haveAsm {
		ks = append(ks, kAVX2)
	} else {
		t.Log("assembly kernel unavailable: testing the portable path only")
	}
	if haveAVX512 {
		ks = append(ks, kAVX512)
	} else {
		t.Log("AVX-512 unavailable: its kernel is not tested")
	}
	return ks
}

// withKernel runs f with the micro-kernel k and restores the default.
func withKernel(k kern, f func()) {
	savedAsm, saved512 := useAsm, useAVX512
	useAsm, useAVX512 = k != kGo, k == kAVX512
	defer func() { useAsm, useAVX512 = savedAsm, saved512 }()
	f()
}

// forEachPath runs f for each micro-kernel (paths) and each way of reading
// the operands: both packed (packAMinN = packBMinM = 0) and in place, with
// only partial panels packed (thresholds larger than any test's sizes; B is
// always packed when transposed).
func forEachPath(t *testing.T, f func(name string)) {
	savedA, savedB := packAMinN, packBMinM
	defer func() { packAMinN, packBMinM = savedA, savedB }()
	for _, k := range paths(t) {
		for _, th := range []int{0, 1 << 30} {
			packAMinN, packBMinM = th, th
			name := kernelName(k) + "/packed"
			if th > 0 {
				name = kernelName(k) + "/inplace"
			}
			withKernel(k, func() { f(name) })
		}
	}
}

func kernelName(k kern) string { return [...]string{"go", "avx2", "avx512"}[k] }

// randSlice returns n values uniform in [-1, 1).
func randSlice(rnd *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*rnd.Float32() - 1
	}
	return s
}

// problem is one multiply, with its operands' storage and strides.
type problem struct {
	transA, transB bool
	m, n, k        int
	lda, ldb, ldc  int
	alpha, beta    float32
	a, b, c        []float32
}

// newProblem draws random operands for the given shape, with row strides
// larger than the minimum by padA, padB and padC, and fills C with NaN when
// beta is zero (Sgemm must not read it then).
func newProblem(rnd *rand.Rand, transA, transB bool, m, n, k, padA, padB, padC int, alpha, beta float32) problem {
	rowA, colA := m, k
	if transA {
		rowA, colA = k, m
	}
	rowB, colB := k, n
	if transB {
		rowB, colB = n, k
	}
	p := problem{
		transA: transA, transB: transB, m: m, n: n, k: k,
		lda: max(1, colA) + padA, ldb: max(1, colB) + padB, ldc: max(1, n) + padC,
		alpha: alpha, beta: beta,
	}
	p.a = randSlice(rnd, rowA*p.lda)
	p.b = randSlice(rnd, rowB*p.ldb)
	p.c = randSlice(rnd, m*p.ldc)
	if beta == 0 {
		for i := range p.c {
			p.c[i] = float32(math.NaN())
		}
	}
	return p
}

// check runs Sgemm and the reference on copies of C and compares them. The
// tolerance is elementwise: |got - want| <= tol * (|alpha| * sum_p |a_ip b_pj|
// + |beta c_ij|), with tol = 4 * k * 2^-24. This is the standard forward
// error bound of a float32 dot product of length k, k*u (u = 2^-24, N. J.
// Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., 2002,
// section 3.1), applied to both results, which may sum in different orders
// (blocked, fused multiply-add), doubled again for the alpha and beta
// roundings. It also checks that Sgemm did not write outside the m×n
// region of C (the padding columns and a guard region after the end of C
// must be unchanged).
func (p problem) check(t *testing.T, name string) {
	t.Helper()
	// got is followed by a guard region of mr rows that Sgemm must not
	// touch (the micro-kernel writes through pointers, without bounds
	// checks).
	const guardVal = 12345
	guard := (mr + 1) * p.ldc
	buf := make([]float32, len(p.c)+guard)
	copy(buf, p.c)
	for i := len(p.c); i < len(buf); i++ {
		buf[i] = guardVal
	}
	got := buf[:len(p.c)]
	want := append([]float32(nil), p.c...)
	sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, got, p.ldc)
	for i, v := range buf[len(p.c):] {
		if v != guardVal {
			t.Fatalf("%s: wrote past the end of C at offset %d", name, len(p.c)+i)
		}
	}
	reference(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, want, p.ldc)
	const u = 1.0 / (1 << 24) // float32 unit roundoff
	tol := 4 * float64(p.k+2) * u
	bad := 0
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.ldc; j++ {
			g, w := got[i*p.ldc+j], want[i*p.ldc+j]
			if j >= p.n {
				if math.Float32bits(g) != math.Float32bits(w) {
					t.Errorf("%s: wrote outside C at (%d,%d): %v, was %v", name, i, j, g, w)
					return
				}
				continue
			}
			var scale float64
			for q := 0; q < p.k; q++ {
				scale += math.Abs(float64(p.opA(i, q)) * float64(p.opB(q, j)))
			}
			scale *= math.Abs(float64(p.alpha))
			if p.beta != 0 {
				scale += math.Abs(float64(p.beta) * float64(p.c[i*p.ldc+j]))
			}
			diff := math.Abs(float64(g) - float64(w))
			if !(diff <= tol*scale) { // written so that NaN fails
				bad++
				if bad <= 3 {
					t.Errorf("%s: C[%d,%d] = %v, want %v (diff %g > %g)", name, i, j, g, w, diff, tol*scale)
				}
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d entries differ", name, bad)
	}
}

func (p problem) opA(i, q int) float32 {
	if p.transA {
		return p.a[q*p.lda+i]
	}
	return p.a[i*p.lda+q]
}

func (p problem) opB(q, j int) float32 {
	if p.transB {
		return p.b[j*p.ldb+q]
	}
	return p.b[q*p.ldb+j]
}

// TestSgemmShapes compares Sgemm with the naive reference on odd shapes:
// every dimension from a list of small values around the kernel's 6×16 tile
// (1, 5, 6, 7, 15, 16, 17), primes and sizes up to 70, all four transpose
// combinations, padded strides and several alpha and beta (beta = 0 with
// NaN in C).
func TestSgemmShapes(t *testing.T) {
	// Sizes around the tile edges mr = 6, nr = 16, multiples, and primes.
	sizes := []int{1, 2, 5, 6, 7, 13, 16, 17, 31, 37, 48, 70}
	scalars := []struct{ alpha, beta float32 }{
		{1, 0}, {1, 1}, {-0.5, 0}, {2, -1.5}, {0.25, 1},
	}
	forEachPath(t, func(name string) {
		{
			rnd := rand.New(rand.NewPCG(1, 2))
			for _, ta := range []bool{false, true} {
				for _, tb := range []bool{false, true} {
					for _, m := range sizes {
						for _, n := range sizes {
							// k is drawn per (m, n) from the same list
							// plus k = 9 and 27 (first conv layer).
							for _, k := range []int{1, 9, 27, sizes[rnd.IntN(len(sizes))]} {
								s := scalars[rnd.IntN(len(scalars))]
								pad := rnd.IntN(3)
								p := newProblem(rnd, ta, tb, m, n, k, pad, 2-pad, rnd.IntN(4), s.alpha, s.beta)
								p.check(t, fmt.Sprintf("%s ta=%v tb=%v m=%d n=%d k=%d alpha=%v beta=%v", name, ta, tb, m, n, k, s.alpha, s.beta))
							}
						}
					}
				}
			}
		}
	})
}

// TestSgemmBlocks covers shapes larger than one cache block in each
// dimension (mcMax = 144, kcMax = 256, ncMax = 4080), so that the driver's
// block loops, the balancing of the last block and the accumulation over
// slices of k (beta replaced by 1 after the first) are exercised.
func TestSgemmBlocks(t *testing.T) {
	tests := []struct {
		m, n, k int
	}{
		{mcMax + 7, 33, kcMax*2 + 3},   // several blocks of A and of k
		{20, ncMax + 21, 11},           // two blocks of B (4101 = 2*2051)
		{2*mcMax + 1, 50, kcMax + 1},   // three blocks of A, k block of 1 value
		{64, 4096, 9},                  // first ConvNetSI layer, 4 images
		{9, 16, 4096},                  // long k: 16 slices of kcMax, partial panel of A
		{16, 9, 4096},                  // the weight gradient of the first layer (swapped)
		{mcMax, 2 * nr * 3, 2 * kcMax}, // exact multiples everywhere
	}
	forEachPath(t, func(name string) {
		{
			rnd := rand.New(rand.NewPCG(3, 4))
			for _, tc := range tests {
				for _, ta := range []bool{false, true} {
					for _, tb := range []bool{false, true} {
						for _, beta := range []float32{0, 0.5} {
							p := newProblem(rnd, ta, tb, tc.m, tc.n, tc.k, 1, 0, 3, 1.5, beta)
							p.check(t, fmt.Sprintf("%s ta=%v tb=%v m=%d n=%d k=%d beta=%v", name, ta, tb, tc.m, tc.n, tc.k, beta))
						}
					}
				}
			}
		}
	})
}

// TestSgemmQuickReturns checks the cases that do no multiplication: alpha = 0
// or k = 0 scale C by beta (setting it to zero without reading it when beta
// is zero), and m = 0 or n = 0 touch nothing.
func TestSgemmQuickReturns(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name        string
		m, n, k     int
		alpha, beta float32
		c, want     []float32 // 2×2 with ldc = 3; the third column is padding
	}{
		{"alpha=0 beta=0", 2, 2, 3, 0, 0, []float32{nan, nan, 7, nan, nan, 7}, []float32{0, 0, 7, 0, 0, 7}},
		{"k=0 beta=0", 2, 2, 0, 1, 0, []float32{nan, nan, 7, nan, nan, 7}, []float32{0, 0, 7, 0, 0, 7}},
		{"k=0 beta=2", 2, 2, 0, 1, 2, []float32{1, 2, 7, 3, 4, 7}, []float32{2, 4, 7, 6, 8, 7}},
		{"alpha=0 beta=1", 2, 2, 3, 0, 1, []float32{1, 2, 7, 3, 4, 7}, []float32{1, 2, 7, 3, 4, 7}},
		{"m=0", 0, 2, 3, 1, 0, []float32{}, []float32{}},
	}
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{1, 2, 3, 4, 5, 6}
	for _, tc := range tests {
		c := append([]float32(nil), tc.c...)
		Sgemm(NoTrans, NoTrans, tc.m, tc.n, tc.k, tc.alpha, a, max(1, tc.k), b, 2, tc.beta, c, 3)
		for i := range c {
			if c[i] != tc.want[i] {
				t.Errorf("%s: c = %v, want %v", tc.name, c, tc.want)
				break
			}
		}
	}
}

// TestSgemmExact checks a product whose entries are small integers, which
// float32 represents and sums exactly in any order, so Sgemm must match
// the hand-computable result bit for bit: C = A*B with A[i][p] = i+p and
// B[p][j] = p-j has C[i][j] = sum_p (i+p)(p-j), checked against that formula
// in integer arithmetic.
func TestSgemmExact(t *testing.T) {
	const m, n, k = 13, 35, 40
	a := make([]float32, m*k)
	b := make([]float32, k*n)
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			a[i*k+p] = float32(i + p)
		}
	}
	for p := 0; p < k; p++ {
		for j := 0; j < n; j++ {
			b[p*n+j] = float32(p - j)
		}
	}
	for _, kn := range paths(t) {
		withKernel(kn, func() {
			c := make([]float32, m*n)
			Sgemm(NoTrans, NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					want := 0
					for p := 0; p < k; p++ {
						want += (i + p) * (p - j)
					}
					if c[i*n+j] != float32(want) {
						t.Fatalf("%s: C[%d,%d] = %v, want %d", kernelName(kn), i, j, c[i*n+j], want)
					}
				}
			}
		})
	}
}

// TestSgemmPanics checks the programmer-error panics.
func TestSgemmPanics(t *testing.T) {
	s := make([]float32, 100)
	tests := []struct {
		want string
		f    func()
	}{
		{"gemm: m < 0", func() { Sgemm(NoTrans, NoTrans, -1, 2, 2, 1, s, 2, s, 2, 0, s, 2) }},
		{"gemm: bad lda", func() { Sgemm(NoTrans, NoTrans, 2, 2, 3, 1, s, 2, s, 2, 0, s, 2) }},
		{"gemm: bad lda", func() { Sgemm(Trans, NoTrans, 4, 2, 3, 1, s, 3, s, 2, 0, s, 2) }},
		{"gemm: bad ldb", func() { Sgemm(NoTrans, Trans, 2, 2, 3, 1, s, 3, s, 2, 0, s, 2) }},
		{"gemm: bad ldc", func() { Sgemm(NoTrans, NoTrans, 2, 5, 3, 1, s, 3, s, 5, 0, s, 4) }},
		{"gemm: short A", func() { Sgemm(NoTrans, NoTrans, 20, 2, 10, 1, s, 10, s, 2, 0, s, 2) }},
		{"gemm: short C", func() { Sgemm(NoTrans, NoTrans, 2, 60, 1, 1, s, 1, s, 60, 0, s, 60) }},
	}
	for _, tc := range tests {
		func() {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("panic %v, want %q", r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

// TestSgemmAllocs checks that steady-state calls reuse the packing buffers.
func TestSgemmAllocs(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	p := newProblem(rnd, false, true, 32, 300, 150, 0, 0, 0, 1, 0)
	f := func() { sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc) }
	f()
	if n := testing.AllocsPerRun(20, f); n != 0 {
		t.Errorf("Sgemm allocates %v times per call, want 0", n)
	}
}

func TestBlockSize(t *testing.T) {
	tests := []struct{ n, max, unit, want int }{
		{100, 144, 6, 100},     // fits in one block: unchanged
		{4096, 4080, 16, 2048}, // two equal blocks, not 4080 + 16
		{1152, 256, 1, 231},    // ceil(1152/5) = 231
		{145, 144, 6, 78},      // ceil(145/2) = 73, rounded up to 78
	}
	for _, tc := range tests {
		if got := blockSize(tc.n, tc.max, tc.unit); got != tc.want {
			t.Errorf("blockSize(%d, %d, %d) = %d, want %d", tc.n, tc.max, tc.unit, got, tc.want)
		}
	}
}

func TestAliases(t *testing.T) {
	// Zen 3: 8 ways; sets repeat every 4 KiB in L1 (64 sets) and 64 KiB in
	// L2 (1024 sets); rows visit period / gcd(4*ld, period) sets, at most
	// period/64.
	tests := []struct {
		kb, ld, period int
		want           bool
	}{
		{144, 1024, l2Period, true},   // 4 KiB stride: 16 sets, 9 rows per set
		{128, 1024, l2Period, false},  // 8 rows per set fit the 8 ways
		{9, 4096, l2Period, false},    // 16 KiB stride: 4 sets, 3 rows per set
		{33, 4096, l2Period, true},    // 9 rows per set
		{9, 16384, l2Period, true},    // 64 KiB stride: one set, 9 rows
		{288, 256, l2Period, false},   // 1 KiB stride: 64 sets, 5 rows per set
		{4000, 1000, l2Period, false}, // odd stride: all 1024 sets, 4 rows per set
		{9, 1024, l1Period, true},     // 4 KiB stride: one L1 set, 9 rows
		{8, 1024, l1Period, false},    // 8 rows fit
		{64, 256, l1Period, true},     // 1 KiB stride: 4 sets, 16 rows per set
		{256, 16, l1Period, false},    // packed-like 64-byte rows: 64 sets, 4 rows
	}
	for _, tc := range tests {
		if got := aliases(tc.kb, tc.ld, tc.period); got != tc.want {
			t.Errorf("aliases(%d, %d, %d) = %v, want %v", tc.kb, tc.ld, tc.period, got, tc.want)
		}
	}
}

// TestSgemmConcurrent runs multiplies of different shapes from several
// goroutines at once, as the trainer does, and checks that each result is
// bitwise equal to the same multiply run alone: workspaces are not shared
// between calls in flight, and the result does not depend on scheduling.
func TestSgemmConcurrent(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	const workers = 4
	probs := make([]problem, workers)
	want := make([][]float32, workers)
	for i := range probs {
		// Different shapes so that the workspaces grow differently.
		probs[i] = newProblem(rnd, i%2 == 1, i/2 == 1, 20+13*i, 300-40*i, 50+30*i, 0, 0, 0, 1, 0)
		p := probs[i]
		want[i] = make([]float32, len(p.c))
		sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, want[i], p.ldc)
	}
	errs := make(chan string, workers)
	for i := range probs {
		go func(p problem, want []float32) {
			got := make([]float32, len(p.c))
			for rep := 0; rep < 20; rep++ {
				sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, got, p.ldc)
				for j := range got {
					if got[j] != want[j] {
						errs <- fmt.Sprintf("worker m=%d n=%d k=%d: C[%d] = %v, want %v", p.m, p.n, p.k, j, got[j], want[j])
						return
					}
				}
			}
			errs <- ""
		}(probs[i], want[i])
	}
	for range probs {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

// TestAVX512Bitwise checks that the AVX-512 double-tile kernel gives bitwise
// the AVX2 kernel's results, so that training runs reproduce across
// machines with and without AVX-512: shapes around the 32-column pairs,
// all transposes, packed and in-place B, alpha and beta.
func TestAVX512Bitwise(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	savedA, savedB := packAMinN, packBMinM
	defer func() { packAMinN, packBMinM = savedA, savedB }()
	rnd := rand.New(rand.NewPCG(7, 7))
	sizes := []int{1, 6, 15, 16, 17, 31, 32, 33, 48, 63, 64, 100, 300}
	for _, th := range []int{0, 1 << 30} {
		packAMinN, packBMinM = th, th
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, m := range sizes {
					for _, n := range sizes {
						k := []int{1, 9, 27, 257, 600}[rnd.IntN(5)]
						p := newProblem(rnd, ta, tb, m, n, k, rnd.IntN(3), rnd.IntN(3), rnd.IntN(3), 0.75, [...]float32{0, 1, -0.5}[rnd.IntN(3)])
						c2, c5 := append([]float32(nil), p.c...), append([]float32(nil), p.c...)
						withKernel(kAVX2, func() { sgemm(ta, tb, m, n, k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c2, p.ldc) })
						withKernel(kAVX512, func() { sgemm(ta, tb, m, n, k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c5, p.ldc) })
						for i := range c2 {
							if math.Float32bits(c2[i]) != math.Float32bits(c5[i]) {
								t.Fatalf("ta=%v tb=%v m=%d n=%d k=%d th=%d: element %d: AVX2 %v, AVX-512 %v", ta, tb, m, n, k, th, i, c2[i], c5[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestSgemmTranspose checks that the typed transposes select the operations
// they name (against the reference on a 3x2 times 2x4 product stored both
// ways) and that another value panics.
func TestSgemmTranspose(t *testing.T) {
	const m, n, k = 3, 4, 2
	rng := rand.New(rand.NewPCG(5, 6))
	a, at := make([]float32, m*k), make([]float32, k*m)
	b, bt := make([]float32, k*n), make([]float32, n*k)
	for i := range m {
		for j := range k {
			v := float32(rng.NormFloat64())
			a[i*k+j], at[j*m+i] = v, v
		}
	}
	for i := range k {
		for j := range n {
			v := float32(rng.NormFloat64())
			b[i*n+j], bt[j*k+i] = v, v
		}
	}
	want := make([]float32, m*n)
	reference(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	for _, tc := range []struct {
		ta, tb Transpose
		a, b   []float32
		lda    int
		ldb    int
	}{
		{NoTrans, NoTrans, a, b, k, n}, {Trans, NoTrans, at, b, m, n},
		{NoTrans, Trans, a, bt, k, k}, {Trans, Trans, at, bt, m, k},
	} {
		got := make([]float32, m*n)
		Sgemm(tc.ta, tc.tb, m, n, k, 1, tc.a, tc.lda, tc.b, tc.ldb, 0, got, n)
		for i := range got {
			if d := got[i] - want[i]; d > 1e-6 || d < -1e-6 {
				t.Fatalf("%c%c: C[%d] = %v, want %v", tc.ta, tc.tb, i, got[i], want[i])
			}
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "gemm: bad transpose") {
			t.Errorf("Sgemm('x', ...) did not panic with a gemm message: %v", r)
		}
	}()
	Sgemm('x', NoTrans, m, n, k, 1, a, k, b, n, 0, make([]float32, m*n), n)
}

// reference is the naive triple loop, kept as the definition that faster
// paths are tested against.
func reference(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// TestSwappedNT checks that products with a transposed B and few rows,
// which Sgemm computes transposed (swappedNT), are bitwise the direct
// blocked product, for beta 0 (C full of NaN, not read) and 1, K across
// several kc-blocks, padded strides and the shapes of ConvNetSI's weight
// gradients.
func TestSwappedNT(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 11))
	shapes := [][3]int{{8, 9, 1024}, {16, 72, 1024}, {16, 144, 256}, {1, 2, 3}, {5, 17, 600}, {16, 17, 257}, {3, 40, 1}}
	for _, sh := range shapes {
		for _, beta := range []float32{0, 1} {
			for _, alpha := range []float32{1, 0.75} {
				m, n, k := sh[0], sh[1], sh[2]
				p := newProblem(rnd, false, true, m, n, k, rnd.IntN(3), rnd.IntN(3), rnd.IntN(3), alpha, beta)
				want := append([]float32(nil), p.c...)
				blocked(false, true, m, n, k, alpha, p.a, p.lda, p.b, p.ldb, beta, want, p.ldc)
				got := append([]float32(nil), p.c...)
				Sgemm(NoTrans, Trans, m, n, k, alpha, p.a, p.lda, p.b, p.ldb, beta, got, p.ldc)
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						g, w := got[i*p.ldc+j], want[i*p.ldc+j]
						if math.Float32bits(g) != math.Float32bits(w) {
							t.Fatalf("M%d N%d K%d alpha %v beta %v: C[%d][%d] = %v, the direct product's %v", m, n, k, alpha, beta, i, j, g, w)
						}
					}
				}
			}
		}
	}
}
