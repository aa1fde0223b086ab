// Package cpu detects the x86 features the assembly kernels of realnets
// need, without cgo and without a dependency.
//
// Package cpu owns the feature detection only; it imports only the
// standard library.
package cpu
