package toy

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/regimes/regimes/analysis"
)

// This file adapts the toys to the Lyapunov estimators of package analysis
// (SCIENCE.md section 7): the linearised lsq product at a minimum, and
// the projected SGD step with its Jacobian (TangentMap) or as two copies
// (CopyMap).

// LSQProduct is the random product prod_t (I - e H_{B_t}) of the lsq toy
// linearised at a minimum (SCIENCE.md section 6.1), acting on
// range(A^T) in the coordinates of a RangeBasis: H_B = (1/b) sum_{i in B}
// b_i b_i^T with b_i = V^T a_i. It implements analysis.LinearProduct. Each
// Apply draws one batch of b sample indices, i.i.d. uniform with
// replacement, or b distinct samples (a partial Fisher-Yates shuffle) when
// Replace is false. The batch sequence depends only on the random source, not
// on the ELR, so products built from equal seeds at different ELRs use
// common random numbers.
type LSQProduct struct {
	coord []float64 // n x r row-major coordinates b_i
	n, r  int
	batch int
	repl  bool
	elr   float64
	rng   *rand.Rand
	perm  []int
	idx   []int
	c     []float64
}

var _ analysis.LinearProduct = (*LSQProduct)(nil)

// NewLSQProduct returns the linearised lsq product on the basis rb for
// mini-batches of size batch (1 <= batch; without replacement batch <= n)
// at the given ELR, drawing batches from rng.
func NewLSQProduct(rb RangeBasis, batch int, sampling Sampling, elr float64, rng *rand.Rand) *LSQProduct {
	replace := sampling != Shuffle
	n, _ := rb.Coord.Dims()
	r := rb.Rank()
	if r == 0 {
		panic("toy: zero data matrix has no dynamics")
	}
	if batch < 1 || (!replace && batch > n) {
		panic("toy: LSQProduct batch size out of range")
	}
	p := &LSQProduct{
		coord: make([]float64, n*r), n: n, r: r, batch: batch, repl: replace, elr: elr, rng: rng,
		perm: make([]int, n), idx: make([]int, batch), c: make([]float64, batch),
	}
	for i := 0; i < n; i++ {
		for k := 0; k < r; k++ {
			p.coord[i*r+k] = rb.Coord.At(i, k)
		}
	}
	for i := range p.perm {
		p.perm[i] = i
	}
	return p
}

// Dim returns r, the dimension of range(A^T).
func (p *LSQProduct) Dim() int { return p.r }

// Apply draws the next batch B and replaces every v in vs by (I - e H_B) v.
func (p *LSQProduct) Apply(vs [][]float64) {
	if p.repl {
		for k := range p.idx {
			p.idx[k] = p.rng.IntN(p.n)
		}
	} else {
		for k := range p.idx {
			j := k + p.rng.IntN(p.n-k)
			p.perm[k], p.perm[j] = p.perm[j], p.perm[k]
			p.idx[k] = p.perm[k]
		}
	}
	s := p.elr / float64(p.batch)
	r := p.r
	for _, v := range vs {
		for k, i := range p.idx {
			p.c[k] = s * dotf(p.coord[i*r:(i+1)*r], v)
		}
		for k, i := range p.idx {
			bi := p.coord[i*r : (i+1)*r]
			c := p.c[k]
			for j := range v {
				v[j] -= c * bi[j]
			}
		}
	}
}

