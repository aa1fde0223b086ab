package toy

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"gonum.org/v1/gonum/floats"

	"github.com/regimes/regimes/internal/memguard"
)

// A Stepper performs projected SGD steps on the unit sphere at a fixed ELR
// (SCIENCE.md section 2):
//
//	u' = (u - ELR g) / ||u - ELR g||,   g = grad f_B(u).
//
// It keeps the last stochastic gradient so that callers (for example the
// Lyapunov tools, which need the same batch at the same point) can read it.
// Steps allocate nothing. For lsq and circle, Step uses a fused O(b d) kernel.
type Stepper struct {
	p   Problem
	lsq *LSQ
	elr float64
	g   []float64
	w   []float64
	gn  float64
}

// NewStepper returns a stepper for p at the given ELR.
func NewStepper(p Problem, elr float64) *Stepper {
	s := &Stepper{p: p, elr: elr, g: make([]float64, p.Dim()), w: make([]float64, p.Dim())}
	switch q := p.(type) {
	case *LSQ:
		s.lsq = q
	case *Circle:
		s.lsq = q.LSQ
	}
	return s
}

// ELR returns the stepper's effective learning rate.
func (s *Stepper) ELR() float64 { return s.elr }

// SetELR changes the effective learning rate.
func (s *Stepper) SetELR(elr float64) { s.elr = elr }

// Grad returns the stochastic gradient g of the last step, taken at the point
// before the step. The caller must not modify it.
func (s *Stepper) Grad() []float64 { return s.g }

// GradNorm returns ||g|| of the last step.
func (s *Stepper) GradNorm() float64 { return s.gn }

// Step replaces the unit vector u by the projected SGD step on the batch b
// (nil: the full problem) and returns the angle between the old and the new
// u. The angle is atan2(ELR ||P_u g||, 1 - ELR <u,g>), accurate for tiny
// steps (unlike acos of the cosine); for a tangent g it is atan(ELR ||g||).
func (s *Stepper) Step(u []float64, b *Batch) (angle float64) {
	if len(u) != len(s.g) {
		panic("toy: u length does not match the dimension")
	}
	if s.lsq != nil {
		s.lsqGrad(u, b)
	} else {
		s.p.Grad(s.g, u, b)
	}
	e := s.elr
	var gg, ug, vv float64
	for j, gj := range s.g {
		uj := u[j]
		gg += gj * gj
		ug += uj * gj
		v := uj - e*gj
		u[j] = v
		vv += v * v
	}
	floats.Scale(1/math.Sqrt(vv), u)
	s.gn = math.Sqrt(gg)
	return math.Atan2(e*math.Sqrt(math.Max(gg-ug*ug, 0)), 1-e*ug)
}

// lsqGrad stores the lsq gradient at the unit vector u in s.g:
// g = (1/m) sum_i c_i (a_i - c_i u), c_i = <a_i,u> (SCIENCE.md 6.1).
func (s *Stepper) lsqGrad(u []float64, b *Batch) {
	p := s.lsq
	m := batchLen(b, p.n)
	g := s.g
	if m == 1 {
		a := p.Row(sample(b, 0))
		c := floats.Dot(a, u)
		cc := c * c
		for j, aj := range a {
			g[j] = c*aj - cc*u[j]
		}
		return
	}
	w := s.w
	clear(w)
	var s2 float64
	for k := range m {
		a := p.Row(sample(b, k))
		c := floats.Dot(a, u)
		floats.AddScaled(w, c, a)
		s2 += c * c
	}
	inv := 1 / float64(m)
	for j, wj := range w {
		g[j] = inv * (wj - s2*u[j])
	}
}

