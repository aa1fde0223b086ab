package toy

import (
	"math"

	"github.com/regimes/regimes/analysis"
)

// ThermoPrediction is the leading-order equilibrium of a protocol on the
// vmf toy (SCIENCE.md section 12): exact as the step angle tends to zero,
// with corrections of the order of the step angle squared and of
// ELR*Mu, which the tests and `regimes thermo` measure.
type ThermoPrediction struct {
	// Temperature is T: ELR sigma^2/2 for Sphere and FixedELR; for FixedLR
	// (sigma^2/2) LR/((1-beta) r*^2), which is
	// sqrt(LR WD sigma^2 / (2 (1-beta) (D-1))) when the noise dominates G.
	Temperature float64 `json:"temperature"`
	// Temperature1 adds the first correction in the drift per step,
	// DirELR Mu: T1 = T/(1 - DirELR Mu A_D(Mu/T1)/2), solved for T1. It
	// comes from the mean gradient's share of the retraction (SCIENCE.md
	// section 12) and ignores the corrections in the noise step angle.
	Temperature1 float64 `json:"temperature1"`
	// Kappa is the concentration Mu/T of the stationary direction law,
	// the von Mises-Fisher law proportional to exp(-F(u)/T).
	Kappa float64 `json:"kappa"`
	// DirELR is the ELR of the direction dynamics: ELR, or for FixedLR
	// LR/((1-beta) r*^2).
	DirELR float64 `json:"dir_elr"`
	// GradSq is G = E||g||^2, the second moment of the stochastic gradient
	// at unit norm: the noise trace tr Sigma_1 = (D-1) sigma^2 plus the mean
	// squared gradient Mu^2 E[1 - <e_1,u>^2] = (D-1) Mu T A_D(kappa).
	GradSq float64 `json:"grad_sq"`
	// Radius is the stationary norm r*: 1 (Sphere), sqrt(ELR G/(2 WD))
	// (FixedELR; = sqrt(T (D-1)/WD) when the noise dominates G),
	// (LR G/(2 WD (1-beta)))^(1/4) (FixedLR).
	Radius float64 `json:"radius"`
	// RealisedELR is the ELR of the projected step with the direction of
	// one step: LR/((1-LR WD) r*^2) for FixedLR (what conventional runs
	// log), ELR/(1 - ELR WD r*^2) for FixedELR, ELR on the sphere.
	RealisedELR float64 `json:"realised_elr"`
	// Energy is U = E F = -Mu A_D(kappa) (add 1 for the paper's loss
	// 1 + <mu,u>), and Entropy the differential entropy of the direction law
	// on the unit sphere S^{D-1}.
	Energy  float64 `json:"energy"`
	Entropy float64 `json:"entropy"`
	// MeanCos is A_D(kappa) = E[-<e_1,u>].
	MeanCos float64 `json:"mean_cos"`
	// Pressure p and volume V = r*^2/2 satisfy p V = G T/(2 sigma^2), the
	// ideal-gas law p V = (D-1) T/2 up to the factor 1 + Mu T A_D/sigma^2:
	// p is WD, or ELR G/2 for Sphere (the weight decay equivalent to the
	// projection).
	Pressure float64 `json:"pressure"`
	Volume   float64 `json:"volume"`
	// AngleRMS is the root-mean-square angle per step: ELR sqrt(G) for
	// Sphere and FixedELR, sqrt(2 LR WD/(1+beta)) for FixedLR.
	// AngleMean is the mean angle, AngleRMS E[chi_{D-1}]/sqrt(D-1) (the
	// tangent step is isotropic Gaussian noise at leading order).
	AngleRMS  float64 `json:"angle_rms"`
	AngleMean float64 `json:"angle_mean"`
	// NormRelaxation is the e-folding time of a small deviation of the
	// norm from r*, in steps: 1/(ELR^2 G) for FixedELR,
	// HeavyBallRelaxation(LR, WD, beta) for FixedLR (about
	// (1-beta)/(4 LR WD)), 0 on the sphere. DirRelaxation is that of the direction,
	// 1/(DirELR (Mu + (D-1) T)) (the drift rate Mu for a concentrated law,
	// the diffusion rate (D-1) T of the first harmonic for a diffuse one).
	NormRelaxation float64 `json:"norm_relaxation"`
	DirRelaxation  float64 `json:"dir_relaxation"`
}

