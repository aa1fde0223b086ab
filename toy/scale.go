package toy

import (
	"fmt"
	"math"
)

// The data scale the toys accept. The lsq loss, its curvatures and the
// thresholds scale as s^2 and 1/s^2 in the data scale s = max_ij |a_ij|, and
// the mean-square theory multiplies ELR^2 by curvature^2; outside
// [MinDataScale, MaxDataScale] these products leave the float64 range (the
// eigendecomposition of a Gram matrix of entries 1e308 fails, thresholds of
// entries 1e-200 overflow to +Inf). Data off this range are refused with
// the rescaling that maps them back: the lsq dynamics at ELR eta on the
// data c*A are those at ELR eta*c^2 on A, so nothing is lost by rescaling.
const (
	MinDataScale = 1e-50
	MaxDataScale = 1e50
)

// checkScale returns an error when the data rows (row-major, stride d) have a
// largest absolute entry outside [MinDataScale, MaxDataScale]; all-zero data
// pass (the toys' constructors judge them). It assumes finite entries.
func checkScale(toy string, rows []float64, d int) error {
	var m float64
	at := 0
	for k, v := range rows {
		if a := math.Abs(v); a > m {
			m, at = a, k
		}
	}
	if m == 0 {
		return nil
	}
	if m > MaxDataScale || m < MinDataScale {
		return fmt.Errorf("%s: data scale max|a_ij| = %g (row %d, column %d) is outside [%g, %g], where the loss, its curvatures (~scale^2) and thresholds (~1/scale^2) leave float64's range; divide the data by %g (ELR eta on data c*A equals ELR eta*c^2 on A)",
			toy, m, at/d+1, at%d+1, float64(MinDataScale), float64(MaxDataScale), m)
	}
	return nil
}
