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

		// col2im3x3 on 3 planes of h×w, through col2imRows8 when w is a
		// multiple of 8. Where two NaNs meet in a sum, which one it
		// passes on depends on the order of the operands, which the Go
		// compiler chooses anew where it inlines addTaps: a NaN need only
		// be a NaN.
		dcol := specialSlice(rng, 3*9*n)
		xa, xg := make([]float32, 3*n), make([]float32, 3*n)
		col2im3x3(xa, dcol, 3, h, w)
		withGoLoops(func() { col2im3x3(xg, dcol, 3, h, w) })
		for i := range xg {
			if math.Float32bits(xa[i]) != math.Float32bits(xg[i]) && !(xa[i] != xa[i] && xg[i] != xg[i]) {
				t.Fatalf("col2im3x3 %d×%d: entry %d is %v (%#x), the Go loop's %v (%#x)", h, w, i, xa[i], math.Float32bits(xa[i]), xg[i], math.Float32bits(xg[i]))
			}
		}
		// Without NaNs, bitwise.
		dcol = randSlice(rng, 3*9*n, 1)
		for i := range dcol {
			switch rng.IntN(8) {
			case 0:
				dcol[i] = 0
			case 1:
				dcol[i] = float32(math.Copysign(0, -1))
			}
		}
		col2im3x3(xa, dcol, 3, h, w)
		withGoLoops(func() { col2im3x3(xg, dcol, 3, h, w) })
		sameBits(t, "col2im3x3 without NaNs", xa, xg)

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

// TestPlaneSumsAsm checks that addPlaneSumSq and addPlaneSumDot, which take
// four planes at a time in assembly, add bitwise the sums of sumSq and
// sumDot of each plane (the Go loops), specials included, on the plane
// sizes of the models, ragged ones and numbers of planes that are not
// multiples of 4. A NaN sum need only be a NaN: which of two NaNs an
// addition passes on depends on the order of its operands, which the Go
// compiler chooses (Go does not define the sign and payload of a NaN).
func TestPlaneSumsAsm(t *testing.T) {
	if !useLayerAsm {
		t.Skip("no assembly loops on this machine")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	same := func(what string, hw, ch int, got, want float64) {
		t.Helper()
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("%s, planes of %d, plane %d: %v (%#x), the Go loop's %v (%#x)", what, hw, ch, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
	for _, hw := range []int{1, 3, 4, 7, 16, 18, 64, 256, 1024, 1027} {
		for _, planes := range []int{1, 4, 5, 8, 11, 64} {
			z, x := specialSlice(rng, planes*hw), specialSlice(rng, planes*hw)
			if rng.IntN(2) == 0 {
				// Finite values over 60 binades, so that the float64
				// sums round and their order shows.
				for i := range z {
					z[i] = float32(math.Ldexp(rng.NormFloat64(), rng.IntN(60)-30))
					x[i] = float32(rng.NormFloat64())
				}
			}
			init := randSlice(rng, 2*planes, 1)
			sums := func() (s, ss, d, dx []float64) {
				s, ss, d, dx = make([]float64, planes), make([]float64, planes), make([]float64, planes), make([]float64, planes)
				for ch := range planes { // sums that do not start at 0
					s[ch], ss[ch], d[ch], dx[ch] = float64(init[ch]), float64(init[planes+ch]), float64(init[ch]), float64(init[planes+ch])
				}
				addPlaneSumSq(s, ss, z, hw)
				addPlaneSumDot(d, dx, z, x, hw)
				return
			}
			s, ss, d, dx := sums()
			var gs, gss, gd, gdx []float64
			withGoLoops(func() { gs, gss, gd, gdx = sums() })
			for ch := range planes {
				same("sum", hw, ch, s[ch], gs[ch])
				same("sum of squares", hw, ch, ss[ch], gss[ch])
				same("sum of d", hw, ch, d[ch], gd[ch])
				same("sum of d*x", hw, ch, dx[ch], gdx[ch])
				a, b := sumSq(z[ch*hw : (ch+1)*hw])
				same("sumSq", hw, ch, gs[ch], float64(init[ch])+a)
				same("sumSq squares", hw, ch, gss[ch], float64(init[planes+ch])+b)
			}
		}
	}
}

// TestUnpoolSumsAsm checks that addUnpool2ReluSums, which takes four planes
// at a time in assembly, writes bitwise the gradient of unpool2ReluSums
// (the Go loop, plane after plane) and adds its sums, bitwise but for
// which NaN a NaN sum is (see TestPlaneSumsAsm), with specials in the
// gradients and x̂, windows without a positive maximum, the plane sizes of
// the models, ragged ones and numbers of planes that are not multiples
// of 4.
func TestUnpoolSumsAsm(t *testing.T) {
	if !useLayerAsm {
		t.Skip("no assembly loops on this machine")
	}
	rng := rand.New(rand.NewPCG(10, 10))
	for _, w := range []int{2, 4, 8, 10, 16, 18, 32, 34, 64} {
		for _, planes := range []int{1, 4, 5, 8, 16} {
			h := w + 2 // planes of width 8: blocks of two row pairs, then one
			if w > 10 {
				h = 6 // ragged: fewer rows than columns
			}
			hw, nw := h*w, (h/2)*(w/2)
			dp, xhat := specialSlice(rng, planes*nw), specialSlice(rng, planes*hw)
			if rng.IntN(2) == 0 {
				// Finite values over 60 binades: the order of the
				// additions shows in the sums.
				for i := range dp {
					dp[i] = float32(math.Ldexp(rng.NormFloat64(), rng.IntN(60)-30))
				}
				for i := range xhat {
					xhat[i] = float32(rng.NormFloat64())
				}
			}
			idx := make([]uint8, planes*nw)
			for i := range idx {
				idx[i] = uint8(rng.IntN(noMax + 1))
			}
			init := randSlice(rng, 2*planes, 1)
			run := func() (dz []float32, s, sx []float64) {
				dz = specialSlice(rng, planes*hw) // overwritten
				s, sx = make([]float64, planes), make([]float64, planes)
				for ch := range planes {
					s[ch], sx[ch] = float64(init[ch]), float64(init[planes+ch])
				}
				addUnpool2ReluSums(s, sx, dz, dp, idx, xhat, h, w, make([]float32, unpoolSelBuf(nw)))
				return
			}
			dz, s, sx := run()
			var gdz []float32
			var gs, gsx []float64
			withGoLoops(func() { gdz, gs, gsx = run() })
			sameBits(t, "addUnpool2ReluSums gradient", dz, gdz)
			for ch := range planes {
				for _, c := range []struct {
					what      string
					got, want float64
				}{{"sum", s[ch], gs[ch]}, {"sum of dz*x̂", sx[ch], gsx[ch]}} {
					if math.Float64bits(c.got) != math.Float64bits(c.want) && !(math.IsNaN(c.got) && math.IsNaN(c.want)) {
						t.Fatalf("%s, %d planes of %d×%d, plane %d: %v, the Go loop's %v", c.what, planes, h, w, ch, c.got, c.want)
					}
				}
			}
		}
	}
}
