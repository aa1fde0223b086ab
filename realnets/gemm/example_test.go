package gemm_test

import (
	"fmt"

	"github.com/regimes/regimes/realnets/gemm"
)

// ExampleSgemm multiplies a 2×3 matrix by a 3×2 matrix, then uses the
// transposed form to compute A*Aᵀ without forming Aᵀ.
func ExampleSgemm() {
	a := []float32{
		1, 2, 3,
		4, 5, 6,
	}
	b := []float32{
		7, 8,
		9, 10,
		11, 12,
	}
	c := make([]float32, 4)
	gemm.Sgemm(gemm.NoTrans, gemm.NoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)

	// C = A*Aᵀ: op(B) = Aᵀ is 3×2, stored as the 2×3 matrix A (ldb = 3).
	gemm.Sgemm(gemm.NoTrans, gemm.Trans, 2, 2, 3, 1, a, 3, a, 3, 0, c, 2)
	fmt.Println(c)
	// Output:
	// [58 64 139 154]
	// [14 32 32 77]
}
