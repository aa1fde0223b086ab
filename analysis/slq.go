package analysis

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// A Restricted operator acts on a subspace of R^Dim (for example the
// tangent space of a sphere). Stochastic Lanczos quadrature projects its
// probe vectors onto the subspace, so that the spectrum it estimates is the
// operator's on that subspace, of dimension SubDim.
type Restricted interface {
	SymOperator
	// Project sets v to its orthogonal projection on the subspace.
	Project(v []float64)
	// SubDim returns the dimension of the subspace.
	SubDim() int
}

// TangentOperator is the symmetric operator
//
//	v -> P A P v - Shift P v,    P = I - u u^T,  u = X/||X||,
//
// restricted to the tangent space {v : <v, X> = 0} of the sphere of radius
// ||X|| at X. With A the Euclidean Hessian of a loss f and Shift =
// <grad f(X), X>/||X||^2 it is the Riemannian Hessian of f restricted to
// the sphere (P A P - Shift P); for a scale-invariant f, <grad f, X> = 0
// (Euler) and the two coincide, so Shift = 0 gives both (SCIENCE.md
// section 10.1).
type TangentOperator struct {
	// A is the ambient operator.
	A SymOperator
	// Shift is subtracted on the tangent space (0 for an SI loss).
	Shift float64

	u, w []float64
}

var _ Restricted = (*TangentOperator)(nil)

// NewTangentOperator returns P A P - shift P on the tangent space at x.
// It panics if x is zero or its length is not a.Dim().
func NewTangentOperator(a SymOperator, x []float64, shift float64) *TangentOperator {
	if len(x) != a.Dim() {
		panic(fmt.Sprintf("analysis: tangent point of length %d for an operator of dimension %d", len(x), a.Dim()))
	}
	n := floats.Norm(x, 2)
	if n == 0 {
		panic("analysis: tangent space at the zero vector")
	}
	u := make([]float64, len(x))
	floats.ScaleTo(u, 1/n, x)
	return &TangentOperator{A: a, Shift: shift, u: u, w: make([]float64, len(x))}
}

// Dim returns the dimension of the ambient space.
func (t *TangentOperator) Dim() int { return len(t.u) }

// SubDim returns Dim()-1, the dimension of the tangent space.
func (t *TangentOperator) SubDim() int { return len(t.u) - 1 }

// Project sets v to P v.
func (t *TangentOperator) Project(v []float64) {
	floats.AddScaled(v, -floats.Dot(t.u, v), t.u)
}

// Apply sets dst to P A P v - Shift P v.
func (t *TangentOperator) Apply(dst, v []float64) {
	copy(t.w, v)
	t.Project(t.w)
	t.A.Apply(dst, t.w)
	t.Project(dst)
	if t.Shift != 0 {
		floats.AddScaled(dst, -t.Shift, t.w)
	}
}

// ScaledOperator is the operator c A: for example the effective Hessian
// ||x||^2 H of an SI loss (SCIENCE.md section 5).
type ScaledOperator struct {
	A SymOperator
	C float64
}

// Dim returns the dimension of A.
func (s ScaledOperator) Dim() int { return s.A.Dim() }

// Apply sets dst to C A v.
func (s ScaledOperator) Apply(dst, v []float64) {
	s.A.Apply(dst, v)
	floats.Scale(s.C, dst)
}

// Project and SubDim pass through to A when A is Restricted.
func (s ScaledOperator) Project(v []float64) {
	if r, ok := s.A.(Restricted); ok {
		r.Project(v)
	}
}

// SubDim returns the dimension of A's subspace, or Dim when A is not Restricted.
func (s ScaledOperator) SubDim() int {
	if r, ok := s.A.(Restricted); ok {
		return r.SubDim()
	}
	return s.A.Dim()
}

