//go:build !purego

#include "textflag.h"

// AVX2 versions of the element-wise loops of layers.go and batchnorm.go.
// Each computes every element with the same float32 operations, in the
// same order and without fusing a multiply into an add, as the Go loop it
// replaces, so that the results are bitwise the same (TestLayersAsm). They
// process whole blocks of 8 (of 8 pooling windows for normReluPool2x8); the
// Go wrappers finish the rest.

// func bnBackward8(d, xhat *float32, n int, invstd, m1, m2 float32)
// d[i] = invstd * ((d[i] - m1) - xhat[i]*m2) for i < n, n a multiple of 8.
TEXT ·bnBackward8(SB), NOSPLIT, $0-36
	MOVQ         d+0(FP), DI
	MOVQ         xhat+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS invstd+24(FP), Y13
	VBROADCASTSS m1+28(FP), Y14
	VBROADCASTSS m2+32(FP), Y15
	SHRQ         $3, CX
	JZ           bnDone

bnLoop:
	VMOVUPS (SI), Y1
	VMULPS  Y15, Y1, Y1 // xhat*m2
	VMOVUPS (DI), Y0
	VSUBPS  Y14, Y0, Y0 // d - m1
	VSUBPS  Y1, Y0, Y0  // (d - m1) - xhat*m2
	VMULPS  Y13, Y0, Y0 // invstd * (...)
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     bnLoop

bnDone:
	VZEROUPPER
	RET

// func normRelu8(out, z *float32, n int, mean, invstd float32)
// v = (z[i] - mean) * invstd; z[i] = v; out[i] = max(v, 0), for i < n, n a
// multiple of 8. max is computed as the Go compiler computes it on amd64,
// -(r2 | r1) with r1 = MIN(-v, -0) and r2 = MIN(r1, -v), so that the NaNs
// are bitwise Go's too.
TEXT ·normRelu8(SB), NOSPLIT, $0-32
	MOVQ         out+0(FP), DI
	MOVQ         z+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS mean+24(FP), Y14
	VBROADCASTSS invstd+28(FP), Y15
	VPCMPEQD     Y12, Y12, Y12
	VPSLLD       $31, Y12, Y12 // the sign bit, and -0
	SHRQ         $3, CX
	JZ           nrDone

nrLoop:
	VMOVUPS (SI), Y0
	VSUBPS  Y14, Y0, Y0
	VMULPS  Y15, Y0, Y0
	VMOVUPS Y0, (SI)
	VXORPS  Y12, Y0, Y0 // -v
	VMINPS  Y12, Y0, Y1 // r1 = MIN(-v, -0)
	VMINPS  Y0, Y1, Y2  // r2 = MIN(r1, -v)
	VORPS   Y1, Y2, Y2
	VXORPS  Y12, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     nrLoop

nrDone:
	VZEROUPPER
	RET

// KEY turns the floats in v into their orderKey in k (t is scratch):
// k = b ^ int32(uint32(b>>31)>>1).
#define KEY(v, t, k) \
	VPSRAD $31, v, t; \
	VPSRLD $1, t, t;  \
	VPXOR  t, v, k

// SMALLINTS sets every int32 lane of z, one, two and three to 0, 1, 2 and
// 3 (the positions in a pooling window).
#define SMALLINTS(z, one, two, three) \
	VPXOR    z, z, z;       \
	VPCMPEQD one, one, one; \
	VPSRLD   $31, one, one; \
	VPADDD   one, one, two; \
	VPADDD   one, two, three

// The pooling loops below take n blocks of 8 windows from the rows r0 and
// r1: windows 0-3 from their 8 columns at r0 and r1, windows 4-7 from the 8
// at r0+half and r1+half, the next block step floats further. Along a row
// pair half is 8 and step 16; on a plane of width 8, whose row pairs have 4
// windows, a block spans two row pairs: half 16 (two rows) and step 32.

