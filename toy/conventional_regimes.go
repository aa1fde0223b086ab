package toy

import (
	"errors"
	"fmt"
	"math"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/internal/fileio"
)

// This file places conventional SGD with weight decay (SCIENCE.md
// section 3) in the fixed-ELR regime picture: the equilibrium ELR that the
// norm dynamics select, and the detection of the periodic behaviour of
// Lobacheva et al. (2021) from a trajectory.

// GradientLevel returns the function G(e) used by EquilibriumELR on the toy
// p: the root-mean-square batch gradient norm over the tail (last 20%) of a
// fixed-ELR run on the sphere at ELR e (Simulate with cfg, cfg.ELR replaced
// by e; Summary.TailBatchGradNormRMS). All calls share cfg.Seed, so G is
// evaluated with common random numbers and is a smooth function of e. In
// regime 1 the run converges and G(e) is (numerically) zero.
func GradientLevel(p Problem, cfg SimConfig) func(e float64) (float64, error) {
	return func(e float64) (float64, error) {
		c := cfg
		c.ELR = e
		tr, err := Simulate(p, c)
		if err != nil {
			return 0, fmt.Errorf("fixed-ELR run at ELR %g: %w", e, err)
		}
		return tr.Summary.TailBatchGradNormRMS, nil
	}
}

// ErrNoEquilibrium is returned by EquilibriumELR when (1 - eta wd) e G(e)
// stays below sqrt(2 eta wd - (eta wd)^2) on the whole search interval.
var ErrNoEquilibrium = errors.New("no equilibrium ELR in the search interval: (1 - lr wd) e G(e) stays below sqrt(2 lr wd - (lr wd)^2)")

// EquilibriumELR returns the self-consistent equilibrium ELR of conventional
// SGD with learning rate eta and weight decay wd (SCIENCE.md section
// 3) when the gradient level depends on where the run is: the realised ELR
// e* (the ELR eta/((1 - eta wd)||w||^2) of the direction's steps, which
// trainers log and which is compared with the fixed-ELR thresholds) that
// solves
//
//	(1 - eta wd) e* G(e*) = c,   c = sqrt(2 eta wd - (eta wd)^2),
//
// where G(e) is the stationary RMS effective batch gradient norm of the
// fixed-ELR run at e (GradientLevel): the direction of a conventional step
// is a sphere step at the realised ELR e, whose gradient level is G(e), and
// the norm's fixed point holds the recursion's ELR eta/||w||^2 = (1 - eta
// wd) e at c/G (analysis.ConventionalFixedPoint). The angle per step then
// has tan Delta = e G(e) = c/(1 - eta wd), that is cos Delta = 1 - eta wd.
// (Solving e G(e) = c instead, without the factor 1 - eta wd, mixes the
// recursion's ELR with the realised one and puts e* too low by about that
// factor: 7% at eta wd = 0.2 and 37% at 0.4 against simulation.) In regime
// 1 G vanishes, so a solution lies in regime 2, above the almost-sure
// threshold; for small eta wd it sits just above the threshold, where G is
// small and the fixed-ELR dynamics are slow, and the conventional run does
// not settle there but cycles (ConventionalBehaviour).
//
// The solution is found by bisection on [lo, hi] on log e (60 halvings or a
// relative width of 1e-4) of (1 - eta wd) e G(e) - c, which must change
// sign: e G(e) is
// increasing in regime 2 on the lsq toy (measured; not a theorem), and where
// it is not the bisection returns one crossing. EquilibriumELR returns
// ErrNoEquilibrium if (1 - eta wd) hi G(hi) < c, and an error if
// (1 - eta wd) lo G(lo) >= c or G fails.
func EquilibriumELR(g func(e float64) (float64, error), eta, wd, lo, hi float64) (float64, error) {
	if ew := eta * wd; !(ew > 0 && ew < 1) {
		return 0, fmt.Errorf("need 0 < lr*wd < 1, have %g", ew)
	}
	if !(lo > 0 && hi > lo) || math.IsInf(hi, 0) {
		return 0, fmt.Errorf("bad search interval [%g, %g]", lo, hi)
	}
	eq, err := analysis.ConventionalFixedPoint(eta, wd)
	if err != nil {
		return 0, err
	}
	c, q := eq.C, 1-eq.A
	h := func(e float64) (float64, error) {
		v, err := g(e)
		return q*e*v - c, err
	}
	hl, err := h(lo)
	if err != nil {
		return 0, err
	}
	if hl >= 0 {
		return 0, fmt.Errorf("(1 - lr wd) e G(e) = %g already reaches sqrt(2 lr wd - (lr wd)^2) = %g at the lower end %g of the search interval", hl+c, c, lo)
	}
	hh, err := h(hi)
	if err != nil {
		return 0, err
	}
	if hh < 0 {
		return 0, ErrNoEquilibrium
	}
	a, b := math.Log(lo), math.Log(hi)
	for range 60 {
		if b-a < 1e-4 {
			break
		}
		m := (a + b) / 2
		hm, err := h(math.Exp(m))
		if err != nil {
			return 0, err
		}
		if hm < 0 {
			a = m
		} else {
			b = m
		}
	}
	return math.Exp((a + b) / 2), nil
}