// ThermoPredict returns the leading-order equilibrium of cfg (after
// Defaults; it ignores Steps, Seed and InitNorm). Derivations: SCIENCE.md
// section 12.
func ThermoPredict(cfg ThermoConfig) (ThermoPrediction, error) {
	c := cfg
	c.InitNorm = 1
	c = c.Defaults()
	if err := c.Check(); err != nil {
		return ThermoPrediction{}, err
	}
	var p ThermoPrediction
	dm1 := float64(c.D - 1)
	s2 := c.Sigma * c.Sigma
	// gradSq is G = E||g||^2 = tr Sigma_1 + E||grad F||^2 at unit norm under
	// the vMF law at temperature t: (D-1) sigma^2 + Mu^2 E[1 - s^2], with
	// E[1 - s^2] = (D-1) A_D(kappa)/kappa.
	gradSq := func(t float64) float64 {
		return dm1 * (s2 + c.Mu*t*analysis.VMFMeanCos(c.D, c.Mu/t))
	}
	switch c.Protocol {
	case Sphere, FixedELR:
		p.Temperature = c.ELR * s2 / 2
		p.GradSq = gradSq(p.Temperature)
		p.DirELR = c.ELR
		p.RealisedELR = c.ELR
		p.AngleRMS = c.ELR * math.Sqrt(p.GradSq)
		if c.Protocol == Sphere {
			p.Radius = 1
			p.Pressure = c.ELR * p.GradSq / 2
		} else {
			p.Radius = math.Sqrt(c.ELR * p.GradSq / (2 * c.WD))
			p.RealisedELR = c.ELR / (1 - c.ELR*c.WD*p.Radius*p.Radius)
			p.Pressure = c.WD
			p.NormRelaxation = 1 / (c.ELR * c.ELR * p.GradSq)
		}
	case FixedLR:
		b := c.Momentum
		// T = (sigma^2/2) LR/((1-b) r*^2) with r*^4 = LR G/(2 WD (1-b)),
		// G = G(T): a fixed point, reached from the noise-only value in a
		// few iterations (G varies by a factor 1 + O(T)).
		t := math.Sqrt(c.LR * c.WD * s2 / (2 * (1 - b) * dm1))
		for range 50 {
			r2 := math.Sqrt(c.LR * gradSq(t) / (2 * c.WD * (1 - b)))
			next := s2 / 2 * c.LR / ((1 - b) * r2)
			if math.Abs(next-t) <= 1e-15*t {
				break
			}
			t = next
		}
		p.Temperature = t
		p.GradSq = gradSq(t)
		p.Radius = math.Pow(c.LR*p.GradSq/(2*c.WD*(1-b)), 0.25)
		p.DirELR = c.LR / ((1 - b) * p.Radius * p.Radius)
		p.RealisedELR = c.LR / ((1 - c.LR*c.WD) * p.Radius * p.Radius)
		p.Pressure = c.WD
		p.AngleRMS = math.Sqrt(2 * c.LR * c.WD / (1 + b))
		p.NormRelaxation = HeavyBallRelaxation(c.LR, c.WD, b)
	}
	t1 := p.Temperature
	for range 100 {
		next := p.Temperature / (1 - p.DirELR*c.Mu*analysis.VMFMeanCos(c.D, c.Mu/t1)/2)
		if !(next > 0) || math.IsInf(next, 0) {
			t1 = math.NaN() // no fixed point: DirELR Mu >= 2
			break
		}
		if math.Abs(next-t1) <= 1e-14*t1 {
			t1 = next
			break
		}
		t1 = next
	}
	p.Temperature1 = t1
	p.Kappa = c.Mu / p.Temperature
	p.MeanCos = analysis.VMFMeanCos(c.D, p.Kappa)
	p.Energy = -c.Mu * p.MeanCos
	p.Entropy = analysis.VMFEntropy(c.D, p.Kappa)
	p.Volume = p.Radius * p.Radius / 2
	p.AngleMean = p.AngleRMS * ChiMean(c.D-1) / math.Sqrt(dm1)
	p.DirRelaxation = 1 / (p.DirELR * (c.Mu + dm1*p.Temperature))
	return p, nil
}

// ChiMean returns E[chi_k] = sqrt(2) Gamma((k+1)/2)/Gamma(k/2), the mean
// norm of a standard normal vector in R^k (k >= 1).
func ChiMean(k int) float64 {
	a, _ := math.Lgamma(float64(k+1) / 2)
	b, _ := math.Lgamma(float64(k) / 2)
	return math.Sqrt2 * math.Exp(a-b)
}

// HeavyBallRelaxation returns the e-folding time in steps of a small
// deviation of r^2 from its equilibrium under SGD with learning rate lr,
// weight decay wd and heavy-ball momentum beta (SCIENCE.md section 12.5).
// Without momentum the deviation shrinks by 4 lr wd per step; both the
// weight decay and the noise's growth of the norm enter the weights through
// the velocity, so with momentum the deviation follows the heavy ball
// d_{t+1} - d_t = beta (d_t - d_{t-1}) - 4 lr wd d_t, whose slow root z of
// z^2 - (1 + beta - 4 lr wd) z + beta = 0 gives the time -1/log z:
//
//	(1-beta)/(4 lr wd) / (1 + 4 beta lr wd/(1-beta)^2 + ...),
//
// 1/(-log(1 - 4 lr wd)) without momentum. When the roots are complex
// (4 lr wd > (1 - sqrt(beta))^2, the deviation oscillates) it is the
// envelope's time -2/log(beta).
func HeavyBallRelaxation(lr, wd, beta float64) float64 {
	a := 1 + beta - 4*lr*wd
	disc := a*a - 4*beta
	if disc < 0 {
		return -2 / math.Log(beta)
	}
	return -1 / math.Log((a+math.Sqrt(disc))/2)
}