// func normReluPool2x8(out *float32, idx *uint8, r0, r1 *float32, n, half, step int, mean, invstd float32)
// For n blocks of 8 pooling windows: normalises their entries of the rows
// in place, v = (v - mean) * invstd, and writes the windows' maxima and
// first-maximum positions as normReluPool2 does.
TEXT ·normReluPool2x8(SB), NOSPLIT, $0-64
	MOVQ         out+0(FP), DI
	MOVQ         idx+8(FP), R8
	MOVQ         r0+16(FP), SI
	MOVQ         r1+24(FP), DX
	MOVQ         n+32(FP), CX
	MOVQ         half+40(FP), R9
	MOVQ         step+48(FP), R10
	SHLQ         $2, R9
	SHLQ         $2, R10
	VBROADCASTSS mean+56(FP), Y14
	VBROADCASTSS invstd+60(FP), Y15
	TESTQ        CX, CX
	JZ           npDone
	SMALLINTS(Y13, Y12, Y11, Y10)
	VPADDD       Y11, Y11, Y9 // 4, noMax

npLoop:
	// Normalise the 16 entries of both rows and store them back.
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R9*1), Y1
	VMOVUPS (DX), Y2
	VMOVUPS (DX)(R9*1), Y3
	VSUBPS  Y14, Y0, Y0
	VSUBPS  Y14, Y1, Y1
	VSUBPS  Y14, Y2, Y2
	VSUBPS  Y14, Y3, Y3
	VMULPS  Y15, Y0, Y0
	VMULPS  Y15, Y1, Y1
	VMULPS  Y15, Y2, Y2
	VMULPS  Y15, Y3, Y3
	VMOVUPS Y0, (SI)
	VMOVUPS Y1, (SI)(R9*1)
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, (DX)(R9*1)

	// Even and odd columns: a, b of row 0 and c, d of row 1, windows in
	// order.
	VSHUFPS $0x88, Y1, Y0, Y4
	VSHUFPS $0xDD, Y1, Y0, Y5
	VSHUFPS $0x88, Y3, Y2, Y6
	VSHUFPS $0xDD, Y3, Y2, Y7
	VPERMQ  $0xD8, Y4, Y4
	VPERMQ  $0xD8, Y5, Y5
	VPERMQ  $0xD8, Y6, Y6
	VPERMQ  $0xD8, Y7, Y7

	// m = key(a), k = 0; then b, c, d replace m when their key is larger.
	KEY(Y4, Y8, Y0)
	VPXOR     Y1, Y1, Y1
	KEY(Y5, Y8, Y4)
	VPCMPGTD  Y0, Y4, Y8
	VPMAXSD   Y4, Y0, Y0
	VPBLENDVB Y8, Y12, Y1, Y1
	KEY(Y6, Y8, Y4)
	VPCMPGTD  Y0, Y4, Y8
	VPMAXSD   Y4, Y0, Y0
	VPBLENDVB Y8, Y11, Y1, Y1
	KEY(Y7, Y8, Y4)
	VPCMPGTD  Y0, Y4, Y8
	VPMAXSD   Y4, Y0, Y0
	VPBLENDVB Y8, Y10, Y1, Y1

	// A maximum that is not positive: 0 and noMax.
	VPCMPGTD  Y13, Y0, Y8
	VPAND     Y8, Y0, Y0
	VPBLENDVB Y8, Y1, Y9, Y1
	VMOVUPS   Y0, (DI)

	// The eight positions as bytes.
	VPACKSSDW   Y1, Y1, Y1
	VPACKUSWB   Y1, Y1, Y1
	VEXTRACTI128 $1, Y1, X2
	VPUNPCKLDQ  X2, X1, X1
	VMOVQ       X1, (R8)

	ADDQ R10, SI
	ADDQ R10, DX
	ADDQ $32, DI
	ADDQ $8, R8
	DECQ CX
	JNZ  npLoop

npDone:
	VZEROUPPER
	RET

// tailMask holds 8 all-ones lanes and then 8 zero lanes: the 8 lanes from
// tailMask+4*(8-rem) are a mask of the first rem lanes.
DATA tailMask<>+0(SB)/8, $0xffffffffffffffff
DATA tailMask<>+8(SB)/8, $0xffffffffffffffff
DATA tailMask<>+16(SB)/8, $0xffffffffffffffff
DATA tailMask<>+24(SB)/8, $0xffffffffffffffff
DATA tailMask<>+32(SB)/8, $0
DATA tailMask<>+40(SB)/8, $0
DATA tailMask<>+48(SB)/8, $0
DATA tailMask<>+56(SB)/8, $0
GLOBL tailMask<>(SB), RODATA|NOPTR, $64

// NEXT8 advances the four row pointers of addTaps8 by 8 floats.
#define NEXT8 \
	ADDQ $32, SI; \
	ADDQ $32, DX; \
	ADDQ $32, R8; \
	ADDQ $32, DI

