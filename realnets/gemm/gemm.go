package gemm

import (
	"fmt"
	"sync"
)

// Register and cache blocking. mr×nr = 6×16 fills twelve of the sixteen YMM
// registers with accumulators, as in BLIS's Haswell and Zen sgemm kernels.
// The cache block sizes are BLIS's for Zen (config/zen3/bli_cntx_init_zen3.c,
// sgemm: MC=144, KC=256, NC=4080) and suit AMD Zen 3's 32 KiB L1d, 512 KiB L2
// and 32 MiB L3: a kc×nr panel of B is 16 KiB, an mc×kc block of A 144 KiB and
// a kc×nc block of B about 4 MiB. The driver shrinks the blocks to balance the
// last one (see blockSize).
const (
	mr = 6
	nr = 16

	mcMax = 144
	kcMax = 256
	ncMax = 4080
)

// useAsm selects the assembly micro-kernel. Tests set it to false to exercise
// the portable path on machines that have the assembly kernel.
var useAsm = haveAsm

// useAVX512 selects, with useAsm, the AVX-512 kernel for pairs of full
// panels of B. Its results are bitwise those of the AVX2 kernel.
var useAVX512 = haveAVX512

// workspace holds the packing buffers and the scratch tile for edges.
type workspace struct {
	a, b, edgeA, edgeB, t []float32
	tile                  [mr * nr]float32
}

// free is a stack of idle workspaces, so that steady-state calls do not
// allocate. Unlike a sync.Pool it is not emptied by garbage collection,
// which would make every call after a collection allocate its buffers
// again; it keeps at most maxFree workspaces (enough for one per goroutine
// of a trainer on a workstation), dropping the rest.
var free struct {
	sync.Mutex
	list []*workspace
}

const maxFree = 64

// getWorkspace returns an idle workspace or a new one.
func getWorkspace() *workspace {
	free.Lock()
	defer free.Unlock()
	if n := len(free.list); n > 0 {
		w := free.list[n-1]
		free.list = free.list[:n-1]
		return w
	}
	return new(workspace)
}

// putWorkspace returns w to the free list.
func putWorkspace(w *workspace) {
	free.Lock()
	defer free.Unlock()
	if len(free.list) < maxFree {
		free.list = append(free.list, w)
	}
}

// grow returns s resliced to length n, reallocating only when the capacity
// is too small.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// Transpose says whether Sgemm uses an operand as stored or transposed, as
// gonum's blas.Transpose does.
type Transpose byte

