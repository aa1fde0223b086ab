package analysis

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"
)

// A LinearProduct is a random sequence of linear maps M_1, M_2, ... on R^Dim.
// Apply replaces every vector v in vs by M_t v, with the same map M_t for all
// of them, and then advances t. The randomness of the sequence belongs to the
// implementation, which ProductLyapunov creates once per block.
type LinearProduct interface {
	Dim() int
	Apply(vs [][]float64)
}

// A TangentMap is a random map of a state x in R^Dim together with its
// Jacobian. Step advances x in place by one step of the map, drawing its own
// noise, and replaces every tangent vector v in vs by J v, where J is the
// Jacobian of that same step (same noise) at the old state.
type TangentMap interface {
	Dim() int
	Step(x []float64, vs [][]float64)
}

// A CopyMap advances two copies x and y of a random map's state by one step
// each, using the identical noise draw for both copies.
type CopyMap interface {
	Dim() int
	Step(x, y []float64)
}

// LyapunovSettings configures the Lyapunov estimators. The zero value of
// every field means its documented default.
type LyapunovSettings struct {
	// Steps is the number of steps per block. Default 10000.
	Steps int `json:"steps"`
	// Burn is the number of steps discarded before the first block: per
	// block for ProductLyapunov (each block is an independent product), once
	// for the single trajectory of MapLyapunov and TwoCopyLyapunov. Default
	// Steps/10; a negative value means no burn-in.
	Burn int `json:"burn"`
	// Blocks is the number of blocks, at least 2. Default 10.
	Blocks int `json:"blocks"`
	// Vectors is the number k of exponents (tangent vectors). Default 1.
	Vectors int `json:"vectors"`
	// Renorm is the number of steps between re-orthonormalisations (for
	// TwoCopyLyapunov: between rescalings of the separation). Default 1.
	// Larger values are faster but can overflow for strongly expanding maps.
	Renorm int `json:"renorm"`
	// Workers is the number of goroutines of ProductLyapunov. Default
	// runtime.GOMAXPROCS(0). Results do not depend on it.
	Workers int `json:"workers"`
	// Level is the confidence level of the interval. Default 0.95.
	Level float64 `json:"level"`
	// Seed seeds the random initial tangent vectors (block i of
	// ProductLyapunov uses stream i) and the initial separation direction of
	// TwoCopyLyapunov.
	Seed uint64 `json:"seed"`
	// Sphere tells TwoCopyLyapunov that the state is a unit vector on the
	// sphere: distances are then angles and the second copy is kept on the
	// sphere. It is ignored by the other estimators.
	Sphere bool `json:"sphere,omitempty"`
}

// withDefaults returns s with its zero fields replaced by their defaults.
func (s LyapunovSettings) withDefaults() LyapunovSettings {
	if s.Steps == 0 {
		s.Steps = 10000
	}
	if s.Burn == 0 {
		s.Burn = s.Steps / 10
	}
	if s.Burn < 0 {
		s.Burn = 0
	}
	if s.Blocks == 0 {
		s.Blocks = 10
	}
	if s.Vectors == 0 {
		s.Vectors = 1
	}
	if s.Renorm == 0 {
		s.Renorm = 1
	}
	if s.Workers == 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	if s.Level == 0 {
		s.Level = 0.95
	}
	switch {
	case s.Steps < 1:
		panic("analysis: LyapunovSettings.Steps must be positive")
	case s.Blocks < 2:
		panic("analysis: LyapunovSettings.Blocks must be at least 2")
	case s.Vectors < 1:
		panic("analysis: LyapunovSettings.Vectors must be positive")
	case s.Renorm < 1:
		panic("analysis: LyapunovSettings.Renorm must be positive")
	case s.Workers < 1:
		panic("analysis: LyapunovSettings.Workers must be positive")
	case !(s.Level > 0 && s.Level < 1):
		panic("analysis: LyapunovSettings.Level must be in (0, 1)")
	}
	return s
}

