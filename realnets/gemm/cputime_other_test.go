//go:build !unix

package gemm

// cpuSeconds returns 0: CPU time is not measured on this system.
func cpuSeconds() float64 { return 0 }
