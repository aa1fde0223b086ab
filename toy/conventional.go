package toy

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// ConvConfig configures conventional SGD in R^d with learning rate, weight
// decay and heavy-ball momentum (SCIENCE.md section 3). The zero value
// of every field except LR means its documented default.
type ConvConfig struct {
	// LR is the learning rate eta (required, > 0).
	LR float64 `json:"lr"`
	// WD is the weight decay: w' = w - eta (grad L(w) + wd w).
	WD float64 `json:"wd"`
	// Momentum is the heavy-ball coefficient, as in PyTorch's SGD
	// (dampening 0, not Nesterov): v = momentum v + (grad + wd w), w -= eta v,
	// with v = grad + wd w at the first step.
	Momentum float64 `json:"momentum"`
	// Batch is the mini-batch size; 0 means the full batch.
	Batch int `json:"batch"`
	// Sampling is iid (the default), shuffle or full.
	Sampling Sampling `json:"sampling"`
	// Steps is the number of steps: default 10000.
	Steps int `json:"steps"`
	// Every records every k-th step: default max(1, Steps/1000).
	Every int `json:"every"`
	// Seed drives the initial direction and the batches, as in SimConfig.
	Seed uint64 `json:"seed"`
	// Init is the initial direction (default: uniform random from Seed).
	Init []float64 `json:"init,omitempty"`
	// InitNorm is ||w_0||: default 1.
	InitNorm float64 `json:"init_norm,omitempty"`
}

// Defaults returns c with every zero field replaced by its default value.
func (c ConvConfig) Defaults() ConvConfig {
	s := SimConfig{Steps: c.Steps, Every: c.Every}.withDefaults()
	c.Steps, c.Every = s.Steps, s.Every
	if c.InitNorm == 0 {
		c.InitNorm = 1
	}
	return c
}

// A ConvStepper performs conventional SGD steps on w in R^d; it allocates
// nothing per step.
type ConvStepper struct {
	p             Problem
	lr, wd, mom   float64
	g, buf        []float64
	started       bool
	bgn, elr, ang float64
}

// NewConvStepper returns a conventional SGD stepper for p.
func NewConvStepper(p Problem, lr, wd, momentum float64) *ConvStepper {
	d := p.Dim()
	return &ConvStepper{p: p, lr: lr, wd: wd, mom: momentum, g: make([]float64, d), buf: make([]float64, d)}
}

// Step updates w in place with the batch b (nil: full problem). It returns
// the angle between w before and after the step, and the realised ELR
// eta / ((1 - eta wd) ||w||^2) with ||w|| before the step: the ELR of the
// projected step with the same direction (exactly so without momentum).
func (s *ConvStepper) Step(w []float64, b *Batch) (angle, elr float64) {
	s.p.Grad(s.g, w, b)
	var ww, gg float64
	for j, gj := range s.g {
		ww += w[j] * w[j]
		gg += gj * gj
		d := gj + s.wd*w[j]
		if s.started {
			d += s.mom * s.buf[j]
		}
		s.buf[j] = d
	}
	s.started = true
	// The step is dw = -eta buf; its angle from w is
	// atan2(||dw_perp|| ||w||, ||w||^2 + <w,dw>), accurate for tiny steps.
	wdw := -s.lr * floats.Dot(w, s.buf)
	c := wdw / ww
	var perp2 float64
	for j, bj := range s.buf {
		dw := -s.lr * bj
		e := dw - c*w[j]
		perp2 += e * e
		w[j] += dw
	}
	s.bgn = math.Sqrt(gg * ww)
	s.elr = s.lr / ((1 - s.lr*s.wd) * ww)
	s.ang = math.Atan2(math.Sqrt(perp2*ww), ww+wdw)
	return s.ang, s.elr
}

// SimulateConventional runs conventional SGD (SCIENCE.md section 3)
// from w_0 = InitNorm * (unit initial direction) and records every cfg.Every
// steps the fields of the trajectory CSV: loss and gradient norms at the unit
// point w/||w|| (effective norms), the angle between consecutive w, the
// realised ELR eta/((1 - eta wd)||w_{t-1}||^2) of the step and ||w_t||. The
// row of step 0 carries the realised ELR of w_0.
func SimulateConventional(p Problem, cfg ConvConfig) (*Trajectory, error) {
	cfg = cfg.Defaults()
	switch {
	case !(cfg.LR > 0) || math.IsInf(cfg.LR, 0):
		return nil, fmt.Errorf("learning rate must be positive and finite, have %v", cfg.LR)
	case !(cfg.WD >= 0) || cfg.LR*cfg.WD >= 1:
		return nil, fmt.Errorf("weight decay must satisfy 0 <= lr*wd < 1, have wd %v", cfg.WD)
	case !(cfg.Momentum >= 0 && cfg.Momentum < 1):
		return nil, fmt.Errorf("momentum must be in [0, 1), have %v", cfg.Momentum)
	case !(cfg.InitNorm > 0) || math.IsInf(cfg.InitNorm, 0):
		return nil, fmt.Errorf("initial norm must be positive and finite, have %v", cfg.InitNorm)
	}
	if err := checkRun(p, cfg.Batch, cfg.Sampling, cfg.Steps, cfg.Every); err != nil {
		return nil, err
	}
	w, err := initialPoint(p, cfg.Init, cfg.Seed)
	if err != nil {
		return nil, err
	}
	floats.Scale(cfg.InitNorm, w)
	smp := SimConfig{Batch: cfg.Batch, Sampling: cfg.Sampling, Seed: cfg.Seed}.NewSampler(p)
	st := NewConvStepper(p, cfg.LR, cfg.WD, cfg.Momentum)
	full := make([]float64, p.Dim())
	var b Batch
	tr := &Trajectory{Records: make([]Record, 0, cfg.Steps/cfg.Every+2)}
	record := func(step int, batchLoss, batchGrad, angle, elr float64) {
		p.Grad(full, w, nil)
		n := floats.Norm(w, 2)
		r := Record{Step: step, Loss: p.Loss(w, nil), GradNorm: floats.Norm(full, 2) * n,
			BatchLoss: batchLoss, BatchGradNorm: batchGrad, Angle: angle, ELR: elr, Norm: n}
		if step == 0 {
			r.BatchLoss, r.BatchGradNorm = r.Loss, r.GradNorm
		}
		tr.Records = append(tr.Records, r)
	}
	record(0, 0, 0, 0, cfg.LR/((1-cfg.LR*cfg.WD)*floats.Dot(w, w)))
	acc := newTail(cfg.Steps)
	for t := 1; t <= cfg.Steps; t++ {
		bp := &b
		if smp.FullBatch() {
			bp = nil
		} else {
			smp.Next(bp)
		}
		rec := t%cfg.Every == 0 || t == cfg.Steps
		var bl float64
		if rec {
			bl = p.Loss(w, bp)
		}
		angle, elr := st.Step(w, bp)
		if math.IsNaN(angle) || math.IsInf(elr, 0) {
			return nil, fmt.Errorf("step %d: the iterate is not finite or collapsed to zero", t)
		}
		var norm float64
		if t > acc.start {
			norm = floats.Norm(w, 2)
		}
		acc.add(t, angle, st.bgn, elr, norm)
		if rec {
			record(t, bl, st.bgn, angle, elr)
		}
	}
	acc.summarise(tr, p, cfg.Steps)
	tr.Final = w
	return tr, nil
}