// Quadrature is the Gauss quadrature rule of the spectral measure of a
// symmetric operator A seen from one probe vector v,
//
//	mu_v = sum_i (<q_i, v>^2 / ||v||^2) delta(lambda_i)   (A q_i = lambda_i q_i),
//
// from m Lanczos steps started at v: the nodes are the Ritz values theta_j
// (the eigenvalues of the m x m Lanczos tridiagonal T_m) and the weights
// the squared first components tau_j^2 of T_m's unit eigenvectors. It is
// exact for polynomials of degree below 2m:
// sum_j w_j theta_j^k = v^T A^k v / ||v||^2 for k < 2m (Golub and Meurant,
// Matrices, Moments and Quadrature with Applications, 2010, chapter 6).
type Quadrature struct {
	// Nodes are the Ritz values in increasing order.
	Nodes []float64 `json:"nodes"`
	// Weights are the squared first components; they sum to 1.
	Weights []float64 `json:"weights"`
}

// Moment returns sum_j w_j theta_j^k.
func (q Quadrature) Moment(k int) float64 {
	var s float64
	for j, t := range q.Nodes {
		s += q.Weights[j] * math.Pow(t, float64(k))
	}
	return s
}

// LanczosQuadrature returns the Gauss quadrature rule of a's spectral
// measure from v after at most m Lanczos steps with full
// reorthogonalisation (classical Gram-Schmidt, twice). It stops early, with
// a rule that is exact for every polynomial, when the Krylov space becomes
// invariant (a residual below 1e-10 times the largest |alpha| or beta seen). v is not modified; it must be nonzero. If a is Restricted, v
// should lie in its subspace (SLQ projects its probes).
func LanczosQuadrature(a SymOperator, v []float64, m int) Quadrature {
	d := a.Dim()
	if len(v) != d {
		panic(fmt.Sprintf("analysis: probe of length %d for an operator of dimension %d", len(v), d))
	}
	if m < 1 {
		panic(fmt.Sprintf("analysis: LanczosQuadrature with %d steps", m))
	}
	nv := floats.Norm(v, 2)
	if nv == 0 {
		panic("analysis: LanczosQuadrature with a zero probe")
	}
	// An invariant subspace (to a residual of 1e-10 ||A||, which bounds the
	// error of every Ritz value) ends the process: the rule is then exact.
	alpha, beta, _, _ := lanczos(a, v, min(m, d), 1e-10, nil)
	beta = beta[:len(alpha)-1]
	return tridiagQuadrature(alpha, beta)
}

// tridiagQuadrature returns the Gauss rule of the Jacobi matrix with
// diagonal alpha and off-diagonal beta.
func tridiagQuadrature(alpha, beta []float64) Quadrature {
	k := len(alpha)
	nodes, s := tridiagEigen(alpha, beta)
	out := Quadrature{Nodes: nodes, Weights: make([]float64, k)}
	var sum float64
	for j := range k {
		tau := s.At(0, j)
		out.Weights[j] = tau * tau
		sum += tau * tau
	}
	floats.Scale(1/sum, out.Weights) // 1 up to rounding
	return out
}

// tridiagEigen returns the eigenvalues, ascending, and the eigenvectors
// (the columns of s) of the symmetric tridiagonal matrix with diagonal
// alpha and off-diagonal beta[:len(alpha)-1].
func tridiagEigen(alpha, beta []float64) (vals []float64, s *mat.Dense) {
	m := len(alpha)
	t := mat.NewSymDense(m, nil)
	for i := range m {
		t.SetSym(i, i, alpha[i])
		if i+1 < m {
			t.SetSym(i, i+1, beta[i])
		}
	}
	var es mat.EigenSym
	if !es.Factorize(t, true) {
		panic("analysis: eigendecomposition of the Lanczos matrix failed")
	}
	s = new(mat.Dense)
	es.VectorsTo(s)
	return es.Values(nil), s
}

// SLQConfig configures SLQ. The zero value of a field means its documented
// default.
type SLQConfig struct {
	// Probes is the number of independent probe vectors (default 10).
	Probes int `json:"probes"`
	// Steps is the number of Lanczos steps per probe, that is of products
	// with the operator (default 80, at most the dimension).
	Steps int `json:"steps"`
	// Seed and Stream seed the Rademacher probes: rand.NewPCG(Seed, Stream).
	Seed   uint64 `json:"seed"`
	Stream uint64 `json:"stream"`
}