// LyapunovEstimate is the result of a Lyapunov estimator: exponents are
// natural-log growth rates per step.
type LyapunovEstimate struct {
	// Exponent is the estimate of the top exponent: the mean of Blocks.
	Exponent float64 `json:"exponent"`
	// StdErr is the standard error of Exponent from the spread of Blocks.
	StdErr float64 `json:"stderr"`
	// CI is the Student t confidence interval of the top exponent at Level.
	CI [2]float64 `json:"ci"`
	// Level is the confidence level of CI.
	Level float64 `json:"level"`
	// Spectrum holds the block means of the top Vectors exponents in
	// decreasing order (Spectrum[0] == Exponent).
	Spectrum []float64 `json:"spectrum"`
	// SpectrumStdErr holds the standard errors of Spectrum.
	SpectrumStdErr []float64 `json:"spectrum_stderr"`
	// Blocks holds the top exponent of every block.
	Blocks []float64 `json:"blocks"`
	// Steps is the number of steps per block, and Burn the number discarded.
	Steps int `json:"steps"`
	Burn  int `json:"burn"`
}

// qrState holds k tangent vectors and the accumulated log stretches.
type qrState struct {
	vs   [][]float64
	sums []float64
}

func newQRState(d, k int, rng *rand.Rand) *qrState {
	q := &qrState{vs: make([][]float64, k), sums: make([]float64, k)}
	for j := range q.vs {
		v := make([]float64, d)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		q.vs[j] = v
	}
	q.orthonormalize(false)
	return q
}

// orthonormalize applies modified Gram-Schmidt, with a second
// orthogonalisation pass for stability, to the vectors and, when acc is
// true, adds the log of the diagonal of R (the lengths after
// orthogonalisation) to the sums. This is the QR step of the method of
// Benettin, Galgani, Giorgilli and Strelcyn (Meccanica 15, 1980) and Shimada
// and Nagashima (Prog. Theor. Phys. 61, 1979); see Eckmann and Ruelle,
// Rev. Mod. Phys. 57 (1985), section IV.B.
func (q *qrState) orthonormalize(acc bool) {
	for j, v := range q.vs {
		for pass := 0; pass < 2; pass++ {
			for _, w := range q.vs[:j] {
				c := dot(w, v)
				for i := range v {
					v[i] -= c * w[i]
				}
			}
		}
		n := math.Sqrt(dot(v, v))
		if acc {
			q.sums[j] += math.Log(n)
		}
		if n == 0 || math.IsInf(n, 0) || math.IsNaN(n) {
			// The vector collapsed or overflowed; the log above records
			// -Inf, +Inf or NaN. Keep the vectors finite.
			for i := range v {
				v[i] = 0
			}
			continue
		}
		inv := 1 / n
		for i := range v {
			v[i] *= inv
		}
	}
}

func dot(a, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// ProductLyapunov estimates the top s.Vectors Lyapunov exponents of a random
// product of linear maps by the QR (Benettin) method: k random orthonormal
// vectors are multiplied by the maps and re-orthonormalised by Gram-Schmidt
// every s.Renorm steps, and the exponents are the mean logs of the diagonal
// of R per step (Benettin et al. 1980; Eckmann and Ruelle 1985, section IV.B).
//
// Every block is an independent product newProduct(block), block = 0, 1, ...,
// s.Blocks-1; the caller seeds each block's randomness from its index (for
// common random numbers across calls, make newProduct deterministic in
// block). Each block discards s.Burn steps, then runs s.Steps steps. Blocks
// run in parallel on s.Workers goroutines and the result does not depend on
// the number of workers. The confidence interval uses the Student t
// distribution with s.Blocks-1 degrees of freedom over the block values.
func ProductLyapunov(newProduct func(block int) LinearProduct, s LyapunovSettings) LyapunovEstimate {
	s = s.withDefaults()
	sums := make([][]float64, s.Blocks)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(s.Workers, s.Blocks); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				sums[b] = productBlock(newProduct(b), b, s)
			}
		}()
	}
	for b := 0; b < s.Blocks; b++ {
		jobs <- b
	}
	close(jobs)
	wg.Wait()
	return summarize(sums, s)
}

