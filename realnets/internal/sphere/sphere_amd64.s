//go:build !purego

#include "textflag.h"

// Lanes 0-3 of each sum live in one YMM register and lanes 4-7 in another;
// each iteration converts eight float32 values of x and of g to float64
// and adds element 8k+j into lane j with VFMADD231PD, as sumsGo and
// retractGo do with math.FMA. The accumulators start from acc.

// func sumsAsm(n int, x, gr *float32, acc *[24]float64)
TEXT ·sumsAsm(SB), NOSPLIT, $0-32
	MOVQ    n+0(FP), CX
	MOVQ    x+8(FP), SI
	MOVQ    gr+16(FP), DI
	MOVQ    acc+24(FP), DX
	VMOVUPD 0(DX), Y4
	VMOVUPD 32(DX), Y5
	VMOVUPD 64(DX), Y6
	VMOVUPD 96(DX), Y7
	VMOVUPD 128(DX), Y8
	VMOVUPD 160(DX), Y9
	SHRQ    $3, CX
	JZ      sdone

sloop:
	VCVTPS2PD   (SI), Y0
	VCVTPS2PD   16(SI), Y1
	VCVTPS2PD   (DI), Y2
	VCVTPS2PD   16(DI), Y3
	VFMADD231PD Y0, Y0, Y4
	VFMADD231PD Y1, Y1, Y5
	VFMADD231PD Y2, Y0, Y6
	VFMADD231PD Y3, Y1, Y7
	VFMADD231PD Y2, Y2, Y8
	VFMADD231PD Y3, Y3, Y9
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         sloop

sdone:
	VMOVUPD Y4, 0(DX)
	VMOVUPD Y5, 32(DX)
	VMOVUPD Y6, 64(DX)
	VMOVUPD Y7, 96(DX)
	VMOVUPD Y8, 128(DX)
	VMOVUPD Y9, 160(DX)
	VZEROUPPER
	RET

// func retractAsm(n int, x, gr *float32, eta, s float64, acc *[16]float64)
TEXT ·retractAsm(SB), NOSPLIT, $0-48
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	MOVQ         gr+16(FP), DI
	VBROADCASTSD eta+24(FP), Y14
	VBROADCASTSD s+32(FP), Y15
	MOVQ         acc+40(FP), DX
	VMOVUPD      0(DX), Y8
	VMOVUPD      32(DX), Y9
	VMOVUPD      64(DX), Y10
	VMOVUPD      96(DX), Y11
	SHRQ         $3, CX
	JZ           rdone

rloop:
	VCVTPS2PD    (SI), Y0
	VCVTPS2PD    16(SI), Y1
	VCVTPS2PD    (DI), Y2
	VCVTPS2PD    16(DI), Y3
	VMOVAPD      Y0, Y4
	VMOVAPD      Y1, Y5
	VFNMADD231PD Y2, Y14, Y4      // y = x - eta*g, one rounding
	VFNMADD231PD Y3, Y14, Y5
	VMULPD       Y15, Y4, Y4      // s*y
	VMULPD       Y15, Y5, Y5
	VCVTPD2PSY   Y4, X6           // to float32, round to nearest even
	VCVTPD2PSY   Y5, X7
	VMOVUPS      X6, (SI)
	VMOVUPS      X7, 16(SI)
	VCVTPS2PD    X6, Y4
	VCVTPS2PD    X7, Y5
	VSUBPD       Y0, Y4, Y4       // d = new - old
	VSUBPD       Y1, Y5, Y5
	VFMADD231PD  Y4, Y4, Y8
	VFMADD231PD  Y5, Y5, Y9
	VFMADD231PD  Y0, Y4, Y10
	VFMADD231PD  Y1, Y5, Y11
	ADDQ         $32, SI
	ADDQ         $32, DI
	DECQ         CX
	JNZ          rloop

rdone:
	VMOVUPD Y8, 0(DX)
	VMOVUPD Y9, 32(DX)
	VMOVUPD Y10, 64(DX)
	VMOVUPD Y11, 96(DX)
	VZEROUPPER
	RET
