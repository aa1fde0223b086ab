package toy

import "math"

// CircleTheory holds the closed-form dynamics of the circle toy at one ELR
// (SCIENCE.md section 6.2). When CycleExists is false (ELR lambda <= 2)
// the Cycle fields are zero: the attractor is then the fixed point phi = 0,
// whose loss, gradient norm and angular update are indeed zero.
type CircleTheory struct {
	// Lambda and ELR are the inputs.
	Lambda float64 `json:"lambda"`
	ELR    float64 `json:"elr"`
	// FixedPointStable reports |1 - ELR lambda| < 1, that is ELR lambda < 2.
	FixedPointStable bool `json:"fixed_point_stable"`
	// FixedPointMultiplier is the derivative 1 - ELR lambda of the map at phi = 0.
	FixedPointMultiplier float64 `json:"fixed_point_multiplier"`
	// CycleExists reports ELR lambda > 2 (past the flip bifurcation).
	CycleExists bool `json:"cycle_exists"`
	// CyclePhi is the angle phi of the 2-cycle phi <-> -phi, in (0, pi/4):
	// cos 2phi = 2/(ELR lambda).
	CyclePhi float64 `json:"cycle_phi"`
	// CycleLoss is the loss on the cycle, lambda/4 - 1/(2 ELR).
	CycleLoss float64 `json:"cycle_loss"`
	// CycleGradNorm is the gradient norm on the cycle, (lambda/2) sqrt(1 - 4/(ELR lambda)^2).
	CycleGradNorm float64 `json:"cycle_grad_norm"`
	// CycleAngle is the angular update per step, 2 phi = arccos(2/(ELR lambda)), in radians.
	CycleAngle float64 `json:"cycle_angle"`
	// CycleMultiplier is the derivative of the two-step map on the cycle,
	// (1 - 8/(ELR lambda)^2)^2.
	CycleMultiplier float64 `json:"cycle_multiplier"`
	// CycleStable reports |CycleMultiplier| < 1, true for every ELR lambda > 2.
	CycleStable bool `json:"cycle_stable"`
}

// CircleClosedForm returns the closed-form fixed point and 2-cycle of the
// circle toy f = (lambda/2) sin^2 phi at the given ELR (SCIENCE.md
// section 6.2). The exact map is phi' = g(phi) = phi - arctan(k sin 2phi)
// with k = ELR lambda/2, and g'(phi) = 1 - 2k cos 2phi / (1 + k^2 sin^2 2phi).
//
// Derivation: g'(0) = 1 - 2k = 1 - ELR lambda. A 2-cycle phi <-> -phi needs
// g(phi) = -phi, i.e. tan 2phi = k sin 2phi, so cos 2phi = 1/k = 2/(ELR
// lambda), which has a solution phi in (0, pi/4) iff ELR lambda > 2. There
// f = (lambda/4)(1 - cos 2phi) = lambda/4 - 1/(2 ELR); the tangent gradient is
// (lambda/2) sin 2phi; each step turns by 2phi; and since k cos 2phi = 1 and
// k^2 sin^2 2phi = k^2 - 1, g'(+-phi) = 1 - 2/k^2 = 1 - 8/(ELR lambda)^2, so the
// two-step multiplier is its square. It panics unless lambda > 0 and ELR >= 0.
func CircleClosedForm(lambda, elr float64) CircleTheory {
	if !(lambda > 0) || !(elr >= 0) || math.IsInf(lambda, 0) || math.IsInf(elr, 0) {
		panic("toy: CircleClosedForm needs finite lambda > 0 and ELR >= 0")
	}
	x := elr * lambda
	ct := CircleTheory{
		Lambda:               lambda,
		ELR:                  elr,
		FixedPointMultiplier: 1 - x,
		FixedPointStable:     math.Abs(1-x) < 1,
	}
	if x > 2 {
		ct.CycleExists = true
		ct.CycleAngle = math.Acos(2 / x)
		ct.CyclePhi = ct.CycleAngle / 2
		ct.CycleLoss = lambda/4 - 1/(2*elr)
		ct.CycleGradNorm = lambda / 2 * math.Sqrt(1-4/(x*x))
		m := 1 - 8/(x*x)
		ct.CycleMultiplier = m * m
		ct.CycleStable = ct.CycleMultiplier < 1
	}
	return ct
}

// CircleMap returns the image of phi under one step of the exact circle map
// phi' = phi - arctan(ELR (lambda/2) sin 2phi) (SCIENCE.md section 6.2).
func CircleMap(phi, lambda, elr float64) float64 {
	return phi - math.Atan(elr*lambda/2*math.Sin(2*phi))
}
