package realnets

import "math"

// This file holds the tight loops the models are built from. They work on
// one image (one c×h×w block of an NCHW tensor) or one plane at a time and
// allocate nothing.

// im2col3x3 writes the column matrix of a 3×3, stride 1, padding 1
// convolution of the c×h×w image x into col, which is (c*9)×(h*w) row-major:
// row ci*9+ky*3+kx, column y*w+x holds x[ci, y+ky-1, x+kx-1] (zero outside).
// This is the layout of PyTorch's unfold, so a weight of shape out×c×3×3 is
// the out×(c*9) matrix that multiplies col.
//
// Each row of col is the plane shifted by (ky-1)*w + kx-1: one contiguous
// copy, then the wrapped-around border column and the padding rows are
// zeroed.
func im2col3x3(col, x []float32, c, h, w int) {
	hw := h * w
	for ci := 0; ci < c; ci++ {
		plane := x[ci*hw : ci*hw+hw]
		for ky := 0; ky < 3; ky++ {
			// Output rows y0 <= y < y1 read source rows y+ky-1 in range.
			y0, y1 := max(0, 1-ky), min(h, h+1-ky)
			for kx := 0; kx < 3; kx++ {
				row := col[(ci*9+ky*3+kx)*hw : (ci*9+ky*3+kx+1)*hw]
				clear(row[:y0*w])
				clear(row[y1*w:])
				if y1 <= y0 {
					continue
				}
				off := (ky-1)*w + kx - 1 // source index minus destination index
				lo, hi := y0*w, y1*w
				// Clip the shifted range to the plane; the clipped entries
				// are border-column entries, zeroed below.
				slo, shi := lo+off, hi+off
				dlo, dhi := lo, hi
				if slo < 0 {
					dlo -= slo
					slo = 0
				}
				if shi > hw {
					dhi -= shi - hw
					shi = hw
				}
				copy(row[dlo:dhi], plane[slo:shi])
				switch kx {
				case 0:
					for y := y0; y < y1; y++ {
						row[y*w] = 0
					}
				case 2:
					for y := y0; y < y1; y++ {
						row[y*w+w-1] = 0
					}
				}
			}
		}
	}
}

// col2im3x3 is the adjoint of im2col3x3: it overwrites the c×h×w image dx
// with the sum of the entries of col that im2col3x3 copies from each pixel.
// For each source row it adds the three horizontal taps of a kernel row in
// one pass.
func col2im3x3(dx, col []float32, c, h, w int) {
	hw := h * w
	for ci := 0; ci < c; ci++ {
		plane := dx[ci*hw : ci*hw+hw]
		base := col[ci*9*hw : (ci+1)*9*hw]
		if useLayerAsm && w%8 == 0 && h > 1 {
			// The three passes below, each over the whole plane in one
			// call: the rows of a tap are consecutive in col, as are
			// those of the plane. The reads one entry before r2 and
			// after r0's last row are inside base.
			col2imRows8(&plane[0], &base[3*hw], &base[4*hw], &base[5*hw], h, w, true)
			col2imRows8(&plane[0], &base[0*hw+w], &base[1*hw+w], &base[2*hw+w], h-1, w, false)
			col2imRows8(&plane[w], &base[6*hw], &base[7*hw], &base[8*hw], h-1, w, false)
			continue
		}
		// The centre row of taps (ky = 1) covers every pixel: overwrite.
		for sy := 0; sy < h; sy++ {
			addTaps(plane[sy*w:sy*w+w], base[3*hw+sy*w:], base[4*hw+sy*w:], base[5*hw+sy*w:], w, true)
		}
		// ky = 0 reads source row y-1 from output row y: source rows 0..h-2.
		for sy := 0; sy < h-1; sy++ {
			y := sy + 1
			addTaps(plane[sy*w:sy*w+w], base[0*hw+y*w:], base[1*hw+y*w:], base[2*hw+y*w:], w, false)
		}
		// ky = 2 reads source row y+1: source rows 1..h-1.
		for sy := 1; sy < h; sy++ {
			y := sy - 1
			addTaps(plane[sy*w:sy*w+w], base[6*hw+y*w:], base[7*hw+y*w:], base[8*hw+y*w:], w, false)
		}
	}
}

