//go:build !purego

#include "textflag.h"

// The 6×16 single-precision micro-kernel follows the register blocking of
// BLIS's Haswell/Zen sgemm kernel (F. G. Van Zee and R. A. van de Geijn,
// "BLIS: A Framework for Rapidly Instantiating BLAS Functionality", ACM TOMS
// 41(3), 2015; kernel bli_sgemm_haswell_asm_6x16): twelve YMM accumulators
// Y4–Y15 hold the tile, row i in (Y[4+2i], Y[5+2i]); each step of k loads one
// 16-wide row of the B panel into Y0, Y1 and broadcasts the six entries of
// the A column into Y2/Y3 in turn. As in BLIS's "sup" kernels for small and
// skinny products, A is addressed through a row stride (R9) and a column
// stride (R12), so the same code reads a packed panel (strides 1 and 6) or
// A in place (strides lda and 1, or 1 and lda when transposed); rows 0-2 are
// addressed from SI and rows 3-5 from R11 = SI + 3*rsa. B is read through a
// row stride (R13).

#define STEP \
	VMOVUPS      (DI), Y0; \
	VMOVUPS      32(DI), Y1; \
	VBROADCASTSS (SI), Y2; \
	VBROADCASTSS (SI)(R9*1), Y3; \
	VFMADD231PS  Y0, Y2, Y4; \
	VFMADD231PS  Y1, Y2, Y5; \
	VFMADD231PS  Y0, Y3, Y6; \
	VFMADD231PS  Y1, Y3, Y7; \
	VBROADCASTSS (SI)(R9*2), Y2; \
	VBROADCASTSS (R11), Y3; \
	VFMADD231PS  Y0, Y2, Y8; \
	VFMADD231PS  Y1, Y2, Y9; \
	VFMADD231PS  Y0, Y3, Y10; \
	VFMADD231PS  Y1, Y3, Y11; \
	VBROADCASTSS (R11)(R9*1), Y2; \
	VBROADCASTSS (R11)(R9*2), Y3; \
	VFMADD231PS  Y0, Y2, Y12; \
	VFMADD231PS  Y1, Y2, Y13; \
	VFMADD231PS  Y0, Y3, Y14; \
	VFMADD231PS  Y1, Y3, Y15; \
	ADDQ         R12, SI; \
	ADDQ         R12, R11; \
	ADDQ         R13, DI

// STOREROW writes row r = alpha*acc + beta*C (Y0 = alpha, Y1 = beta) and
// returns after the last of the R10 rows to write.
#define STOREROW(lo, hi) \
	VMULPS      Y0, lo, lo; \
	VMULPS      Y0, hi, hi; \
	VFMADD231PS (DX), Y1, lo; \
	VFMADD231PS 32(DX), Y1, hi; \
	VMOVUPS     lo, (DX); \
	VMOVUPS     hi, 32(DX); \
	ADDQ        R8, DX; \
	DECQ        R10; \
	JZ          done

// STOREROW0 writes row r = alpha*acc without reading C (beta = 0) and
// returns after the last of the R10 rows to write.
#define STOREROW0(lo, hi) \
	VMULPS  Y0, lo, lo; \
	VMULPS  Y0, hi, hi; \
	VMOVUPS lo, (DX); \
	VMOVUPS hi, 32(DX); \
	ADDQ    R8, DX; \
	DECQ    R10; \
	JZ      done

// func kernel6x16(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, ldc int, alpha, beta float32, mt int)
TEXT ·kernel6x16(SB), NOSPLIT, $0-80
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ rsa+16(FP), R9
	SHLQ $2, R9
	MOVQ csa+24(FP), R12
	SHLQ $2, R12
	MOVQ b+32(FP), DI
	MOVQ rsb+40(FP), R13
	SHLQ $2, R13
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R8
	SHLQ $2, R8
	LEAQ (SI)(R9*2), R11
	ADDQ R9, R11

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   tail

loop4:
	STEP
	STEP
	STEP
	STEP
	DECQ BX
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   store

loop1:
	STEP
	DECQ CX
	JNZ  loop1

store:
	MOVQ         mt+72(FP), R10
	VBROADCASTSS alpha+64(FP), Y0
	MOVL         beta+68(FP), AX
	TESTL        $0x7fffffff, AX
	JZ           storezero
	VBROADCASTSS beta+68(FP), Y1
	STOREROW(Y4, Y5)
	STOREROW(Y6, Y7)
	STOREROW(Y8, Y9)
	STOREROW(Y10, Y11)
	STOREROW(Y12, Y13)
	STOREROW(Y14, Y15)
	JMP done

storezero:
	STOREROW0(Y4, Y5)
	STOREROW0(Y6, Y7)
	STOREROW0(Y8, Y9)
	STOREROW0(Y10, Y11)
	STOREROW0(Y12, Y13)
	STOREROW0(Y14, Y15)

done:
	VZEROUPPER
	RET