// SimConfig configures a fixed-ELR run on the sphere. The zero value of
// every field except ELR means its documented default.
type SimConfig struct {
	// ELR is the effective learning rate (required, > 0).
	ELR float64 `json:"elr"`
	// Batch is the mini-batch size b; 0 means the full batch.
	Batch int `json:"batch"`
	// Sampling is iid (the default), shuffle or full.
	Sampling Sampling `json:"sampling"`
	// Steps is the number of steps T: default 10000.
	Steps int `json:"steps"`
	// Every records every k-th step (and always the last): default
	// max(1, Steps/1000), about 1000 records.
	Every int `json:"every"`
	// Seed drives the run: the initial point (PCG stream 1) and the batches
	// (PCG stream 2), so changing Init leaves the batch sequence unchanged.
	Seed uint64 `json:"seed"`
	// Init is the initial point (normalised before use); default a uniform
	// random point on the sphere drawn from Seed.
	Init []float64 `json:"init,omitempty"`
}

// Random streams of a run; the run's seed is the PCG seed.
const (
	streamInit  = 1
	streamBatch = 2
)

// withDefaults returns c with Steps and Every set.
func (c SimConfig) withDefaults() SimConfig {
	if c.Steps == 0 {
		c.Steps = 10000
	}
	if c.Every == 0 {
		c.Every = max(1, c.Steps/1000)
	}
	return c
}

// Defaults returns c with every zero field replaced by its default value.
func (c SimConfig) Defaults() SimConfig { return c.withDefaults() }

// NewSampler returns the sampler that Simulate uses for this configuration:
// replaying it reproduces the run's batch sequence.
func (c SimConfig) NewSampler(p Problem) *Sampler {
	return NewSampler(p, c.Batch, c.Sampling, rand.New(rand.NewPCG(c.Seed, streamBatch)))
}

// InitialPoint returns the unit initial point of a run: Init normalised, or a
// uniform random point drawn from Seed.
func (c SimConfig) InitialPoint(p Problem) ([]float64, error) {
	return initialPoint(p, c.Init, c.Seed)
}

func initialPoint(p Problem, init []float64, seed uint64) ([]float64, error) {
	d := p.Dim()
	u := make([]float64, d)
	if init != nil {
		if len(init) != d {
			return nil, fmt.Errorf("initial point has length %d, want d=%d", len(init), d)
		}
		copy(u, init)
	} else {
		rng := rand.New(rand.NewPCG(seed, streamInit))
		for j := range u {
			u[j] = rng.NormFloat64()
		}
	}
	n := floats.Norm(u, 2)
	if !(n > 0) || math.IsInf(n, 0) {
		return nil, errors.New("initial point is zero or not finite")
	}
	floats.Scale(1/n, u)
	return u, nil
}

// checkRun validates the settings shared by both simulators.
func checkRun(p Problem, batch int, mode Sampling, steps, every int) error {
	switch {
	case batch < 0:
		return fmt.Errorf("negative batch size %d", batch)
	case mode < IID || mode > Full:
		return fmt.Errorf("unknown sampling %d", int(mode))
	case steps < 0:
		return fmt.Errorf("negative step count %d", steps)
	case every < 0:
		return fmt.Errorf("negative record interval %d", every)
	case mode == Shuffle && p.Len() > 0 && batch > p.Len():
		return fmt.Errorf("batch %d larger than the %d samples under shuffled sampling", batch, p.Len())
	}
	if every > 0 {
		// The records (64 bytes each, twice: the slice grows) and the CSV
		// line of each (about 150 bytes).
		rows := float64(steps)/float64(every) + 2
		if err := memguard.Check(fmt.Sprintf("a trajectory of %d steps recorded every %d (%.3g rows)", steps, every, rows), rows*(2*64+150)); err != nil {
			return err
		}
	}
	// The iterates, gradients and noise buffers of the step: about 8
	// vectors of dimension d.
	if d := p.Dim(); d > 0 {
		if err := memguard.Check(fmt.Sprintf("a run in dimension d=%d", d), 8*8*float64(d)); err != nil {
			return err
		}
	}
	return nil
}

