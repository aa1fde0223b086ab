// Package gemm implements single-precision general matrix multiplication for
// the network trainer: C = alpha*op(A)*op(B) + beta*C, row-major, single
// threaded (the trainer parallelises over images, not inside a multiply).
package gemm

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(A) is m×k (A is k×m when transA), op(B) is k×n (B is n×k when transB) and
// C is m×n. lda, ldb and ldc are the row strides. When beta is zero, C need not
// be initialised.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	reference(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// reference is the naive triple loop, kept as the definition that faster
// paths are tested against.
func reference(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}