// GrowthSteps returns the number of gradient-free conventional steps that
// take the realised ELR from e0 to e1 > e0: with a zero gradient 1/ELR
// shrinks by the factor (1 - eta wd)^2 per step (SCIENCE.md section
// 3), so ELR_t = e0 / (1 - eta wd)^(2t) and
//
//	t = log(e1/e0) / (-2 log(1 - eta wd)).
//
// It is the predicted length of the quiet phase of a periodic cycle, from
// the ELR after a spike to the threshold. It panics unless 0 < eta wd < 1.
func GrowthSteps(e0, e1, eta, wd float64) float64 {
	ew := eta * wd
	if !(ew > 0 && ew < 1) {
		panic("toy: GrowthSteps needs 0 < eta*wd < 1")
	}
	return math.Log(e1/e0) / (-2 * math.Log1p(-ew))
}

// Behaviour names of ConventionalBehaviour.
const (
	BehaviourPeriodic = "periodic"
	BehaviourStable   = "stable"
)

// A Cycle is one period of a periodic conventional run: from the lowest
// realised ELR after a spike to the next spike.
type Cycle struct {
	// LowStep and LowELR locate the minimum of the realised ELR between the
	// previous spike (or the start) and this spike.
	LowStep int     `json:"low_step"`
	LowELR  float64 `json:"low_elr"`
	// QuietStep is the first step after LowStep at which the loss is below
	// the quiet level (the run has converged), or -1 if it never is.
	QuietStep int `json:"quiet_step"`
	// SpikeStep is the step at which the loss rises above the spike level,
	// and SpikeELR the largest realised ELR of the quiet phase before it.
	SpikeStep int     `json:"spike_step"`
	SpikeELR  float64 `json:"spike_elr"`
	// Steps is SpikeStep - LowStep, and GrowthSteps the gradient-free
	// prediction GrowthSteps(LowELR, SpikeELR, eta, wd) of it.
	Steps       int     `json:"steps"`
	GrowthSteps float64 `json:"growth_steps"`
	// ThresholdSteps is GrowthSteps(LowELR, threshold, eta, wd): the steps
	// the ELR needs to climb from LowELR to the regime 1|2 threshold given
	// to ConventionalBehaviour (NaN if LowELR is above it).
	ThresholdSteps float64 `json:"threshold_steps"`
}

// BehaviourSettings are the levels of ConventionalBehaviour. The zero value
// means the documented defaults.
type BehaviourSettings struct {
	// Quiet is the loss level below which the run counts as converged:
	// default 1e-12 times the random level (a loss 12 decades below the
	// random level: the gradient is about 1e-6 of its random-level size).
	Quiet float64
	// Spike is the loss level above which a converged run counts as having
	// spiked: default 1e-3 times the random level.
	Spike float64
	// MinSpikes is the number of spikes that makes a run periodic:
	// default 3 (two full cycles after the first convergence).
	MinSpikes int
}

// Behaviour is the result of ConventionalBehaviour: periodic or stable, with
// its evidence.
type Behaviour struct {
	// Behaviour is BehaviourPeriodic or BehaviourStable.
	Behaviour string `json:"behaviour"`
	// Spikes counts the loss spikes: rises of the loss above the spike
	// level after a visit below the quiet level.
	Spikes int `json:"spikes"`
	// Cycles describes each spike.
	Cycles []Cycle `json:"cycles,omitempty"`
	// Quiet, Spike and MinSpikes are the settings used.
	Quiet     float64 `json:"quiet_level"`
	Spike     float64 `json:"spike_level"`
	MinSpikes int     `json:"min_spikes"`
	// PeriodMean is the mean step distance between consecutive spikes
	// (NaN with fewer than two spikes).
	PeriodMean float64 `json:"period_mean"`
	// GrowthRatio is the median over cycles of Steps/GrowthSteps: 1 when the
	// quiet phase is gradient-free, as in the picture of section 3 (NaN
	// without cycles).
	GrowthRatio float64 `json:"growth_ratio"`
	// SpikeELRMedian is the median over cycles of SpikeELR, to compare
	// with the regime 1|2 thresholds (NaN without cycles).
	SpikeELRMedian float64 `json:"spike_elr_median"`
}