// Spectrum is a stochastic Lanczos quadrature estimate of the spectral
// density of a symmetric operator: one Gauss rule per probe. The estimated
// normalised density is the mean of the probes' measures; Dim times it
// counts eigenvalues.
type Spectrum struct {
	// Dim is the dimension of the space the spectrum lives on (SubDim for a
	// Restricted operator).
	Dim int `json:"dim"`
	// Probes are the Gauss rules, one per probe vector.
	Probes []Quadrature `json:"probes"`
}

// SLQ estimates the spectral density of a by stochastic Lanczos quadrature
// (Lin, Saad and Yang, "Approximating spectral densities of large matrices",
// SIAM Review 58(1), 2016; Ghorbani, Krishnan and Xiao 2019; Yao et al.,
// PyHessian, 2020): for each of cfg.Probes Rademacher vectors v (projected
// on a's subspace if a is Restricted), the Gauss rule of LanczosQuadrature.
// For a function f, the mean over probes of sum_j w_j f(theta_j) estimates
// tr f(A) / Dim: without bias for polynomials of degree below 2*Steps when
// E[v v^T/||v||^2] = I/Dim, as for Rademacher vectors on the whole space
// (||v||^2 = Dim always). A projected probe P z has a varying norm, so on a
// subspace the estimate is a ratio estimator with a bias of relative order
// 1/Dim. It costs Probes*Steps products with a and keeps Steps vectors of
// length a.Dim(); it is deterministic given the seed.
func SLQ(a SymOperator, cfg SLQConfig) Spectrum {
	if cfg.Probes == 0 {
		cfg.Probes = 10
	}
	if cfg.Steps == 0 {
		cfg.Steps = 80
	}
	if cfg.Probes < 1 || cfg.Steps < 1 {
		panic(fmt.Sprintf("analysis: SLQ with %d probes and %d steps", cfg.Probes, cfg.Steps))
	}
	d := a.Dim()
	sub := d
	r, restricted := a.(Restricted)
	if restricted {
		sub = r.SubDim()
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Stream))
	v := make([]float64, d)
	s := Spectrum{Dim: sub, Probes: make([]Quadrature, cfg.Probes)}
	for p := range s.Probes {
		Rademacher(v, rng)
		if restricted {
			r.Project(v)
		}
		s.Probes[p] = LanczosQuadrature(a, v, min(cfg.Steps, sub))
	}
	return s
}

// Moment returns the mean over probes of sum_j w_j theta_j^k, the SLQ
// estimate of tr(A^k)/Dim.
func (s Spectrum) Moment(k int) float64 {
	var t float64
	for _, q := range s.Probes {
		t += q.Moment(k)
	}
	return t / float64(len(s.Probes))
}

// Range returns the smallest and largest node over all probes: the extreme
// Ritz values, which converge first to the extreme eigenvalues.
func (s Spectrum) Range() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, q := range s.Probes {
		lo = min(lo, q.Nodes[0])
		hi = max(hi, q.Nodes[len(q.Nodes)-1])
	}
	return lo, hi
}

// Scale returns the spectrum of c A: the nodes times c (for example
// ||x||^2 for the effective spectrum of an SI loss). c must be positive.
func (s Spectrum) Scale(c float64) Spectrum {
	if !(c > 0) {
		panic(fmt.Sprintf("analysis: spectrum scaled by %v", c))
	}
	out := Spectrum{Dim: s.Dim, Probes: make([]Quadrature, len(s.Probes))}
	for p, q := range s.Probes {
		n := make([]float64, len(q.Nodes))
		floats.ScaleTo(n, c, q.Nodes)
		out.Probes[p] = Quadrature{Nodes: n, Weights: append([]float64(nil), q.Weights...)}
	}
	return out
}

