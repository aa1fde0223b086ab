package toy

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// A ThermoProtocol is one of the three training protocols of the
// thermodynamic picture (SCIENCE.md section 12), run on the vmf toy.
type ThermoProtocol int

const (
	// Sphere is projected SGD on the unit sphere at a fixed ELR (no weight
	// decay): u' = (u - ELR g) / ||u - ELR g||.
	Sphere ThermoProtocol = iota
	// FixedELR is SGD with weight decay whose learning rate follows the
	// norm, lr_t = ELR ||w_t||^2, so that the ELR is fixed and the norm free:
	// w' = w - ELR ||w||^2 (grad L(w) + WD w).
	FixedELR
	// FixedLR is plain SGD with weight decay (and optional heavy-ball
	// momentum, PyTorch's convention): v = Momentum v + grad L(w) + WD w,
	// w' = w - LR v.
	FixedLR
)

var thermoProtocolNames = [...]string{"sphere", "elr", "lr"}

// String returns "sphere", "elr" or "lr".
func (p ThermoProtocol) String() string {
	if p < 0 || int(p) >= len(thermoProtocolNames) {
		return fmt.Sprintf("ThermoProtocol(%d)", int(p))
	}
	return thermoProtocolNames[p]
}

// ParseThermoProtocol returns the protocol named s ("sphere", "elr", "lr").
func ParseThermoProtocol(s string) (ThermoProtocol, error) {
	for i, n := range thermoProtocolNames {
		if s == n {
			return ThermoProtocol(i), nil
		}
	}
	return 0, fmt.Errorf("unknown protocol %q (want sphere, elr or lr)", s)
}