// ConventionalBehaviour detects the periodic behaviour of conventional
// training (Lobacheva et al. 2021; SCIENCE.md section 3) in the
// records of a SimulateConventional run with learning rate eta and weight
// decay wd. When the realised ELR sits in regime 1 the run converges (loss
// below the quiet level), its gradient vanishes and its ELR grows as
// GrowthSteps says until the minimum becomes unstable; the loss then spikes
// (rises above the spike level), the spike's large gradient lowers the ELR,
// and the cycle repeats. A run with at least MinSpikes spikes is periodic;
// otherwise it is stable (it settles near the equilibrium ELR, or never
// converges at all). random is the random level of the problem (the base of
// the default levels) and threshold the regime 1|2 threshold used for
// Cycle.ThresholdSteps. Records should be dense (every step, or every few
// steps) for the spike steps to be exact.
func ConventionalBehaviour(recs []Record, eta, wd, random, threshold float64, s BehaviourSettings) Behaviour {
	if s.Quiet == 0 {
		s.Quiet = 1e-12 * random
	}
	if s.Spike == 0 {
		s.Spike = 1e-3 * random
	}
	if s.MinSpikes == 0 {
		s.MinSpikes = 3
	}
	if !(s.Quiet > 0 && s.Spike > s.Quiet) {
		panic("toy: ConventionalBehaviour needs 0 < quiet level < spike level")
	}
	out := Behaviour{Behaviour: BehaviourStable, Quiet: s.Quiet, Spike: s.Spike, MinSpikes: s.MinSpikes,
		PeriodMean: math.NaN(), GrowthRatio: math.NaN(), SpikeELRMedian: math.NaN()}
	quiet := false
	lowI, quietI := -1, -1
	var maxQuietELR float64
	for i, r := range recs {
		if (lowI < 0 || r.ELR < recs[lowI].ELR) && !quiet {
			lowI = i
		}
		if r.Loss < s.Quiet && !quiet {
			quiet, quietI, maxQuietELR = true, i, 0
		}
		if quiet {
			maxQuietELR = math.Max(maxQuietELR, r.ELR)
		}
		if quiet && r.Loss > s.Spike {
			c := Cycle{LowStep: recs[lowI].Step, LowELR: recs[lowI].ELR, QuietStep: recs[quietI].Step,
				SpikeStep: r.Step, SpikeELR: maxQuietELR}
			c.Steps = c.SpikeStep - c.LowStep
			c.GrowthSteps = GrowthSteps(c.LowELR, c.SpikeELR, eta, wd)
			c.ThresholdSteps = math.NaN()
			if c.LowELR < threshold {
				c.ThresholdSteps = GrowthSteps(c.LowELR, threshold, eta, wd)
			}
			out.Cycles = append(out.Cycles, c)
			quiet, lowI = false, i
		}
	}
	out.Spikes = len(out.Cycles)
	if out.Spikes >= s.MinSpikes {
		out.Behaviour = BehaviourPeriodic
	}
	if n := len(out.Cycles); n > 0 {
		if n > 1 {
			out.PeriodMean = float64(out.Cycles[n-1].SpikeStep-out.Cycles[0].SpikeStep) / float64(n-1)
		}
		ratio := make([]float64, n)
		spike := make([]float64, n)
		for k, c := range out.Cycles {
			ratio[k] = float64(c.Steps) / c.GrowthSteps
			spike[k] = c.SpikeELR
		}
		out.GrowthRatio = analysis.Median(ratio)
		out.SpikeELRMedian = analysis.Median(spike)
	}
	return out
}

// MarshalJSON writes c with a NaN ThresholdSteps as null.
func (c Cycle) MarshalJSON() ([]byte, error) { return fileio.MarshalFinite(c) }

// MarshalJSON writes b with NaN values (no cycles) as null.
func (b Behaviour) MarshalJSON() ([]byte, error) { return fileio.MarshalFinite(b) }
