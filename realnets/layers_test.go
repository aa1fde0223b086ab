package realnets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randSlice(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(scale * rng.NormFloat64())
	}
	return v
}

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// TestIm2col checks im2col3x3 against the definition of a zero-padded 3×3
// window and col2im3x3 against the adjoint identity <im2col(x), C> =
// <x, col2im(C)>.
func TestIm2col(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, sz := range []struct{ c, h, w int }{{1, 1, 1}, {1, 2, 3}, {3, 5, 4}, {2, 8, 8}} {
		c, h, w := sz.c, sz.h, sz.w
		x := randSlice(rng, c*h*w, 1)
		col := make([]float32, c*9*h*w)
		im2col3x3(col, x, c, h, w)
		for ci := 0; ci < c; ci++ {
			for ky := 0; ky < 3; ky++ {
				for kx := 0; kx < 3; kx++ {
					for y := 0; y < h; y++ {
						for xx := 0; xx < w; xx++ {
							var want float32
							sy, sx := y+ky-1, xx+kx-1
							if sy >= 0 && sy < h && sx >= 0 && sx < w {
								want = x[(ci*h+sy)*w+sx]
							}
							if got := col[(ci*9+ky*3+kx)*h*w+y*w+xx]; got != want {
								t.Fatalf("%v: col[%d,%d,%d,%d,%d] = %v, want %v", sz, ci, ky, kx, y, xx, got, want)
							}
						}
					}
				}
			}
		}
		cc := randSlice(rng, len(col), 1)
		dx := make([]float32, len(x))
		col2im3x3(dx, cc, c, h, w)
		lhs, rhs := dot64(col, cc), dot64(x, dx)
		// Both sides sum the same float32 products in a different order.
		if math.Abs(lhs-rhs) > 1e-5*(1+math.Abs(lhs)) {
			t.Errorf("%v: adjoint identity %v != %v", sz, lhs, rhs)
		}
	}
}

// TestPoolBackward checks unpool2ReluSums against central differences of
// the float64 function f(x̂) = sum c*maxpool2(relu(x̂)), which is piecewise
// linear, and its returned sums against their definition. It also checks
// normReluPool2's output and in-place normalisation.
func TestPoolBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	const h, w = 6, 8
	z := randSlice(rng, h*w, 1)
	const mean, invstd = 0.25, 1.5
	xhat := make([]float32, h*w)
	copy(xhat, z)
	out := make([]float32, h*w/4)
	idx := make([]uint8, len(out))
	normReluPool2(out, idx, xhat, h, w, mean, invstd)
	f := func(xh []float64, c []float32) float64 {
		var s float64
		for y := 0; y < h/2; y++ {
			for x := 0; x < w/2; x++ {
				m := 0.0
				for _, o := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
					m = max(m, xh[(2*y+o[0])*w+2*x+o[1]])
				}
				s += float64(c[y*w/2+x]) * m
			}
		}
		return s
	}
	ones := make([]float32, len(out))
	for i := range ones {
		ones[i] = 1
	}
	xh64 := make([]float64, h*w)
	for i, v := range z {
		xh64[i] = float64((v - mean) * invstd)
		if float32(xh64[i]) != xhat[i] {
			t.Fatalf("normReluPool2 x̂[%d] = %v, want %v", i, xhat[i], xh64[i])
		}
	}
	if got, want := dot64(out, ones), f(xh64, ones); math.Abs(got-want) > 1e-5 {
		t.Errorf("pooled sum %v, want %v", got, want)
	}
	c := randSlice(rng, len(out), 1)
	dz := make([]float32, h*w)
	s, sx := unpool2ReluSums(dz, c, idx, xhat, h, w)
	const eps = 1e-6 // far below the gaps between window entries of random data
	for i := range xh64 {
		xp := append([]float64(nil), xh64...)
		xm := append([]float64(nil), xh64...)
		xp[i] += eps
		xm[i] -= eps
		fd := (f(xp, c) - f(xm, c)) / (2 * eps)
		if math.Abs(fd-float64(dz[i])) > 1e-6 {
			t.Errorf("d/dx̂[%d] = %v, finite difference %v", i, dz[i], fd)
		}
	}
	var ws, wsx float64
	for i, d := range dz {
		ws += float64(d)
		wsx += float64(d) * float64(xhat[i])
	}
	if math.Abs(s-ws) > 1e-12 || math.Abs(sx-wsx) > 1e-12 {
		t.Errorf("sums %v %v, want %v %v", s, sx, ws, wsx)
	}
}