// Density returns the Gaussian-kernel estimate of the normalised spectral
// density at the points grid,
//
//	rho(t) = (1/P) sum_p sum_j w_pj exp(-(t - theta_pj)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)),
//
// which integrates to 1 (multiply by Dim for a density of eigenvalue
// counts). sigma must be positive.
func (s Spectrum) Density(grid []float64, sigma float64) []float64 {
	if !(sigma > 0) {
		panic(fmt.Sprintf("analysis: kernel width %v", sigma))
	}
	out := make([]float64, len(grid))
	c := 1 / (sigma * math.Sqrt(2*math.Pi) * float64(len(s.Probes)))
	for _, q := range s.Probes {
		for j, t := range q.Nodes {
			w := q.Weights[j] * c
			for i, x := range grid {
				z := (x - t) / sigma
				out[i] += w * math.Exp(-0.5*z*z)
			}
		}
	}
	return out
}

// Grid returns n equally spaced points from lo to hi (n >= 2).
func Grid(lo, hi float64, n int) []float64 {
	if n < 2 || !(hi > lo) {
		panic(fmt.Sprintf("analysis: grid of %d points on [%v, %v]", n, lo, hi))
	}
	g := make([]float64, n)
	for i := range g {
		g[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return g
}

// WriteDensityCSV writes the header "lambda,density" and one row per grid
// point of s.Density(grid, sigma).
func (s Spectrum) WriteDensityCSV(w io.Writer, grid []float64, sigma float64) error {
	rho := s.Density(grid, sigma)
	cw := csv.NewWriter(w)
	cw.Write([]string{"lambda", "density"})
	for i, x := range grid {
		cw.Write([]string{fmtF(x), fmtF(rho[i])})
	}
	cw.Flush()
	return cw.Error()
}

// WriteNodesCSV writes the header "probe,node,weight" and one row per
// quadrature node of every probe.
func (s Spectrum) WriteNodesCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"probe", "node", "weight"})
	for p, q := range s.Probes {
		for j, t := range q.Nodes {
			cw.Write([]string{strconv.Itoa(p), fmtF(t), fmtF(q.Weights[j])})
		}
	}
	cw.Flush()
	return cw.Error()
}

func fmtF(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// Histogram returns the SLQ estimate of the eigenvalue counts per unit in
// the bins [edges[i], edges[i+1]) (the last bin closed): Dim times the
// probe-averaged quadrature weight of the nodes in the bin, divided by its
// width. Unlike Density it puts no mass outside the nodes' range (a
// positive semi-definite operator gets none below 0), at the price of the
// bins' resolution. edges must increase and have at least 2 values.
func (s Spectrum) Histogram(edges []float64) []float64 {
	if len(edges) < 2 {
		panic(fmt.Sprintf("analysis: histogram with %d edges", len(edges)))
	}
	for i := 1; i < len(edges); i++ {
		if !(edges[i] > edges[i-1]) {
			panic(fmt.Sprintf("analysis: histogram edges not increasing at %d: %v, %v", i, edges[i-1], edges[i]))
		}
	}
	out := make([]float64, len(edges)-1)
	last := len(edges) - 1
	for _, q := range s.Probes {
		for j, t := range q.Nodes {
			if t < edges[0] || t > edges[last] {
				continue
			}
			k := sort.SearchFloat64s(edges, t) // first edge >= t
			if k == len(edges) || edges[k] > t {
				k--
			}
			k = min(k, last-1)
			out[k] += q.Weights[j]
		}
	}
	c := float64(s.Dim) / float64(len(s.Probes))
	for i := range out {
		out[i] *= c / (edges[i+1] - edges[i])
	}
	return out
}

// WriteHistogramCSV writes the header "lo,hi,count_per_unit" and one row
// per bin of s.Histogram(edges).
func (s Spectrum) WriteHistogramCSV(w io.Writer, edges []float64) error {
	h := s.Histogram(edges)
	cw := csv.NewWriter(w)
	cw.Write([]string{"lo", "hi", "count_per_unit"})
	for i, v := range h {
		cw.Write([]string{fmtF(edges[i]), fmtF(edges[i+1]), fmtF(v)})
	}
	cw.Flush()
	return cw.Error()
}
