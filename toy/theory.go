package toy

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// This file holds the exact linear theory of the lsq toy at its minima
// (SCIENCE.md section 6.1): the gradient-descent threshold, the
// mean-square SGD threshold for any batch size, and the ELR -> infinity limit
// map. The functions work on plain data: the n x d matrix A whose rows are the
// sample vectors a_i.

// GDThreshold returns the full-batch (gradient descent) stability threshold
// 2/lambda_max(H) of the lsq toy with data rows a_i, where
// H = (1/n) sum_i a_i a_i^T (SCIENCE.md section 6.1). lambda_max is
// computed from the smaller of the two Gram matrices A A^T/n (n x n) and
// A^T A/n (d x d), which share their nonzero eigenvalues. GDThreshold returns
// +Inf when A is zero.
func GDThreshold(a *mat.Dense) float64 {
	l := LambdaMax(a)
	if l == 0 {
		return math.Inf(1)
	}
	return 2 / l
}

// LambdaMax returns the largest eigenvalue of H = (1/n) sum_i a_i a_i^T for the
// data rows a_i of a, from the smaller Gram matrix of a.
func LambdaMax(a *mat.Dense) float64 {
	n, d := a.Dims()
	if n == 0 || d == 0 {
		panic("toy: empty data matrix")
	}
	var g mat.SymDense
	if n <= d {
		g.SymOuterK(1/float64(n), a)
	} else {
		g.SymOuterK(1/float64(n), a.T())
	}
	var eig mat.EigenSym
	if !eig.Factorize(&g, false) {
		panic("toy: eigendecomposition of the Gram matrix failed")
	}
	v := eig.Values(nil) // ascending
	return math.Max(v[len(v)-1], 0)
}

// LambdaStar returns lambda* = max_i ||a_i||^2, the largest squared norm of a
// data row.
func LambdaStar(a *mat.Dense) float64 {
	n, _ := a.Dims()
	var m float64
	for i := 0; i < n; i++ {
		m = math.Max(m, floats.Dot(a.RawRowView(i), a.RawRowView(i)))
	}
	return m
}

// RandomLevel returns tr(H)/(2d), the average of the lsq loss over the
// uniform distribution on the unit sphere (SCIENCE.md section 6.1).
func RandomLevel(a *mat.Dense) float64 {
	n, d := a.Dims()
	var s float64
	for i := 0; i < n; i++ {
		s += floats.Dot(a.RawRowView(i), a.RawRowView(i))
	}
	return s / float64(n) / float64(2*d)
}

// RangeBasis is an orthonormal basis of range(A^T), the subspace on which the
// linearised lsq dynamics at a minimum act (the null space of A is neutral).
type RangeBasis struct {
	// V is d x r with orthonormal columns: the right singular vectors of A
	// whose singular values exceed Tol. In this basis H is diagonal.
	V *mat.Dense
	// Sing holds the r singular values of A above Tol, in decreasing order.
	Sing []float64
	// Coord is n x r; its row i holds the coordinates V^T a_i of sample i.
	Coord *mat.Dense
	// Tol is the rank tolerance max(n, d) * eps * s_max, the convention of
	// LAPACK and numpy.linalg.matrix_rank.
	Tol float64
}

// Rank returns r, the dimension of range(A^T).
func (rb RangeBasis) Rank() int { return len(rb.Sing) }

// HEigen returns the eigenvalues s_k^2/n of H restricted to range(A^T), in
// decreasing order; they are the diagonal of H in the basis V.
func (rb RangeBasis) HEigen() []float64 {
	n, _ := rb.Coord.Dims()
	h := make([]float64, len(rb.Sing))
	for k, s := range rb.Sing {
		h[k] = s * s / float64(n)
	}
	return h
}

// Range returns an orthonormal basis of range(A^T) computed from the thin
// singular value decomposition A = U S V^T. Singular values at or below
// max(n, d) * eps * s_max count as zero.
func Range(a *mat.Dense) RangeBasis {
	n, d := a.Dims()
	if n == 0 || d == 0 {
		panic("toy: empty data matrix")
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDThin) {
		panic("toy: singular value decomposition failed")
	}
	s := svd.Values(nil)
	tol := float64(max(n, d)) * 0x1p-52 * s[0]
	r := 0
	for r < len(s) && s[r] > tol {
		r++
	}
	var vfull mat.Dense
	svd.VTo(&vfull)
	v := mat.DenseCopyOf(vfull.Slice(0, d, 0, r))
	var coord mat.Dense
	if r > 0 {
		coord.Mul(a, v)
	} else {
		coord = *mat.NewDense(n, 1, nil) // placeholder; r = 0 has no coordinates
	}
	return RangeBasis{V: v, Sing: s[:r:r], Coord: &coord, Tol: tol}
}

