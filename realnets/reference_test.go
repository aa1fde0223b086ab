package realnets

import (
	"math"
)

// This file holds float64 reference implementations of the two models,
// written as plain loops straight from the definitions (SCIENCE.md
// section 9), so that finite differences can be taken in float64 where the
// float32 models are too coarse.

// refParams copies the models' parameters and buffers to float64.
func refParams(ps []*Param) [][]float64 {
	out := make([][]float64, len(ps))
	for i, p := range ps {
		out[i] = make([]float64, len(p.Data))
		for j, v := range p.Data {
			out[i][j] = float64(v)
		}
	}
	return out
}

// refBN normalises v (n×c×hw) per channel with batch statistics
// (useBatch) or with the running statistics rm, rv, and applies a ReLU, in
// place.
func refBN(v []float64, n, c, hw int, useBatch bool, rm, rv []float64) {
	copy(v, refNorm(v, n, c, hw, useBatch, rm, rv, true))
}

// refXent returns the mean cross-entropy of n×nc logits.
func refXent(logits []float64, y []int, nc int) float64 {
	var loss float64
	for i, label := range y {
		l := logits[i*nc : (i+1)*nc]
		m := l[0]
		for _, v := range l {
			m = max(m, v)
		}
		var s float64
		for _, v := range l {
			s += math.Exp(v - m)
		}
		loss += m + math.Log(s) - l[label]
	}
	return loss / float64(len(y))
}

// refConvNetLoss is ConvNetSI's mean loss in float64 with parameters w (in
// Params order) and buffers b (in Buffers order).
func refConvNetLoss(cfg ConvNetConfig, w, b [][]float64, x []float32, y []int, mode Mode) float64 {
	n := len(y)
	c, s := cfg.InChannels, cfg.Size
	a := make([]float64, len(x))
	for i, v := range x {
		a[i] = float64(v)
	}
	for li := 0; li < 4; li++ {
		wt := w[li]
		cout := len(wt) / (c * 9)
		z := make([]float64, n*cout*s*s)
		for i := 0; i < n; i++ {
			for o := 0; o < cout; o++ {
				for yy := 0; yy < s; yy++ {
					for xx := 0; xx < s; xx++ {
						var v float64
						for ci := 0; ci < c; ci++ {
							for ky := 0; ky < 3; ky++ {
								for kx := 0; kx < 3; kx++ {
									sy, sx := yy+ky-1, xx+kx-1
									if sy >= 0 && sy < s && sx >= 0 && sx < s {
										v += wt[((o*c+ci)*3+ky)*3+kx] * a[((i*c+ci)*s+sy)*s+sx]
									}
								}
							}
						}
						z[((i*cout+o)*s+yy)*s+xx] = v
					}
				}
			}
		}
		refBN(z, n, cout, s*s, mode != Eval, b[2*li], b[2*li+1])
		c, a = cout, z
		if li == 0 {
			continue
		}
		s2 := s / 2
		p := make([]float64, n*c*s2*s2)
		for i := 0; i < n*c; i++ {
			for yy := 0; yy < s2; yy++ {
				for xx := 0; xx < s2; xx++ {
					q := a[i*s*s:]
					p[(i*s2+yy)*s2+xx] = max(q[2*yy*s+2*xx], q[2*yy*s+2*xx+1], q[(2*yy+1)*s+2*xx], q[(2*yy+1)*s+2*xx+1])
				}
			}
		}
		s, a = s2, p
	}
	nc := cfg.Classes
	logits := make([]float64, n*nc)
	for i := 0; i < n; i++ {
		for k := 0; k < nc; k++ {
			v := w[5][k]
			for ch := 0; ch < c; ch++ {
				m := 0.0
				for _, q := range a[(i*c+ch)*s*s : (i*c+ch+1)*s*s] {
					m = max(m, q)
				}
				v += w[4][k*c+ch] * m
			}
			logits[i*nc+k] = v
		}
	}
	return refXent(logits, y, nc)
}

// refMLPLoss is the SI MLP's mean loss in float64.
func refMLPLoss(sizes []int, w, b [][]float64, x []float32, y []int, mode Mode) float64 {
	n := len(y)
	a := make([]float64, len(x))
	for i, v := range x {
		a[i] = float64(v)
	}
	nl := len(sizes) - 2
	for li := 0; li <= nl; li++ {
		in, out := sizes[li], sizes[li+1]
		z := make([]float64, n*out)
		for i := 0; i < n; i++ {
			for o := 0; o < out; o++ {
				var v float64
				if li == nl {
					v = w[nl+1][o]
				}
				for j := 0; j < in; j++ {
					v += w[li][o*in+j] * a[i*in+j]
				}
				z[i*out+o] = v
			}
		}
		if li == nl {
			return refXent(z, y, out)
		}
		// Per feature: the n×out matrix is n×c×1 in refBN's layout.
		refBN(z, n, out, 1, mode != Eval, b[2*li], b[2*li+1])
		a = z
	}
	panic("unreachable")
}
