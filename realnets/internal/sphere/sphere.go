package sphere

import "math"

// lanes is the number of interleaved partial sums.
const lanes = 8

// Sums returns ||x||^2, <x, g> and ||g||^2 in float64. It panics if g is
// shorter than x.
func Sums(x, g []float32) (xx, xg, gg float64) {
	g = g[:len(x)]
	var acc [3 * lanes]float64
	n := 0
	if useAsm {
		n = len(x) &^ (lanes - 1)
		if n > 0 {
			sumsAsm(n, &x[0], &g[0], &acc)
		}
	}
	sumsGo(x[n:], g[n:], n, &acc)
	return fold(acc[:lanes]), fold(acc[lanes : 2*lanes]), fold(acc[2*lanes:])
}

// Retract replaces every x[i] by float32(s*fma(-eta, g[i], x[i])) and
// returns ||d||^2 and <d, x> for the move d between the old and the new
// stored values. It panics if g is shorter than x.
func Retract(x, g []float32, eta, s float64) (dd, dx float64) {
	g = g[:len(x)]
	var acc [2 * lanes]float64
	n := 0
	if useAsm {
		n = len(x) &^ (lanes - 1)
		if n > 0 {
			retractAsm(n, &x[0], &g[0], eta, s, &acc)
		}
	}
	retractGo(x[n:], g[n:], n, eta, s, &acc)
	return fold(acc[:lanes]), fold(acc[lanes:])
}

// fold adds the eight lanes in the package's fixed order.
func fold(l []float64) float64 {
	return ((l[0] + l[4]) + (l[1] + l[5])) + ((l[2] + l[6]) + (l[3] + l[7]))
}

// sumsGo adds elements off, off+1, ... (x[0] is element off) to acc: lane j
// of ||x||^2 at acc[j], of <x, g> at acc[8+j], of ||g||^2 at acc[16+j].
func sumsGo(x, g []float32, off int, acc *[3 * lanes]float64) {
	g = g[:len(x)]
	for i, v := range x {
		a, d := float64(v), float64(g[i])
		j := (off + i) % lanes
		acc[j] = math.FMA(a, a, acc[j])
		acc[lanes+j] = math.FMA(a, d, acc[lanes+j])
		acc[2*lanes+j] = math.FMA(d, d, acc[2*lanes+j])
	}
}

// retractGo retracts elements off, off+1, ... (x[0] is element off): lane j
// of ||d||^2 at acc[j], of <d, x> at acc[8+j].
func retractGo(x, g []float32, off int, eta, s float64, acc *[2 * lanes]float64) {
	g = g[:len(x)]
	for i, v := range x {
		a := float64(v)
		nv := float32(s * math.FMA(-eta, float64(g[i]), a))
		x[i] = nv
		d := float64(nv) - a
		j := (off + i) % lanes
		acc[j] = math.FMA(d, d, acc[j])
		acc[lanes+j] = math.FMA(d, a, acc[lanes+j])
	}
}