// TAPSTAIL sets Y5 to the mask of the first BX lanes and Y0 to
// (r0 + r1) + r2 in them, from masked loads.
#define TAPSTAIL \
	LEAQ       tailMask<>(SB), R9; \
	NEGQ       BX;                 \
	LEAQ       32(R9)(BX*4), R9;   \
	VMOVUPS    (R9), Y5;           \
	VMASKMOVPS (SI), Y5, Y0;       \
	VMASKMOVPS (DX), Y5, Y1;       \
	VMASKMOVPS (R8), Y5, Y2;       \
	VADDPS     Y1, Y0, Y0;         \
	VADDPS     Y2, Y0, Y0

// func addTaps8(dst, r0, r1, r2 *float32, n int, set bool)
// dst[i] = (r0[i] + r1[i]) + r2[i] (set) or dst[i] + ((r0[i] + r1[i]) + r2[i])
// for i < n (the caller offsets the rows by their taps): blocks of 8, then
// the last n%8 entries with masked loads and stores, which touch nothing
// past them.
TEXT ·addTaps8(SB), NOSPLIT, $0-41
	MOVQ    dst+0(FP), DI
	MOVQ    r0+8(FP), SI
	MOVQ    r1+16(FP), DX
	MOVQ    r2+24(FP), R8
	MOVQ    n+32(FP), CX
	MOVBLZX set+40(FP), AX
	MOVQ    CX, BX
	ANDQ    $7, BX
	SHRQ    $3, CX
	TESTL   AX, AX
	JZ      atAddTest

atSetTest:
	TESTQ CX, CX
	JZ    atSetTail

atSet:
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VADDPS  (R8), Y0, Y0
	VMOVUPS Y0, (DI)
	NEXT8
	DECQ    CX
	JNZ     atSet

atSetTail:
	TESTQ      BX, BX
	JZ         atDone
	TAPSTAIL
	VMASKMOVPS Y0, Y5, (DI)
	JMP        atDone

atAddTest:
	TESTQ CX, CX
	JZ    atAddTail

atAdd:
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VADDPS  (R8), Y0, Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	NEXT8
	DECQ    CX
	JNZ     atAdd

atAddTail:
	TESTQ      BX, BX
	JZ         atDone
	TAPSTAIL
	VMASKMOVPS (DI), Y5, Y3
	VADDPS     Y3, Y0, Y0
	VMASKMOVPS Y0, Y5, (DI)

atDone:
	VZEROUPPER
	RET

// func reluMask8(dz, dp, xhat *float32, n int)
// dz[i] = dp[i] where the bits of xhat[i] read as an int32 are positive,
// +0 elsewhere (keepPos), for i < n, n a multiple of 8.
TEXT ·reluMask8(SB), NOSPLIT, $0-32
	MOVQ  dz+0(FP), DI
	MOVQ  dp+8(FP), SI
	MOVQ  xhat+16(FP), DX
	MOVQ  n+24(FP), CX
	VPXOR Y15, Y15, Y15
	SHRQ  $3, CX
	JZ    rmDone

rmLoop:
	VMOVDQU  (DX), Y0
	VPCMPGTD Y15, Y0, Y0 // int32(bits) > 0
	VPAND    (SI), Y0, Y0
	VMOVDQU  Y0, (DI)
	ADDQ     $32, SI
	ADDQ     $32, DX
	ADDQ     $32, DI
	DECQ     CX
	JNZ      rmLoop

rmDone:
	VZEROUPPER
	RET

// POSMASKS sets Y2 to Y5 to the masks of the windows whose position, in
// the int32 lanes of Y0, is 0, 1, 2 and 3 (SMALLINTS in Y12 to Y15).
#define POSMASKS \
	VPCMPEQD Y12, Y0, Y2; \
	VPCMPEQD Y13, Y0, Y3; \
	VPCMPEQD Y14, Y0, Y4; \
	VPCMPEQD Y15, Y0, Y5

