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
func im2col3x3(col, x []float32, c, h, w int) {
	hw := h * w
	for ci := 0; ci < c; ci++ {
		plane := x[ci*hw : ci*hw+hw]
		for ky := 0; ky < 3; ky++ {
			for kx := 0; kx < 3; kx++ {
				row := col[(ci*9+ky*3+kx)*hw : (ci*9+ky*3+kx+1)*hw]
				dx := kx - 1
				for y := 0; y < h; y++ {
					dst := row[y*w : y*w+w]
					sy := y + ky - 1
					if sy < 0 || sy >= h {
						clear(dst)
						continue
					}
					src := plane[sy*w : sy*w+w]
					switch dx {
					case -1:
						dst[0] = 0
						copy(dst[1:], src[:w-1])
					case 0:
						copy(dst, src)
					case 1:
						copy(dst[:w-1], src[1:])
						dst[w-1] = 0
					}
				}
			}
		}
	}
}

// col2im3x3 is the adjoint of im2col3x3: it overwrites the c×h×w image dx
// with the sum of the entries of col that im2col3x3 copies from each pixel.
func col2im3x3(dx, col []float32, c, h, w int) {
	hw := h * w
	for ci := 0; ci < c; ci++ {
		plane := dx[ci*hw : ci*hw+hw]
		// The centre tap (ky = kx = 1) covers every pixel exactly once.
		copy(plane, col[(ci*9+4)*hw:(ci*9+5)*hw])
		for ky := 0; ky < 3; ky++ {
			for kx := 0; kx < 3; kx++ {
				if ky == 1 && kx == 1 {
					continue
				}
				row := col[(ci*9+ky*3+kx)*hw : (ci*9+ky*3+kx+1)*hw]
				dxo := kx - 1
				for y := 0; y < h; y++ {
					sy := y + ky - 1
					if sy < 0 || sy >= h {
						continue
					}
					src := row[y*w : y*w+w]
					dst := plane[sy*w : sy*w+w]
					switch dxo {
					case -1:
						d := dst[:w-1]
						s := src[1:]
						for i := range d {
							d[i] += s[i]
						}
					case 0:
						for i := range dst {
							dst[i] += src[i]
						}
					case 1:
						d := dst[1:]
						s := src[:w-1]
						for i := range s {
							d[i] += s[i]
						}
					}
				}
			}
		}
	}
}

// sumSq returns the sum and the sum of squares of v, accumulated in float64.
func sumSq(v []float32) (s, ss float64) {
	var s0, s1, q0, q1 float64
	i := 0
	for ; i+1 < len(v); i += 2 {
		a, b := float64(v[i]), float64(v[i+1])
		s0 += a
		s1 += b
		q0 += a * a
		q1 += b * b
	}
	if i < len(v) {
		a := float64(v[i])
		s0 += a
		q0 += a * a
	}
	return s0 + s1, q0 + q1
}

// sumDot returns the sums of d and of d*x, accumulated in float64.
func sumDot(d, x []float32) (s, sx float64) {
	x = x[:len(d)]
	var s0, s1, q0, q1 float64
	i := 0
	for ; i+1 < len(d); i += 2 {
		a, b := float64(d[i]), float64(d[i+1])
		s0 += a
		s1 += b
		q0 += a * float64(x[i])
		q1 += b * float64(x[i+1])
	}
	if i < len(d) {
		a := float64(d[i])
		s0 += a
		q0 += a * float64(x[i])
	}
	return s0 + s1, q0 + q1
}

// normRelu normalises the plane z in place, z = (z - mean) * invstd (the
// BatchNorm output x̂), and writes relu(x̂) to out.
func normRelu(out, z []float32, mean, invstd float32) {
	out = out[:len(z)]
	for i, v := range z {
		v = (v - mean) * invstd
		z[i] = v
		out[i] = max(v, 0)
	}
}

// normReluPool2 normalises the h×w plane z in place as normRelu does and
// writes the 2×2 max pooling (stride 2) of relu(x̂) to the (h/2)×(w/2) plane
// out.
func normReluPool2(out, z []float32, h, w int, mean, invstd float32) {
	w2 := w / 2
	for y := 0; y < h; y += 2 {
		r0 := z[y*w : y*w+w]
		r1 := z[(y+1)*w : (y+1)*w+w]
		o := out[(y/2)*w2 : (y/2)*w2+w2]
		for x := range o {
			a := (r0[2*x] - mean) * invstd
			b := (r0[2*x+1] - mean) * invstd
			c := (r1[2*x] - mean) * invstd
			d := (r1[2*x+1] - mean) * invstd
			r0[2*x], r0[2*x+1], r1[2*x], r1[2*x+1] = a, b, c, d
			o[x] = max(max(a, b), max(c, d), 0)
		}
	}
}

// reluMaskSums sets dz = dp where xhat > 0 and 0 elsewhere (the ReLU
// backward step) and returns the sums of dz and dz*xhat.
func reluMaskSums(dz, dp, xhat []float32) (s, sx float64) {
	dp = dp[:len(dz)]
	xhat = xhat[:len(dz)]
	for i, v := range xhat {
		if v > 0 {
			dz[i] = dp[i]
		} else {
			dz[i] = 0
		}
	}
	return sumDot(dz, xhat)
}

// unpool2ReluSums is the backward step of normReluPool2's pooling and ReLU:
// it overwrites the h×w plane dz with the gradient with respect to x̂ given
// the gradient dp of the pooled (h/2)×(w/2) plane, routing each pooled
// gradient to the first maximum of its window (PyTorch's tie rule), and
// returns the sums of dz and dz*xhat.
func unpool2ReluSums(dz, dp, xhat []float32, h, w int) (s, sx float64) {
	w2 := w / 2
	for y := 0; y < h; y += 2 {
		x0 := xhat[y*w : y*w+w]
		x1 := xhat[(y+1)*w : (y+1)*w+w]
		d0 := dz[y*w : y*w+w]
		d1 := dz[(y+1)*w : (y+1)*w+w]
		g := dp[(y/2)*w2 : (y/2)*w2+w2]
		for x, gv := range g {
			a := max(x0[2*x], 0)
			b := max(x0[2*x+1], 0)
			c := max(x1[2*x], 0)
			d := max(x1[2*x+1], 0)
			d0[2*x], d0[2*x+1], d1[2*x], d1[2*x+1] = 0, 0, 0, 0
			// Find the first maximum in the order a, b, c, d.
			m, k := a, 0
			if b > m {
				m, k = b, 1
			}
			if c > m {
				m, k = c, 2
			}
			if d > m {
				m, k = d, 3
			}
			if m <= 0 { // the ReLU passes no gradient
				continue
			}
			switch k {
			case 0:
				d0[2*x] = gv
			case 1:
				d0[2*x+1] = gv
			case 2:
				d1[2*x] = gv
			case 3:
				d1[2*x+1] = gv
			}
			s += float64(gv)
			sx += float64(gv) * float64(m)
		}
	}
	return s, sx
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