// noiseFactor returns the factor c of the mini-batch noise term of the
// second-moment map: 1/b with replacement, (n-b)/(b(n-1)) for one batch of b
// distinct samples, and 0 for the full batch (b = 0, or b >= n without
// replacement).
func noiseFactor(n, b int, replace bool) float64 {
	switch {
	case b < 0:
		panic(fmt.Sprintf("toy: negative batch size %d", b))
	case b == 0:
		return 0
	case replace:
		return 1 / float64(b)
	case b >= n:
		return 0
	default:
		return float64(n-b) / (float64(b) * float64(n-1))
	}
}

// MSBounds returns the interval that holds the mean-square threshold
// (SCIENCE.md section 6.1): the lower end 2/[lambda_max + c (lambda* -
// lambda_max)] from the trace argument, and the upper end 2/lambda_max (the
// GD threshold), where c is the noise factor (1/b with replacement,
// (n-b)/(b(n-1)) without, 0 for the full batch).
func MSBounds(a *mat.Dense, batch int, sampling Sampling) [2]float64 {
	replace := sampling != Shuffle
	n, _ := a.Dims()
	c := noiseFactor(n, batch, replace)
	lmax := LambdaMax(a)
	return [2]float64{2 / (lmax + c*(LambdaStar(a)-lmax)), 2 / lmax}
}

// MSOperator is the second-moment map of the linearised lsq SGD at a minimum
// (SCIENCE.md section 6.1), acting on symmetric r x r matrices in the
// coordinates of a RangeBasis:
//
//	T(Sigma) = (I - e H) Sigma (I - e H) + c e^2 (E_i[H_i Sigma H_i] - H Sigma H),
//
// with H_i = b_i b_i^T, b_i = V^T a_i, and c the noise factor of the
// sampling scheme. It is applied matrix-free in O(n r^2) operations using
// H_i Sigma H_i = (b_i^T Sigma b_i) b_i b_i^T and the diagonal form of H.
// The zero value is not usable; build one with NewMSOperator.
type MSOperator struct {
	b    *mat.Dense // n x r coordinates
	h    []float64  // diagonal of H
	c    float64    // noise factor
	n, r int

	// workspace
	p, q mat.Dense
	e    mat.Dense
}

// NewMSOperator returns the second-moment operator of the lsq toy with data
// rows a_i for mini-batches of size batch (0 means the full batch), drawn
// i.i.d. with replacement for sampling IID (or Full) and as one batch of distinct
// samples otherwise. It also returns the basis it works in.
func NewMSOperator(a *mat.Dense, batch int, sampling Sampling) (*MSOperator, RangeBasis) {
	replace := sampling != Shuffle
	rb := Range(a)
	n, _ := a.Dims()
	r := rb.Rank()
	if r == 0 {
		panic("toy: zero data matrix has no dynamics")
	}
	op := &MSOperator{b: rb.Coord, h: rb.HEigen(), c: noiseFactor(n, batch, replace), n: n, r: r}
	op.p.ReuseAs(n, r)
	op.q.ReuseAs(n, r)
	op.e.ReuseAs(r, r)
	return op, rb
}

// noise stores (1/n) sum_i (b_i^T S b_i) b_i b_i^T = E_i[H_i S H_i] in op.e.
func (op *MSOperator) noise(s *mat.Dense) {
	op.p.Mul(op.b, s)
	for i := 0; i < op.n; i++ {
		bi := op.b.RawRowView(i)
		qi := floats.Dot(op.p.RawRowView(i), bi) / float64(op.n)
		floats.ScaleTo(op.q.RawRowView(i), qi, bi)
	}
	op.e.Mul(op.b.T(), &op.q)
}

// Apply stores T_elr(sigma) in dst. dst and sigma are r x r symmetric and
// must not alias.
func (op *MSOperator) Apply(dst, sigma *mat.Dense, elr float64) {
	op.check(dst, sigma)
	op.noise(sigma)
	e2c := op.c * elr * elr
	for j := 0; j < op.r; j++ {
		hj := op.h[j]
		srow, drow, erow := sigma.RawRowView(j), dst.RawRowView(j), op.e.RawRowView(j)
		for k, hk := range op.h {
			drow[k] = ((1-elr*hj)*(1-elr*hk)-e2c*hj*hk)*srow[k] + e2c*erow[k]
		}
	}
}

