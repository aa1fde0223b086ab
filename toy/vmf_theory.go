package toy

import (
	"fmt"
	"math"

	"github.com/regimes/regimes/analysis"
)

// BesselRatio returns I_nu(k)/I_{nu-1}(k) for nu > 0 and k >= 0; it is
// analysis.BesselRatio (the von Mises-Fisher law lives in analysis, which
// both the toy theory and the entropy estimator use).
func BesselRatio(nu, k float64) float64 { return analysis.BesselRatio(nu, k) }

// VMFTheory is the leading-order equilibrium prediction of the vmf toy
// (SCIENCE.md section 6.3).
type VMFTheory struct {
	// D, Mu, Sigma, ELR and Batch are the inputs (Mu is ||mu||, Sigma the
	// noise scale of one draw, Batch the number of draws averaged per step,
	// 0 for the full batch, which has no noise).
	D     int     `json:"d"`
	Mu    float64 `json:"mu"`
	Sigma float64 `json:"sigma"`
	ELR   float64 `json:"elr"`
	Batch int     `json:"batch"`
	// Temperature is T = ELR sigma^2 / (2 Batch).
	Temperature float64 `json:"temperature"`
	// Kappa is the von Mises-Fisher concentration ||mu|| / T.
	Kappa float64 `json:"kappa"`
	// MeanCos is A_d(kappa) = I_{d/2}(kappa)/I_{d/2-1}(kappa), the stationary
	// mean of the cosine between u and -mu.
	MeanCos float64 `json:"mean_cos"`
	// MeanLoss is the predicted stationary mean of F, -||mu|| A_d(kappa).
	MeanLoss float64 `json:"mean_loss"`
}

// VMFPrediction returns the leading-order stationary law of projected SGD on
// the vmf toy F(u) = <mu, u> in R^d with gradient noise sigma P_u z,
// z ~ N(0, I), at the given ELR (SCIENCE.md section 6.3): the von
// Mises-Fisher density proportional to exp(-F(u)/T) with T = ELR sigma^2/2,
// whose mean loss is -||mu|| A_d(||mu||/T).
//
// Derivation: over n steps, with time t = n ELR, the drift is -grad F dt and
// the tangent noise has covariance ELR^2 sigma^2 per step, that is
// ELR sigma^2 dt; the retraction supplies the Ito correction of Brownian
// motion on the sphere. This is Langevin dynamics du = -grad F dt + sqrt(2T) dW
// on the sphere with 2T = ELR sigma^2, whose stationary density is
// exp(-F/T). A mini-batch of size B averages B draws, so its noise scale is
// sigma/sqrt(B) and T = ELR sigma^2/(2B): see VMFPredictionBatch.
// The prediction is exact as ELR -> 0; the tests measure how it drifts at
// larger ELR. With sigma = 0 (no noise) T = 0 and the law is a point mass at
// -mu/||mu||: MeanLoss = -||mu||.
func VMFPrediction(d int, mu, sigma, elr float64) VMFTheory {
	return VMFPredictionBatch(d, mu, sigma, elr, 1)
}

// VMFPredictionBatch is VMFPrediction for mini-batches that average batch
// independent noise draws (toy.VMF.DrawNoise): the noise variance is
// sigma^2/batch, so T = ELR sigma^2/(2 batch). A batch of 0 is the full batch
// (no noise, T = 0).
func VMFPredictionBatch(d int, mu, sigma, elr float64, batch int) VMFTheory {
	if d < 2 || !(mu >= 0) || !(sigma >= 0) || !(elr >= 0) || batch < 0 ||
		math.IsInf(mu, 0) || math.IsInf(sigma, 0) || math.IsInf(elr, 0) {
		panic(fmt.Sprintf("toy: VMFPrediction needs d >= 2, finite non-negative mu, sigma, elr and batch >= 0; have d=%d mu=%v sigma=%v elr=%v batch=%d", d, mu, sigma, elr, batch))
	}
	v := VMFTheory{D: d, Mu: mu, Sigma: sigma, ELR: elr, Batch: batch}
	if batch > 0 {
		v.Temperature = elr * sigma * sigma / (2 * float64(batch))
	}
	switch {
	case mu == 0:
		v.Kappa = 0
	case v.Temperature == 0:
		v.Kappa = math.Inf(1)
	default:
		v.Kappa = mu / v.Temperature
	}
	v.MeanCos = BesselRatio(float64(d)/2, v.Kappa)
	v.MeanLoss = -mu * v.MeanCos
	if math.IsInf(v.Kappa, 1) {
		v.Kappa = math.MaxFloat64 // JSON has no infinity
	}
	return v
}
