package analysis

import (
	"fmt"
	"math"
)

// A ConventionalEquilibrium is the fixed point of the norm dynamics of
// conventional SGD with learning rate eta and weight decay wd on
// scale-invariant weights (SCIENCE.md section 3): with a = eta wd and the
// effective gradient norm g (its root-mean-square for stochastic
// gradients), the recursion 1/ELR' = (1-a)^2/ELR + ELR g^2 of
// ELR = eta/||w||^2 has the fixed point
//
//	ELR* = sqrt(2a - a^2) / g,
//
// the direction of a step is a projected step with the realised ELR
// eta/((1-a)||w||^2), which sits at ELR*/(1-a), and the angle per step
// satisfies cos(Delta) = 1 - a. This is the one place the formula lives.
type ConventionalEquilibrium struct {
	// A is eta wd.
	A float64 `json:"a"`
	// C is sqrt(2a - a^2) = sin(Delta): ELR* g.
	C float64 `json:"c"`
	// Angle is arccos(1 - a), the angle per step at the fixed point
	// (about sqrt(2a)).
	Angle float64 `json:"angle"`
}

// ConventionalFixedPoint returns the equilibrium of conventional SGD with
// learning rate eta and weight decay wd. It needs eta > 0 and
// 0 <= eta wd < 1 (with wd = 0 there is no equilibrium: C is 0).
func ConventionalFixedPoint(eta, wd float64) (ConventionalEquilibrium, error) {
	a := eta * wd
	if !(eta > 0) || wd < 0 || !(a < 1) {
		return ConventionalEquilibrium{}, fmt.Errorf("lr %g and wd %g: want lr > 0, wd >= 0 and lr*wd < 1", eta, wd)
	}
	return ConventionalEquilibrium{A: a, C: math.Sqrt(2*a - a*a), Angle: math.Acos(1 - a)}, nil
}

// ELR returns the fixed point C/g of ELR = eta/||w||^2 for the gradient
// level g.
func (e ConventionalEquilibrium) ELR(g float64) float64 { return e.C / g }

// RealisedELR returns the fixed point as a realised ELR
// eta/((1-a)||w||^2), the ELR that trainers log: C/((1-a) g).
func (e ConventionalEquilibrium) RealisedELR(g float64) float64 { return e.C / ((1 - e.A) * g) }
