package realnets

import (
	"math"
	"math/rand/v2"
	"testing"
)

// specialSlice returns n normal values with, at random places, the values
// on which float loops can differ: ±0, ±Inf, NaNs of both signs, the
// smallest subnormal and repeats (ties of a pooling window).
func specialSlice(rng *rand.Rand, n int) []float32 {
	specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), -float32(math.NaN()), 1e-45, -1e-45, 1, -1}
	v := randSlice(rng, n, 1)
	for i := range v {
		switch r := rng.IntN(10); {
		case r == 0:
			v[i] = specials[rng.IntN(len(specials))]
		case r == 1 && i > 0:
			v[i] = v[i-1]
		}
	}
	return v
}

// withGoLoops runs f with the Go loops instead of layers_amd64.s.
func withGoLoops(f func()) {
	old := useLayerAsm
	useLayerAsm = false
	defer func() { useLayerAsm = old }()
	f()
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: entry %d is %v (%#x), the Go loop's %v (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// TestLayersAsm checks that the assembly loops give bitwise the results of
// the Go loops, specials (NaNs, zeros of both signs, infinities, ties)
// included, on the plane sizes of the models and ragged ones.
func TestLayersAsm(t *testing.T) {
	if !useLayerAsm {
		t.Skip("no assembly loops on this machine")
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, w := range []int{2, 4, 8, 10, 16, 18, 32, 34, 64} {
		h := 2 * max(1, 40/w)
		n := h * w
		z := specialSlice(rng, n)
		mean, invstd := float32(rng.NormFloat64()), float32(0.5+rng.Float64())

		// normReluPool2.
		za, zg := append([]float32(nil), z...), append([]float32(nil), z...)
		oa, og := make([]float32, n/4), make([]float32, n/4)
		ia, ig := make([]uint8, n/4), make([]uint8, n/4)
		normReluPool2(oa, ia, za, h, w, mean, invstd)
		withGoLoops(func() { normReluPool2(og, ig, zg, h, w, mean, invstd) })
		sameBits(t, "normReluPool2 plane", za, zg)
		sameBits(t, "normReluPool2 output", oa, og)
		for i := range ig {
			if ia[i] != ig[i] {
				t.Fatalf("normReluPool2 w %d: window %d at %d, the Go loop's at %d", w, i, ia[i], ig[i])
			}
		}

		// normRelu, on lengths that are not multiples of 8 too.
		for _, m := range []int{n, n - 1, n/2 + 3} {
			za, zg = append([]float32(nil), z[:m]...), append([]float32(nil), z[:m]...)
			oa, og = make([]float32, m), make([]float32, m)
			normRelu(oa, za, mean, invstd)
			withGoLoops(func() { normRelu(og, zg, mean, invstd) })
			sameBits(t, "normRelu plane", za, zg)
			sameBits(t, "normRelu output", oa, og)

			// bnBackward.
			x := specialSlice(rng, m)
			da, dg := append([]float32(nil), z[:m]...), append([]float32(nil), z[:m]...)
			m1, m2 := float32(rng.NormFloat64()), float32(rng.NormFloat64())
			bnBackward(da, x, invstd, m1, m2)
			withGoLoops(func() { bnBackward(dg, x, invstd, m1, m2) })
			sameBits(t, "bnBackward", da, dg)
		}

		// reluMask.
		dp, x := specialSlice(rng, n), specialSlice(rng, n)
		for _, m := range []int{n, n - 1} {
			ma, mg := make([]float32, m), make([]float32, m)
			reluMask(ma, dp, x)
			withGoLoops(func() { reluMask(mg, dp, x) })
			sameBits(t, "reluMask", ma, mg)
		}

		// addTaps, setting and adding.
		r0, r1, r2 := specialSlice(rng, w), specialSlice(rng, w), specialSlice(rng, w)
		for _, set := range []bool{true, false} {
			da, dg := specialSlice(rng, w), make([]float32, w)
			copy(dg, da)
			addTaps(da, r0, r1, r2, w, set)
			withGoLoops(func() { addTaps(dg, r0, r1, r2, w, set) })
			sameBits(t, "addTaps", da, dg)
		}
	}
}

// unpool2ReluSumsBranchy is unpool2ReluSums as it was, with a branch for
// the windows without a positive maximum: the reference of
// TestUnpoolBranchless.
func unpool2ReluSumsBranchy(dz, dp []float32, idx []uint8, xhat []float32, h, w int) (s, sx float64) {
	w2 := w / 2
	clear(dz[:h*w])
	for y := 0; y < h; y += 2 {
		g := dp[(y/2)*w2 : (y/2)*w2+w2]
		ix := idx[(y/2)*w2 : (y/2)*w2+w2]
		for x, k := range ix {
			if k == noMax {
				continue
			}
			j := (y+int(k>>1))*w + 2*x + int(k&1)
			gv := g[x]
			dz[j] = gv
			s += float64(gv)
			sx += float64(gv) * float64(xhat[j])
		}
	}
	return s, sx
}

// TestUnpoolBranchless checks that unpool2ReluSums, which has no branch on
// the windows without a positive maximum, gives bitwise the gradient and the
// sums of skipping them, with specials in the gradients and in x̂ (an
// infinite x̂ at a skipped window must not turn a sum into a NaN).
func TestUnpoolBranchless(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for trial := range 200 {
		h, w := 2*(1+rng.IntN(8)), 2*(1+rng.IntN(16))
		dp := specialSlice(rng, h*w/4)
		if trial%2 == 0 {
			dp = randSlice(rng, h*w/4, 1) // finite sums, so that their bits are compared
		}
		xhat := specialSlice(rng, h*w)
		idx := make([]uint8, h*w/4)
		for i := range idx {
			idx[i] = uint8(rng.IntN(noMax + 1))
		}
		got, want := make([]float32, h*w), make([]float32, h*w)
		s, sx := unpool2ReluSums(got, dp, idx, xhat, h, w)
		ws, wsx := unpool2ReluSumsBranchy(want, dp, idx, xhat, h, w)
		sameBits(t, "unpool2ReluSums", got, want)
		plain := make([]float32, h*w)
		unpool2Relu(plain, dp, idx, h, w)
		sameBits(t, "unpool2Relu", plain, want)
		withGoLoops(func() { unpool2Relu(plain, dp, idx, h, w) })
		sameBits(t, "unpool2Relu (Go loop)", plain, want)
		if math.Float64bits(s) != math.Float64bits(ws) || math.Float64bits(sx) != math.Float64bits(wsx) {
			t.Fatalf("trial %d: sums %v, %v, want %v, %v", trial, s, sx, ws, wsx)
		}
	}
}
