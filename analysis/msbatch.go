package analysis

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// MSThresholdBatches returns the mean-square stability threshold of the
// linearised SGD step delta' = (I - e H_B) delta at a minimum, with the
// batch matrix H_B drawn uniformly from hs (k x k symmetric matrices, for
// example the batch Hessians of a network compressed to the top-k
// eigenvectors of their mean; SCIENCE.md sections 6.1 and 10.4): the
// smallest e > 0 at which the spectral radius of
//
//	T_e(S) = E_B[(I - e H_B) S (I - e H_B)]
//
// returns to 1. As for the lsq toy (toy.MSThreshold), T_e(S) - S =
// -e L(S) + e^2 M(S) with L(S) = Hbar S + S Hbar and M(S) = E_B[H_B S H_B],
// so the threshold is 1/mu_max of the symmetric pencil (M, L), which needs
// the mean Hbar to be positive definite (at a minimum restricted to its
// curved directions). The pencil is formed densely on the k(k+1)/2
// dimensional space of symmetric matrices, in the eigenbasis of Hbar where
// L is diagonal, so k should stay below about 40. It also returns the GD
// threshold 2/lambda_max(Hbar), which is never below it.
func MSThresholdBatches(hs []*mat.SymDense) (ms, gd float64, err error) {
	if len(hs) == 0 {
		return 0, 0, errors.New("analysis: no batch matrices")
	}
	k := hs[0].SymmetricDim()
	mean := mat.NewSymDense(k, nil)
	for _, h := range hs {
		if h.SymmetricDim() != k {
			return 0, 0, fmt.Errorf("analysis: batch matrices of orders %d and %d", k, h.SymmetricDim())
		}
		mean.AddSym(mean, h)
	}
	mean.ScaleSym(1/float64(len(hs)), mean)
	var es mat.EigenSym
	if !es.Factorize(mean, true) {
		return 0, 0, errors.New("analysis: eigendecomposition of the mean batch matrix failed")
	}
	h := es.Values(nil)
	if !(h[0] > 0) {
		return 0, 0, fmt.Errorf("analysis: the mean batch matrix is not positive definite (smallest eigenvalue %.4g): restrict to its positive directions", h[0])
	}
	var v mat.Dense
	es.VectorsTo(&v)
	// Batch matrices in the eigenbasis of the mean.
	rot := make([]*mat.Dense, len(hs))
	for b, hb := range hs {
		var t, r mat.Dense
		t.Mul(hb, &v)
		r.Mul(v.T(), &t)
		rot[b] = &r
	}
	// Orthonormal basis of Sym(k): E_jj and (E_jk + E_kj)/sqrt2, j < k.
	type pair struct{ j, k int }
	var basis []pair
	for j := range k {
		for l := j; l < k; l++ {
			basis = append(basis, pair{j, l})
		}
	}
	n := len(basis)
	elem := func(dst *mat.Dense, p pair) {
		dst.Zero()
		if p.j == p.k {
			dst.Set(p.j, p.j, 1)
			return
		}
		dst.Set(p.j, p.k, 1/math.Sqrt2)
		dst.Set(p.k, p.j, 1/math.Sqrt2)
	}
	coord := func(s *mat.Dense, p pair) float64 {
		if p.j == p.k {
			return s.At(p.j, p.j)
		}
		return (s.At(p.j, p.k) + s.At(p.k, p.j)) / math.Sqrt2
	}
	pencil := mat.NewSymDense(n, nil)
	e := mat.NewDense(k, k, nil)
	var t, u, acc mat.Dense
	acc.ReuseAs(k, k)
	for c, pc := range basis {
		elem(e, pc)
		acc.Zero()
		for _, hb := range rot {
			t.Mul(hb, e)
			u.Mul(&t, hb)
			acc.Add(&acc, &u)
		}
		acc.Scale(1/float64(len(rot)), &acc)
		dc := math.Sqrt(h[pc.j] + h[pc.k])
		for r := 0; r <= c; r++ {
			pr := basis[r]
			dr := math.Sqrt(h[pr.j] + h[pr.k])
			pencil.SetSym(r, c, coord(&acc, pr)/(dr*dc))
		}
	}
	var pe mat.EigenSym
	if !pe.Factorize(pencil, false) {
		return 0, 0, errors.New("analysis: eigendecomposition of the mean-square pencil failed")
	}
	pv := pe.Values(nil)
	return 1 / pv[len(pv)-1], 2 / h[k-1], nil
}
