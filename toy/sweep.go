package toy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/sweep"
)

// SweepBase is the configuration shared by the points of a toy sweep: the
// toy, the run settings and the Lyapunov estimate; a point adds its ELR,
// its seed and the value of the sweep's second parameter.
type SweepBase struct {
	Toy           Config  `json:"toy"`
	Batch         int     `json:"batch"`
	Sampling      string  `json:"sampling"`
	Steps         int     `json:"steps"`
	LyapunovSteps int     `json:"lyapunov_steps,omitempty"`
	Momentum      float64 `json:"momentum,omitempty"`
}

// SweepParams lists the second parameters a toy sweep can vary.
var SweepParams = []string{"batch", "n", "d", "sigma", "alpha", "lambda", "mu", "wd"}

// Point returns the toy problem and the run settings of the sweep points
// whose second parameter is param = v.
func (base SweepBase) Point(param string, v float64) (Problem, SweepBase, error) {
	whole := func() (int, error) {
		if v != math.Trunc(v) || v < 0 || v > 1e9 {
			return 0, fmt.Errorf("%s must be a whole number >= 0, not %v", param, v)
		}
		return int(v), nil
	}
	var err error
	switch param {
	case "batch":
		base.Batch, err = whole()
	case "n":
		base.Toy.N, err = whole()
	case "d":
		base.Toy.D, err = whole()
	case "sigma":
		base.Toy.Sigma = v
	case "alpha":
		base.Toy.Alpha = v
	case "lambda":
		base.Toy.Lambda = v
	case "mu":
		base.Toy.Mu = v
	case "wd":
		if v < 0 {
			err = fmt.Errorf("wd must be >= 0, not %v", v)
		}
	default:
		err = fmt.Errorf("unknown parameter %q", param)
	}
	if err != nil {
		return nil, base, err
	}
	p, err := base.Toy.Build()
	return p, base, err
}

// A TheoryCache holds the lsq theory of each (data, batch, sampling)
// triple, computed once: the almost-sure threshold costs a fraction of a
// second, and every point of a sweep row shares it. The zero value is an
// empty cache, safe for concurrent use.
type TheoryCache struct {
	m sync.Map // string -> *theoryEntry
}

type theoryEntry struct {
	once sync.Once
	th   map[string]float64
	err  error
}

// LSQ returns the theory a sweep record carries for problem p built from
// cfg (lambda_max, the GD, mean-square and almost-sure thresholds with the
// latter's interval, and the random level) at the given batch size, or nil
// when p is not lsq.
func (c *TheoryCache) LSQ(p Problem, cfg Config, batch int, sampling Sampling) (map[string]float64, error) {
	replace := sampling != Shuffle
	l, ok := p.(*LSQ)
	if !ok {
		return nil, nil
	}
	key, _ := json.Marshal(struct {
		C       Config
		B       int
		Replace bool
	}{cfg, batch, replace})
	e, _ := c.m.LoadOrStore(string(key), &theoryEntry{})
	ent := e.(*theoryEntry)
	ent.once.Do(func() {
		th, err := NewLSQTheory(l.A(), batch, sampling, 1)
		if err != nil {
			ent.err = err
			return
		}
		ent.th = map[string]float64{
			"lambda_max":      th.LambdaMax,
			"gd_threshold":    th.GDThreshold,
			"ms_threshold":    th.MSThreshold,
			"as_threshold":    th.ASThreshold,
			"as_threshold_lo": th.ASThresholdCI[0],
			"as_threshold_hi": th.ASThresholdCI[1],
			"random_level":    th.RandomLevel,
		}
	})
	return ent.th, ent.err
}

// SweepRunner returns the runner of toy sweep points (sweep.RunShard),
// with its own theory cache.
func SweepRunner() sweep.Runner {
	c := new(TheoryCache)
	return func(ctx context.Context, raw json.RawMessage, pt sweep.Point) (any, error) {
		return RunSweepPoint(ctx, raw, pt, c)
	}
}