// applyPencil stores D o M(D o x) in dst, where M(S) = (1-c) H S H +
// c E_i[H_i S H_i] and D_jk = 1/sqrt(h_j + h_k). Its top eigenvalue mu gives
// the mean-square threshold 1/mu (see MSThreshold).
func (op *MSOperator) applyPencil(dst, x *mat.Dense) {
	op.check(dst, x)
	// dst temporarily holds D o x.
	for j := 0; j < op.r; j++ {
		xrow, drow := x.RawRowView(j), dst.RawRowView(j)
		for k, hk := range op.h {
			drow[k] = xrow[k] / math.Sqrt(op.h[j]+hk)
		}
	}
	op.noise(dst)
	for j := 0; j < op.r; j++ {
		hj := op.h[j]
		drow, erow := dst.RawRowView(j), op.e.RawRowView(j)
		for k, hk := range op.h {
			m := (1-op.c)*hj*hk*drow[k] + op.c*erow[k]
			drow[k] = m / math.Sqrt(hj+hk)
		}
	}
}

func (op *MSOperator) check(dst, x *mat.Dense) {
	if r, c := dst.Dims(); r != op.r || c != op.r {
		panic("toy: MSOperator destination has the wrong size")
	}
	if r, c := x.Dims(); r != op.r || c != op.r {
		panic("toy: MSOperator argument has the wrong size")
	}
}

// SpectralRadius returns the spectral radius of T_elr. The map is self-adjoint
// for the Frobenius inner product and preserves the cone of positive
// semidefinite matrices, so its spectral radius is its largest eigenvalue
// (Perron-Frobenius for cone-preserving maps), which is found by Lanczos
// iteration started from the identity.
func (op *MSOperator) SpectralRadius(elr float64) (float64, error) {
	return op.topEigen(func(dst, x *mat.Dense) { op.Apply(dst, x, elr) })
}

// Threshold returns the mean-square threshold of the operator: see MSThreshold.
func (op *MSOperator) Threshold() (float64, error) {
	mu, err := op.topEigen(op.applyPencil)
	if err != nil {
		return 0, err
	}
	return 1 / mu, nil
}

// MSThreshold returns the mean-square regime 1|2 threshold of the lsq toy
// with data rows a_i (SCIENCE.md section 6.1): the smallest ELR e > 0
// at which the spectral radius of the second-moment map T_e comes back to 1.
// batch is the mini-batch size (0 means the full batch); sampling IID (or Full) selects
// i.i.d. batches with replacement, Shuffle one batch of distinct samples
// (noise factor (n-b)/(b(n-1)); b >= n is then the full batch).
//
// Rather than bisecting on rho(T_e) = 1, MSThreshold solves the equivalent
// eigenproblem exactly. Write T_e(S) - S = -e L(S) + e^2 M(S) with
// L(S) = H S + S H and M(S) = (1-c) H S H + c E_i[H_i S H_i]. Then
// rho(T_e) = 1 with its positive semidefinite (Perron) eigenvector S exactly
// when M(S) = L(S)/e, and since rho(T_e) < 1 for small e > 0, the first
// crossing is e* = 1/mu_max, where mu_max is the top eigenvalue of the
// symmetric pencil (M, L). In the eigenbasis of H, L is the Hadamard product
// with (h_j + h_k), so mu_max is the top eigenvalue of the symmetric map
// S -> D o M(D o S), D_jk = (h_j + h_k)^(-1/2), found by Lanczos iteration
// (Golub and Van Loan, Matrix Computations, 4th ed., section 10.1) with full
// reorthogonalisation. Each application costs O(n r^2); the r^2 x r^2
// matrix is never formed. The tests check rho(T_e*) = 1 and the bounds of
// MSBounds.
//
// MSThreshold returns an error if A is zero or the iteration fails to
// converge.
func MSThreshold(a *mat.Dense, batch int, sampling Sampling) (float64, error) {
	if floats.Norm(a.RawMatrix().Data, 2) == 0 {
		return 0, errors.New("toy: mean-square threshold of zero data is undefined")
	}
	op, _ := NewMSOperator(a, batch, sampling)
	return op.Threshold()
}

// Lanczos settings: the largest Krylov dimension and the relative residual
// at which the top Ritz value is accepted.
const (
	lanczosMaxDim = 300
	lanczosTol    = 1e-12
)