// func unpool2x8(r0, r1, grad *float32, idx *uint8, n, half, step int)
// For n blocks of 8 pooling windows (see normReluPool2x8): writes the 16
// entries of each of the two rows r0 and r1 that the windows cover, grad[x]
// at the window's maximum idx[x] (0 to 3: r0 even, r0 odd, r1 even, r1 odd
// column) and +0 elsewhere, also for idx[x] = noMax (4): unpool2Relu's
// values.
TEXT ·unpool2x8(SB), NOSPLIT, $0-56
	MOVQ       r0+0(FP), DI
	MOVQ       r1+8(FP), R8
	MOVQ       grad+16(FP), SI
	MOVQ       idx+24(FP), DX
	MOVQ       n+32(FP), CX
	MOVQ       half+40(FP), R9
	MOVQ       step+48(FP), R10
	SHLQ       $2, R9
	SHLQ       $2, R10
	TESTQ      CX, CX
	JZ         upDone
	SMALLINTS(Y12, Y13, Y14, Y15)

upLoop:
	VPMOVZXBD (DX), Y0 // the 8 positions as int32
	VMOVUPS   (SI), Y1 // the 8 gradients
	POSMASKS
	VPAND     Y1, Y2, Y2 // a: r0 even columns
	VPAND     Y1, Y3, Y3 // b: r0 odd
	VPAND     Y1, Y4, Y4 // c: r1 even
	VPAND     Y1, Y5, Y5 // d: r1 odd
	// Interleave even and odd columns: windows 0-3 then 4-7 of each row.
	VUNPCKLPS  Y3, Y2, Y6
	VUNPCKHPS  Y3, Y2, Y7
	VPERM2F128 $0x20, Y7, Y6, Y8
	VPERM2F128 $0x31, Y7, Y6, Y9
	VMOVUPS    Y8, (DI)
	VMOVUPS    Y9, (DI)(R9*1)
	VUNPCKLPS  Y5, Y4, Y6
	VUNPCKHPS  Y5, Y4, Y7
	VPERM2F128 $0x20, Y7, Y6, Y8
	VPERM2F128 $0x31, Y7, Y6, Y9
	VMOVUPS    Y8, (R8)
	VMOVUPS    Y9, (R8)(R9*1)
	ADDQ       $8, DX
	ADDQ       $32, SI
	ADDQ       R10, DI
	ADDQ       R10, R8
	DECQ       CX
	JNZ        upLoop

upDone:
	VZEROUPPER
	RET

// SUMSTORE stores the sum lanes s and the second-sum lanes q of plane p
// to acc[8p:8p+4] and acc[8p+4:8p+8].
#define SUMSTORE(s, q, p) \
	VMOVUPD s, (64*p)(DI); \
	VMOVUPD q, (64*p+32)(DI)

// func sumDot4(acc *[32]float64, d, x *float32, stride, n int)
// For the four planes d[p*stride:] and x[p*stride:], p < 4, and i < n, n a
// multiple of 4: acc[8p+l] and acc[8p+4+l] are sumDot's partial sums of
// float64(d[i]) and of float64(d[i])*float64(x[i]) over the i with i%4 = l,
// added in order, the four planes side by side so that the additions of one
// do not wait for those of another.
TEXT ·sumDot4(SB), NOSPLIT, $0-40
	MOVQ   acc+0(FP), DI
	MOVQ   d+8(FP), SI
	MOVQ   x+16(FP), DX
	MOVQ   stride+24(FP), BX
	MOVQ   n+32(FP), CX
	SHLQ   $2, BX
	LEAQ   (BX)(BX*2), AX // 3*stride bytes
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	SHRQ   $2, CX
	JZ     sdDone

sdLoop:
	VCVTPS2PD (SI), Y8
	VCVTPS2PD (SI)(BX*1), Y9
	VCVTPS2PD (SI)(BX*2), Y10
	VCVTPS2PD (SI)(AX*1), Y11
	VADDPD    Y8, Y0, Y0
	VADDPD    Y9, Y1, Y1
	VADDPD    Y10, Y2, Y2
	VADDPD    Y11, Y3, Y3
	VCVTPS2PD (DX), Y12
	VCVTPS2PD (DX)(BX*1), Y13
	VCVTPS2PD (DX)(BX*2), Y14
	VCVTPS2PD (DX)(AX*1), Y15
	VMULPD    Y12, Y8, Y8
	VMULPD    Y13, Y9, Y9
	VMULPD    Y14, Y10, Y10
	VMULPD    Y15, Y11, Y11
	VADDPD    Y8, Y4, Y4
	VADDPD    Y9, Y5, Y5
	VADDPD    Y10, Y6, Y6
	VADDPD    Y11, Y7, Y7
	ADDQ      $16, SI
	ADDQ      $16, DX
	DECQ      CX
	JNZ       sdLoop

