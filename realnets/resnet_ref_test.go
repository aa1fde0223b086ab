package realnets

import "math"

// This file holds a float64 reference of ResNet-18-SI written as plain loops
// from the definition (the official nets/resnet_si.py, SCIENCE.md section
// 9), sharing nothing with resnet.go, so that finite differences can be
// taken in float64.

// refConv returns the convolution of the n×cin×h×h tensor a with the
// cout×cin×ks×ks weight w, with stride st and padding (ks-1)/2.
func refConv(a []float64, n, cin, h int, w []float64, cout, ks, st int) (out []float64, ho int) {
	pad := (ks - 1) / 2
	ho = (h+2*pad-ks)/st + 1
	out = make([]float64, n*cout*ho*ho)
	for i := 0; i < n; i++ {
		for o := 0; o < cout; o++ {
			for y := 0; y < ho; y++ {
				for x := 0; x < ho; x++ {
					var v float64
					for ci := 0; ci < cin; ci++ {
						for ky := 0; ky < ks; ky++ {
							for kx := 0; kx < ks; kx++ {
								sy, sx := y*st+ky-pad, x*st+kx-pad
								if sy >= 0 && sy < h && sx >= 0 && sx < h {
									v += w[((o*cin+ci)*ks+ky)*ks+kx] * a[((i*cin+ci)*h+sy)*h+sx]
								}
							}
						}
					}
					out[((i*cout+o)*ho+y)*ho+x] = v
				}
			}
		}
	}
	return out, ho
}

// refNorm returns the BatchNorm (no affine) of the n×c×hw tensor v with
// batch statistics (useBatch) or the running statistics rm, rv, followed by
// a ReLU when relu is set.
func refNorm(v []float64, n, c, hw int, useBatch bool, rm, rv []float64, relu bool) []float64 {
	out := make([]float64, len(v))
	for ch := 0; ch < c; ch++ {
		mean, variance := 0.0, 0.0
		if useBatch {
			for i := 0; i < n; i++ {
				for _, x := range v[(i*c+ch)*hw : (i*c+ch+1)*hw] {
					mean += x
				}
			}
			mean /= float64(n * hw)
			for i := 0; i < n; i++ {
				for _, x := range v[(i*c+ch)*hw : (i*c+ch+1)*hw] {
					variance += (x - mean) * (x - mean)
				}
			}
			variance /= float64(n * hw)
		} else {
			mean, variance = rm[ch], rv[ch]
		}
		inv := 1 / math.Sqrt(variance+bnEps)
		for i := 0; i < n; i++ {
			for j := (i*c + ch) * hw; j < (i*c+ch+1)*hw; j++ {
				out[j] = (v[j] - mean) * inv
				if relu {
					out[j] = max(out[j], 0)
				}
			}
		}
	}
	return out
}

// refResNetLoss is ResNet-18-SI's mean loss in float64 with parameters w
// (in Params order) and buffers b (in Buffers order).
func refResNetLoss(cfg ResNetConfig, w, b [][]float64, x []float32, y []int, mode Mode) float64 {
	n := len(y)
	useBatch := mode != Eval
	a := make([]float64, len(x))
	for i, v := range x {
		a[i] = float64(v)
	}
	k, h := cfg.Width, cfg.Size
	cur, _ := refConv(a, n, cfg.InChannels, h, w[0], k, 3, 1)
	c := k
	wi, bi := 1, 0
	for blk := 0; blk < 8; blk++ {
		stage := blk / 2
		cout := k << stage
		st := 1
		if stage > 0 && blk%2 == 0 {
			st = 2
		}
		short := st != 1 || c != cout
		act := refNorm(cur, n, c, h*h, useBatch, b[bi], b[bi+1], true)
		z, ho := refConv(act, n, c, h, w[wi], cout, 3, st)
		u := refNorm(z, n, cout, ho*ho, useBatch, b[bi+2], b[bi+3], true)
		out, _ := refConv(u, n, cout, ho, w[wi+1], cout, 3, 1)
		if short {
			v := refNorm(act, n, c, h*h, useBatch, b[bi+4], b[bi+5], false)
			sc, _ := refConv(v, n, c, h, w[wi+2], cout, 1, st)
			for j := range out {
				out[j] += sc[j]
			}
			wi, bi = wi+3, bi+6
		} else {
			for j := range out {
				out[j] += cur[j]
			}
			wi, bi = wi+2, bi+4
		}
		cur, c, h = out, cout, ho
	}
	f := refNorm(cur, n, c, h*h, useBatch, b[bi], b[bi+1], true)
	nc := cfg.Classes
	logits := make([]float64, n*nc)
	for i := 0; i < n; i++ {
		for o := 0; o < nc; o++ {
			var v float64
			for ch := 0; ch < c; ch++ {
				var s float64
				for _, q := range f[(i*c+ch)*h*h : (i*c+ch+1)*h*h] {
					s += q
				}
				v += w[wi][o*c+ch] * s / float64(h*h)
			}
			logits[i*nc+o] = v
		}
	}
	return refXent(logits, y, nc)
}