// addTaps adds to the source row dst (or sets it, when set is true) the
// contributions of the output rows r0, r1, r2 of the kx = 0, 1, 2 taps:
// dst[x] += r0[x+1] + r1[x] + r2[x-1], terms outside the row omitted.
func addTaps(dst, r0, r1, r2 []float32, w int, set bool) {
	r0, r1, r2 = r0[:w], r1[:w], r2[:w]
	if w == 1 {
		if set {
			dst[0] = r1[0]
		} else {
			dst[0] += r1[0]
		}
		return
	}
	x := 1
	if n := w - 2; useLayerAsm && n > 0 {
		addTaps8(&dst[1], &r0[2], &r1[1], &r2[0], n, set)
		x += n
	}
	if set {
		dst[0] = r0[1] + r1[0]
		for ; x < w-1; x++ {
			dst[x] = r0[x+1] + r1[x] + r2[x-1]
		}
		dst[w-1] = r1[w-1] + r2[w-2]
		return
	}
	dst[0] += r0[1] + r1[0]
	for ; x < w-1; x++ {
		dst[x] += r0[x+1] + r1[x] + r2[x-1]
	}
	dst[w-1] += r1[w-1] + r2[w-2]
}

// sumSq returns the sum and the sum of squares of v, accumulated in float64
// (four partial sums each, for instruction-level parallelism).
func sumSq(v []float32) (s, ss float64) {
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+3 < len(v); i += 4 {
		a, b, c, d := float64(v[i]), float64(v[i+1]), float64(v[i+2]), float64(v[i+3])
		s0 += a
		s1 += b
		s2 += c
		s3 += d
		q0 += a * a
		q1 += b * b
		q2 += c * c
		q3 += d * d
	}
	for ; i < len(v); i++ {
		a := float64(v[i])
		s0 += a
		q0 += a * a
	}
	return (s0 + s1) + (s2 + s3), (q0 + q1) + (q2 + q3)
}

// sumDot returns the sums of d and of d*x, accumulated in float64.
func sumDot(d, x []float32) (s, sx float64) {
	x = x[:len(d)]
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	i := 0
	for ; i+3 < len(d); i += 4 {
		a, b, c, e := float64(d[i]), float64(d[i+1]), float64(d[i+2]), float64(d[i+3])
		s0 += a
		s1 += b
		s2 += c
		s3 += e
		q0 += a * float64(x[i])
		q1 += b * float64(x[i+1])
		q2 += c * float64(x[i+2])
		q3 += e * float64(x[i+3])
	}
	for ; i < len(d); i++ {
		a := float64(d[i])
		s0 += a
		q0 += a * float64(x[i])
	}
	return (s0 + s1) + (s2 + s3), (q0 + q1) + (q2 + q3)
}

// addPlaneSumSq adds, for each plane ch of the len(s) planes of hw entries
// of z, the sums of sumSq to s[ch] and ss[ch]: those of sumDot(v, v), which
// computes the same products in the same order.
func addPlaneSumSq(s, ss []float64, z []float32, hw int) { addPlaneSumDot(s, ss, z, z, hw) }

// addPlaneSumDot adds, for each plane ch of the len(s) planes of hw entries
// of d and x, the sums of sumDot to s[ch] and sx[ch]: bitwise those sums
// but for which NaN a NaN sum is, four planes at a time side by side
// (sumDot4, with sumDot's four partial sums in the lanes of a vector), since
// a plane's additions wait on each other.
func addPlaneSumDot(s, sx []float64, d, x []float32, hw int) {
	ch := 0
	if n := hw &^ 3; useLayerAsm && n > 0 {
		var acc [32]float64
		for ; ch+4 <= len(s); ch += 4 {
			_, _ = d[(ch+4)*hw-1], x[(ch+4)*hw-1]
			sumDot4(&acc, &d[ch*hw], &x[ch*hw], hw, n)
			for p := range 4 {
				l := acc[8*p : 8*p+8]
				s0, q0 := l[0], l[4]
				o := (ch + p) * hw
				for i := o + n; i < o+hw; i++ {
					a := float64(d[i])
					s0 += a
					q0 += a * float64(x[i])
				}
				s[ch+p] += (s0 + l[1]) + (l[2] + l[3])
				sx[ch+p] += (q0 + l[5]) + (l[6] + l[7])
			}
		}
	}
	for ; ch < len(s); ch++ {
		a, b := sumDot(d[ch*hw:(ch+1)*hw], x[ch*hw:(ch+1)*hw])
		s[ch] += a
		sx[ch] += b
	}
}

