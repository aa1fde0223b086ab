package toy

// CircleAttractor iterates the exact circle map (CircleMap) from phi0 for
// transient steps and returns the next keep iterates: samples of the
// attractor at this ELR, for bifurcation diagrams. Below the flip (ELR lambda
// < 2) they approach the fixed point 0; above it they alternate on the stable
// 2-cycle +-phi with cos 2phi = 2/(ELR lambda) (CircleClosedForm).
func CircleAttractor(lambda, elr, phi0 float64, transient, keep int) []float64 {
	phi := phi0
	for i := 0; i < transient; i++ {
		phi = CircleMap(phi, lambda, elr)
	}
	out := make([]float64, keep)
	for i := range out {
		phi = CircleMap(phi, lambda, elr)
		out[i] = phi
	}
	return out
}