// productBlock runs one block and returns the per-step exponents.
func productBlock(p LinearProduct, block int, s LyapunovSettings) []float64 {
	d := p.Dim()
	if s.Vectors > d {
		panic("analysis: more Lyapunov vectors than dimensions")
	}
	q := newQRState(d, s.Vectors, rand.New(rand.NewPCG(s.Seed, uint64(block))))
	for t := 0; t < s.Burn; t++ {
		p.Apply(q.vs)
		if (t+1)%s.Renorm == 0 || t == s.Burn-1 {
			q.orthonormalize(false)
		}
	}
	for t := 0; t < s.Steps; t++ {
		p.Apply(q.vs)
		if (t+1)%s.Renorm == 0 || t == s.Steps-1 {
			q.orthonormalize(true)
		}
	}
	for j := range q.sums {
		q.sums[j] /= float64(s.Steps)
	}
	return q.sums
}

// summarize turns per-block exponent vectors into an estimate.
func summarize(sums [][]float64, s LyapunovSettings) LyapunovEstimate {
	k := len(sums[0])
	nb := float64(len(sums))
	e := LyapunovEstimate{
		Level:          s.Level,
		Spectrum:       make([]float64, k),
		SpectrumStdErr: make([]float64, k),
		Blocks:         make([]float64, len(sums)),
		Steps:          s.Steps,
		Burn:           s.Burn,
	}
	for j := 0; j < k; j++ {
		var m float64
		for _, b := range sums {
			m += b[j]
		}
		m /= nb
		var ss float64
		for _, b := range sums {
			ss += (b[j] - m) * (b[j] - m)
		}
		e.Spectrum[j] = m
		e.SpectrumStdErr[j] = math.Sqrt(ss / (nb - 1) / nb)
	}
	for i, b := range sums {
		e.Blocks[i] = b[0]
	}
	e.Exponent = e.Spectrum[0]
	e.StdErr = e.SpectrumStdErr[0]
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nb - 1}.Quantile(0.5 + s.Level/2)
	e.CI = [2]float64{e.Exponent - t*e.StdErr, e.Exponent + t*e.StdErr}
	return e
}

// MapLyapunov estimates the top s.Vectors finite-time Lyapunov exponents of
// the random map m along one trajectory from x0 (which is not modified), by
// the QR method of ProductLyapunov applied to the Jacobians along the
// trajectory. The map draws its own noise, so the trajectory and the tangent
// vectors see the same noise sequence. After s.Burn steps the trajectory is
// cut into s.Blocks consecutive segments of s.Steps steps, and the interval
// is computed from the segment values as batch means (segments much longer
// than the correlation time are nearly independent). s.Workers is ignored.
func MapLyapunov(m TangentMap, x0 []float64, s LyapunovSettings) LyapunovEstimate {
	s = s.withDefaults()
	d := m.Dim()
	if len(x0) != d {
		panic("analysis: MapLyapunov state length does not match Dim")
	}
	if s.Vectors > d {
		panic("analysis: more Lyapunov vectors than dimensions")
	}
	x := append([]float64(nil), x0...)
	q := newQRState(d, s.Vectors, rand.New(rand.NewPCG(s.Seed, 0)))
	for t := 0; t < s.Burn; t++ {
		m.Step(x, q.vs)
		if (t+1)%s.Renorm == 0 || t == s.Burn-1 {
			q.orthonormalize(false)
		}
	}
	sums := make([][]float64, s.Blocks)
	for b := range sums {
		for j := range q.sums {
			q.sums[j] = 0
		}
		for t := 0; t < s.Steps; t++ {
			m.Step(x, q.vs)
			if (t+1)%s.Renorm == 0 || t == s.Steps-1 {
				q.orthonormalize(true)
			}
		}
		sums[b] = make([]float64, s.Vectors)
		for j, v := range q.sums {
			sums[b][j] = v / float64(s.Steps)
		}
	}
	return summarize(sums, s)
}