// The transpose operations.
const (
	NoTrans Transpose = 'N' // op(X) = X
	Trans   Transpose = 'T' // op(X) = X^T
)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(A) is m×k (A is k×m when tA is Trans), op(B) is k×n (B is n×k when tB is
// Trans) and C is m×n. lda, ldb and ldc are the row strides. When beta is
// zero, C need not be initialised: it is not read, so NaN or Inf there do not
// propagate.
//
// Sgemm panics with a "gemm: " message when a transpose is neither NoTrans
// nor Trans, a dimension is negative, a stride is smaller than the row length
// it strides over, or a slice is too short.
func Sgemm(tA, tB Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if (tA != NoTrans && tA != Trans) || (tB != NoTrans && tB != Trans) {
		panic(fmt.Sprintf("gemm: bad transpose %q, %q (want NoTrans or Trans)", byte(tA), byte(tB)))
	}
	sgemm(tA == Trans, tB == Trans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemm is Sgemm with the transposes as booleans.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if alpha == 0 || k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}

	if n < nr && m > n {
		swapped(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if transB && !transA && m < n && m <= swapNTMaxM && (beta == 0 || beta == 1) {
		swappedNT(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	blocked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// swapNTMaxM is the largest number of rows of C for which swappedNT
// computes a product with a transposed B.
const swapNTMaxM = 16

// swappedNT computes C = alpha*A*Bᵀ + beta*C, for beta 0 or 1 and C with
// fewer rows than columns, as its transpose T = B*Aᵀ: the operand packed
// (transposed) is then the short A instead of the long B, which for the
// weight gradient of a convolution, dW = dOut*colᵀ with a long K, costs
// more than the multiply. T starts as Cᵀ, so every entry is the same sum as
// in C = alpha*A*Bᵀ + beta*C: beta*C (exact for beta 0 or 1) and then the
// kc-blocks of the product in order, each a sequential chain of FMAs; the
// results are bitwise those of the direct product (TestSwappedNT).
func swappedNT(m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	w := getWorkspace()
	w.t = grow(w.t, n*m)
	t := w.t
	if beta != 0 {
		for i := 0; i < m; i++ {
			for j, v := range c[i*ldc : i*ldc+n] {
				t[j*m+i] = v
			}
		}
	}
	blocked(false, true, n, m, k, alpha, b, ldb, a, lda, beta, t, m)
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		for j := range ci {
			ci[j] = t[j*m+i]
		}
	}
	putWorkspace(w)
}

// blocked is sgemm's blocked algorithm (BLIS's five loops around the
// micro-kernel) for a product with m, n and k positive and alpha not zero.
func blocked(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	kernel := goKernel
	var kernel2 kernel2Func
	if useAsm {
		kernel = asmKernel
		if useAVX512 {
			kernel2 = asmKernel2
		}
	}

	w := getWorkspace()
	mc := blockSize(m, mcMax, mr)
	kc := blockSize(k, kcMax, 1)
	nc := blockSize(n, ncMax, nr)

	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			blkB := w.blockB(transB, m, kb, nb, b, ldb, pc, jc)
			// Later slices of k accumulate onto the first.
			bt := beta
			if pc > 0 {
				bt = 1
			}
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				blk := w.blockA(transA, mb, kb, nb, a, lda, ic, pc)
				macroKernel(kernel, kernel2, mb, nb, kb, alpha, blk, blkB, bt, c[ic*ldc+jc:], ldc, &w.tile)
			}
		}
	}
	putWorkspace(w)
}

// swapped computes C = alpha*op(A)*op(B) + beta*C for a product narrower
// than one panel of B (n < nr) by computing the transpose
// T = op(B)ᵀ*op(A)ᵀ (n×m, so that the longer side m runs along the 16-wide
// panels instead of padding n to 16) and merging Tᵀ into C. This serves the
// weight gradient of a first convolution, dW = dOut*colᵀ with N = Cin*9 = 9.
func swapped(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	w := getWorkspace()
	w.t = grow(w.t, n*m)
	t := w.t
	// op(B)ᵀ is B itself when transB, and stored transposed otherwise;
	// likewise op(A)ᵀ.
	sgemm(!transB, !transA, n, m, k, alpha, b, ldb, a, lda, 0, t, m)
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		for j := range ci {
			if beta == 0 {
				ci[j] = t[j*m+i]
			} else {
				ci[j] = t[j*m+i] + beta*ci[j]
			}
		}
	}
	putWorkspace(w)
}

// packAMinN is the smallest width of a block of B for which a block of A is
// packed; narrower products read A in place, like the "sup" (small/skinny
// unpacked) path of BLIS (gemmsup, with the bli_sgemmsup_rv_zen_asm_6x16m
// kernels of config/zen3/bli_cntx_init_zen3.c), which is possible because
// the micro-kernel addresses A through strides. Packing costs about one pass over the block and pays back only
// through the locality of the packed panels when each is reused for many
// panels of B (nb/nr times). On the ConvNetSI shapes and square sizes up
// to 512 (bench_test.go, AMD Zen 3, measured per CPU second on a shared
// machine) reading A in place was as fast or faster (for example N = 64:
// about 75-105 against 60-80 GFLOP/s), so packing is kept only for very wide
// products, where it protects against cache and TLB conflicts from large
// strides.
var packAMinN = 2048

// aBlock describes an mb×kb block of op(A) for macroKernel: element (i, p)
// of the panel that starts at row ir is at a[ir*step + (i-ir)*rs + p*cs],
// except that rows from edgeAt on (a partial panel) are in the packed panel
// edge (strides 1 and mr) when edge is not nil.
type aBlock struct {
	a            []float32
	step, rs, cs int
	edge         []float32
	edgeAt       int
}

// blockA prepares the mb×kb block of op(A) at row i0, column p0 for a block
// of B nb wide: packed into w.a when nb is at least packAMinN, otherwise in
// place, with only a partial last panel packed (so that the kernel never
// reads past the rows of A).
func (w *workspace) blockA(trans bool, mb, kb, nb int, a []float32, lda, i0, p0 int) aBlock {
	if nb >= packAMinN {
		w.a = grow(w.a, roundUp(mb, mr)*kb)
		packA(trans, mb, kb, a, lda, i0, p0, w.a)
		return aBlock{a: w.a, step: kb, rs: 1, cs: mr}
	}
	var blk aBlock
	if trans {
		// op(A)[i][p] = a[p*lda+i].
		blk = aBlock{a: a[p0*lda+i0:], step: 1, rs: 1, cs: lda}
	} else {
		blk = aBlock{a: a[i0*lda+p0:], step: lda, rs: lda, cs: 1}
	}
	if full := mb / mr * mr; full < mb {
		w.edgeA = grow(w.edgeA, mr*kb)
		packA(trans, mb-full, kb, a, lda, i0+full, p0, w.edgeA)
		blk.edge, blk.edgeAt = w.edgeA, full
	}
	return blk
}

// packBMinM is the smallest number of rows of C for which a block of B is
// always packed. Below it, when B is not transposed, the kernel reads the
// rows of B in place and only a partial last panel is packed, like the
// "sup" path of BLIS: each packed panel of B is reused by only m/mr panels
// of A, and with K = 9 (the first convolution of ConvNetSI) packing B costs
// as much as the multiply. B is still packed when its rows would alias in
// L2, or in L1 when more than mInPlaceL1 rows of A reuse each panel, since a
// panel that does not stay in cache is fetched again for each panel of A.
// On the ConvNetSI shapes and square sizes up to 512 (bench_test.go, AMD Zen
// 3, per CPU second on a shared machine) this choice was as fast as the
// better of packing and not packing, within noise: in place up to 1.5x
// faster for K <= 32, M <= 32; packed 1.3-1.6x faster for N = 1024 (4 KiB
// stride) with K >= 144 or M = 144.
var packBMinM = 1024

// mInPlaceL1 is the largest number of rows of C for which B is read in place
// although its rows alias in L1 (see packBMinM).
const mInPlaceL1 = 32

// Cache geometry of AMD Zen 3 (Software Optimization Guide for AMD Family
// 19h Processors, section 2.12): L1d 32 KiB and L2 512 KiB, both 8-way with
// 64-byte lines, so addresses 4 KiB (L1) or 64 KiB (L2) apart map to the
// same set.
const (
	cacheWays = 8
	l1Period  = 4 << 10
	l2Period  = 64 << 10
)

// aliases reports whether kb rows of floats with stride ld, read in place,
// would put more lines into one set of a cache with the given set period
// than it has ways: rows whose byte stride shares a large power of two with
// the period (ld = 1024, for example) map to few sets.
func aliases(kb, ld, period int) bool {
	sets := 1 // rows a multiple of the period apart share one set
	if stride := 4 * ld % period; stride != 0 {
		// Rows visit period/gcd distinct offsets within the period, at
		// most one set per 64-byte line.
		sets = min(period/gcd(stride, period), period/64)
	}
	return (kb+sets-1)/sets > cacheWays
}

// gcd returns the greatest common divisor of positive a and b.
func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// bBlock describes a kb×nb block of op(B) for macroKernel: row p of the
// panel that starts at column jr is at b[jr*step + p*rs], except that the
// columns from edgeAt on (a partial panel) are in the packed panel edge
// (row stride nr) when edge is not nil.
type bBlock struct {
	b        []float32
	step, rs int
	edge     []float32
	edgeAt   int
}

// blockB prepares the kb×nb block of op(B) at row p0, column j0 for a
// product with m rows: in place when B is not transposed, m is below
// packBMinM and the rows do not alias in cache (see packBMinM), with only a
// partial last panel packed so that the kernel never reads past the columns
// of B; otherwise packed into w.b.
func (w *workspace) blockB(trans bool, m, kb, nb int, b []float32, ldb, p0, j0 int) bBlock {
	if trans || m >= packBMinM || aliases(kb, ldb, l2Period) || m > mInPlaceL1 && aliases(kb, ldb, l1Period) {
		w.b = grow(w.b, roundUp(nb, nr)*kb)
		packB(trans, kb, nb, b, ldb, p0, j0, w.b)
		return bBlock{b: w.b, step: kb, rs: nr}
	}
	blk := bBlock{b: b[p0*ldb+j0:], step: 1, rs: ldb}
	if full := nb / nr * nr; full < nb {
		w.edgeB = grow(w.edgeB, nr*kb)
		packB(trans, kb, nb-full, b, ldb, p0, j0+full, w.edgeB)
		blk.edge, blk.edgeAt = w.edgeB, full
	}
	return blk
}

// kernelFunc is the signature shared by the micro-kernels: the mr×nr tile
// c = alpha*A*B + beta*c, where element (i, p) of A is a[i*rsa + p*csa] and
// row p of B starts at b[p*rsb]; only the first mt rows of c are written.
// When beta is zero, c is not read.
type kernelFunc func(k int, a []float32, rsa, csa int, b []float32, rsb int, c []float32, ldc int, alpha, beta float32, mt int)

// kernel2Func is the signature of a micro-kernel that computes two adjacent
// full tiles, the second with the B panel b1: the same contract as
// kernelFunc over an mr×2nr tile.
type kernel2Func func(k int, a []float32, rsa, csa int, b0, b1 []float32, rsb int, c []float32, ldc int, alpha, beta float32, mt int)

// macroKernel multiplies an mb×kb block of A by a packed kb×nb block of B
// into C, one mr×nr tile at a time (two at a time with kernel2, where two
// full panels follow), the B panel outermost so that it stays in L1 while
// the panels of A stream from L2. The kernel writes partial tiles at the
// bottom edge itself; partial tiles at the right edge are computed into tile
// and then merged.
func macroKernel(kernel kernelFunc, kernel2 kernel2Func, mb, nb, kb int, alpha float32, blk aBlock, blkB bBlock, beta float32, c []float32, ldc int, tile *[mr * nr]float32) {
	for jr := 0; jr < nb; jr += nr {
		nt := min(nr, nb-jr)
		bp, rsb := blkB.b[jr*blkB.step:], blkB.rs
		if blkB.edge != nil && jr >= blkB.edgeAt {
			bp, rsb = blkB.edge, nr
		}
		var bp2 []float32
		if kernel2 != nil && nb-jr >= 2*nr && (blkB.edge == nil || jr+nr < blkB.edgeAt) {
			bp2 = blkB.b[(jr+nr)*blkB.step:]
		}
		for ir := 0; ir < mb; ir += mr {
			mt := min(mr, mb-ir)
			ap, rs, cs := blk.a[ir*blk.step:], blk.rs, blk.cs
			if blk.edge != nil && ir >= blk.edgeAt {
				ap, rs, cs = blk.edge, 1, mr
			}
			if bp2 != nil {
				kernel2(kb, ap, rs, cs, bp, bp2, rsb, c[ir*ldc+jr:], ldc, alpha, beta, mt)
				continue
			}
			if nt == nr {
				kernel(kb, ap, rs, cs, bp, rsb, c[ir*ldc+jr:], ldc, alpha, beta, mt)
				continue
			}
			kernel(kb, ap, rs, cs, bp, rsb, tile[:], nr, alpha, 0, mt)
			for i := 0; i < mt; i++ {
				ci := c[(ir+i)*ldc+jr : (ir+i)*ldc+jr+nt]
				ti := tile[i*nr : i*nr+nt]
				if beta == 0 {
					copy(ci, ti)
					continue
				}
				for j, t := range ti {
					ci[j] = t + beta*ci[j]
				}
			}
		}
		if bp2 != nil {
			jr += nr
		}
	}
}

// packA copies the mb×kb block of op(A) starting at row i0, column p0 into
// dst as column panels of height mr: panel r holds rows r*mr to r*mr+mr-1,
// stored column by column (mr values per step of k), padded with zeros.
func packA(trans bool, mb, kb int, a []float32, lda, i0, p0 int, dst []float32) {
	for ir := 0; ir < mb; ir += mr {
		rows := min(mr, mb-ir)
		d := dst[ir*kb : (ir+mr)*kb]
		if trans {
			// op(A)[i][p] = a[p*lda+i]: mr consecutive values per column.
			if rows == mr {
				for p := 0; p < kb; p++ {
					off := (p0+p)*lda + i0 + ir
					*(*[mr]float32)(d[p*mr:]) = *(*[mr]float32)(a[off:])
				}
				continue
			}
			for p := 0; p < kb; p++ {
				src := a[(p0+p)*lda+i0+ir:]
				dp := d[p*mr : p*mr+mr]
				n := copy(dp[:rows], src)
				clear(dp[n:])
			}
			continue
		}
		// op(A)[i][p] = a[i*lda+p]: read rows, write with stride mr.
		if rows == mr {
			off := (i0+ir)*lda + p0
			r0 := a[off : off+kb]
			r1 := a[off+lda : off+lda+kb]
			r2 := a[off+2*lda : off+2*lda+kb]
			r3 := a[off+3*lda : off+3*lda+kb]
			r4 := a[off+4*lda : off+4*lda+kb]
			r5 := a[off+5*lda : off+5*lda+kb]
			for p := range r0 {
				dp := d[p*mr : p*mr+mr : p*mr+mr]
				dp[0] = r0[p]
				dp[1] = r1[p]
				dp[2] = r2[p]
				dp[3] = r3[p]
				dp[4] = r4[p]
				dp[5] = r5[p]
			}
			continue
		}
		clear(d)
		for i := 0; i < rows; i++ {
			off := (i0+ir+i)*lda + p0
			row := a[off : off+kb]
			for p, v := range row {
				d[p*mr+i] = v
			}
		}
	}
}

// packB copies the kb×nb block of op(B) starting at row p0, column j0 into
// dst as row panels of width nr: panel r holds columns r*nr to r*nr+nr-1,
// stored row by row (nr values per step of k), padded with zeros.
func packB(trans bool, kb, nb int, b []float32, ldb, p0, j0 int, dst []float32) {
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		d := dst[jr*kb : (jr+nr)*kb]
		if !trans {
			// op(B)[p][j] = b[p*ldb+j]: nr consecutive values per row.
			if cols == nr {
				// Array copies compile to inline vector moves.
				for p := 0; p < kb; p++ {
					off := (p0+p)*ldb + j0 + jr
					*(*[nr]float32)(d[p*nr:]) = *(*[nr]float32)(b[off:])
				}
				continue
			}
			for p := 0; p < kb; p++ {
				off := (p0+p)*ldb + j0 + jr
				dp := d[p*nr : p*nr+nr]
				n := copy(dp[:cols], b[off:off+cols])
				clear(dp[n:])
			}
			continue
		}
		// op(B)[p][j] = b[j*ldb+p]: read columns of op(B) (rows of B),
		// write with stride nr.
		if cols < nr {
			clear(d)
		}
		p1 := 0
		if cols == nr {
			p1 = packTransPanel(kb, b, (j0+jr)*ldb+p0, ldb, d)
		}
		if cols < nr {
			// A partial panel: its first 8 columns in 8×8 blocks when it
			// has them (rows of B 4 KiB apart, as in a convolution's
			// weight gradient, thrash L1 when read one value at a time),
			// the rest row by row of the panel.
			j8, p8 := 0, 0
			if cols >= 8 {
				j8, p8 = 8, packTransPanel8(kb, b, (j0+jr)*ldb+p0, ldb, d)
			}
			var rows [nr][]float32
			for j := 0; j < cols; j++ {
				off := (j0+jr+j)*ldb + p0
				rows[j] = b[off : off+kb]
			}
			for p := 0; p < kb; p++ {
				j := j8
				if p >= p8 {
					j = 0
				}
				dp := d[p*nr : p*nr+cols]
				for ; j < len(dp); j++ {
					dp[j] = rows[j][p]
				}
			}
			continue
		}
		for j := 0; j < cols; j++ {
			off := (j0+jr+j)*ldb + p0
			col := b[off+p1 : off+kb]
			for p, v := range col {
				d[(p1+p)*nr+j] = v
			}
		}
	}
}

