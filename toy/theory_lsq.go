package toy

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/regimes/regimes/analysis"
)

// LSQTheory collects the exact and estimated linear theory of one lsq
// instance at one batch size: the numbers "regimes theory -toy lsq" prints.
type LSQTheory struct {
	// N, D and Rank are the sample count, the dimension and r = rank(A).
	N    int `json:"n"`
	D    int `json:"d"`
	Rank int `json:"rank"`
	// Batch is the batch size (0: full batch); Replace the sampling scheme.
	Batch   int  `json:"batch"`
	Replace bool `json:"replace"`
	// LambdaMax is lambda_max(H); LambdaStar is max_i ||a_i||^2.
	LambdaMax  float64 `json:"lambda_max"`
	LambdaStar float64 `json:"lambda_star"`
	// RandomLevel is tr(H)/(2d), the uniform-sphere average of F.
	RandomLevel float64 `json:"random_level"`
	// GDThreshold is 2/lambda_max(H).
	GDThreshold float64 `json:"gd_threshold"`
	// MSThreshold is the mean-square threshold (MSThreshold) and MSBounds
	// the interval of SCIENCE.md section 6.1 that holds it.
	MSThreshold float64    `json:"ms_threshold"`
	MSBounds    [2]float64 `json:"ms_bounds"`
	// ASThreshold is the almost-sure threshold (ASThresholdWith) with its
	// confidence interval ASThresholdCI at level ASLevel; ASExact is true
	// when it is known in closed form (the full batch).
	ASThreshold   float64    `json:"as_threshold"`
	ASThresholdCI [2]float64 `json:"as_threshold_ci"`
	ASLevel       float64    `json:"as_level"`
	ASExact       bool       `json:"as_exact"`
}

// NewLSQTheory returns the linear theory of the lsq toy with data rows a_i
// for mini-batches of size batch (0: full batch) drawn with or without
// replacement; seed drives the Lyapunov estimate of the almost-sure
// threshold. It returns an error for zero data, data off the scale range
// [MinDataScale, MaxDataScale], a negative batch size, a batch larger than n
// without replacement, or a failed estimate.
func NewLSQTheory(a *mat.Dense, batch int, sampling Sampling, seed uint64) (LSQTheory, error) {
	replace := sampling != Shuffle
	if batch < 0 {
		return LSQTheory{}, fmt.Errorf("toy: negative batch size %d", batch)
	}
	n, d := a.Dims()
	if !replace && batch > n {
		// Simulate refuses this batch under shuffled sampling; the theory of
		// b distinct samples out of n does not exist either.
		return LSQTheory{}, fmt.Errorf("toy: batch %d larger than the %d samples without replacement", batch, n)
	}
	if err := checkScale("lsq", mat.DenseCopyOf(a).RawMatrix().Data, d); err != nil {
		return LSQTheory{}, err
	}
	ms, err := MSThreshold(a, batch, sampling)
	if err != nil {
		return LSQTheory{}, err
	}
	as, err := ASThresholdWith(a, batch, sampling, seed, analysis.LyapunovSettings{})
	if err != nil {
		return LSQTheory{}, err
	}
	return LSQTheory{
		N: n, D: d, Rank: Range(a).Rank(),
		Batch: batch, Replace: replace,
		LambdaMax: LambdaMax(a), LambdaStar: LambdaStar(a), RandomLevel: RandomLevel(a),
		GDThreshold: GDThreshold(a),
		MSThreshold: ms, MSBounds: MSBounds(a, batch, sampling),
		ASThreshold: as.ELR, ASThresholdCI: as.CI, ASLevel: as.Level, ASExact: as.Exact,
	}, nil
}
