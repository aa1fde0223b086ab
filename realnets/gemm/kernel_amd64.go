//go:build !purego

package gemm

import "github.com/regimes/regimes/realnets/internal/cpu"

// kernel6x16 computes the 6×16 tile C = alpha*A*B + beta*C, where element
// (i, p) of the 6×k panel of A is at a + i*rsa + p*csa, row p of the k×16
// panel of B starts at b + p*rsb, and c points to the top left of a tile of
// C with row stride ldc (all strides in elements). Only the first mt rows
// (1 ≤ mt ≤ 6) of C are written. When beta is zero, C is not read. It needs
// AVX2 and FMA.
//
//go:noescape
func kernel6x16(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, ldc int, alpha, beta float32, mt int)

// kernel6x32z computes the 6×32 tile made of two adjacent 6×16 tiles: the
// same A panel times the B panels at b0 and b1 (both with row stride rsb)
// into columns 0-15 and 16-31 of C, bitwise as two calls of kernel6x16
// would. It needs AVX-512F.
//
//go:noescape
func kernel6x32z(k int, a *float32, rsa, csa int, b0, b1 *float32, rsb int, c *float32, ldc int, alpha, beta float32, mt int)

// packBT16 packs kb8 blocks of 8×16 of a transposed B: it reads 16 rows of
// B (row stride lds) from src, 8*kb8 values of each, and writes them as
// 8*kb8 rows of 16 values (a packed B panel) to dst. It needs AVX.
//
//go:noescape
func packBT16(kb8 int, src *float32, lds int, dst *float32)

// packBT8 is packBT16 for the first 8 columns of a panel: it reads 8 rows
// of B and sets the first 8 values of 8*kb8 panel rows. It needs AVX.
//
//go:noescape
func packBT8(kb8 int, src *float32, lds int, dst *float32)

// haveAsm reports whether the assembly micro-kernel can run on this machine.
var haveAsm = cpu.AVX2FMA

// haveAVX512 reports whether the AVX-512 double-tile kernel can run.
var haveAVX512 = cpu.AVX512F

// asmKernel calls the assembly micro-kernel, after checking that the last
// element it reads or writes of each operand is in range.
func asmKernel(k int, a []float32, rsa, csa int, b []float32, rsb int, c []float32, ldc int, alpha, beta float32, mt int) {
	if mt < 1 || mt > mr || k < 1 {
		panic("gemm: bad micro-kernel arguments")
	}
	_ = a[(mr-1)*rsa+(k-1)*csa]
	_ = b[(k-1)*rsb+nr-1]
	_ = c[(mt-1)*ldc+nr-1]
	kernel6x16(k, &a[0], rsa, csa, &b[0], rsb, &c[0], ldc, alpha, beta, mt)
}

// asmKernel2 calls the AVX-512 double-tile kernel, after the same checks as
// asmKernel.
func asmKernel2(k int, a []float32, rsa, csa int, b0, b1 []float32, rsb int, c []float32, ldc int, alpha, beta float32, mt int) {
	if mt < 1 || mt > mr || k < 1 {
		panic("gemm: bad micro-kernel arguments")
	}
	_ = a[(mr-1)*rsa+(k-1)*csa]
	_ = b0[(k-1)*rsb+nr-1]
	_ = b1[(k-1)*rsb+nr-1]
	_ = c[(mt-1)*ldc+2*nr-1]
	kernel6x32z(k, &a[0], rsa, csa, &b0[0], &b1[0], rsb, &c[0], ldc, alpha, beta, mt)
}

// packTransPanel packs the longest prefix of a full 16-column panel of a
// transposed B that the assembly can (a multiple of 8 rows of the panel):
// rows p < kb of the panel, with op(B)[p][j] = b[off+j*ldb+p], go to
// d[p*nr+j]. It returns the number of rows packed.
func packTransPanel(kb int, b []float32, off, ldb int, d []float32) int {
	kb8 := kb / 8
	if !useAsm || kb8 == 0 {
		return 0
	}
	_ = b[off+(nr-1)*ldb+8*kb8-1]
	_ = d[8*kb8*nr-1]
	packBT16(kb8, &b[off], ldb, &d[0])
	return 8 * kb8
}

// packTransPanel8 packs, like packTransPanel, the longest prefix of the
// first 8 columns of a partial panel of a transposed B that the assembly
// can, and returns the number of rows packed.
func packTransPanel8(kb int, b []float32, off, ldb int, d []float32) int {
	kb8 := kb / 8
	if !useAsm || kb8 == 0 {
		return 0
	}
	_ = b[off+7*ldb+8*kb8-1]
	_ = d[(8*kb8-1)*nr+7]
	packBT8(kb8, &b[off], ldb, &d[0])
	return 8 * kb8
}