// TRANSPOSE8 transposes the 8×8 block whose rows start at SI, SI+R9,
// SI+2*R9, R10 = SI+3*R9, R10+R9, R10+2*R9, R11 = SI+6*R9 and R11+R9, writing
// its columns as rows of 8 floats at off(DI) with a row stride of 64 bytes
// (one row of a packed B panel). The shuffles are the usual AVX 8×8
// transpose: interleave pairs of rows (UNPCK), gather four-row groups
// (SHUFPS), then swap 128-bit halves (PERM2F128).
#define TRANSPOSE8(off) \
	VMOVUPS    (SI), Y0; \
	VMOVUPS    (SI)(R9*1), Y1; \
	VMOVUPS    (SI)(R9*2), Y2; \
	VMOVUPS    (R10), Y3; \
	VMOVUPS    (R10)(R9*1), Y4; \
	VMOVUPS    (R10)(R9*2), Y5; \
	VMOVUPS    (R11), Y6; \
	VMOVUPS    (R11)(R9*1), Y7; \
	VUNPCKLPS  Y1, Y0, Y8; \
	VUNPCKHPS  Y1, Y0, Y9; \
	VUNPCKLPS  Y3, Y2, Y10; \
	VUNPCKHPS  Y3, Y2, Y11; \
	VUNPCKLPS  Y5, Y4, Y12; \
	VUNPCKHPS  Y5, Y4, Y13; \
	VUNPCKLPS  Y7, Y6, Y14; \
	VUNPCKHPS  Y7, Y6, Y15; \
	VSHUFPS    $0x44, Y10, Y8, Y0; \
	VSHUFPS    $0xEE, Y10, Y8, Y1; \
	VSHUFPS    $0x44, Y11, Y9, Y2; \
	VSHUFPS    $0xEE, Y11, Y9, Y3; \
	VSHUFPS    $0x44, Y14, Y12, Y4; \
	VSHUFPS    $0xEE, Y14, Y12, Y5; \
	VSHUFPS    $0x44, Y15, Y13, Y6; \
	VSHUFPS    $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8; \
	VPERM2F128 $0x31, Y4, Y0, Y9; \
	VPERM2F128 $0x20, Y5, Y1, Y10; \
	VPERM2F128 $0x31, Y5, Y1, Y11; \
	VPERM2F128 $0x20, Y6, Y2, Y12; \
	VPERM2F128 $0x31, Y6, Y2, Y13; \
	VPERM2F128 $0x20, Y7, Y3, Y14; \
	VPERM2F128 $0x31, Y7, Y3, Y15; \
	VMOVUPS    Y8, (off)(DI); \
	VMOVUPS    Y10, (off+64)(DI); \
	VMOVUPS    Y12, (off+128)(DI); \
	VMOVUPS    Y14, (off+192)(DI); \
	VMOVUPS    Y9, (off+256)(DI); \
	VMOVUPS    Y11, (off+320)(DI); \
	VMOVUPS    Y13, (off+384)(DI); \
	VMOVUPS    Y15, (off+448)(DI)

// func packBT16(kb8 int, src *float32, lds int, dst *float32)
TEXT ·packBT16(SB), NOSPLIT, $0-32
	MOVQ kb8+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ lds+16(FP), R9
	SHLQ $2, R9
	MOVQ dst+24(FP), DI
	MOVQ R9, R12
	SHLQ $3, R12
	TESTQ CX, CX
	JZ   tdone

tloop:
	// Columns 0-7 of the panel: rows SI .. SI+7*R9 of B.
	LEAQ (SI)(R9*2), R10
	ADDQ R9, R10
	LEAQ (R10)(R9*2), R11
	ADDQ R9, R11
	TRANSPOSE8(0)
	// Columns 8-15: rows SI+8*R9 .. SI+15*R9.
	MOVQ SI, BX
	ADDQ R12, SI
	LEAQ (SI)(R9*2), R10
	ADDQ R9, R10
	LEAQ (R10)(R9*2), R11
	ADDQ R9, R11
	TRANSPOSE8(32)
	MOVQ BX, SI
	ADDQ $32, SI
	ADDQ $512, DI
	DECQ CX
	JNZ  tloop

tdone:
	VZEROUPPER
	RET