// A Record is one row of a trajectory: the state after Step steps and the
// step that led there. Loss and GradNorm are the full loss F and the norm of
// the full gradient at the unit point after the step (the effective gradient
// norm); BatchLoss and BatchGradNorm are those of the step's batch at the
// point before the step; Angle is the angle between the iterates before and
// after the step; ELR is the realised ELR of the step; Norm is ||w|| after
// the step (1 on the sphere). The row of step 0 is the initial point; its
// batch fields repeat the full ones and its angle is 0.
type Record struct {
	Step          int     `json:"step"`
	Loss          float64 `json:"loss"`
	BatchLoss     float64 `json:"batch_loss"`
	GradNorm      float64 `json:"grad_norm"`
	BatchGradNorm float64 `json:"batch_grad_norm"`
	Angle         float64 `json:"angle"`
	ELR           float64 `json:"elr"`
	Norm          float64 `json:"norm"`
}

// CSVHeader is the header row of the trajectory CSV.
const CSVHeader = "step,loss,batch_loss,grad_norm,batch_grad_norm,angle,elr,norm"

// Summary condenses a trajectory. The tail is the last 20% of the steps
// (steps t > T - max(1, T/5)). Means marked "every step" use all steps of
// the tail; the others use the recorded rows of the tail.
type Summary struct {
	Steps       int     `json:"steps"`
	FinalLoss   float64 `json:"final_loss"`
	FinalGrad   float64 `json:"final_grad_norm"`
	MinLoss     float64 `json:"min_loss"`
	RandomLevel float64 `json:"random_level"`
	// Means over the recorded rows of the tail.
	TailLossMean      float64 `json:"tail_loss_mean"`
	TailGradNormMean  float64 `json:"tail_grad_norm_mean"`
	TailBatchLossMean float64 `json:"tail_batch_loss_mean"`
	TailRecords       int     `json:"tail_records"`
	// Means over every step of the tail.
	TailAngleMean         float64 `json:"tail_angle_mean"`
	TailAngleRMS          float64 `json:"tail_angle_rms"`
	TailBatchGradNormMean float64 `json:"tail_batch_grad_norm_mean"`
	TailBatchGradNormRMS  float64 `json:"tail_batch_grad_norm_rms"`
	TailELRMean           float64 `json:"tail_elr_mean"`
	TailNormMean          float64 `json:"tail_norm_mean"`
}

// A Trajectory is the result of a run.
type Trajectory struct {
	Records []Record `json:"records"`
	Summary Summary  `json:"summary"`
	// Final is the last iterate: a unit vector for Simulate, w for
	// SimulateConventional.
	Final []float64 `json:"final"`
}