// goKernel is the portable micro-kernel: the same contract as kernel6x16,
// computed as eight 3×4 sub-tiles so that the twelve accumulators of each
// fit in registers.
func goKernel(k int, a []float32, rsa, csa int, b []float32, rsb int, c []float32, ldc int, alpha, beta float32, mt int) {
	for i0 := 0; i0 < mt; i0 += 3 {
		for j0 := 0; j0 < nr; j0 += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23 float32
			ia, ib := i0*rsa, j0
			for p := 0; p < k; p++ {
				a0, a1, a2 := a[ia], a[ia+rsa], a[ia+2*rsa]
				bp := b[ib : ib+4 : ib+4]
				b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
				c20 += a2 * b0
				c21 += a2 * b1
				c22 += a2 * b2
				c23 += a2 * b3
				ia += csa
				ib += rsb
			}
			storeRow(c[i0*ldc+j0:], alpha, beta, c00, c01, c02, c03)
			if i0+1 < mt {
				storeRow(c[(i0+1)*ldc+j0:], alpha, beta, c10, c11, c12, c13)
			}
			if i0+2 < mt {
				storeRow(c[(i0+2)*ldc+j0:], alpha, beta, c20, c21, c22, c23)
			}
		}
	}
}

// storeRow writes c[j] = alpha*sj + beta*c[j] for four values, without
// reading c when beta is zero.
func storeRow(c []float32, alpha, beta float32, s0, s1, s2, s3 float32) {
	c = c[:4]
	if beta == 0 {
		c[0] = alpha * s0
		c[1] = alpha * s1
		c[2] = alpha * s2
		c[3] = alpha * s3
		return
	}
	c[0] = alpha*s0 + beta*c[0]
	c[1] = alpha*s1 + beta*c[1]
	c[2] = alpha*s2 + beta*c[2]
	c[3] = alpha*s3 + beta*c[3]
}

