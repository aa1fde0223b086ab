package experiment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/regimes/regimes/analysis"

	"github.com/regimes/regimes/toy"
)

// ThermoConfig configures the Thermo grid protocol: the three protocols of
// the thermodynamic picture on the vmf toy (SCIENCE.md section 12) over a
// grid of rates and weight decays. The zero value of every field means its
// default (DefaultThermoConfig).
type ThermoConfig struct {
	// D, Mu and Sigma define the toy (defaults 3, 1, 1, the paper's
	// isotropic noise model).
	D     int     `json:"d"`
	Mu    float64 `json:"mu"`
	Sigma float64 `json:"sigma"`
	// SphereELRs are the ELRs of the sphere protocol, ELRs x WDs the grid
	// of the fixed-ELR protocol, LRs x WDs x Momenta that of the fixed-LR
	// protocol.
	SphereELRs []float64 `json:"sphere_elrs"`
	ELRs       []float64 `json:"elrs"`
	LRs        []float64 `json:"lrs"`
	WDs        []float64 `json:"wds"`
	Momenta    []float64 `json:"momenta"`
	// Rows is the number of records per run (default 5000); a run lasts
	// Rows record intervals of Spacing direction relaxation times (default
	// 2.5) each, at least MinSteps steps (default 200000), after a burn of a
	// quarter of that.
	Rows     int     `json:"rows"`
	Spacing  float64 `json:"spacing"`
	MinSteps int     `json:"min_steps"`
	// Seed is the base seed; run i uses Seed + i.
	Seed uint64 `json:"seed"`
	// Workers is the number of runs in parallel (default GOMAXPROCS); the
	// result does not depend on it.
	Workers int `json:"-"`
	// Progress, if not nil, is called after each run.
	Progress func(done, total int) `json:"-"`
}

// DefaultThermoConfig returns the default grid: D = 3, sphere ELRs
// 0.003-1, fixed-ELR ELRs 0.003-0.3 x weight decays 0.001-0.1, fixed-LR
// learning rates 0.01-1 x the same weight decays, with momentum 0 and 0.9.
func DefaultThermoConfig() ThermoConfig {
	return ThermoConfig{D: 3, Mu: 1, Sigma: 1,
		SphereELRs: []float64{0.003, 0.01, 0.03, 0.1, 0.3, 1},
		ELRs:       []float64{0.003, 0.01, 0.03, 0.1, 0.3},
		LRs:        []float64{0.01, 0.1, 1},
		WDs:        []float64{0.001, 0.01, 0.1},
		Momenta:    []float64{0, 0.9},
		Rows:       5000, Spacing: 2.5, MinSteps: 200000, Seed: 1}
}