// WriteCSV writes the records as the trajectory CSV: the CSVHeader row, then
// one row per record with full float64 precision.
func (t *Trajectory) WriteCSV(w io.Writer) error {
	buf := make([]byte, 0, 256)
	buf = append(buf, CSVHeader...)
	buf = append(buf, '\n')
	for _, r := range t.Records {
		buf = strconv.AppendInt(buf, int64(r.Step), 10)
		for _, v := range [...]float64{r.Loss, r.BatchLoss, r.GradNorm, r.BatchGradNorm, r.Angle, r.ELR, r.Norm} {
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		}
		buf = append(buf, '\n')
		if len(buf) > 32*1024 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// ksum is a compensated (Kahan-Babuska-Neumaier) running sum, so that tail
// means over millions of steps keep full precision.
type ksum struct{ s, c float64 }

func (k *ksum) add(x float64) {
	t := k.s + x
	if math.Abs(k.s) >= math.Abs(x) {
		k.c += (k.s - t) + x
	} else {
		k.c += (x - t) + k.s
	}
	k.s = t
}

func (k ksum) sum() float64 { return k.s + k.c }

// tail accumulates the per-step tail statistics of a run.
type tail struct {
	start                      int // first tail step is start+1
	n                          float64
	angle, angle2, bg, bg2, lr ksum
	norm                       ksum
}

func newTail(steps int) tail { return tail{start: steps - max(1, steps/5)} }

func (a *tail) add(step int, angle, bgn, elr, norm float64) {
	if step <= a.start {
		return
	}
	a.n++
	a.angle.add(angle)
	a.angle2.add(angle * angle)
	a.bg.add(bgn)
	a.bg2.add(bgn * bgn)
	a.lr.add(elr)
	a.norm.add(norm)
}

// summarise fills the summary from the records and the tail accumulator.
func (a *tail) summarise(t *Trajectory, p Problem, steps int) {
	s := &t.Summary
	s.Steps = steps
	s.RandomLevel = p.RandomLevel()
	last := t.Records[len(t.Records)-1]
	s.FinalLoss, s.FinalGrad = last.Loss, last.GradNorm
	s.MinLoss = math.Inf(1)
	var k float64
	for _, r := range t.Records {
		s.MinLoss = math.Min(s.MinLoss, r.Loss)
		if r.Step > a.start {
			k++
			s.TailLossMean += r.Loss
			s.TailGradNormMean += r.GradNorm
			s.TailBatchLossMean += r.BatchLoss
		}
	}
	s.TailRecords = int(k)
	if k > 0 {
		s.TailLossMean /= k
		s.TailGradNormMean /= k
		s.TailBatchLossMean /= k
	}
	if a.n > 0 {
		s.TailAngleMean = a.angle.sum() / a.n
		s.TailAngleRMS = math.Sqrt(a.angle2.sum() / a.n)
		s.TailBatchGradNormMean = a.bg.sum() / a.n
		s.TailBatchGradNormRMS = math.Sqrt(a.bg2.sum() / a.n)
		s.TailELRMean = a.lr.sum() / a.n
		s.TailNormMean = a.norm.sum() / a.n
	}
}

// Simulate runs projected SGD on the unit sphere at a fixed ELR
// (SCIENCE.md section 2) and records every cfg.Every steps. It returns
// an error for invalid settings or if the iterate stops being finite.
func Simulate(p Problem, cfg SimConfig) (*Trajectory, error) {
	cfg = cfg.withDefaults()
	if !(cfg.ELR > 0) || math.IsInf(cfg.ELR, 0) {
		return nil, fmt.Errorf("ELR must be positive and finite, have %v", cfg.ELR)
	}
	if err := checkRun(p, cfg.Batch, cfg.Sampling, cfg.Steps, cfg.Every); err != nil {
		return nil, err
	}
	u, err := cfg.InitialPoint(p)
	if err != nil {
		return nil, err
	}
	d := p.Dim()
	smp := cfg.NewSampler(p)
	st := NewStepper(p, cfg.ELR)
	full := make([]float64, d)
	var b Batch
	tr := &Trajectory{Records: make([]Record, 0, cfg.Steps/cfg.Every+2)}
	record := func(step int, batchLoss, batchGrad, angle float64) {
		p.Grad(full, u, nil)
		r := Record{Step: step, Loss: p.Loss(u, nil), GradNorm: floats.Norm(full, 2),
			BatchLoss: batchLoss, BatchGradNorm: batchGrad, Angle: angle, ELR: cfg.ELR, Norm: floats.Norm(u, 2)}
		if step == 0 {
			r.BatchLoss, r.BatchGradNorm = r.Loss, r.GradNorm
		}
		tr.Records = append(tr.Records, r)
	}
	record(0, 0, 0, 0)
	acc := newTail(cfg.Steps)
	for t := 1; t <= cfg.Steps; t++ {
		bp := &b
		if smp.FullBatch() {
			bp = nil // the full problem; skip filling an index list
		} else {
			smp.Next(bp)
		}
		rec := t%cfg.Every == 0 || t == cfg.Steps
		var bl float64
		if rec {
			bl = p.Loss(u, bp)
		}
		angle := st.Step(u, bp)
		if math.IsNaN(angle) {
			return nil, fmt.Errorf("step %d: the iterate is not finite (ELR %v too large?)", t, cfg.ELR)
		}
		acc.add(t, angle, st.gn, cfg.ELR, 1)
		if rec {
			record(t, bl, st.gn, angle)
		}
	}
	acc.summarise(tr, p, cfg.Steps)
	tr.Final = u
	return tr, nil
}
