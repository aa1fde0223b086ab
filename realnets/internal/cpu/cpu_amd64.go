//go:build !purego

package cpu

// AVX2FMA reports whether the processor and the operating system support
// AVX2 and FMA3.
var AVX2FMA = hasAVX2FMA()

// AVX512F reports whether the processor and the operating system support
// AVX-512 Foundation (with AVX2 and FMA3).
var AVX512F = AVX2FMA && hasAVX512F()

// cpuid executes the CPUID instruction with the given EAX and ECX inputs.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv returns the XCR0 register (extended control register 0).
func xgetbv() (eax, edx uint32)

// hasAVX2FMA reports whether the processor and the operating system support
// AVX2 and FMA3, using the same tests as golang.org/x/sys/cpu (Intel 64 and
// IA-32 Architectures Software Developer's Manual, vol. 1, section 14.3): CPUID
// leaf 1 ECX bits 12 (FMA), 27 (OSXSAVE) and 28 (AVX); XCR0 bits 1 and 2 (the
// OS saves XMM and YMM state); CPUID leaf 7 EBX bit 5 (AVX2).
func hasAVX2FMA() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
	)
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	xcr0, _ := xgetbv()
	if xcr0&6 != 6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
}

// hasAVX512F reports whether the processor supports AVX-512F (CPUID leaf 7
// EBX bit 16) and the operating system saves the opmask and ZMM state
// (XCR0 bits 5, 6 and 7), the test of golang.org/x/sys/cpu.
func hasAVX512F() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	xcr0, _ := xgetbv()
	if xcr0&0xe6 != 0xe6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<16) != 0
}
