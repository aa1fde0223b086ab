package realnets

import (
	"fmt"
	"math"
	"runtime"

	"github.com/regimes/regimes/realnets/internal/sphere"
)

// StepStats describes one optimisation step of the SI parameters.
type StepStats struct {
	// Angle is the angle in radians between the SI vectors before and after
	// the step, measured on the stored float32 values.
	Angle float64
	// ELR is the realised effective learning rate of the step: the ELR of
	// the projected step on the unit sphere that moves the direction exactly
	// as this step did (SCIENCE.md sections 2 and 3).
	ELR float64
	// GradNorm is the effective gradient norm of the step, ||grad_x L_B|| *
	// ||x|| over the SI parameters, at the point before the step.
	GradNorm float64
}

// An Optimizer updates the trainable parameters of a model from their
// gradients (Param.Grad, as the last Forward with grad true left them).
type Optimizer interface {
	// Step performs one update and describes it.
	Step() StepStats
	// RealisedELR returns the effective learning rate a step from the current
	// weights would have.
	RealisedELR() float64
	// State returns the optimiser's state for a checkpoint.
	State() OptimState
	// SetState restores a state returned by State.
	SetState(s OptimState) error
}

// OptimState is the state of an optimiser saved in checkpoints.
type OptimState struct {
	// Kind is "sphere" or "sgd".
	Kind string
	// Rho0 is the radius of the sphere (SphereSGD).
	Rho0 float64
	// Momentum holds SGD's momentum buffers, one per parameter in Params
	// order (nil for frozen parameters or before the first step).
	Momentum [][]float32
	// Started reports whether SGD's momentum buffers hold a first step.
	Started bool
}

var (
	_ Optimizer = (*SphereSGD)(nil)
	_ Optimizer = (*SGD)(nil)
)

// SphereSGD is projected SGD at a fixed effective learning rate on the one
// joint sphere of all SI parameters (SCIENCE.md section 2): with x the
// concatenation of the SI parameters and rho0 its norm when the optimiser was
// made, a step is
//
//	x <- x - ELR*rho0^2 * grad
//	x <- rho0 * x / ||x||
//
// with no momentum and no weight decay. Trainable non-SI parameters (the
// "trained non-SI parameters" variant) take plain SGD steps with HeadLR.
// The update is computed in float64 from the float32 values, x - eta*grad
// with one rounding (a fused multiply-add).
//
// The step's sums run over fixed blocks of the SI vector, in parallel, and
// are added in block order, so its results do not depend on the number of
// workers (SetWorkers).
type SphereSGD struct {
	ELR    float64
	HeadLR float64
	// Rho0 is the radius of the sphere.
	Rho0 float64

	params []*Param
	si     []*Param
	other  []*Param

	blocks       []siBlock
	sums         []float64 // per block: 3 sums in pass 1, 2 in pass 2
	eta, scale   float64
	pool         *pool
	pass1, pass2 func(task, worker int)
}

// siBlock is the range [lo, hi) of one SI parameter's values.
type siBlock struct {
	p      *Param
	lo, hi int
}

// sphereBlock is the length of the blocks of the sphere step's sums: long
// enough that a task outweighs its dispatch, short enough that two workers
// share a layer.
const sphereBlock = 1 << 14

// NewSphereSGD returns a fixed-ELR optimiser for params whose sphere has the
// radius of the current SI vector. It panics if there are no SI parameters.
func NewSphereSGD(params []*Param, elr, headLR float64) *SphereSGD {
	o := &SphereSGD{ELR: elr, HeadLR: headLR, params: params, pool: newPool(0)}
	for _, p := range params {
		switch {
		case p.Frozen:
		case p.SI:
			o.si = append(o.si, p)
			for lo := 0; lo < len(p.Data); lo += sphereBlock {
				o.blocks = append(o.blocks, siBlock{p, lo, min(lo+sphereBlock, len(p.Data))})
			}
		default:
			o.other = append(o.other, p)
		}
	}
	if len(o.si) == 0 {
		panic("realnets: NewSphereSGD with no trainable SI parameter")
	}
	o.Rho0 = SINorm(params)
	o.sums = make([]float64, 3*len(o.blocks))
	o.pass1, o.pass2 = o.sumTask, o.writeTask
	runtime.AddCleanup(o, func(p *pool) { p.close() }, o.pool)
	return o
}

// SetWorkers sets the number of goroutines Step uses (k <= 0 means
// GOMAXPROCS). Results do not depend on it.
func (o *SphereSGD) SetWorkers(k int) { o.pool.setWorkers(k) }

