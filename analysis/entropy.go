package analysis

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/regimes/regimes/internal/fileio"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// EntropyEstimate is a k-nearest-neighbour estimate of the differential
// entropy of a sample, in nats.
type EntropyEstimate struct {
	// Entropy is the estimate.
	Entropy float64 `json:"entropy"`
	// StdErr is its standard error: the larger of sd(log V_i)/sqrt(N), with
	// V_i the volumes of the neighbour balls, and the spread of the
	// estimates on 10 disjoint subsamples divided by sqrt(10) (see
	// SphereEntropyKL for its check).
	StdErr float64 `json:"stderr"`
	// CI95 is Entropy -/+ 1.96 StdErr. It covers the statistical error
	// only, not the estimator's bias (see SphereEntropyKL).
	CI95 [2]float64 `json:"ci95"`
	// N is the sample size, K the neighbour rank and D the ambient
	// dimension (the sphere S^{D-1} has dimension D-1).
	N int `json:"n"`
	K int `json:"k"`
	D int `json:"d"`
}

// MarshalJSON encodes e with NaN and infinite values as null.
func (e EntropyEstimate) MarshalJSON() ([]byte, error) { return fileio.MarshalFinite(e) }

// LogCapVolume returns the log of the surface measure of a geodesic ball
// (spherical cap) of radius rho in [0, pi] on the unit sphere S^{d-1} in
// R^d, d >= 2:
//
//	V(rho) = |S^{d-2}| * integral_0^rho sin^(d-2)(t) dt,
//
// evaluated through the incomplete beta function: with x = sin^2 rho the
// integral is B_x((d-1)/2, 1/2)/2 for rho <= pi/2 and B((d-1)/2, 1/2) minus
// that beyond. Small x use the hypergeometric series of B_x in log space,
// so that tiny balls in high dimension do not underflow. V(pi) is the whole
// sphere, V(rho) ~ (volume of the unit (d-1)-ball) rho^(d-1) as rho -> 0.
func LogCapVolume(d int, rho float64) float64 {
	if d < 2 || !(rho >= 0) || rho > math.Pi {
		panic(fmt.Sprintf("analysis: LogCapVolume needs d >= 2 and 0 <= rho <= pi, have d=%d rho=%v", d, rho))
	}
	if rho == 0 {
		return math.Inf(-1)
	}
	a, b := float64(d-1)/2, 0.5
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	logB := la + lb - lab
	s := math.Sin(rho)
	x := s * s
	var logBx float64 // log B_x(a, b)
	if x <= 0.5 {
		// B_x(a,b) = x^a sum_n c_n x^n/(a+n), c_n = (1-b)_n/n!.
		var sum float64
		c, xn := 1.0, 1.0
		for n := 0; n < 2000; n++ {
			t := c * xn / (a + float64(n))
			sum += t
			if t < 1e-17*sum {
				break
			}
			c *= (float64(n) + 1 - b) / (float64(n) + 1)
			xn *= x
		}
		logBx = a*math.Log(x) + math.Log(sum)
	} else {
		logBx = math.Log(mathext.RegIncBeta(a, b, x)) + logB
	}
	var logJ float64
	if rho <= math.Pi/2 {
		logJ = logBx - math.Ln2
	} else {
		// B - B_x/2 = B (1 - exp(logBx - logB)/2)
		logJ = logB + math.Log1p(-math.Exp(logBx-logB)/2)
	}
	return LogSphereArea(d-1) + logJ
}