// topEigen returns the largest eigenvalue of the symmetric linear map apply
// on symmetric r x r matrices (Frobenius inner product), by Lanczos iteration
// with full reorthogonalisation started from the identity. The Ritz value is
// accepted when the residual bound |beta_k s_k| of its Ritz pair falls below
// lanczosTol times its magnitude, or exactly when the Krylov space becomes
// invariant.
func (op *MSOperator) topEigen(apply func(dst, x *mat.Dense)) (float64, error) {
	r := op.r
	dim := r * (r + 1) / 2 // dimension of the space of symmetric matrices
	kmax := min(dim, lanczosMaxDim)
	basis := make([]*mat.Dense, 0, kmax)
	alpha := make([]float64, 0, kmax)
	beta := make([]float64, 0, kmax)

	q := mat.NewDense(r, r, nil)
	for j := 0; j < r; j++ {
		q.Set(j, j, 1/math.Sqrt(float64(r)))
	}
	w := mat.NewDense(r, r, nil)
	var tri mat.SymDense
	var eig mat.EigenSym
	var vec mat.Dense
	theta := math.NaN()
	for k := 0; k < kmax; k++ {
		basis = append(basis, q)
		apply(w, q)
		wd := w.RawMatrix().Data
		a := floats.Dot(wd, q.RawMatrix().Data)
		alpha = append(alpha, a)
		// Full reorthogonalisation, twice (Kahan's "twice is enough").
		for pass := 0; pass < 2; pass++ {
			for _, v := range basis {
				vd := v.RawMatrix().Data
				floats.AddScaled(wd, -floats.Dot(wd, vd), vd)
			}
		}
		bk := floats.Norm(wd, 2)
		// Ritz values of the tridiagonal matrix, checked at every step
		// early and every fifth step later to bound the O(m^3) cost.
		m := k + 1
		if m > 20 && m%5 != 0 && bk > 1e-14*math.Abs(theta) && m < dim && m < kmax {
			beta = append(beta, bk)
			q = mat.NewDense(r, r, nil)
			q.Scale(1/bk, w)
			continue
		}
		tri.Reset()
		tri.ReuseAsSym(m)
		for i := 0; i < m; i++ {
			tri.SetSym(i, i, alpha[i])
			if i > 0 {
				tri.SetSym(i-1, i, beta[i-1])
			}
		}
		if !eig.Factorize(&tri, true) {
			return 0, errors.New("toy: Lanczos tridiagonal eigenproblem failed")
		}
		vals := eig.Values(nil)
		theta = vals[m-1]
		vec.Reset()
		eig.VectorsTo(&vec)
		res := math.Abs(bk * vec.At(m-1, m-1))
		scale := math.Max(math.Abs(theta), math.Abs(vals[0]))
		if res <= lanczosTol*scale || bk <= 1e-14*scale || m == dim {
			return theta, nil
		}
		beta = append(beta, bk)
		q = mat.NewDense(r, r, nil)
		q.Scale(1/bk, w)
	}
	return 0, fmt.Errorf("toy: Lanczos iteration did not converge in %d steps (last Ritz value %g)", kmax, theta)
}

// LimitStep stores in dst the ELR -> infinity limit of one projected SGD step
// from u with tangent gradient g (SCIENCE.md section 6.1, regime 3):
// u' = -g/||g||. It panics if g is zero or the lengths differ.
func LimitStep(dst, u, g []float64) {
	if len(dst) != len(u) || len(g) != len(u) {
		panic("toy: LimitStep slice lengths do not match")
	}
	ng := floats.Norm(g, 2)
	if ng == 0 {
		panic("toy: LimitStep with zero gradient")
	}
	floats.ScaleTo(dst, -1/ng, g)
}

// LimitLoss returns the lsq mini-batch loss after one step in the
// ELR -> infinity limit, f_B(-g/||g||) = g^T H_B g / (2 ||g||^2), where
// H_B = (1/b) sum_{i in B} a_i a_i^T over the rows idx of a (repetitions
// count) and g is the mini-batch gradient (SCIENCE.md section 6.1).
// For b = 1 it equals (lambda_i - c_i^2)/2 with c_i = <a_i, u>.
func LimitLoss(a *mat.Dense, idx []int, g []float64) float64 {
	if len(idx) == 0 {
		panic("toy: LimitLoss with an empty batch")
	}
	var s float64
	for _, i := range idx {
		c := floats.Dot(a.RawRowView(i), g)
		s += c * c
	}
	s /= float64(len(idx))
	return s / (2 * floats.Dot(g, g))
}