func (o *SphereSGD) sumTask(t, _ int) {
	b := o.blocks[t]
	s := o.sums[3*t : 3*t+3]
	s[0], s[1], s[2] = sphere.Sums(b.p.Data[b.lo:b.hi], b.p.Grad[b.lo:b.hi])
}

func (o *SphereSGD) writeTask(t, _ int) {
	b := o.blocks[t]
	s := o.sums[3*t : 3*t+2]
	s[0], s[1] = sphere.Retract(b.p.Data[b.lo:b.hi], b.p.Grad[b.lo:b.hi], o.eta, o.scale)
}

// Step performs one projected step.
func (o *SphereSGD) Step() StepStats {
	o.eta = o.ELR * o.Rho0 * o.Rho0
	// Pass 1: ||x||^2, <x, g> and ||g||^2, hence ||y||^2 for y = x - eta*g.
	o.pool.run(len(o.blocks), o.pass1)
	var xx, xg, gg float64
	for t := range o.blocks {
		xx += o.sums[3*t]
		xg += o.sums[3*t+1]
		gg += o.sums[3*t+2]
	}
	// ||y||^2 = ||x||^2 - 2 eta <x, g> + eta^2 ||g||^2. The gradient of an SI
	// loss is tangent (<x, g> = 0 up to rounding, SCIENCE.md section 1), so
	// the terms add without cancellation.
	yy := xx - 2*o.eta*xg + o.eta*o.eta*gg
	// Pass 2: write rho0*y/||y|| and measure the move of the stored values.
	o.scale = o.Rho0 / math.Sqrt(yy)
	o.pool.run(len(o.blocks), o.pass2)
	a := angleAcc{xx: xx}
	for t := range o.blocks {
		a.dd += o.sums[3*t]
		a.dx += o.sums[3*t+1]
	}
	for _, p := range o.other {
		lr := float32(o.HeadLR)
		for i, g := range p.Grad[:len(p.Data)] {
			p.Data[i] -= lr * g
		}
	}
	return StepStats{Angle: a.angle(), ELR: o.eta / xx, GradNorm: math.Sqrt(gg * xx)}
}

// RealisedELR returns ELR*rho0^2/||x||^2, which equals ELR up to the float32
// rounding of the SI vector.
func (o *SphereSGD) RealisedELR() float64 {
	n := SINorm(o.params)
	return o.ELR * o.Rho0 * o.Rho0 / (n * n)
}

// State returns the radius.
func (o *SphereSGD) State() OptimState { return OptimState{Kind: "sphere", Rho0: o.Rho0} }

// SetState restores the radius.
func (o *SphereSGD) SetState(s OptimState) error {
	if s.Kind != "sphere" || !(s.Rho0 > 0) {
		return fmt.Errorf("optimiser state %q with radius %g is not a sphere state", s.Kind, s.Rho0)
	}
	o.Rho0 = s.Rho0
	return nil
}

// SGD is conventional stochastic gradient descent with momentum and weight
// decay in PyTorch's convention (torch.optim.SGD, dampening 0, no Nesterov):
//
//	d = grad + WD*w;  buf = Momentum*buf + d (buf = d at the first step);  w <- w - LR*buf
//
// on every trainable parameter; non-SI parameters use HeadLR when it is not
// zero. Each step reports the realised ELR LR/((1 - LR*WD)*||w||^2) over the SI
// vector before the step and the angle the SI vector turned
// (SCIENCE.md section 3).
type SGD struct {
	LR, WD, Momentum float64
	HeadLR           float64

	params  []*Param
	buf     [][]float32
	started bool
}

// NewSGD returns a conventional SGD optimiser for params.
func NewSGD(params []*Param, lr, wd, momentum, headLR float64) *SGD {
	o := &SGD{LR: lr, WD: wd, Momentum: momentum, HeadLR: headLR, params: params, buf: make([][]float32, len(params))}
	var si bool
	for i, p := range params {
		if !p.Frozen {
			o.buf[i] = make([]float32, len(p.Data))
			si = si || p.SI
		}
	}
	if !si {
		panic("realnets: NewSGD with no trainable SI parameter")
	}
	return o
}

// Step performs one SGD step. The update of each value is computed in
// float32, as PyTorch does.
func (o *SGD) Step() StepStats {
	var a angleAcc
	var gg float64
	mom, wd := float32(o.Momentum), float32(o.WD)
	for k, p := range o.params {
		if p.Frozen {
			continue
		}
		lr := float32(o.LR)
		if !p.SI && o.HeadLR != 0 {
			lr = float32(o.HeadLR)
		}
		var buf []float32
		if mom != 0 {
			buf = o.buf[k]
		}
		if p.SI {
			sgdUpdateSI(p.Data, p.Grad, buf, lr, wd, mom, o.started, &a, &gg)
		} else {
			sgdUpdate(p.Data, p.Grad, buf, lr, wd, mom, o.started)
		}
	}
	o.started = true
	return StepStats{Angle: a.angle(), ELR: o.LR / ((1 - o.LR*o.WD) * a.xx), GradNorm: math.Sqrt(gg * a.xx)}
}