// SphereEntropyKL returns the Kozachenko-Leonenko k-nearest-neighbour
// estimate of the differential entropy (nats, with respect to the surface
// measure) of a sample of unit vectors on S^{D-1}, computed intrinsically:
//
//	H = psi(N) - psi(k) + (1/N) sum_i log V(rho_i),
//
// where rho_i is the geodesic distance from x_i to its k-th nearest
// neighbour, V the measure of the geodesic ball of that radius
// (LogCapVolume) and psi the digamma function. Using the exact ball
// measure on the sphere rather than the Euclidean ball of the tangent
// space makes the estimate exactly unbiased for the uniform law: the mass
// of the k-th neighbour ball of a uniform sample is Beta(k, N-k), whose
// mean log is psi(k) - psi(N). For other laws the bias comes from the
// variation of the density inside the neighbour balls; it vanishes as
// N -> infinity and grows with the dimension: the tests measure it on exact
// von Mises-Fisher samples (SCIENCE.md section 12 gives the table). The
// standard error sd(log V_i)/sqrt(N) alone ignores the correlation of the
// terms (neighbours share distances) and is 10-30% too small; StdErr is
// therefore the larger of it and the subsample estimate sd(H_j)/sqrt(10),
// with H_j the estimates on the 10 subsamples i = j mod 10 (their variance
// is 10 times that of H, the variance scaling as 1/N). The tests check the
// coverage of CI95 on repeated exact samples.
//
// The samples must be unit vectors of one length D >= 2 (they are not
// renormalised; a row off the sphere by more than 1e-6 panics), N > k >= 1,
// and no two samples may coincide. The neighbour search is brute force,
// O(N^2 D), spread over GOMAXPROCS goroutines; the result does not depend
// on their number.
func SphereEntropyKL(x [][]float64, k int) EntropyEstimate {
	n := len(x)
	if k < 1 || n <= k {
		panic(fmt.Sprintf("analysis: SphereEntropyKL needs N > k >= 1, have N=%d k=%d", n, k))
	}
	d := len(x[0])
	if d < 2 {
		panic("analysis: SphereEntropyKL needs dimension D >= 2")
	}
	for i, xi := range x {
		if len(xi) != d {
			panic(fmt.Sprintf("analysis: SphereEntropyKL: sample %d has length %d, want %d", i, len(xi), d))
		}
		var s float64
		for _, v := range xi {
			s += v * v
		}
		if !(math.Abs(s-1) <= 1e-6) {
			panic(fmt.Sprintf("analysis: SphereEntropyKL: sample %d is not a unit vector (norm^2 %v)", i, s))
		}
	}
	logV := make([]float64, n)
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	const chunk = 64
	next := make(chan int, (n+chunk-1)/chunk)
	for i := 0; i < n; i += chunk {
		next <- i
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			best := make([]float64, k) // k smallest squared chords, ascending
			for lo := range next {
				for i := lo; i < min(lo+chunk, n); i++ {
					rho := knnGeodesic(x, i, best)
					if rho == 0 {
						panic(fmt.Sprintf("analysis: SphereEntropyKL: sample %d has %d duplicates", i, k))
					}
					logV[i] = LogCapVolume(d, rho)
				}
			}
		}()
	}
	wg.Wait()
	mean, sd := meanStd(logV)
	dg := mathext.Digamma(float64(n)) - mathext.Digamma(float64(k))
	e := EntropyEstimate{Entropy: dg + mean, StdErr: sd / math.Sqrt(float64(n)), N: n, K: k, D: d}
	const parts = 10
	if n/parts > 2*k {
		h := make([]float64, parts)
		sub := make([][]float64, 0, n/parts+1)
		for j := range h {
			sub = sub[:0]
			for i := j; i < n; i += parts {
				sub = append(sub, x[i])
			}
			h[j] = sphereKL(sub, k, d)
		}
		_, sh := meanStd(h)
		e.StdErr = math.Max(e.StdErr, sh/math.Sqrt(parts))
	}
	z := distuv.UnitNormal.Quantile(0.975)
	e.CI95 = [2]float64{e.Entropy - z*e.StdErr, e.Entropy + z*e.StdErr}
	return e
}

// sphereKL is the Kozachenko-Leonenko estimate of x on one goroutine.
func sphereKL(x [][]float64, k, d int) float64 {
	best := make([]float64, k)
	var sum float64
	for i := range x {
		sum += LogCapVolume(d, knnGeodesic(x, i, best))
	}
	n := float64(len(x))
	return mathext.Digamma(n) - mathext.Digamma(float64(k)) + sum/n
}

// knnGeodesic returns the geodesic distance from x[i] to its k-th nearest
// neighbour (k = len(best)), 2 asin(c/2) for the chord c (accurate for tiny
// distances, unlike acos of the cosine).
func knnGeodesic(x [][]float64, i int, best []float64) float64 {
	for j := range best {
		best[j] = math.Inf(1)
	}
	xi := x[i]
	worst := math.Inf(1)
	for j, xj := range x {
		if j == i {
			continue
		}
		var c2 float64
		for l, v := range xj {
			t := v - xi[l]
			c2 += t * t
		}
		if c2 >= worst {
			continue
		}
		// insert c2 into the sorted best
		p := len(best) - 1
		for p > 0 && best[p-1] > c2 {
			best[p] = best[p-1]
			p--
		}
		best[p] = c2
		worst = best[len(best)-1]
	}
	c := math.Min(math.Sqrt(worst), 2)
	return 2 * math.Asin(c/2)
}

// MarshalFinite encodes the struct v as a JSON object with NaN and
// infinite float64 fields (and elements of float64 slices and arrays) as
// null, the rule of SeriesStats; other fields are encoded by encoding/json.
// Types use it in their MarshalJSON methods.
func MarshalFinite(v any) ([]byte, error) { return fileio.MarshalFinite(v) }
