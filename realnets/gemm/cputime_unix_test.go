//go:build unix

package gemm

import "syscall"

// cpuSeconds returns the user plus system CPU time consumed so far by this
// process, in seconds, so that benchmarks can report throughput per CPU
// second, which other processes on a shared machine disturb less than wall
// time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