// TwoCopyLyapunov estimates the top Lyapunov exponent of the random map m
// without a Jacobian: a second copy y starts at distance delta from x0, both
// copies are advanced with identical noise, and every `every` steps (and at
// the end of each block) the separation is measured, log(dist/delta) is
// accumulated and y is moved back to distance delta from x along the current
// separation (Benettin et al. 1976, Phys. Rev. A 14; the "two-copy" or
// "clone" method). The exponent is the mean log growth per step. Blocks are
// consecutive segments after s.Burn steps, as in MapLyapunov.
//
// In flat space (s.Sphere false) y0 = x0 + delta w with w a random unit
// vector from s.Seed, and dist is the Euclidean distance. With s.Sphere the
// state must be a unit vector: y0 = cos(delta) x0 + sin(delta) w with w a
// random unit tangent vector at x0 (a rotation by the angle delta), dist is
// the angle between x and y, and the rescaling rotates y in the plane of x
// and y back to the angle delta. delta must be small (for example 1e-7) but
// far above rounding (about 1e-12 relative), and every small enough that the
// separation stays in the linear range.
func TwoCopyLyapunov(m CopyMap, x0 []float64, delta float64, every int, s LyapunovSettings) LyapunovEstimate {
	s = s.withDefaults()
	d := m.Dim()
	if len(x0) != d {
		panic("analysis: TwoCopyLyapunov state length does not match Dim")
	}
	if !(delta > 0) || every < 1 {
		panic("analysis: TwoCopyLyapunov needs delta > 0 and every >= 1")
	}
	x := append([]float64(nil), x0...)
	y := make([]float64, d)
	w := make([]float64, d)
	rng := rand.New(rand.NewPCG(s.Seed, 0))
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	if s.Sphere {
		c := dot(w, x)
		for i := range w {
			w[i] -= c * x[i]
		}
	}
	scale(w, 1/math.Sqrt(dot(w, w)))
	place(y, x, w, delta, s.Sphere)
	// measure returns log(dist/delta) and puts y back at distance delta.
	measure := func() float64 {
		var dist float64
		if s.Sphere {
			// w = tangent part of y at x; the angle is atan2(|w|, <x,y>).
			c := dot(x, y)
			for i := range w {
				w[i] = y[i] - c*x[i]
			}
			sn := math.Sqrt(dot(w, w))
			dist = math.Atan2(sn, c)
			scale(w, 1/sn)
		} else {
			for i := range w {
				w[i] = y[i] - x[i]
			}
			dist = math.Sqrt(dot(w, w))
			scale(w, 1/dist)
		}
		place(y, x, w, delta, s.Sphere)
		return math.Log(dist / delta)
	}
	for t := 0; t < s.Burn; t++ {
		m.Step(x, y)
		if (t+1)%every == 0 || t == s.Burn-1 {
			measure()
		}
	}
	sums := make([][]float64, s.Blocks)
	for b := range sums {
		var sum float64
		for t := 0; t < s.Steps; t++ {
			m.Step(x, y)
			if (t+1)%every == 0 || t == s.Steps-1 {
				sum += measure()
			}
		}
		sums[b] = []float64{sum / float64(s.Steps)}
	}
	s.Vectors = 1
	return summarize(sums, s)
}

// place sets y = x + delta w (flat) or y = cos(delta) x + sin(delta) w (sphere).
func place(y, x, w []float64, delta float64, sphere bool) {
	if sphere {
		c, sn := math.Cos(delta), math.Sin(delta)
		for i := range y {
			y[i] = c*x[i] + sn*w[i]
		}
		return
	}
	for i := range y {
		y[i] = x[i] + delta*w[i]
	}
}

func scale(v []float64, a float64) {
	for i := range v {
		v[i] *= a
	}
}