// scaleC sets C = beta*C, writing zeros without reading C when beta is zero.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// blockSize returns the block length used to cut a dimension of length n
// into pieces of at most max (a multiple of unit): the pieces are made as
// equal as possible, rounded up to a multiple of unit, so that the last
// block is not a sliver (n = 4096 with max = 4080 gives two blocks of 2048,
// not 4080 and 16).
func blockSize(n, max, unit int) int {
	if n <= max {
		return n
	}
	blocks := (n + max - 1) / max
	return roundUp((n+blocks-1)/blocks, unit)
}

// roundUp rounds n up to a multiple of unit.
func roundUp(n, unit int) int {
	return (n + unit - 1) / unit * unit
}

// checkArgs panics when the arguments of Sgemm are inconsistent, with the
// checks and order of gonum's blas/gonum Sgemm.
func checkArgs(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	switch {
	case m < 0:
		panic("gemm: m < 0")
	case n < 0:
		panic("gemm: n < 0")
	case k < 0:
		panic("gemm: k < 0")
	}
	rowA, colA := m, k
	if transA {
		rowA, colA = k, m
	}
	rowB, colB := k, n
	if transB {
		rowB, colB = n, k
	}
	switch {
	case lda < max(1, colA):
		panic("gemm: bad lda")
	case ldb < max(1, colB):
		panic("gemm: bad ldb")
	case ldc < max(1, n):
		panic("gemm: bad ldc")
	}
	if m == 0 || n == 0 {
		return
	}
	switch {
	case k > 0 && len(a) < lda*(rowA-1)+colA:
		panic("gemm: short A")
	case k > 0 && len(b) < ldb*(rowB-1)+colB:
		panic("gemm: short B")
	case len(c) < ldc*(m-1)+n:
		panic("gemm: short C")
	}
}
