//go:build !purego

package realnets

import "github.com/regimes/regimes/realnets/internal/cpu"

// useLayerAsm selects the AVX2 loops of layers_amd64.s. Tests set it to
// false to compare them with the Go loops.
var useLayerAsm = cpu.AVX2FMA

//go:noescape
func bnBackward8(d, xhat *float32, n int, invstd, m1, m2 float32)

//go:noescape
func normRelu8(out, z *float32, n int, mean, invstd float32)

//go:noescape
func normReluPool2x8(out *float32, idx *uint8, r0, r1 *float32, n, half, step int, mean, invstd float32)

//go:noescape
func addTaps8(dst, r0, r1, r2 *float32, n int, set bool)

//go:noescape
func reluMask8(dz, dp, xhat *float32, n int)

//go:noescape
func unpool2x8(r0, r1, grad *float32, idx *uint8, n, half, step int)

//go:noescape
func sumDot4(acc *[32]float64, d, x *float32, stride, n int)

//go:noescape
func poolSel8(gsel, xsel, grad *float32, idx *uint8, x0, x1 *float32, n, half, step int)

//go:noescape
func seqSums4(acc *[8]float64, gs, xs *float32, stride, n int)

//go:noescape
func col2imRows8(dst, r0, r1, r2 *float32, rows, w int, set bool)