// Defaults returns c with every zero field replaced by its default.
func (c ThermoConfig) Defaults() ThermoConfig {
	d := DefaultThermoConfig()
	if c.D == 0 {
		c.D = d.D
	}
	if c.Mu == 0 {
		c.Mu = d.Mu
	}
	if c.Sigma == 0 {
		c.Sigma = d.Sigma
	}
	if c.SphereELRs == nil {
		c.SphereELRs = d.SphereELRs
	}
	if c.ELRs == nil {
		c.ELRs = d.ELRs
	}
	if c.LRs == nil {
		c.LRs = d.LRs
	}
	if c.WDs == nil {
		c.WDs = d.WDs
	}
	if c.Momenta == nil {
		c.Momenta = d.Momenta
	}
	if c.Rows == 0 {
		c.Rows = d.Rows
	}
	if c.Spacing == 0 {
		c.Spacing = d.Spacing
	}
	if c.MinSteps == 0 {
		c.MinSteps = d.MinSteps
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c
}

// Runs returns the configurations of the grid's runs, in result order:
// sphere, then fixed ELR (ELR-major), then fixed LR (momentum, LR, WD).
// Each run's length follows its predicted direction relaxation time.
func (c ThermoConfig) Runs() ([]toy.ThermoConfig, error) {
	c = c.Defaults()
	if c.Rows < 100 || !(c.Spacing > 0) || c.MinSteps < 1 {
		return nil, fmt.Errorf("need rows >= 100, spacing > 0 and min steps >= 1, have %d, %v, %d", c.Rows, c.Spacing, c.MinSteps)
	}
	var runs []toy.ThermoConfig
	base := toy.ThermoConfig{D: c.D, Mu: c.Mu, Sigma: c.Sigma}
	for _, e := range c.SphereELRs {
		r := base
		r.Protocol, r.ELR = toy.Sphere, e
		runs = append(runs, r)
	}
	for _, e := range c.ELRs {
		for _, wd := range c.WDs {
			r := base
			r.Protocol, r.ELR, r.WD = toy.FixedELR, e, wd
			runs = append(runs, r)
		}
	}
	for _, b := range c.Momenta {
		for _, lr := range c.LRs {
			for _, wd := range c.WDs {
				r := base
				r.Protocol, r.LR, r.WD, r.Momentum = toy.FixedLR, lr, wd, b
				runs = append(runs, r)
			}
		}
	}
	for i := range runs {
		r := &runs[i]
		p, err := toy.ThermoPredict(*r)
		if err != nil {
			return nil, fmt.Errorf("run %d (%v): %v", i, r.Protocol, err)
		}
		r.Every = max(1, int(math.Ceil(c.Spacing*p.DirRelaxation)))
		r.Steps = max(c.MinSteps, c.Rows*r.Every)
		r.Every = r.Steps / c.Rows
		r.Burn = r.Steps / 4
		r.Seed = c.Seed + uint64(i)
	}
	return runs, nil
}

// ThermoPoint is one run of the grid: its prediction, its measurement and
// their comparison.
type ThermoPoint struct {
	Run       toy.ThermoConfig      `json:"run"`
	Predicted toy.ThermoPrediction  `json:"predicted"`
	Measured  toy.ThermoMeasurement `json:"measured"`
	// RelErr holds (measured - predicted)/predicted of the temperature, the
	// radius, the RMS angle and the pressure, and EntropyErr the absolute
	// error of the entropy (nats).
	RelErr     ThermoErrors `json:"rel_err"`
	EntropyErr float64      `json:"entropy_err"`
	// InCI reports which predictions lie in the measured 95% CI.
	InCI ThermoInCI `json:"in_ci"`
	// Entropy3 is the entropy of the weights in R^D, the direction's plus
	// (D-1) log r (measured r), as the paper's S(rho_w).
	EntropyFull float64 `json:"entropy_full"`
	// Seconds is the wall time of the run.
	Seconds float64 `json:"seconds"`
}

// ThermoErrors are relative errors of the predictions.
type ThermoErrors struct {
	Temperature  float64 `json:"temperature"`
	Temperature1 float64 `json:"temperature1"`
	Radius       float64 `json:"radius"`
	AngleRMS     float64 `json:"angle_rms"`
	Pressure     float64 `json:"pressure"`
}

// ThermoInCI reports whether each prediction lies in its measured CI.
type ThermoInCI struct {
	Temperature  bool `json:"temperature"`
	Temperature1 bool `json:"temperature1"`
	Energy       bool `json:"energy"`
	Entropy      bool `json:"entropy"`
	Radius       bool `json:"radius"`
	AngleRMS     bool `json:"angle_rms"`
	Pressure     bool `json:"pressure"`
}

// ThermoBreakdown says where a temperature prediction of one protocol
// stops holding on the grid, in terms of the predicted RMS step angle. A
// point fails when the prediction lies more than FailZ standard errors
// from the measured temperature (the standard error is the 95% CI
// half-width over 1.96), so that chance failures are rare (0.1% per point,
// where a 95% CI alone would miss one point in 20). HoldsBelow is the
// smallest angle of a failing point (every point at a smaller angle passes;
// NaN if none fails), Failures the number of failing points and Points the
// number of points. Order is 0 for the leading order T and 1 for the
// first-order T1.
type ThermoBreakdown struct {
	Protocol   toy.ThermoProtocol `json:"protocol"`
	Order      int                `json:"order"`
	HoldsBelow float64            `json:"holds_below"`
	Failures   int                `json:"failures"`
	Points     int                `json:"points"`
}

// ThermoResult is the result of the Thermo grid.
type ThermoResult struct {
	Config    ThermoConfig      `json:"config"`
	Points    []ThermoPoint     `json:"points"`
	Breakdown []ThermoBreakdown `json:"breakdown"`
	// Maxwell holds the measured Maxwell relation of the fixed-ELR
	// protocol (see ThermoMaxwell).
	Maxwell ThermoMaxwell `json:"maxwell"`
	Seconds float64       `json:"seconds"`
}

// Thermo runs the grid of c on the vmf toy, measures each run's
// equilibrium and compares it with the leading-order predictions. Runs are
// spread over c.Workers goroutines; each is a pure function of its
// configuration, so the result does not depend on their number. Thermo
// stops early when ctx is cancelled.
func Thermo(ctx context.Context, c ThermoConfig) (*ThermoResult, error) {
	c = c.Defaults()
	runs, err := c.Runs()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res := &ThermoResult{Config: c, Points: make([]ThermoPoint, len(runs))}
	errs := make([]error, len(runs))
	next := make(chan int, len(runs))
	for i := range runs {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(c.Workers, len(runs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if ctx.Err() != nil {
					errs[i] = ctx.Err()
					continue
				}
				res.Points[i], errs[i] = thermoPoint(runs[i])
				mu.Lock()
				done++
				if c.Progress != nil {
					c.Progress(done, len(runs))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, order := range []int{0, 1} {
		for _, p := range []toy.ThermoProtocol{toy.Sphere, toy.FixedELR, toy.FixedLR} {
			res.Breakdown = append(res.Breakdown, breakdown(res.Points, p, order))
		}
	}
	res.Maxwell = maxwell(res.Points, c)
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

func thermoPoint(cfg toy.ThermoConfig) (ThermoPoint, error) {
	t0 := time.Now()
	p, err := toy.ThermoPredict(cfg)
	if err != nil {
		return ThermoPoint{}, err
	}
	run, err := toy.SimulateThermo(cfg)
	if err != nil {
		return ThermoPoint{}, fmt.Errorf("%v elr=%g lr=%g wd=%g momentum=%g: %v", cfg.Protocol, cfg.ELR, cfg.LR, cfg.WD, cfg.Momentum, err)
	}
	m := run.Measure()
	pt := ThermoPoint{Run: run.Config, Predicted: p, Measured: m}
	pt.RelErr = ThermoErrors{
		Temperature:  m.Temperature.RelErr(p.Temperature),
		Temperature1: m.Temperature.RelErr(p.Temperature1),
		Radius:       m.Radius.RelErr(p.Radius),
		AngleRMS:     m.AngleRMS.RelErr(p.AngleRMS),
		Pressure:     m.Pressure.RelErr(p.Pressure),
	}
	pt.EntropyErr = m.Entropy.Value - p.Entropy
	const tiny = 1e-9 // constants measured exactly up to rounding
	in := func(x toy.Measured, w float64) bool {
		return x.CI95[0]-tiny*math.Abs(w) <= w && w <= x.CI95[1]+tiny*math.Abs(w)
	}
	pt.InCI = ThermoInCI{
		Temperature: in(m.Temperature, p.Temperature), Temperature1: in(m.Temperature, p.Temperature1), Energy: in(m.Energy, p.Energy),
		Entropy: in(m.Entropy, p.Entropy), Radius: in(m.Radius, p.Radius),
		AngleRMS: in(m.AngleRMS, p.AngleRMS), Pressure: in(m.Pressure, p.Pressure),
	}
	pt.EntropyFull = m.Entropy.Value + float64(cfg.D-1)*math.Log(m.Radius.Value)
	pt.Seconds = time.Since(t0).Seconds()
	return pt, nil
}

// FailZ is the distance, in standard errors, at which a prediction fails
// (the two-sided 99.9% level).
const FailZ = 3.29

// fails reports whether the prediction x lies more than FailZ standard
// errors from the measurement m.
func fails(m toy.Measured, x float64) bool {
	return math.Abs(m.Value-x) > FailZ*sd95(m)
}

func breakdown(pts []ThermoPoint, proto toy.ThermoProtocol, order int) ThermoBreakdown {
	b := ThermoBreakdown{Protocol: proto, Order: order, HoldsBelow: math.NaN()}
	for _, p := range pts {
		if p.Run.Protocol != proto {
			continue
		}
		b.Points++
		t := p.Predicted.Temperature
		if order == 1 {
			t = p.Predicted.Temperature1
		}
		if fails(p.Measured.Temperature, t) {
			b.Failures++
			if a := p.Predicted.AngleRMS; !(a >= b.HoldsBelow) {
				b.HoldsBelow = a
			}
		}
	}
	return b
}

// ThermoMaxwell is the Maxwell relation dS/dp|_T = -dV/dT|_p of the
// fixed-ELR protocol in logarithmic form, measured on the grid: with the
// entropy of the weights S = S_dir + (D-1) log r, the ideal gas predicts
// dS/dlog p|_T = -(D-1)/2 and -p dV/dT|_p = -(D-1)/2 (to the same order as
// p V = (D-1) T/2). Each is fitted by weighted least squares on the grid
// points with a step angle below MaxAngle, the weights from the points' CIs
// (for V against T the effective variance of both coordinates), with the
// slope's standard error.
type ThermoMaxwell struct {
	MaxAngle float64 `json:"max_angle"`
	// ELR and DSdLogP hold, per ELR (fixed T), the slope of S against log p.
	ELR       []float64 `json:"elr"`
	DSdLogP   []float64 `json:"ds_dlogp"`
	DSdLogPSE []float64 `json:"ds_dlogp_se"`
	// WD and PdVdT hold, per weight decay (fixed p), -p times the slope of
	// the measured V against the measured T.
	WD      []float64 `json:"wd"`
	PdVdT   []float64 `json:"minus_p_dv_dt"`
	PdVdTSE []float64 `json:"minus_p_dv_dt_se"`
	Theory  float64   `json:"theory"`
}

// MaxwellAngle is the step angle below which the Maxwell slopes are fitted.
const MaxwellAngle = 0.15

// sd95 converts a 95% CI to a standard deviation.
func sd95(m toy.Measured) float64 { return (m.CI95[1] - m.CI95[0]) / (2 * 1.96) }

func maxwell(pts []ThermoPoint, c ThermoConfig) ThermoMaxwell {
	mx := ThermoMaxwell{MaxAngle: MaxwellAngle, Theory: -float64(c.D-1) / 2}
	for _, e := range c.ELRs {
		var xs, ys, sy []float64
		for _, p := range pts {
			if p.Run.Protocol == toy.FixedELR && p.Run.ELR == e && p.Predicted.AngleRMS < MaxwellAngle {
				xs = append(xs, math.Log(p.Run.WD))
				ys = append(ys, p.EntropyFull)
				sy = append(sy, sd95(p.Measured.Entropy))
			}
		}
		if len(xs) >= 2 {
			b, se := wslope(xs, ys, sy, nil)
			mx.ELR = append(mx.ELR, e)
			mx.DSdLogP = append(mx.DSdLogP, b)
			mx.DSdLogPSE = append(mx.DSdLogPSE, se)
		}
	}
	for _, wd := range c.WDs {
		var xs, ys, sx, sy []float64
		for _, p := range pts {
			if p.Run.Protocol == toy.FixedELR && p.Run.WD == wd && p.Predicted.AngleRMS < MaxwellAngle {
				xs = append(xs, p.Measured.Temperature.Value)
				ys = append(ys, p.Measured.Volume.Value)
				sx = append(sx, sd95(p.Measured.Temperature))
				sy = append(sy, sd95(p.Measured.Volume))
			}
		}
		if len(xs) >= 2 {
			b, se := wslope(xs, ys, sy, sx)
			mx.WD = append(mx.WD, wd)
			mx.PdVdT = append(mx.PdVdT, -wd*b)
			mx.PdVdTSE = append(mx.PdVdTSE, wd*se)
		}
	}
	return mx
}

// wslope returns the weighted least-squares slope of y on x and its
// standard error, with weights 1/(sy^2 + b^2 sx^2) (sx may be nil), the
// effective variance iterated from the unweighted slope.
func wslope(x, y, sy, sx []float64) (b, se float64) {
	w := make([]float64, len(x))
	for i := range w {
		w[i] = 1
	}
	for it := 0; it < 5; it++ {
		var sw, mx, my float64
		for i := range x {
			sw += w[i]
			mx += w[i] * x[i]
			my += w[i] * y[i]
		}
		mx /= sw
		my /= sw
		var sxy, sxx float64
		for i := range x {
			sxy += w[i] * (x[i] - mx) * (y[i] - my)
			sxx += w[i] * (x[i] - mx) * (x[i] - mx)
		}
		b = sxy / sxx
		se = math.Sqrt(1 / sxx)
		for i := range w {
			v := sy[i] * sy[i]
			if sx != nil {
				v += b * b * sx[i] * sx[i]
			}
			w[i] = 1 / math.Max(v, 1e-300)
		}
	}
	return b, se
}

// MarshalJSON encodes p with NaN as null.
func (p ThermoPoint) MarshalJSON() ([]byte, error) { return analysis.MarshalFinite(p) }

// MarshalJSON encodes e with NaN as null.
func (e ThermoErrors) MarshalJSON() ([]byte, error) { return analysis.MarshalFinite(e) }

// MarshalJSON encodes b with NaN as null.
func (b ThermoBreakdown) MarshalJSON() ([]byte, error) { return analysis.MarshalFinite(b) }

// MarshalJSON encodes m with NaN as null.
func (m ThermoMaxwell) MarshalJSON() ([]byte, error) { return analysis.MarshalFinite(m) }

// MarshalJSON encodes r with NaN as null.
func (r ThermoResult) MarshalJSON() ([]byte, error) { return analysis.MarshalFinite(r) }
