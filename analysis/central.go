package analysis

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Median returns the median of the values of x that are not NaN (the mean
// of the two middle values for an even count), without changing x. NaN
// marks a missing value (a failed run, a statistic that could not be
// computed) and is left out; infinities are ordered values and take part.
// The median of no values is NaN.
func Median(x []float64) float64 {
	y := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) {
			y = append(y, v)
		}
	}
	if len(y) == 0 {
		return math.NaN()
	}
	slices.Sort(y)
	m := len(y) / 2
	if len(y)%2 == 1 {
		return y[m]
	}
	return (y[m-1] + y[m]) / 2
}

// A MeanInterval is the mean of independent values with its two-sided
// Student t confidence interval, as computed by MeanCI.
type MeanInterval struct {
	// N is the number of values.
	N int
	// Mean is their mean and SD their sample standard deviation (n-1
	// denominator).
	Mean, SD float64
	// Lo and Hi are the ends of the interval Mean -/+ T SD/sqrt(N).
	Lo, Hi float64
	// Level is the confidence level and T the Student t quantile
	// t(1/2 + Level/2, N-1) behind the interval.
	Level, T float64
}

// MeanCI returns the mean of the independent values x (seeds, probes) with
// its two-sided Student t confidence interval at the given level (0 means
// 0.95): Mean -/+ t(1/2 + level/2, n-1) SD/sqrt(n). With no values every
// number is NaN; with one value the mean is that value and SD, T and the
// interval are NaN. Values are used as they are: a NaN or an infinity
// makes the result NaN or infinite, never silently dropped (use Median,
// or drop them first, to summarise values with gaps). For autocorrelated
// series use Stationary, whose interval comes from batch means.
func MeanCI(x []float64, level float64) MeanInterval {
	if level == 0 {
		level = 0.95
	}
	if !(level > 0 && level < 1) {
		panic("analysis: MeanCI needs 0 < level < 1")
	}
	nan := math.NaN()
	n := len(x)
	s := MeanInterval{N: n, Mean: nan, SD: nan, Lo: nan, Hi: nan, Level: level, T: nan}
	if n == 0 {
		return s
	}
	var sum float64
	for _, v := range x {
		sum += v
	}
	s.Mean = sum / float64(n)
	if n < 2 {
		return s
	}
	var ss float64
	for _, v := range x {
		ss += (v - s.Mean) * (v - s.Mean)
	}
	s.SD = math.Sqrt(ss / float64(n-1))
	s.T = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.5 + level/2)
	h := s.T * s.SD / math.Sqrt(float64(n))
	s.Lo, s.Hi = s.Mean-h, s.Mean+h
	return s
}