// MarshalText encodes the protocol by name.
func (p ThermoProtocol) MarshalText() ([]byte, error) {
	if p < 0 || int(p) >= len(thermoProtocolNames) {
		return nil, fmt.Errorf("toy: invalid protocol %d", int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText decodes a protocol name.
func (p *ThermoProtocol) UnmarshalText(b []byte) error {
	q, err := ParseThermoProtocol(string(b))
	*p = q
	return err
}

// ThermoConfig configures one run of a thermodynamic protocol on the vmf
// toy in R^D: F(u) = Mu <e_1, u> (the toy's sign convention: the minimum
// is at -e_1, F = -Mu there) with the stochastic gradient
// grad F + Sigma P_u z / ||w||, z ~ N(0, I_D), one draw per step. The zero
// value of every field except the protocol's rates means its default.
type ThermoConfig struct {
	Protocol ThermoProtocol `json:"protocol"`
	// D is the dimension (default 3), Mu = ||mu|| (default 1) and Sigma
	// the noise scale (default 1).
	D     int     `json:"d"`
	Mu    float64 `json:"mu"`
	Sigma float64 `json:"sigma"`
	// ELR is the effective learning rate of Sphere and FixedELR.
	ELR float64 `json:"elr,omitempty"`
	// LR and Momentum are the learning rate and the heavy-ball coefficient
	// of FixedLR.
	LR       float64 `json:"lr,omitempty"`
	Momentum float64 `json:"momentum,omitempty"`
	// WD is the weight decay of FixedELR and FixedLR.
	WD float64 `json:"wd,omitempty"`
	// Steps is the number of recorded steps (default 1e6) after Burn
	// discarded ones (default Steps/4).
	Steps int `json:"steps"`
	Burn  int `json:"burn"`
	// Every is the record interval (default max(1, Steps/5000)).
	Every int `json:"every"`
	// Seed drives the initial direction and the noise (PCG streams 1, 2).
	Seed uint64 `json:"seed"`
	// InitNorm is ||w_0|| for FixedELR and FixedLR; default the predicted
	// stationary radius (ThermoPredict), so the norm starts in equilibrium.
	InitNorm float64 `json:"init_norm,omitempty"`
}

// Defaults returns c with every zero field replaced by its default.
func (c ThermoConfig) Defaults() ThermoConfig {
	if c.D == 0 {
		c.D = 3
	}
	if c.Mu == 0 {
		c.Mu = 1
	}
	if c.Sigma == 0 {
		c.Sigma = 1
	}
	if c.Steps == 0 {
		c.Steps = 1000000
	}
	if c.Burn == 0 {
		c.Burn = c.Steps / 4
	}
	if c.Every == 0 {
		c.Every = max(1, c.Steps/5000)
	}
	if c.InitNorm == 0 && c.Protocol != Sphere {
		if p, err := ThermoPredict(c); err == nil {
			c.InitNorm = p.Radius
		}
	}
	if c.InitNorm == 0 || c.Protocol == Sphere {
		c.InitNorm = 1
	}
	return c
}

// Check reports the first invalid setting of c (after Defaults).
func (c ThermoConfig) Check() error {
	pos := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	switch {
	case c.Protocol < Sphere || c.Protocol > FixedLR:
		return fmt.Errorf("unknown protocol %d", int(c.Protocol))
	case c.D < 2:
		return fmt.Errorf("dimension must be at least 2, have %d", c.D)
	case !pos(c.Mu) || !pos(c.Sigma):
		return fmt.Errorf("mu and sigma must be positive and finite, have %v and %v", c.Mu, c.Sigma)
	case c.Steps < 1 || c.Burn < 0 || c.Every < 1:
		return fmt.Errorf("need steps >= 1, burn >= 0 and every >= 1, have %d, %d, %d", c.Steps, c.Burn, c.Every)
	case !pos(c.InitNorm):
		return fmt.Errorf("initial norm must be positive and finite, have %v", c.InitNorm)
	}
	switch c.Protocol {
	case Sphere, FixedELR:
		if !pos(c.ELR) {
			return fmt.Errorf("protocol %v needs a positive finite ELR, have %v", c.Protocol, c.ELR)
		}
		if c.Protocol == FixedELR && !pos(c.WD) {
			return fmt.Errorf("protocol elr needs a positive finite weight decay, have %v", c.WD)
		}
	case FixedLR:
		if !pos(c.LR) || !pos(c.WD) || c.LR*c.WD >= 1 {
			return fmt.Errorf("protocol lr needs lr > 0 and wd > 0 with lr*wd < 1, have %v and %v", c.LR, c.WD)
		}
		if !(c.Momentum >= 0 && c.Momentum < 1) {
			return fmt.Errorf("momentum must be in [0, 1), have %v", c.Momentum)
		}
	}
	return nil
}

// ThermoRun is the record of one run. Row i describes the state after
// Burn + (i+1) Every steps (Cos, Norm, Dirs) and the Every steps that led
// there (the block means).
type ThermoRun struct {
	Config ThermoConfig `json:"config"`
	// Cos is -<e_1, u>, the cosine to the minimum; the loss is -Mu Cos.
	Cos []float64 `json:"cos"`
	// Norm is ||w|| (1 for Sphere).
	Norm []float64 `json:"norm"`
	// Block means over the steps of each record interval: the angle
	// between consecutive w, its square, the squared norm of the unit-
	// sphere stochastic gradient ||P_u(mu + sigma z)||^2, the realised ELR
	// of the direction step, and the pressure (Sphere: the weight decay
	// equivalent to the projection, (1 - 1/sqrt(1 + ELR^2 ||g||^2))/ELR;
	// otherwise WD).
	Angle    []float64 `json:"angle"`
	Angle2   []float64 `json:"angle2"`
	GradSq   []float64 `json:"grad_sq"`
	ELR      []float64 `json:"elr"`
	Pressure []float64 `json:"pressure"`
	// Dirs holds the unit direction u of each row, row-major (len D*rows).
	Dirs []float64 `json:"-"`
}

// Dir returns the direction of row i (a view into Dirs).
func (r *ThermoRun) Dir(i int) []float64 { d := r.Config.D; return r.Dirs[i*d : (i+1)*d] }

// A ThermoStepper advances one protocol on the vmf toy; steps allocate
// nothing. Its state is w (with the unit direction u = w/||w||) and, for
// momentum, the velocity.
type ThermoStepper struct {
	cfg      ThermoConfig
	rng      *rand.Rand
	w, g, v  []float64
	started  bool
	r2       float64
	angle    float64
	gradSq   float64
	elr      float64
	pressure float64
}

// NewThermoStepper returns a stepper at the initial point of cfg (which
// must pass Check after Defaults): a uniform random direction from Seed,
// scaled to InitNorm.
func NewThermoStepper(cfg ThermoConfig) (*ThermoStepper, error) {
	cfg = cfg.Defaults()
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	s := &ThermoStepper{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, streamBatch)),
		w: make([]float64, cfg.D), g: make([]float64, cfg.D), v: make([]float64, cfg.D)}
	init := rand.New(rand.NewPCG(cfg.Seed, streamInit))
	var nn float64
	for nn == 0 {
		nn = 0
		for j := range s.w {
			s.w[j] = init.NormFloat64()
			nn += s.w[j] * s.w[j]
		}
	}
	f := cfg.InitNorm / math.Sqrt(nn)
	for j := range s.w {
		s.w[j] *= f
	}
	s.r2 = cfg.InitNorm * cfg.InitNorm
	return s, nil
}

// W returns the current weights (the caller must not modify them).
func (s *ThermoStepper) W() []float64 { return s.w }

// unitGrad stores in s.g the unit-sphere stochastic gradient
// P_u(mu + sigma z) at u = w/r (mu = Mu e_1) and returns ||g||^2.
func (s *ThermoStepper) unitGrad(r float64) float64 {
	w, g := s.w, s.g
	sig, inv := s.cfg.Sigma, 1/r
	var dot float64
	for j := range g {
		m := sig * s.rng.NormFloat64()
		if j == 0 {
			m += s.cfg.Mu
		}
		g[j] = m
		dot += m * w[j]
	}
	dot *= inv
	var gg float64
	for j := range g {
		g[j] -= dot * w[j] * inv
		gg += g[j] * g[j]
	}
	return gg
}

// Step advances one step.
func (s *ThermoStepper) Step() {
	c := &s.cfg
	w, g := s.w, s.g
	r := math.Sqrt(s.r2)
	gg := s.unitGrad(r)
	s.gradSq = gg
	switch c.Protocol {
	case Sphere:
		e := c.ELR
		var vv float64
		for j := range w {
			x := w[j] - e*g[j]
			w[j] = x
			vv += x * x
		}
		f := 1 / math.Sqrt(vv)
		for j := range w {
			w[j] *= f
		}
		s.r2 = 1
		s.angle = math.Atan(e * math.Sqrt(gg))
		s.elr = e
		s.pressure = (1 - f) / e
	case FixedELR:
		e := c.ELR
		a := 1 - e*c.WD*s.r2
		var vv float64
		for j := range w {
			x := a*w[j] - e*r*g[j]
			w[j] = x
			vv += x * x
		}
		s.r2 = vv
		s.angle = math.Atan2(e*math.Sqrt(gg), a)
		s.elr = e / a
		s.pressure = c.WD
	case FixedLR:
		eta, wd, beta := c.LR, c.WD, c.Momentum
		inv := 1 / r
		v := s.v
		var xd, dd float64
		for j := range w {
			d := g[j]*inv + wd*w[j]
			if s.started {
				d += beta * v[j]
			}
			v[j] = d
			xd += w[j] * d
			dd += d * d
		}
		s.started = true
		// The step is -eta v; its angle from w is atan2(||step_perp|| r, r^2 + <w,step>).
		perp2 := math.Max(dd-xd*xd/s.r2, 0) * eta * eta
		s.angle = math.Atan2(math.Sqrt(perp2*s.r2), s.r2-eta*xd)
		var vv float64
		for j := range w {
			x := w[j] - eta*v[j]
			w[j] = x
			vv += x * x
		}
		s.elr = eta / ((1 - eta*wd) * s.r2)
		s.r2 = vv
		s.pressure = wd
	}
}

// SimulateThermo runs one protocol and records it (see ThermoRun). The run
// is a pure function of cfg.
func SimulateThermo(cfg ThermoConfig) (*ThermoRun, error) {
	cfg = cfg.Defaults()
	s, err := NewThermoStepper(cfg)
	if err != nil {
		return nil, err
	}
	for range cfg.Burn {
		s.Step()
	}
	rows := cfg.Steps / cfg.Every
	run := &ThermoRun{Config: cfg,
		Cos: make([]float64, rows), Norm: make([]float64, rows), Angle: make([]float64, rows),
		Angle2: make([]float64, rows), GradSq: make([]float64, rows), ELR: make([]float64, rows),
		Pressure: make([]float64, rows), Dirs: make([]float64, rows*cfg.D)}
	inv := 1 / float64(cfg.Every)
	for i := range rows {
		var a, a2, gs, lr, p float64
		for range cfg.Every {
			s.Step()
			a += s.angle
			a2 += s.angle * s.angle
			gs += s.gradSq
			lr += s.elr
			p += s.pressure
		}
		r := math.Sqrt(s.r2)
		if !(r > 0) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("step %d: the norm is %v (diverged or collapsed)", cfg.Burn+(i+1)*cfg.Every, r)
		}
		run.Norm[i] = r
		run.Cos[i] = -s.w[0] / r
		u := run.Dirs[i*cfg.D : (i+1)*cfg.D]
		for j, x := range s.w {
			u[j] = x / r
		}
		run.Angle[i], run.Angle2[i], run.GradSq[i], run.ELR[i], run.Pressure[i] = a*inv, a2*inv, gs*inv, lr*inv, p*inv
	}
	return run, nil
}
