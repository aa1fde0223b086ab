package toy

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// VMF is the isotropic-noise toy of SCIENCE.md section 6.3:
//
//	F(x) = <mu,x>/||x||,   f_B(x) = <mu + sigma z, x>/||x||,
//
// with z = b.Noise. The stochastic gradient at a unit u is therefore
// grad F(u) + sigma P_u z, with P_u the projection on the tangent space.
// A batch of size B averages B independent standard normal draws, so its
// noise is z ~ N(0, I/B) (see DrawNoise). The uniform-sphere average of F is
// 0. A VMF is read-only after construction and safe for concurrent use.
type VMF struct {
	mu    []float64
	sigma float64
}

var _ NoiseSampler = (*VMF)(nil)

// NewVMF returns the vmf toy with mean direction mu (d = len(mu) >= 2) and
// noise scale sigma >= 0; mu's largest entry and a nonzero sigma must lie in
// [MinDataScale, MaxDataScale].
func NewVMF(mu []float64, sigma float64) (*VMF, error) {
	if len(mu) < 2 {
		return nil, fmt.Errorf("vmf: need dimension d >= 2, have %d", len(mu))
	}
	for j, v := range mu {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("vmf: non-finite mu[%d] = %v", j, v)
		}
	}
	if !(sigma >= 0) || math.IsInf(sigma, 0) {
		return nil, errors.New("vmf: sigma must be finite and non-negative")
	}
	if err := checkScale("vmf", mu, len(mu)); err != nil {
		return nil, err
	}
	if sigma != 0 && (sigma < MinDataScale || sigma > MaxDataScale) {
		return nil, fmt.Errorf("vmf: sigma = %g is outside [%g, %g], where the theory's moments (~sigma^2) leave float64's range", sigma, float64(MinDataScale), float64(MaxDataScale))
	}
	return &VMF{mu: append([]float64(nil), mu...), sigma: sigma}, nil
}

// Name returns "vmf".
func (p *VMF) Name() string { return "vmf" }

// Dim returns d.
func (p *VMF) Dim() int { return len(p.mu) }

// Len returns 0: the noise is unlimited.
func (p *VMF) Len() int { return 0 }

// Mu returns mu. The caller must not modify it.
func (p *VMF) Mu() []float64 { return p.mu }

// Sigma returns the noise scale sigma.
func (p *VMF) Sigma() float64 { return p.sigma }

// RandomLevel returns 0, the uniform-sphere average of the linear F.
func (p *VMF) RandomLevel() float64 { return 0 }

// DrawNoise fills b.Noise with z ~ N(0, I/size), the mean of size standard
// normal vectors, so that a batch of size B has noise variance sigma^2/B.
// A size of 0 or less means the full batch: z = 0.
func (p *VMF) DrawNoise(b *Batch, size int, rng *rand.Rand) {
	d := len(p.mu)
	if cap(b.Noise) < d {
		b.Noise = make([]float64, d)
	}
	b.Noise = b.Noise[:d]
	if size <= 0 {
		clear(b.Noise)
		return
	}
	s := 1 / math.Sqrt(float64(size))
	for j := range b.Noise {
		b.Noise[j] = s * rng.NormFloat64()
	}
}

// m returns <mu + sigma z, y> for the batch b (z = 0 if b or b.Noise is nil).
func (p *VMF) dotM(b *Batch, y []float64) float64 {
	s := floats.Dot(p.mu, y)
	if b != nil && b.Noise != nil {
		s += p.sigma * floats.Dot(b.Noise, y)
	}
	return s
}

// addM adds alpha (mu + sigma z) to dst.
func (p *VMF) addM(dst []float64, alpha float64, b *Batch) {
	floats.AddScaled(dst, alpha, p.mu)
	if b != nil && b.Noise != nil {
		floats.AddScaled(dst, alpha*p.sigma, b.Noise)
	}
}

func (p *VMF) check(x []float64, b *Batch) {
	if len(x) != len(p.mu) {
		panic("toy: x length does not match the dimension")
	}
	if b != nil && b.Noise != nil && len(b.Noise) != len(p.mu) {
		panic("toy: noise length does not match the dimension")
	}
}

// Loss returns f_B(x) = <mu + sigma z, x>/||x||, or F(x) when b is nil.
func (p *VMF) Loss(x []float64, b *Batch) float64 {
	p.check(x, b)
	return p.dotM(b, x) / math.Sqrt(floats.Dot(x, x))
}

// Grad stores grad f_B(x) = m/r - <m,x> x/r^3 in dst, with m = mu + sigma z and r = ||x||.
func (p *VMF) Grad(dst, x []float64, b *Batch) {
	p.check(x, b)
	if len(dst) != len(x) {
		panic("toy: dst length does not match the dimension")
	}
	r2 := floats.Dot(x, x)
	r := math.Sqrt(r2)
	t := p.dotM(b, x) / r
	for j := range dst {
		dst[j] = -t / r2 * x[j]
	}
	p.addM(dst, 1/r, b)
}

// HessVec stores Hess f_B(x) v in dst. With t = <m,x>/r,
//
//	Hess f v = -(m<x,v> + x<m,v>)/r^3 - t v/r^2 + 3 t x<x,v>/r^4.
func (p *VMF) HessVec(dst, x, v []float64, b *Batch) {
	p.check(x, b)
	if len(dst) != len(x) || len(v) != len(x) {
		panic("toy: vector length does not match the dimension")
	}
	r2 := floats.Dot(x, x)
	r := math.Sqrt(r2)
	t := p.dotM(b, x) / r
	mv := p.dotM(b, v)
	xv := floats.Dot(x, v)
	r3 := r2 * r
	for j := range dst {
		dst[j] = -x[j]*mv/r3 - t/r2*v[j] + 3*t*xv/(r2*r2)*x[j]
	}
	p.addM(dst, -xv/r3, b)
}