// normRelu normalises the plane z in place, z = (z - mean) * invstd (the
// BatchNorm output x̂), and writes relu(x̂) to out.
func normRelu(out, z []float32, mean, invstd float32) {
	out = out[:len(z)]
	i := 0
	if n := len(z) &^ 7; useLayerAsm && n > 0 {
		normRelu8(&out[0], &z[0], n, mean, invstd)
		i = n
	}
	for ; i < len(z); i++ {
		v := (z[i] - mean) * invstd
		z[i] = v
		out[i] = max(v, 0)
	}
}

// normReluPool2 normalises the h×w plane z in place as normRelu does,
// writes the 2×2 max pooling (stride 2) of relu(x̂) to the (h/2)×(w/2) plane
// out, and records in idx which entry of each window was the first maximum
// (0 to 3 in row-major order, PyTorch's tie rule) or noMax when the maximum
// is not positive, so the ReLU passes no gradient.
//
// The maximum is found on the orderKey of the values, integers, for which
// the compiler selects without branches (conditional moves): on floats it
// branches, and which entry of a window is the largest is a coin toss that
// the branch predictor loses (this made the function 1.6 times slower).
// Without NaNs the result is bitwise that of comparing the floats
// (TestNormReluPool2); a window with a NaN of positive sign gives a NaN.
func normReluPool2(out []float32, idx []uint8, z []float32, h, w int, mean, invstd float32) {
	w2 := w / 2
	y0 := 0
	if n := h / 4; useLayerAsm && w == 8 && n > 0 {
		// Row pairs of 4 windows, two to a block of 8.
		_, _, _ = out[8*n-1], idx[8*n-1], z[4*n*w-1]
		normReluPool2x8(&out[0], &idx[0], &z[0], &z[w], n, 2*w, 4*w, mean, invstd)
		y0 = 4 * n
	}
	for y := y0; y < h; y += 2 {
		o := out[(y/2)*w2 : (y/2)*w2+w2]
		ix := idx[(y/2)*w2 : (y/2)*w2+w2]
		r0 := z[y*w : y*w+2*len(o)]
		r1 := z[(y+1)*w : (y+1)*w+2*len(o)]
		x := 0
		if n := len(o) / 8; useLayerAsm && n > 0 {
			normReluPool2x8(&o[0], &ix[0], &r0[0], &r1[0], n, 8, 16, mean, invstd)
			x = 8 * n
		}
		for ; x < len(o); x++ {
			a := (r0[2*x] - mean) * invstd
			b := (r0[2*x+1] - mean) * invstd
			c := (r1[2*x] - mean) * invstd
			d := (r1[2*x+1] - mean) * invstd
			r0[2*x], r0[2*x+1], r1[2*x], r1[2*x+1] = a, b, c, d
			m, k := orderKey(a), int32(0)
			if kb := orderKey(b); kb > m {
				m, k = kb, 1
			}
			if kc := orderKey(c); kc > m {
				m, k = kc, 2
			}
			if kd := orderKey(d); kd > m {
				m, k = kd, 3
			}
			if m <= 0 {
				m, k = 0, noMax
			}
			// A positive key is the float's own bits.
			o[x], ix[x] = math.Float32frombits(uint32(m)), uint8(k)
		}
	}
}

// orderKey maps a float32 to an int32 whose order is the floats' order
// (-0 below +0; NaNs of positive sign above +Inf, of negative sign below
// -Inf): the bits of a non-negative float read as an int32 grow with it,
// and those of a negative one, with all but the sign bit flipped, fall as it
// grows. The keys of positive floats are their bits, and those of the
// others are not positive.
func orderKey(v float32) int32 {
	b := int32(math.Float32bits(v))
	return b ^ int32(uint32(b>>31)>>1)
}

// noMax marks a pooling window whose maximum is not positive.
const noMax = 4

// reluMask sets dz = dp where xhat > 0 and 0 elsewhere (the ReLU backward
// step, without branches: see keepPos).
func reluMask(dz, dp, xhat []float32) {
	dp = dp[:len(dz)]
	xhat = xhat[:len(dz)]
	i := 0
	if n := len(dz) &^ 7; useLayerAsm && n > 0 {
		reluMask8(&dz[0], &dp[0], &xhat[0], n)
		i = n
	}
	for ; i < len(dz); i++ {
		dz[i] = keepPos(dp[i], xhat[i])
	}
}

