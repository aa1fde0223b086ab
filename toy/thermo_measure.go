package toy

import (
	"math"

	"github.com/regimes/regimes/analysis"
)

// A Measured is a stationary value with its 95% confidence interval.
type Measured = analysis.Interval

func measuredOf(s analysis.SeriesStats) Measured {
	if s.StdDev <= 1e-12*math.Abs(s.Mean) {
		return Measured{Value: s.Mean, CI95: [2]float64{s.Mean, s.Mean}} // a constant series
	}
	return Measured{Value: s.Mean, CI95: s.CI95}
}

// ThermoMeasurement is what a run measures of its equilibrium, each with a
// 95% confidence interval from the analysis package's equilibrium
// statistics (MSER-5 transient, batch means) over the record rows.
type ThermoMeasurement struct {
	// Temperature is Mu/kappa with kappa the maximum-likelihood
	// concentration of the direction law given its mean cosine
	// (analysis.VMFKappa); Kappa is that concentration.
	Temperature Measured `json:"temperature"`
	Kappa       Measured `json:"kappa"`
	// MeanCos is E[-<e_1,u>] and Energy E F = -Mu MeanCos.
	MeanCos Measured `json:"mean_cos"`
	Energy  Measured `json:"energy"`
	// Entropy is the Kozachenko-Leonenko estimate of the direction law's
	// entropy on the unit sphere from EntropySamples directions spread
	// evenly over the stationary window, EntropySpacing steps apart.
	Entropy        Measured `json:"entropy"`
	EntropySamples int      `json:"entropy_samples"`
	EntropySpacing int      `json:"entropy_spacing"`
	// Radius is the stationary norm E||w|| and Volume E||w||^2/2.
	Radius Measured `json:"radius"`
	Volume Measured `json:"volume"`
	// AngleMean and AngleRMS are the mean and root-mean-square angle per
	// step; ELR is the mean realised ELR of the direction steps.
	AngleMean Measured `json:"angle_mean"`
	AngleRMS  Measured `json:"angle_rms"`
	ELR       Measured `json:"elr"`
	// Pressure is the mean pressure (WD exactly, except on the sphere),
	// and PV the product Pressure * Volume.
	Pressure Measured `json:"pressure"`
	PV       Measured `json:"pv"`
	// GradSq is E||g||^2 of the unit-sphere stochastic gradient.
	GradSq Measured `json:"grad_sq"`
	// TransientEnd is the first stationary row (the latest MSER cut over
	// the cosine and the norm), Rows the number of rows.
	TransientEnd int `json:"transient_end"`
	Rows         int `json:"rows"`
}

// MaxEntropySamples bounds the directions given to the entropy estimator.
const MaxEntropySamples = 4000

// Measure computes the equilibrium measurement of the run.
func (r *ThermoRun) Measure() ThermoMeasurement {
	c := r.Config
	var m ThermoMeasurement
	m.Rows = len(r.Cos)
	cs := analysis.Stationary(r.Cos)
	m.MeanCos = measuredOf(cs)
	end := cs.TransientEnd
	m.Energy = m.MeanCos.Map(func(x float64) float64 { return -c.Mu * x })
	m.Kappa = m.MeanCos.Map(func(x float64) float64 { return analysis.VMFKappa(c.D, x) })
	m.Temperature = m.Kappa.Map(func(k float64) float64 { return c.Mu / k })
	if c.Protocol == Sphere {
		m.Radius = Measured{Value: 1, CI95: [2]float64{1, 1}}
		m.Volume = Measured{Value: 0.5, CI95: [2]float64{0.5, 0.5}}
		m.Pressure = measuredOf(analysis.Stationary(r.Pressure))
		m.PV = m.Pressure.Map(func(p float64) float64 { return p / 2 })
	} else {
		ns := analysis.Stationary(r.Norm)
		end = max(end, ns.TransientEnd)
		m.Radius = measuredOf(ns)
		v := make([]float64, len(r.Norm))
		for i, x := range r.Norm {
			v[i] = x * x / 2
		}
		m.Volume = measuredOf(analysis.Stationary(v))
		m.Pressure = Measured{Value: c.WD, CI95: [2]float64{c.WD, c.WD}}
		m.PV = m.Volume.Map(func(v float64) float64 { return c.WD * v })
	}
	m.TransientEnd = end
	m.AngleMean = measuredOf(analysis.Stationary(r.Angle))
	m.AngleRMS = measuredOf(analysis.Stationary(r.Angle2)).Map(func(x float64) float64 { return math.Sqrt(math.Max(x, 0)) })
	m.ELR = measuredOf(analysis.Stationary(r.ELR))
	m.GradSq = measuredOf(analysis.Stationary(r.GradSq))

	rows := m.Rows - end
	n := min(rows, MaxEntropySamples)
	if n > 10 {
		x := make([][]float64, n)
		stride := rows / n
		for i := range x {
			x[i] = r.Dir(end + i*stride)
		}
		e := analysis.SphereEntropyKL(x, 1)
		m.Entropy = Measured{Value: e.Entropy, CI95: e.CI95}
		m.EntropySamples, m.EntropySpacing = n, stride*c.Every
	} else {
		nan := math.NaN()
		m.Entropy = Measured{Value: nan, CI95: [2]float64{nan, nan}}
	}
	return m
}

// MarshalJSON encodes m with NaN as null.
func (m ThermoMeasurement) MarshalJSON() ([]byte, error) { return analysis.MarshalFinite(m) }

// MarshalJSON encodes p with NaN as null.
func (p ThermoPrediction) MarshalJSON() ([]byte, error) { return analysis.MarshalFinite(p) }