// TestBatchNormBackward checks the BatchNorm statistics and bnBackward
// against central differences of the float64 function
// L(z) = sum_i c_i (z_i - mean(z)) / sqrt(var(z) + eps) for one channel.
func TestBatchNormBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	const n = 37
	z := randSlice(rng, n, 0.7)
	for i := range z {
		z[i] += 0.3
	}
	c := randSlice(rng, n, 1)
	L := func(z []float64) float64 {
		var m, v float64
		for _, x := range z {
			m += x
		}
		m /= n
		for _, x := range z {
			v += (x - m) * (x - m)
		}
		v /= n
		var s float64
		for i, x := range z {
			s += float64(c[i]) * (x - m) / math.Sqrt(v+bnEps)
		}
		return s
	}
	for _, mode := range []Mode{Train, TrainEval} {
		bn := newBatchNorm("bn", 1)
		a, b := sumSq(z)
		s, ss := bn.chunk(0)
		s[0], ss[0] = a, b
		bn.forwardStats(1, n, mode)
		xhat := make([]float32, n)
		for i, v := range z {
			xhat[i] = (v - bn.mean[0]) * bn.invstd[0]
		}
		d := append([]float32(nil), c...)
		s, sx := bn.chunk(0)
		s[0], sx[0] = sumDot(d, xhat)
		bn.backwardStats(1, n, mode)
		bnBackward(d, xhat, bn.invstd[0], bn.m1[0], bn.m2[0])
		z64 := make([]float64, n)
		for i, v := range z {
			z64[i] = float64(v)
		}
		want := make([]float64, n)
		const h = 1e-5 // central differences in float64: error O(h^2)
		for i := range z64 {
			zp := append([]float64(nil), z64...)
			zm := append([]float64(nil), z64...)
			zp[i] += h
			zm[i] -= h
			want[i] = (L(zp) - L(zm)) / (2 * h)
		}
		// float32 arithmetic: 1e-5 relative in the Euclidean norm.
		if e := relErr(d, want); e > 1e-5 {
			t.Errorf("%v: BatchNorm backward rel err %.2g", mode, e)
		}
		if mode == Train {
			// Running statistics: momentum 0.1 from (0, 1), unbiased variance.
			var m, v float64
			for _, x := range z64 {
				m += x
			}
			m /= n
			for _, x := range z64 {
				v += (x - m) * (x - m)
			}
			v /= n - 1
			if math.Abs(float64(bn.runMean.Data[0])-0.1*m) > 1e-7 || math.Abs(float64(bn.runVar.Data[0])-(0.9+0.1*v)) > 1e-6 {
				t.Errorf("running stats %v %v, want %v %v", bn.runMean.Data[0], bn.runVar.Data[0], 0.1*m, 0.9+0.1*v)
			}
		} else if bn.runMean.Data[0] != 0 || bn.runVar.Data[0] != 1 {
			t.Errorf("%v changed the running statistics", mode)
		}
	}
}

// TestSoftmaxXent checks the loss against the definition and its gradient
// against central differences, including logits that overflow a naive exp.
func TestSoftmaxXent(t *testing.T) {
	for _, logits := range [][]float32{{0.1, -2, 3.5}, {1000, 999, -1000}, {-90, -100, -95, -91}} {
		for label := range logits {
			d := make([]float32, len(logits))
			got := softmaxXent(d, logits, label, 0.5)
			// Reference: log-sum-exp shifted by the label's logit.
			var s float64
			for _, v := range logits {
				s += math.Exp(float64(v) - float64(logits[label]))
			}
			if want := math.Log(s); math.Abs(got-want) > 1e-12*(1+want) {
				t.Errorf("%v label %d: loss %v, want %v", logits, label, got, want)
			}
			for i := range logits {
				// The step is the float32 difference actually taken.
				const h = 1e-3
				lp := append([]float32(nil), logits...)
				lm := append([]float32(nil), logits...)
				lp[i] += h
				lm[i] -= h
				fd := (softmaxXent(nil, lp, label, 0) - softmaxXent(nil, lm, label, 0)) / float64(lp[i]-lm[i])
				if math.Abs(0.5*fd-float64(d[i])) > 1e-5 {
					t.Errorf("%v label %d: grad[%d] = %v, finite difference %v", logits, label, i, d[i], 0.5*fd)
				}
			}
		}
	}
}