// keepPos returns g where v > 0 and +0 elsewhere, without a branch: the
// bits of a float32 v read as an int32 are positive exactly when v > 0 (or v
// is a NaN with the sign bit clear).
func keepPos(g, v float32) float32 {
	mask := uint32(-int64(int32(math.Float32bits(v))) >> 63)
	return math.Float32frombits(math.Float32bits(g) & mask)
}

// unpool2ReluSums is the backward step of normReluPool2's pooling and ReLU:
// it overwrites the h×w plane dz with the gradient with respect to x̂ given
// the gradient dp of the pooled (h/2)×(w/2) plane, routing each pooled
// gradient to the maximum recorded in idx, and returns the sums of dz and
// dz*xhat.
func unpool2ReluSums(dz, dp []float32, idx []uint8, xhat []float32, h, w int) (s, sx float64) {
	w2 := w / 2
	clear(dz[:h*w])
	for y := 0; y < h; y += 2 {
		g := dp[(y/2)*w2 : (y/2)*w2+w2]
		ix := idx[(y/2)*w2 : (y/2)*w2+w2]
		rows := dz[y*w : (y+2)*w]
		xh := xhat[y*w : (y+2)*w]
		for x, k := range ix {
			// Without a branch (whether a window has a positive maximum
			// is a coin toss for the branch predictor): a window without
			// one writes +0 to its first entry, which is +0 already, and
			// adds +0 to both sums, which leaves them bitwise as they were
			// (they start at +0 and a sum is -0 only when both terms are).
			keep := uint64(int64(int(k)-noMax) >> 63) // all ones when k < noMax
			k &= 3
			j := int(k>>1)*w + 2*x + int(k&1)
			gv := math.Float32frombits(math.Float32bits(g[x]) & uint32(keep))
			rows[j] = gv
			s += float64(gv)
			sx += math.Float64frombits(math.Float64bits(float64(gv)*float64(xh[j])) & keep)
		}
	}
	return s, sx
}

// unpoolSelBuf is the length of the scratch of addUnpool2ReluSums for
// pooled planes of nw windows.
func unpoolSelBuf(nw int) int { return 8 * nw }

// addUnpool2ReluSums is unpool2ReluSums for the len(s) planes of dz and xhat
// (h×w each) and of dp and idx ((h/2)×(w/2) each): it writes every plane of
// dz and adds its sums to s[ch] and sx[ch], bitwise as unpool2ReluSums
// (TestUnpoolSumsAsm) but for which NaN a NaN sum is. The sums of a plane
// are one chain of dependent additions, window after window; with the
// assembly loops four planes' chains run side by side in the lanes of a
// vector (seqSums4), on the gradients and x̂ entries at the windows'
// maxima (poolSel), which sel (unpoolSelBuf long) holds.
func addUnpool2ReluSums(s, sx []float64, dz, dp []float32, idx []uint8, xhat []float32, h, w int, sel []float32) {
	hw, nw := h*w, (h/2)*(w/2)
	ch := 0
	if useLayerAsm && nw >= 4 {
		gs, xs := sel[:4*nw], sel[4*nw:8*nw]
		n := nw &^ 3
		var acc [8]float64
		for ; ch+4 <= len(s); ch += 4 {
			for p := range 4 {
				c := ch + p
				g, ix := dp[c*nw:(c+1)*nw], idx[c*nw:(c+1)*nw]
				unpool2Relu(dz[c*hw:(c+1)*hw], g, ix, h, w)
				poolSel(gs[p*nw:(p+1)*nw], xs[p*nw:(p+1)*nw], g, ix, xhat[c*hw:(c+1)*hw], h, w)
			}
			seqSums4(&acc, &gs[0], &xs[0], nw, n)
			for p := range 4 {
				a, b := acc[p], acc[4+p]
				for i := p*nw + n; i < (p+1)*nw; i++ {
					a += float64(gs[i])
					b += float64(gs[i]) * float64(xs[i])
				}
				s[ch+p] += a
				sx[ch+p] += b
			}
		}
	}
	for ; ch < len(s); ch++ {
		a, b := unpool2ReluSums(dz[ch*hw:(ch+1)*hw], dp[ch*nw:(ch+1)*nw], idx[ch*nw:(ch+1)*nw], xhat[ch*hw:(ch+1)*hw], h, w)
		s[ch] += a
		sx[ch] += b
	}
}

