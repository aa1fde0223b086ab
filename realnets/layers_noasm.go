//go:build !amd64 || purego

package realnets

// useLayerAsm is false: there are no assembly loops for this architecture
// or the purego build tag is set.
var useLayerAsm = false

func bnBackward8(d, xhat *float32, n int, invstd, m1, m2 float32) { panic("realnets: no assembly") }

func normRelu8(out, z *float32, n int, mean, invstd float32) { panic("realnets: no assembly") }

func normReluPool2x8(out *float32, idx *uint8, r0, r1 *float32, n, half, step int, mean, invstd float32) {
	panic("realnets: no assembly")
}

func addTaps8(dst, r0, r1, r2 *float32, n int, set bool) { panic("realnets: no assembly") }

func reluMask8(dz, dp, xhat *float32, n int) { panic("realnets: no assembly") }

func unpool2x8(r0, r1, grad *float32, idx *uint8, n, half, step int) { panic("realnets: no assembly") }

func sumDot4(acc *[32]float64, d, x *float32, stride, n int) { panic("realnets: no assembly") }

func poolSel8(gsel, xsel, grad *float32, idx *uint8, x0, x1 *float32, n, half, step int) {
	panic("realnets: no assembly")
}

func seqSums4(acc *[8]float64, gs, xs *float32, stride, n int) { panic("realnets: no assembly") }

func col2imRows8(dst, r0, r1, r2 *float32, rows, w int, set bool) { panic("realnets: no assembly") }