// kernel6x32z computes two adjacent 6×16 tiles (a 6×32 tile) with AVX-512:
// the same A panel times two B panels, at b0 and b1, into columns 0-15 and
// 16-31 of C. Row i of the tile accumulates in (Z[4+2i], Z[5+2i]), one ZMM
// register per 16 columns. Each step of k performs, for every element of C,
// exactly the fused multiply-add kernel6x16 performs, in the same order, and
// the stores are the same multiplies and FMAs, so the result is bitwise
// that of two calls of kernel6x16; only the width differs: twelve 16-wide
// FMAs per step of k instead of twelve 8-wide ones.
#define STEPZ \
	VMOVUPS      (DI), Z0; \
	VMOVUPS      (R10), Z1; \
	VBROADCASTSS (SI), Z2; \
	VBROADCASTSS (SI)(R9*1), Z3; \
	VFMADD231PS  Z0, Z2, Z4; \
	VFMADD231PS  Z1, Z2, Z5; \
	VFMADD231PS  Z0, Z3, Z6; \
	VFMADD231PS  Z1, Z3, Z7; \
	VBROADCASTSS (SI)(R9*2), Z2; \
	VBROADCASTSS (R11), Z3; \
	VFMADD231PS  Z0, Z2, Z8; \
	VFMADD231PS  Z1, Z2, Z9; \
	VFMADD231PS  Z0, Z3, Z10; \
	VFMADD231PS  Z1, Z3, Z11; \
	VBROADCASTSS (R11)(R9*1), Z2; \
	VBROADCASTSS (R11)(R9*2), Z3; \
	VFMADD231PS  Z0, Z2, Z12; \
	VFMADD231PS  Z1, Z2, Z13; \
	VFMADD231PS  Z0, Z3, Z14; \
	VFMADD231PS  Z1, Z3, Z15; \
	ADDQ         R12, SI; \
	ADDQ         R12, R11; \
	ADDQ         R13, DI; \
	ADDQ         R13, R10

#define STOREROWZ(lo, hi) \
	VMULPS      Z0, lo, lo; \
	VMULPS      Z0, hi, hi; \
	VFMADD231PS (DX), Z1, lo; \
	VFMADD231PS 64(DX), Z1, hi; \
	VMOVUPS     lo, (DX); \
	VMOVUPS     hi, 64(DX); \
	ADDQ        R8, DX; \
	DECQ        R10; \
	JZ          zdone

#define STOREROWZ0(lo, hi) \
	VMULPS  Z0, lo, lo; \
	VMULPS  Z0, hi, hi; \
	VMOVUPS lo, (DX); \
	VMOVUPS hi, 64(DX); \
	ADDQ    R8, DX; \
	DECQ    R10; \
	JZ      zdone

// func kernel6x32z(k int, a *float32, rsa, csa int, b0, b1 *float32, rsb int, c *float32, ldc int, alpha, beta float32, mt int)
TEXT ·kernel6x32z(SB), NOSPLIT, $0-88
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ rsa+16(FP), R9
	SHLQ $2, R9
	MOVQ csa+24(FP), R12
	SHLQ $2, R12
	MOVQ b0+32(FP), DI
	MOVQ b1+40(FP), R10
	MOVQ rsb+48(FP), R13
	SHLQ $2, R13
	MOVQ c+56(FP), DX
	MOVQ ldc+64(FP), R8
	SHLQ $2, R8
	LEAQ (SI)(R9*2), R11
	ADDQ R9, R11

	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   ztail

zloop4:
	STEPZ
	STEPZ
	STEPZ
	STEPZ
	DECQ BX
	JNZ  zloop4

ztail:
	ANDQ $3, CX
	JZ   zstore

zloop1:
	STEPZ
	DECQ CX
	JNZ  zloop1

zstore:
	MOVQ         mt+80(FP), R10
	VBROADCASTSS alpha+72(FP), Z0
	MOVL         beta+76(FP), AX
	TESTL        $0x7fffffff, AX
	JZ           zstorezero
	VBROADCASTSS beta+76(FP), Z1
	STOREROWZ(Z4, Z5)
	STOREROWZ(Z6, Z7)
	STOREROWZ(Z8, Z9)
	STOREROWZ(Z10, Z11)
	STOREROWZ(Z12, Z13)
	STOREROWZ(Z14, Z15)
	JMP zdone

zstorezero:
	STOREROWZ0(Z4, Z5)
	STOREROWZ0(Z6, Z7)
	STOREROWZ0(Z8, Z9)
	STOREROWZ0(Z10, Z11)
	STOREROWZ0(Z12, Z13)
	STOREROWZ0(Z14, Z15)

zdone:
	VZEROUPPER
	RET

// packBT8 is packBT16 for the first 8 columns of a panel only: it reads 8
// rows of B (row stride lds) from src, 8*kb8 values of each, and writes
// them as 8*kb8 panel rows of 16 values of which it sets the first 8.
// func packBT8(kb8 int, src *float32, lds int, dst *float32)
TEXT ·packBT8(SB), NOSPLIT, $0-32
	MOVQ  kb8+0(FP), CX
	MOVQ  src+8(FP), SI
	MOVQ  lds+16(FP), R9
	SHLQ  $2, R9
	MOVQ  dst+24(FP), DI
	TESTQ CX, CX
	JZ    t8done

t8loop:
	LEAQ (SI)(R9*2), R10
	ADDQ R9, R10
	LEAQ (R10)(R9*2), R11
	ADDQ R9, R11
	TRANSPOSE8(0)
	ADDQ $32, SI
	ADDQ $512, DI
	DECQ CX
	JNZ  t8loop

t8done:
	VZEROUPPER
	RET
