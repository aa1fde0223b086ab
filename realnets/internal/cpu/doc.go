// Package cpu detects the x86 features the assembly kernels of realnets
// need, without cgo and without a dependency.
package cpu
