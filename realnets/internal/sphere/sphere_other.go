//go:build !amd64 || purego

package sphere

// useAsm is false: there is no assembly for this architecture, or the purego
// build tag is set.
var useAsm = false

func sumsAsm(n int, x, gr *float32, acc *[3 * lanes]float64) { panic("sphere: no assembly") }

func retractAsm(n int, x, gr *float32, eta, s float64, acc *[2 * lanes]float64) {
	panic("sphere: no assembly")
}
