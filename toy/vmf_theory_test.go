package toy

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// besselISeries returns I_nu(x) from its power series
// sum_k (x/2)^(2k+nu) / (k! Gamma(k+nu+1)) (Abramowitz and Stegun 9.6.10),
// summed in log space; accurate for moderate x (all terms are positive).
func besselISeries(nu, x float64) float64 {
	var s float64
	lx := math.Log(x / 2)
	for k := 0; k < 500; k++ {
		lk, _ := math.Lgamma(float64(k) + 1)
		lg, _ := math.Lgamma(float64(k) + nu + 1)
		term := math.Exp((2*float64(k)+nu)*lx - lk - lg)
		s += term
		if term < 1e-18*s {
			break
		}
	}
	return s
}

func TestBesselRatioClosedForms(t *testing.T) {
	// Half-integer orders have elementary closed forms (A&S 10.2.13-10.2.15 via
	// I_{n+1/2}): I_{1/2}/I_{-1/2} = tanh x; I_{3/2}/I_{1/2} = coth x - 1/x (the
	// Langevin function); I_{5/2}/I_{3/2} = [(1 + 3/x^2) sinh x - 3 cosh x/x] /
	// [cosh x - sinh x/x].
	for _, x := range []float64{0.05, 0.3, 0.99, 1, 1.7, 5, 20, 300} {
		for _, tc := range []struct {
			nu   float64
			want float64
		}{
			{0.5, math.Tanh(x)},
			{1.5, 1/math.Tanh(x) - 1/x},
			{2.5, ((1+3/(x*x))*math.Sinh(x) - 3*math.Cosh(x)/x) / (math.Cosh(x) - math.Sinh(x)/x)},
		} {
			if math.IsInf(tc.want, 0) || math.IsNaN(tc.want) {
				continue // sinh overflow at x = 300 for the third form
			}
			// The closed forms cancel for small x: allow 1e-14 relative plus
			// cancellation error eps/x^2.
			tol := 1e-14 + 1e-16/(x*x)
			if tc.nu == 2.5 {
				tol = 1e-13 + 1e-14/(x*x*x*x) // terms of size 3/x cancel to x^3/15
			}
			if got := BesselRatio(tc.nu, x); !scalar.EqualWithinRel(got, tc.want, tol) {
				t.Errorf("BesselRatio(%v, %v) = %.17g, closed form %.17g", tc.nu, x, got, tc.want)
			}
		}
	}
}

func TestBesselRatioSeries(t *testing.T) {
	for _, nu := range []float64{1, 2, 5.5, 12, 50} {
		for _, x := range []float64{1e-3, 0.5, 0.999, 1, 2.5, 10, 30} {
			want := besselISeries(nu, x) / besselISeries(nu-1, x)
			if got := BesselRatio(nu, x); !scalar.EqualWithinRel(got, want, 1e-13) {
				t.Errorf("BesselRatio(%v, %v) = %.17g, series %.17g", nu, x, got, want)
			}
		}
	}
}

// TestBesselRatioReference compares with values of
// mpmath.besseli(nu, x)/mpmath.besseli(nu-1, x) at 30 digits (mpmath 1.x),
// where the Bessel functions themselves overflow float64 or the series is slow.
func TestBesselRatioReference(t *testing.T) {
	for _, tc := range []struct{ nu, x, want float64 }{
		{1, 1000, 0.9994998748748042802},
		{12, 300, 0.96233951947752041974},
		{500, 30000, 0.98348832879329019689},
		{500, 300, 0.27701777735262584945},
		{5, 20, 0.79551906786542478201},
		{1.5, 1e5, 0.99999},
		{150, 3, 0.0099990068185297969724},
	} {
		if got := BesselRatio(tc.nu, tc.x); !scalar.EqualWithinRel(got, tc.want, 1e-14) {
			t.Errorf("BesselRatio(%v, %v) = %.17g, mpmath %.17g", tc.nu, tc.x, got, tc.want)
		}
	}
}

func TestBesselRatioAsymptotics(t *testing.T) {
	for _, nu := range []float64{1, 1.5, 12, 500} {
		// Large k: 1 - (2nu-1)/(2k) + O(1/k^2) (from the Hankel expansion,
		// A&S 9.7.1); the O(1/k^2) term is (4nu^2-1)/(8k^2)... bounded by nu^2/k^2.
		for _, k := range []float64{1e6, 1e9, 1e12} {
			want := 1 - (2*nu-1)/(2*k)
			if got := BesselRatio(nu, k); math.Abs(got-want) > 2*nu*nu/(k*k)+1e-15 {
				t.Errorf("BesselRatio(%v, %g) = %.17g, asymptote %.17g", nu, k, got, want)
			}
		}
		// Small k: I_nu/I_{nu-1} = k/(2nu) (1 - k^2/(4nu(nu+1)) + ...) (series).
		k := 1e-4
		if got, want := BesselRatio(nu, k), k/(2*nu); !scalar.EqualWithinRel(got, want, k*k/nu) {
			t.Errorf("BesselRatio(%v, %g) = %g, small-k form %g", nu, k, got, want)
		}
	}
	if BesselRatio(3, 0) != 0 || BesselRatio(3, math.Inf(1)) != 1 {
		t.Error("BesselRatio at k = 0 or +Inf")
	}
}

func TestVMFPrediction(t *testing.T) {
	// d = 3: A_3(kappa) = coth kappa - 1/kappa. mu = 1, sigma = 1, ELR = 0.4:
	// T = 0.2, kappa = 5, E[F] = -(coth 5 - 0.2) (hand calculation).
	v := VMFPrediction(3, 1, 1, 0.4)
	if !scalar.EqualWithinRel(v.Temperature, 0.2, 1e-15) || !scalar.EqualWithinRel(v.Kappa, 5, 1e-15) {
		t.Errorf("temperature %v, kappa %v: want 0.2, 5", v.Temperature, v.Kappa)
	}
	if want := -(1/math.Tanh(5) - 0.2); !scalar.EqualWithinRel(v.MeanLoss, want, 1e-14) {
		t.Errorf("mean loss %v, want %v", v.MeanLoss, want)
	}
	// Batch 4 quarters the temperature: T = 0.05, kappa = 20.
	if v := VMFPredictionBatch(3, 1, 1, 0.4, 4); !scalar.EqualWithinRel(v.Kappa, 20, 1e-15) {
		t.Errorf("batch 4: kappa %v, want 20", v.Kappa)
	}
	// Full batch: no noise.
	if v := VMFPredictionBatch(3, 1, 1, 0.4, 0); v.MeanLoss != -1 {
		t.Errorf("batch 0: mean loss %v, want -1", v.MeanLoss)
	}
	// No noise: the point mass at -mu.
	if v := VMFPrediction(10, 2, 0, 1); v.MeanLoss != -2 {
		t.Errorf("sigma = 0: mean loss %v, want -2", v.MeanLoss)
	}
}

func ExampleVMFPrediction() {
	// d = 10, ||mu|| = 1, sigma = 1, ELR = 0.1: T = 0.05, kappa = 20, and
	// I_5(20)/I_4(20) = 0.7955190678654 (mpmath.besseli, 15 digits).
	v := VMFPrediction(10, 1, 1, 0.1)
	fmt.Printf("T = %.3f, kappa = %.1f, E[F] = %.6f\n", v.Temperature, v.Kappa, v.MeanLoss)
	// Output:
	// T = 0.050, kappa = 20.0, E[F] = -0.795519
}
