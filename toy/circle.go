package toy

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Circle is the exactly solvable toy of SCIENCE.md section 6.2: d = 2,
// n = 1 and f = (lambda/2) sin^2 phi for u = (cos phi, sin phi), that is lsq
// with the single sample a = (0, sqrt(lambda)).
type Circle struct {
	*LSQ
	lambda float64
}

var _ Problem = (*Circle)(nil)

// NewCircle returns the circle toy with curvature lambda > 0 in
// [MinDataScale^2, MaxDataScale^2].
func NewCircle(lambda float64) (*Circle, error) {
	if !(lambda > 0) || math.IsInf(lambda, 0) {
		return nil, fmt.Errorf("circle: lambda must be positive and finite, have %v", lambda)
	}
	if lambda < MinDataScale*MinDataScale || lambda > MaxDataScale*MaxDataScale {
		return nil, fmt.Errorf("circle: lambda = %g is outside [%g, %g], where the thresholds (~1/lambda) and the theory's products leave float64's range", lambda, MinDataScale*MinDataScale, MaxDataScale*MaxDataScale)
	}
	p, err := NewLSQ(mat.NewDense(1, 2, []float64{0, math.Sqrt(lambda)}))
	if err != nil {
		return nil, err
	}
	return &Circle{LSQ: p, lambda: lambda}, nil
}

// Name returns "circle".
func (c *Circle) Name() string { return "circle" }

// Curvature returns lambda, the curvature of the toy at its minimum.
func (c *Circle) Curvature() float64 { return c.lambda }
