// Package sphere holds the two reductions of the fixed-ELR sphere step over
// float32 vectors, summed in float64: the squared norms and inner product of
// a point and a gradient, and the retraction that writes the new point and
// measures the move.
//
// Both are summed in eight lanes: element i of a call adds into lane i mod 8
// with a fused multiply-add, and the lanes are added in the fixed order
// ((l0+l4)+(l1+l5)) + ((l2+l6)+(l3+l7)). The AVX2/FMA assembly and the
// pure-Go code perform exactly the same floating-point operations, so the
// results are bitwise identical on every machine.
//
// Package sphere owns these two reductions only; it imports only the
// standard library and realnets/internal/cpu.
package sphere