func dotf(a, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

// StepMap is the projected SGD step of a toy at a fixed ELR,
//
//	u' = (u - e g_B(u)) / ||u - e g_B(u)||,
//
// as an analysis.TangentMap (SCIENCE.md section 7). Step draws the
// next batch from its Sampler, so the trajectory and the tangent vectors see
// the same batch, and maps every tangent vector v to
//
//	J v = (I - u'u'^T)(I - e Hess f_B(u)) v / ||u - e g_B(u)||,
//
// with the full Euclidean Hessian of the SI loss f_B at the old point u (its
// row u^T Hess = -g^T matters; the Riemannian Hessian P Hess P in its place
// is wrong). For tangent vectors this is the derivative of the step map of
// unit vectors; a radial component of v is removed by the first step. The
// state must be a unit vector.
//
// For vmf the batch is a noise draw z, and f_B(x) = <mu + sigma z, x>/||x||
// is differentiated as a function of x, so the u-dependence of the projected
// noise is included.
type StepMap struct {
	// Transverse, for lsq only, projects every tangent vector after each
	// step onto range(A^T) + span(q), where q is the null(A) part of the new
	// point: this removes the neutral directions (rotations of q inside
	// null(A)), which form an invariant subspace with exponent
	// lim log||q_t|| / t, so the top exponent is the one across them. When
	// ||q|| falls below 1e-13 (rounding level) q counts as zero and the
	// vectors are projected onto range(A^T) alone.
	Transverse bool

	p       Problem
	elr     float64
	sampler *Sampler
	batch   Batch
	g, w, h []float64
	rangeV  *mat.Dense // d x r basis of range(A^T), for Transverse
	coef    []float64
}

var _ analysis.TangentMap = (*StepMap)(nil)

// NewStepMap returns the step map of p at the given ELR with batches of size
// batch (0: full batch) drawn in the given mode from the same generator as
// a Simulate run with this seed (SimConfig.NewSampler), so it replays that
// run's batch sequence.
func NewStepMap(p Problem, elr float64, batch int, mode Sampling, seed uint64) *StepMap {
	d := p.Dim()
	m := &StepMap{
		p: p, elr: elr,
		sampler: SimConfig{ELR: elr, Batch: batch, Sampling: mode, Seed: seed}.NewSampler(p),
		g:       make([]float64, d), w: make([]float64, d), h: make([]float64, d),
	}
	if l, ok := p.(*LSQ); ok {
		m.rangeV = Range(l.A()).V
		m.coef = make([]float64, m.rangeV.RawMatrix().Cols)
	}
	return m
}

// Dim returns d.
func (m *StepMap) Dim() int { return m.p.Dim() }

// Step advances the unit vector u by one projected SGD step on the next
// batch and maps the tangent vectors by the step's Jacobian at the old u.
func (m *StepMap) Step(u []float64, vs [][]float64) {
	m.sampler.Next(&m.batch)
	b := &m.batch
	m.p.Grad(m.g, u, b)
	var nn float64
	for j := range m.w {
		m.w[j] = u[j] - m.elr*m.g[j]
		nn += m.w[j] * m.w[j]
	}
	inv := 1 / math.Sqrt(nn)
	for j := range m.w {
		m.w[j] *= inv // u'
	}
	for _, v := range vs {
		m.p.HessVec(m.h, u, v, b)
		for j := range v {
			v[j] -= m.elr * m.h[j]
		}
		c := dotf(m.w, v)
		for j := range v {
			v[j] = (v[j] - c*m.w[j]) * inv
		}
	}
	copy(u, m.w)
	if m.Transverse {
		m.transverse(u, vs)
	}
}

// transverse projects each v onto range(A^T) + span(q), q = u - V V^T u.
func (m *StepMap) transverse(u []float64, vs [][]float64) {
	if m.rangeV == nil {
		panic("toy: StepMap.Transverse needs the lsq toy")
	}
	raw := m.rangeV.RawMatrix()
	r := raw.Cols
	// q = u - V V^T u, kept in m.h.
	project := func(dst, x []float64) {
		clear(m.coef)
		for j, xj := range x {
			row := raw.Data[j*raw.Stride : j*raw.Stride+r]
			for k, vk := range row {
				m.coef[k] += vk * xj
			}
		}
		for j := range dst {
			dst[j] = dotf(raw.Data[j*raw.Stride:j*raw.Stride+r], m.coef)
		}
	}
	project(m.h, u)
	for j := range m.h {
		m.h[j] = u[j] - m.h[j]
	}
	// q is the difference of two nearly equal vectors when it is small; below
	// qTiny its direction is rounding noise, and the iterate is on the sphere
	// of range(A^T) (at b = 1 and large ELR, q collapses to machine zero;
	// SCIENCE.md 6.1), so only range(A^T) is kept.
	qn := floats.Norm(m.h, 2)
	keep := qn > qTiny
	if keep {
		floats.Scale(1/qn, m.h)
	}
	for _, v := range vs {
		var qv float64
		if keep {
			qv = dotf(m.h, v)
		}
		project(m.g, v)
		for j := range v {
			v[j] = m.g[j] + qv*m.h[j]
		}
	}
}

// qTiny is the norm of the null(A) part of the iterate below which
// StepMap.Transverse treats it as zero: a thousand times the rounding error
// of the projection of a unit vector.
const qTiny = 1e-13

// CopyMap is the projected SGD step of StepMap applied to two copies with
// the identical batch, as an analysis.CopyMap for the two-copy estimate.
type CopyMap struct {
	sampler *Sampler
	step    *Stepper
	batch   Batch
}

var _ analysis.CopyMap = (*CopyMap)(nil)

// NewCopyMap returns the two-copy step of p with the batches of
// NewStepMap(p, elr, batch, mode, seed).
func NewCopyMap(p Problem, elr float64, batch int, mode Sampling, seed uint64) *CopyMap {
	return &CopyMap{
		sampler: SimConfig{ELR: elr, Batch: batch, Sampling: mode, Seed: seed}.NewSampler(p),
		step:    NewStepper(p, elr),
	}
}

// Dim returns d.
func (m *CopyMap) Dim() int { return len(m.step.Grad()) }

// Step advances the unit vectors x and y by one step on the same batch.
func (m *CopyMap) Step(x, y []float64) {
	m.sampler.Next(&m.batch)
	m.step.Step(x, &m.batch)
	m.step.Step(y, &m.batch)
}
