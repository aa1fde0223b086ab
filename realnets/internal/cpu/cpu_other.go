//go:build !amd64 || purego

package cpu

// AVX2FMA is false: there is no assembly for this architecture, or the
// purego build tag is set.
var AVX2FMA = false

// AVX512F is false, as AVX2FMA.
var AVX512F = false