// sgdUpdate takes one SGD step on w with gradient g and, when buf is not
// nil, momentum buffer buf (momentum mom; buf = d at the first step):
//
//	d = g + wd*w;  d += mom*buf (after the first step);  buf = d;  w -= lr*d
func sgdUpdate(w, g, buf []float32, lr, wd, mom float32, started bool) {
	g = g[:len(w)]
	if buf == nil {
		for i, v := range w {
			w[i] = v - lr*(g[i]+wd*v)
		}
		return
	}
	buf = buf[:len(w)]
	for i, v := range w {
		d := g[i] + wd*v
		if started {
			d += mom * buf[i]
		}
		buf[i] = d
		w[i] = v - lr*d
	}
}

// sgdUpdateSI is sgdUpdate for an SI tensor; it also adds to a the move of
// the stored values and to gg the squared gradient, in element order. The
// sums are kept in local variables so that each element costs one
// dependent add per sum, not a store and a reload.
func sgdUpdateSI(w, g, buf []float32, lr, wd, mom float32, started bool, a *angleAcc, gg *float64) {
	g = g[:len(w)]
	xx, dd, dx, g2 := a.xx, a.dd, a.dx, *gg
	if buf != nil {
		buf = buf[:len(w)]
	}
	for i, v := range w {
		d := g[i] + wd*v
		if buf != nil {
			if started {
				d += mom * buf[i]
			}
			buf[i] = d
		}
		nw := v - lr*d
		w[i] = nw
		old := float64(v)
		m := float64(nw) - old
		xx += old * old
		dd += m * m
		dx += m * old
		g2 += float64(g[i]) * float64(g[i])
	}
	a.xx, a.dd, a.dx, *gg = xx, dd, dx, g2
}

// RealisedELR returns LR/((1 - LR*WD)*||w||^2) at the current SI vector.
func (o *SGD) RealisedELR() float64 {
	n := SINorm(o.params)
	return o.LR / ((1 - o.LR*o.WD) * n * n)
}

// State returns copies of the momentum buffers.
func (o *SGD) State() OptimState {
	s := OptimState{Kind: "sgd", Started: o.started, Momentum: make([][]float32, len(o.buf))}
	for i, b := range o.buf {
		if b != nil {
			s.Momentum[i] = append([]float32(nil), b...)
		}
	}
	return s
}

// SetState restores the momentum buffers.
func (o *SGD) SetState(s OptimState) error {
	if s.Kind != "sgd" || len(s.Momentum) != len(o.buf) {
		return fmt.Errorf("optimiser state %q with %d buffers does not fit SGD with %d parameters", s.Kind, len(s.Momentum), len(o.buf))
	}
	for i, b := range o.buf {
		if len(s.Momentum[i]) != len(b) {
			return fmt.Errorf("momentum buffer %d has %d values, parameter %s has %d", i, len(s.Momentum[i]), o.params[i].Name, len(b))
		}
		copy(b, s.Momentum[i])
	}
	o.started = s.Started
	return nil
}

// angleAcc accumulates, in float64, what the angle between an old vector x
// and a new vector x+d needs: ||x||^2, ||d||^2 and <d, x>.
type angleAcc struct{ xx, dd, dx float64 }

func (a *angleAcc) add(old, new float64) {
	d := new - old
	a.xx += old * old
	a.dd += d * d
	a.dx += d * old
}

// angle returns the angle between x and x+d as atan2(||d_perp||, ||x|| +
// <d, x>/||x||), with d_perp the part of d orthogonal to x. Unlike the
// arccosine of the cosine it keeps full relative precision for small angles.
func (a *angleAcc) angle() float64 {
	if a.xx == 0 {
		return 0
	}
	n := math.Sqrt(a.xx)
	perp := math.Sqrt(math.Max(0, a.dd-a.dx*a.dx/a.xx))
	return math.Atan2(perp, n+a.dx/n)
}

// SINorm returns the norm of the concatenation of the SI parameters,
// accumulated in float64.
func SINorm(params []*Param) float64 {
	var s float64
	for _, p := range params {
		if p.SI {
			for _, v := range p.Data {
				s += float64(v) * float64(v)
			}
		}
	}
	return math.Sqrt(s)
}