sdDone:
	SUMSTORE(Y0, Y4, 0)
	SUMSTORE(Y1, Y5, 1)
	SUMSTORE(Y2, Y6, 2)
	SUMSTORE(Y3, Y7, 3)
	VZEROUPPER
	RET

// func poolSel8(gsel, xsel, grad *float32, idx *uint8, x0, x1 *float32, n, half, step int)
// For n blocks of 8 pooling windows of the x̂ rows x0 and x1 (see
// normReluPool2x8): gsel[x] = grad[x] and xsel[x] = the x̂ entry at the
// window's maximum idx[x] (0 to 3: x0 even, x0 odd, x1 even, x1 odd column),
// both +0 where idx[x] is noMax (4): poolSel's values.
TEXT ·poolSel8(SB), NOSPLIT, $0-72
	MOVQ  gsel+0(FP), DI
	MOVQ  xsel+8(FP), R10
	MOVQ  grad+16(FP), SI
	MOVQ  idx+24(FP), DX
	MOVQ  x0+32(FP), R8
	MOVQ  x1+40(FP), R9
	MOVQ  n+48(FP), CX
	MOVQ  half+56(FP), R11
	MOVQ  step+64(FP), R12
	SHLQ  $2, R11
	SHLQ  $2, R12
	TESTQ CX, CX
	JZ    psDone
	SMALLINTS(Y12, Y13, Y14, Y15)

psLoop:
	VPMOVZXBD (DX), Y0 // the 8 positions as int32
	POSMASKS
	VPOR      Y3, Y2, Y6
	VPOR      Y5, Y4, Y7
	VPOR      Y7, Y6, Y6 // idx < 4
	VPAND     (SI), Y6, Y6
	VMOVUPS   Y6, (DI)
	// The even and odd columns of each row, in window order: SHUFPS
	// gives windows 0 1 4 5 | 2 3 6 7, PERMPD puts them in order.
	VMOVUPS   (R8), Y6
	VMOVUPS   (R8)(R11*1), Y7
	VSHUFPS   $0x88, Y7, Y6, Y8
	VSHUFPS   $0xDD, Y7, Y6, Y9
	VPERMPD   $0xD8, Y8, Y8
	VPERMPD   $0xD8, Y9, Y9
	VPAND     Y8, Y2, Y2
	VPAND     Y9, Y3, Y3
	VMOVUPS   (R9), Y6
	VMOVUPS   (R9)(R11*1), Y7
	VSHUFPS   $0x88, Y7, Y6, Y10
	VSHUFPS   $0xDD, Y7, Y6, Y11
	VPERMPD   $0xD8, Y10, Y10
	VPERMPD   $0xD8, Y11, Y11
	VPAND     Y10, Y4, Y4
	VPAND     Y11, Y5, Y5
	VPOR      Y3, Y2, Y2
	VPOR      Y5, Y4, Y4
	VPOR      Y4, Y2, Y2
	VMOVUPS   Y2, (R10)
	ADDQ      $8, DX
	ADDQ      $32, SI
	ADDQ      $32, DI
	ADDQ      $32, R10
	ADDQ      R12, R8
	ADDQ      R12, R9
	DECQ      CX
	JNZ       psLoop

psDone:
	VZEROUPPER
	RET

// TRANSPOSE4 transposes the 4×4 floats in the rows a, b, c, d into o0 to
// o3 (o0 = a[0] b[0] c[0] d[0], ...), with t0 to t3 as scratch.
#define TRANSPOSE4(a, b, c, d, t0, t1, t2, t3, o0, o1, o2, o3) \
	VUNPCKLPS b, a, t0; \
	VUNPCKLPS d, c, t1; \
	VUNPCKHPS b, a, t2; \
	VUNPCKHPS d, c, t3; \
	VMOVLHPS  t1, t0, o0; \
	VMOVHLPS  t0, t1, o1; \
	VMOVLHPS  t3, t2, o2; \
	VMOVHLPS  t2, t3, o3

// SEQSTEP adds float64(g) to the sums in Y0 and float64(g)*float64(x) to
// those in Y1, for the four planes in the lanes of g and x.
#define SEQSTEP(g, x, gy, xy) \
	VCVTPS2PD g, gy;     \
	VCVTPS2PD x, xy;     \
	VADDPD    gy, Y0, Y0; \
	VMULPD    xy, gy, gy; \
	VADDPD    gy, Y1, Y1