// poolSel writes, for each pooling window of the h×w plane xhat (in the
// order of the pooled plane), the gradient g of the window to gsel and the
// x̂ entry at its maximum idx to xsel, both +0 for a window without a
// positive maximum: unpool2ReluSums adds float64(gsel) and
// float64(gsel)*float64(xsel), window after window.
func poolSel(gsel, xsel, g []float32, idx []uint8, xhat []float32, h, w int) {
	w2 := w / 2
	y0 := 0
	if n := h / 4; useLayerAsm && w == 8 && n > 0 {
		// Row pairs of 4 windows, two to a block of 8.
		_, _, _, _, _ = gsel[8*n-1], xsel[8*n-1], g[8*n-1], idx[8*n-1], xhat[4*n*w-1]
		poolSel8(&gsel[0], &xsel[0], &g[0], &idx[0], &xhat[0], &xhat[w], n, 2*w, 4*w)
		y0 = 4 * n
	}
	for y := y0; y < h; y += 2 {
		o := (y / 2) * w2
		gr, ix := g[o:o+w2], idx[o:o+w2]
		gso, xso := gsel[o:o+w2], xsel[o:o+w2]
		x0 := 0
		if n := w2 / 8; useLayerAsm && n > 0 {
			poolSel8(&gso[0], &xso[0], &gr[0], &ix[0], &xhat[y*w], &xhat[(y+1)*w], n, 8, 16)
			x0 = 8 * n
		}
		for x := x0; x < w2; x++ {
			k := ix[x]
			keep := uint32(int32(int(k)-noMax) >> 31) // all ones when k < noMax
			k &= 3
			j := (y+int(k>>1))*w + 2*x + int(k&1)
			gso[x] = math.Float32frombits(math.Float32bits(gr[x]) & keep)
			xso[x] = math.Float32frombits(math.Float32bits(xhat[j]) & keep)
		}
	}
}

// unpool2Relu is unpool2ReluSums without the sums: it writes the same dz.
func unpool2Relu(dz, dp []float32, idx []uint8, h, w int) {
	w2 := w / 2
	y0 := 0
	if n := h / 4; useLayerAsm && w == 8 && n > 0 {
		// Row pairs of 4 windows, two to a block of 8.
		_, _, _ = dz[4*n*w-1], dp[8*n-1], idx[8*n-1]
		unpool2x8(&dz[0], &dz[w], &dp[0], &idx[0], n, 2*w, 4*w)
		y0 = 4 * n
	}
	if h%2 != 0 {
		clear(dz[(h-1)*w : h*w]) // a last row no window covers
	}
	for y := y0; y+1 < h; y += 2 {
		g := dp[(y/2)*w2 : (y/2)*w2+w2]
		ix := idx[(y/2)*w2 : (y/2)*w2+w2]
		rows := dz[y*w : (y+2)*w]
		x0 := 0
		if n := len(ix) / 8; useLayerAsm && n > 0 {
			unpool2x8(&rows[0], &rows[w], &g[0], &ix[0], n, 8, 16)
			x0 = 8 * n
		}
		if x0 == w2 && w%2 == 0 {
			continue
		}
		// unpool2x8 wrote every entry of its windows; the loop below
		// writes one entry of each of the others.
		clear(rows[2*x0 : w])
		clear(rows[w+2*x0 : 2*w])
		for x := x0; x < len(ix); x++ {
			k := ix[x]
			// Branch-free as in unpool2ReluSums.
			keep := uint32(int32(int(k)-noMax) >> 31)
			k &= 3
			rows[int(k>>1)*w+2*x+int(k&1)] = math.Float32frombits(math.Float32bits(g[x]) & keep)
		}
	}
}

// argmax returns the index of the first maximum of v.
func argmax(v []float32) int {
	k := 0
	for i, x := range v {
		if x > v[k] {
			k = i
		}
	}
	return k
}

// softmaxXent returns the cross-entropy -log softmax(logits)[label],
// computed with a stable log-sum-exp in float64, and, when dlogits is not
// nil, writes scale*(softmax(logits) - onehot(label)) to it.
func softmaxXent(dlogits, logits []float32, label int, scale float32) float64 {
	m := float64(logits[argmax(logits)])
	var s float64
	for _, v := range logits {
		s += math.Exp(float64(v) - m)
	}
	lse := m + math.Log(s)
	if dlogits != nil {
		for i, v := range logits {
			p := math.Exp(float64(v) - lse)
			if i == label {
				p--
			}
			dlogits[i] = scale * float32(p)
		}
	}
	return lse - float64(logits[label])
}
