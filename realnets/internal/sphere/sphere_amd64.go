//go:build !purego

package sphere

import "github.com/regimes/regimes/realnets/internal/cpu"

// useAsm selects the assembly; tests set it to false to compare.
var useAsm = cpu.AVX2FMA

// sumsAsm adds the n elements (a multiple of 8) of x and g to acc as sumsGo
// does. It needs AVX2 and FMA.
//
//go:noescape
func sumsAsm(n int, x, gr *float32, acc *[3 * lanes]float64)

// retractAsm retracts the n elements (a multiple of 8) of x as retractGo
// does. It needs AVX2 and FMA.
//
//go:noescape
func retractAsm(n int, x, gr *float32, eta, s float64, acc *[2 * lanes]float64)