// func seqSums4(acc *[8]float64, gs, xs *float32, stride, n int)
// For the four planes gs[p*stride:] and xs[p*stride:], p < 4, and i < n, n
// a multiple of 4: acc[p] is the sum of float64(gs[i]) and acc[4+p] that of
// float64(gs[i])*float64(xs[i]), each added in the order of i from +0, the
// planes in the lanes of a vector.
TEXT ·seqSums4(SB), NOSPLIT, $0-40
	MOVQ   acc+0(FP), DI
	MOVQ   gs+8(FP), SI
	MOVQ   xs+16(FP), DX
	MOVQ   stride+24(FP), BX
	MOVQ   n+32(FP), CX
	SHLQ   $2, BX
	LEAQ   (BX)(BX*2), AX // 3*stride bytes
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	SHRQ   $2, CX
	JZ     qsDone

qsLoop:
	VMOVUPS (SI), X2
	VMOVUPS (SI)(BX*1), X3
	VMOVUPS (SI)(BX*2), X4
	VMOVUPS (SI)(AX*1), X5
	TRANSPOSE4(X2, X3, X4, X5, X10, X11, X12, X13, X6, X7, X8, X9)
	VMOVUPS (DX), X2
	VMOVUPS (DX)(BX*1), X3
	VMOVUPS (DX)(BX*2), X4
	VMOVUPS (DX)(AX*1), X5
	TRANSPOSE4(X2, X3, X4, X5, X10, X11, X12, X13, X2, X3, X4, X5)
	SEQSTEP(X6, X2, Y6, Y2)
	SEQSTEP(X7, X3, Y7, Y3)
	SEQSTEP(X8, X4, Y8, Y4)
	SEQSTEP(X9, X5, Y9, Y5)
	ADDQ    $16, SI
	ADDQ    $16, DX
	DECQ    CX
	JNZ     qsLoop

qsDone:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VZEROUPPER
	RET

// func col2imRows8(dst, r0, r1, r2 *float32, rows, w int, set bool)
// For rows rows of w entries, w a multiple of 8, each pointer's rows one
// after the other: dst[x] = t[x] (set) or t[x] + dst[x], with t[x] =
// (r0[x+1] + r1[x]) + r2[x-1] and r0[x+1] at x = w-1 and r2[x-1] at x = 0
// replaced by -0, which is the identity of addition (v + -0 is v for every
// v, zeros and NaNs included): addTaps's sums, whose terms outside the row
// are omitted, for whole planes in one call. It reads r0[rows*w] and r2[-1],
// which must be in memory.
TEXT ·col2imRows8(SB), NOSPLIT, $0-49
	MOVQ     dst+0(FP), DI
	MOVQ     r0+8(FP), SI
	MOVQ     r1+16(FP), DX
	MOVQ     r2+24(FP), R8
	MOVQ     rows+32(FP), CX
	MOVQ     w+40(FP), R9
	MOVBLZX  set+48(FP), AX
	SHRQ     $3, R9
	TESTQ    CX, CX
	JZ       ciDone
	TESTQ    R9, R9
	JZ       ciDone
	VPCMPEQD Y15, Y15, Y15
	VPSLLD   $31, Y15, Y15 // -0 in every lane

ciRow:
	MOVQ R9, BX
	XORQ R10, R10 // 0 in the first block of a row

ciBlk:
	VMOVUPS 4(SI), Y0
	VMOVUPS (DX), Y1
	VMOVUPS -4(R8), Y2
	TESTQ   R10, R10
	JNZ     ciLast
	VBLENDPS $0x01, Y15, Y2, Y2 // x = 0: no r2 term

ciLast:
	CMPQ     BX, $1
	JNE      ciSum
	VBLENDPS $0x80, Y15, Y0, Y0 // x = w-1: no r0 term

ciSum:
	VADDPS Y1, Y0, Y0
	VADDPS Y2, Y0, Y0
	TESTL  AX, AX
	JNZ    ciStore
	VADDPS (DI), Y0, Y0

ciStore:
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $32, DI
	MOVQ    $1, R10
	DECQ    BX
	JNZ     ciBlk
	DECQ    CX
	JNZ     ciRow

ciDone:
	VZEROUPPER
	RET
