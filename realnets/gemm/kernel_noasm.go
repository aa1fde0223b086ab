//go:build !amd64 || purego

package gemm

// haveAsm is false: there is no assembly micro-kernel for this architecture
// or the purego build tag is set.
const haveAsm = false

// haveAVX512 is false, as haveAsm.
const haveAVX512 = false

// asmKernel is never called when haveAsm is false.
func asmKernel(k int, a []float32, rsa, csa int, b []float32, rsb int, c []float32, ldc int, alpha, beta float32, mt int) {
	panic("gemm: no assembly kernel")
}

// asmKernel2 is never called when haveAVX512 is false.
func asmKernel2(k int, a []float32, rsa, csa int, b0, b1 []float32, rsb int, c []float32, ldc int, alpha, beta float32, mt int) {
	panic("gemm: no assembly kernel")
}

// packTransPanel packs nothing: there is no assembly packing routine.
func packTransPanel(kb int, b []float32, off, ldb int, d []float32) int { return 0 }

// packTransPanel8 packs nothing: there is no assembly packing routine.
func packTransPanel8(kb int, b []float32, off, ldb int, d []float32) int { return 0 }