// TestReluBackSums checks the branch-free ReLU backward of the MLP against
// the plain branching loop, bitwise, on blocks whose width is not a multiple
// of four and with zeros of both signs in x̂.
func TestReluBackSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	const n, ld = 13, 40
	for _, w := range []int{1, 3, 4, 7, mlpBlock} {
		d, xh := randSlice(rng, n*ld, 1), randSlice(rng, n*ld, 1)
		xh[0], xh[1], xh[ld+2] = 0, float32(math.Copysign(0, -1)), float32(math.Inf(1))
		want := slices.Clone(d)
		var ws, wsx [mlpBlock]float64
		for r := range n {
			for j := range w {
				o := r*ld + j
				if xh[o] > 0 {
					ws[j] += float64(want[o])
					wsx[j] += float64(want[o]) * float64(xh[o])
				} else {
					want[o] = 0
				}
			}
		}
		var s, sx [mlpBlock]float64
		reluBackSums(d, xh, n, w, ld, &s, &sx)
		if !slices.Equal(d, want) || s != ws || sx != wsx {
			t.Errorf("w=%d: branch-free ReLU backward differs from the branching loop", w)
		}
	}
}

// TestColSums checks the MLP's column sums against the plain row loop,
// bitwise.
func TestColSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 22))
	const n, ld = 11, 37
	for _, w := range []int{1, 4, 6, mlpBlock} {
		z := randSlice(rng, n*ld, 3)
		var ws, wss, s, ss [mlpBlock]float64
		for r := range n {
			for j := range w {
				f := float64(z[r*ld+j])
				ws[j] += f
				wss[j] += f * f
			}
		}
		colSums(z, n, w, ld, &s, &ss)
		if s != ws || ss != wss {
			t.Errorf("w=%d: column sums differ from the row loop", w)
		}
	}
}

// poolRef is the definition of normReluPool2's pooling on one window: the
// first maximum of a, b, c, d by float comparison (PyTorch's tie rule), or
// (0, noMax) when it is not positive.
func poolRef(a, b, c, d float32) (float32, uint8) {
	m, k := a, uint8(0)
	if b > m {
		m, k = b, 1
	}
	if c > m {
		m, k = c, 2
	}
	if d > m {
		m, k = d, 3
	}
	if m <= 0 {
		m, k = 0, noMax
	}
	return m, k
}

// TestNormReluPool2 compares normReluPool2 bit for bit with poolRef on
// windows of every pattern of ties, signed zeros, infinities and negative
// values, and checks that orderKey orders floats as they compare.
func TestNormReluPool2(t *testing.T) {
	vals := []float32{float32(math.Inf(-1)), -3, -1, float32(math.Copysign(0, -1)), 0, 1e-45, 0.5, 1, 3, float32(math.Inf(1))}
	for i := 1; i < len(vals); i++ {
		if a, b := orderKey(vals[i-1]), orderKey(vals[i]); a >= b {
			t.Errorf("orderKey(%v) = %d >= orderKey(%v) = %d", vals[i-1], a, vals[i], b)
		}
	}
	// One window per choice of four values (with repetition): a 2×2n plane.
	n := len(vals) * len(vals) * len(vals) * len(vals)
	z := make([]float32, 4*n)
	want := make([]float32, n)
	wantIdx := make([]uint8, n)
	for i := range n {
		a, b, c, d := vals[i%10], vals[i/10%10], vals[i/100%10], vals[i/1000]
		z[2*i], z[2*i+1], z[2*n+2*i], z[2*n+2*i+1] = a, b, c, d
		want[i], wantIdx[i] = poolRef(a, b, c, d)
	}
	out := make([]float32, n)
	idx := make([]uint8, n)
	zz := append([]float32(nil), z...)
	normReluPool2(out, idx, zz, 2, 2*n, 0, 1)
	for i := range n {
		if math.Float32bits(out[i]) != math.Float32bits(want[i]) || idx[i] != wantIdx[i] {
			t.Fatalf("window %v %v %v %v: %v at %d, want %v at %d", z[2*i], z[2*i+1], z[2*n+2*i], z[2*n+2*i+1], out[i], idx[i], want[i], wantIdx[i])
		}
	}
	// Random normalised planes.
	rng := rand.New(rand.NewPCG(3, 1))
	const h, w = 16, 32
	z = randSlice(rng, h*w, 1)
	out, idx = make([]float32, h*w/4), make([]uint8, h*w/4)
	const mean, invstd = 0.125, 1.75
	zz = append([]float32(nil), z...)
	normReluPool2(out, idx, zz, h, w, mean, invstd)
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			v := func(dy, dx int) float32 { return (z[(2*y+dy)*w+2*x+dx] - mean) * invstd }
			m, k := poolRef(v(0, 0), v(0, 1), v(1, 0), v(1, 1))
			if j := y*w/2 + x; math.Float32bits(out[j]) != math.Float32bits(m) || idx[j] != k {
				t.Fatalf("window (%d, %d): %v at %d, want %v at %d", y, x, out[j], idx[j], m, k)
			}
		}
	}
}
