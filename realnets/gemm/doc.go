// Package gemm implements single-precision general matrix multiplication for
// the network trainer: C = alpha*op(A)*op(B) + beta*C, row-major, single
// threaded (the trainer parallelises over images, not inside a multiply).
//
// The algorithm is the layered, packed multiply of K. Goto and R. A. van de
// Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS 34(3),
// 2008, in the loop order of BLIS (F. G. Van Zee and R. A. van de Geijn, ACM
// TOMS 41(3), 2015): op(B) is cut into kc×nc blocks of row panels of width
// nr that stay in the L3 and L1 caches, op(A) into mc×kc blocks of column
// panels of height mr that stay in L2, and a register-blocked mr×nr
// micro-kernel multiplies one panel of each. The micro-kernel addresses A
// through strides and B through a row stride, so, as in the "sup" path of
// BLIS for small and skinny products, panels are packed only where that
// pays: A for very wide products, B when it is transposed (by AVX 8×8
// transposes) or when reading it in place would thrash the cache, and the
// zero-padded partial panels at the edges. Products narrower than a panel
// are computed transposed. The kernel writes partial rows itself; partial
// columns go through a scratch tile. Packing buffers are kept between
// calls, so a steady stream of calls does not allocate.
//
// On amd64 processors with AVX2 and FMA the micro-kernel is written in
// assembly (kernel_amd64.s); where AVX-512 is present too, pairs of full
// tiles go through a kernel with 16-wide FMAs that performs the same
// operations in the same order, so its results are bitwise the same.
// Elsewhere, or with the purego build tag, a portable Go kernel with the
// same contract is used.
//
// Package gemm owns the multiply, its packing and its kernels; it imports
// only the standard library and realnets/internal/cpu (the CPU features
// the kernels need).
package gemm