// RunSweepPoint runs one point of a toy sweep whose plan base raw is a
// SweepBase: the simulation (projected SGD at the point's ELR, or
// conventional SGD when the second parameter is wd), the classification,
// the Lyapunov estimate and the lsq theory (from c). Its result record has
// config, summary, regime, evidence, lyapunov, lyapunov_ci and theory.
func RunSweepPoint(ctx context.Context, raw json.RawMessage, pt sweep.Point, c *TheoryCache) (any, error) {
	var base SweepBase
	if err := json.Unmarshal(raw, &base); err != nil {
		return nil, fmt.Errorf("plan base: %v", err)
	}
	p, base, err := base.Point(pt.Param, pt.Value)
	if err != nil {
		return nil, err
	}
	sampling, err := ParseSampling(base.Sampling)
	if err != nil {
		return nil, err
	}
	rec := map[string]any{}
	var traj *Trajectory
	if pt.Param == "wd" {
		cc := ConvConfig{LR: pt.ELR, WD: pt.Value, Momentum: base.Momentum, Batch: base.Batch,
			Sampling: sampling, Steps: base.Steps, Seed: pt.Seed}
		rec["config"] = map[string]any{"toy": base.Toy.Defaults(), "conventional": cc}
		traj, err = SimulateConventional(p, cc)
	} else {
		sc := SimConfig{ELR: pt.ELR, Batch: base.Batch, Sampling: sampling, Steps: base.Steps, Seed: pt.Seed}
		rec["config"] = map[string]any{"toy": base.Toy.Defaults(), "sim": sc}
		traj, err = Simulate(p, sc)
	}
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	rec["summary"] = traj.Summary
	in := analysis.RegimeInput{RandomLevel: p.RandomLevel()}
	for _, r := range traj.Records {
		in.Loss = append(in.Loss, r.Loss)
		in.GradNorm = append(in.GradNorm, r.GradNorm)
		in.Angle = append(in.Angle, r.Angle)
	}
	if base.LyapunovSteps > 0 && pt.Param != "wd" {
		m := NewStepMap(p, pt.ELR, base.Batch, sampling, pt.Seed)
		_, m.Transverse = p.(*LSQ)
		est := analysis.MapLyapunov(m, traj.Final, analysis.LyapunovSettings{
			Steps: base.LyapunovSteps, Blocks: 10, Workers: 1, Seed: pt.Seed})
		rec["lyapunov"] = est.Exponent
		rec["lyapunov_ci"] = est.CI
		in.Lyapunov = analysis.LyapunovEvidenceOf(est)
	}
	cl := analysis.Classify(in)
	rec["regime"] = cl.Regime
	rec["evidence"] = cl.Evidence
	if th, err := c.LSQ(p, base.Toy, base.Batch, IID); err != nil {
		return nil, err
	} else if th != nil {
		rec["theory"] = th
	}
	return rec, nil
}

// SweepPlanConfig is a toy sweep: the base configuration of its points and
// the grid of log-spaced ELRs times the values of one second parameter
// (one of SweepParams) times seeds.
type SweepPlanConfig struct {
	Base           SweepBase
	ELRMin, ELRMax float64
	ELRPoints      int
	Param          string
	Values         []float64
	Seeds          []uint64
}

// NewSweepPlan checks a toy sweep and numbers its points. Every variant of
// the problem is built once, so that a bad toy or value fails here and not
// in the middle of a cluster job.
func NewSweepPlan(c SweepPlanConfig) (*sweep.Plan, error) {
	if !slices.Contains(SweepParams, c.Param) {
		return nil, fmt.Errorf("unknown second parameter %q: want one of %s", c.Param, strings.Join(SweepParams, ", "))
	}
	if c.ELRPoints < 1 || !(c.ELRMin > 0) || !(c.ELRMax >= c.ELRMin) || math.IsInf(c.ELRMax, 0) {
		return nil, errors.New("the ELR grid needs 0 < smallest <= largest ELR and at least one point")
	}
	if err := sweep.CheckPlanSize(fmt.Sprintf("%d ELRs", c.ELRPoints), float64(c.ELRPoints)); err != nil {
		return nil, err
	}
	if c.Base.Steps < 10 {
		return nil, fmt.Errorf("%d steps: need at least 10", c.Base.Steps)
	}
	if _, err := ParseSampling(c.Base.Sampling); err != nil {
		return nil, err
	}
	for _, v := range c.Values {
		if _, _, err := c.Base.Point(c.Param, v); err != nil {
			return nil, fmt.Errorf("%s = %v: %v", c.Param, v, err)
		}
	}
	return sweep.NewPlan(c.Base, sweep.LogSpace(c.ELRMin, c.ELRMax, c.ELRPoints), c.Param, c.Values, c.Seeds)
}
