package experiment

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/toy"
)

// SimulateRecord is the content of config.json.
type SimulateRecord struct {
	Command    string          `json:"command"`
	Mode       string          `json:"mode"`
	Toy        toy.Config      `json:"toy"`
	DataSHA256 string          `json:"data_sha256,omitempty"`
	Sim        *toy.SimConfig  `json:"sim,omitempty"`
	Conv       *toy.ConvConfig `json:"conv,omitempty"`
	// Theory holds the deterministic quantities of the problem that
	// "regimes analyze" copies into its report and "regimes compare"
	// checks: random_level for every toy; for lsq also gd_threshold,
	// ms_bound_lo and ms_bound_hi (SCIENCE.md 6.1, at the run's batch size).
	Theory map[string]float64 `json:"theory"`
}

// SimulateOutput is the summary Simulate returns: the trajectory's summary
// and the output folder.
type SimulateOutput struct {
	toy.Summary
	Out string `json:"out"`
}

// SimulateConfig configures one toy run (Simulate).
type SimulateConfig struct {
	// Toy is the toy problem.
	Toy toy.Config
	// Conventional runs conventional SGD with LR, WD, Momentum and
	// InitNorm instead of projected SGD on the sphere at ELR.
	Conventional          bool
	ELR, LR, WD, Momentum float64
	InitNorm              float64
	Batch, Steps, Every   int
	Sampling              toy.Sampling
	Seed                  uint64
	// Out is the output folder.
	Out string
}

// checkRun checks the fields that a toy run of Simulate and Conventional
// shares: the batch size, the number of steps, the thinning and the
// initial norm of conventional SGD (initNorm 1 for runs on the sphere,
// where it plays no part).
func checkRun(batch, steps, every int, initNorm float64) error {
	switch {
	case batch < 0:
		return fmt.Errorf("batch must be >= 0 (0 means the full batch), have %d", batch)
	case steps <= 0:
		return fmt.Errorf("steps must be positive, have %d", steps)
	case every < 0:
		return fmt.Errorf("every must be >= 0, have %d", every)
	case !(initNorm > 0) || initNorm > 1e300:
		return fmt.Errorf("init norm must be positive and finite, have %v", initNorm)
	}
	return nil
}

// Check returns an error naming the first invalid field of c, or nil.
func (c SimulateConfig) Check() error {
	switch {
	case c.Out == "":
		return errors.New("no output folder")
	case c.Conventional && c.ELR != 0:
		return errors.New("ELR and conventional SGD are exclusive: ELR runs on the sphere, LR runs conventional SGD")
	case c.Conventional && !(c.LR > 0 && !math.IsInf(c.LR, 0)):
		return fmt.Errorf("lr must be positive and finite, have %v", c.LR)
	case !c.Conventional && !(c.ELR > 0 && !math.IsInf(c.ELR, 0)):
		return fmt.Errorf("elr must be positive and finite, have %v", c.ELR)
	}
	initNorm := 1.0
	if c.Conventional {
		initNorm = c.InitNorm
	}
	return checkRun(c.Batch, c.Steps, c.Every, initNorm)
}

// Simulate runs SGD on a toy problem and writes Out/trajectory.csv and
// Out/config.json (everything needed to rerun, with the SHA-256 of the data
// and the problem's deterministic theory), as one unit with a manifest
// (fileio.WriteSet); on error nothing is written.
func Simulate(cfg SimulateConfig) (SimulateOutput, error) {
	if err := cfg.Check(); err != nil {
		return SimulateOutput{}, err
	}
	tc := cfg.Toy.Defaults()
	p, err := tc.Build()
	if err != nil {
		return SimulateOutput{}, err
	}
	hash, err := toy.DataHash(p, tc.Data)
	if err != nil {
		return SimulateOutput{}, err
	}
	rec := SimulateRecord{Command: "regimes simulate", Toy: tc, DataSHA256: hash,
		Theory: map[string]float64{"random_level": p.RandomLevel()}}
	if l, ok := p.(*toy.LSQ); ok {
		ms := toy.MSBounds(l.A(), cfg.Batch, cfg.Sampling)
		rec.Theory["gd_threshold"] = toy.GDThreshold(l.A())
		rec.Theory["ms_bound_lo"], rec.Theory["ms_bound_hi"] = ms[0], ms[1]
	}
	var tr *toy.Trajectory
	if cfg.Conventional {
		c := toy.ConvConfig{LR: cfg.LR, WD: cfg.WD, Momentum: cfg.Momentum, Batch: cfg.Batch, Sampling: cfg.Sampling,
			Steps: cfg.Steps, Every: cfg.Every, Seed: cfg.Seed, InitNorm: cfg.InitNorm}.Defaults()
		rec.Mode, rec.Conv = "conventional", &c
		tr, err = toy.SimulateConventional(p, c)
	} else {
		c := toy.SimConfig{ELR: cfg.ELR, Batch: cfg.Batch, Sampling: cfg.Sampling, Steps: cfg.Steps, Every: cfg.Every,
			Seed: cfg.Seed}.Defaults()
		rec.Mode, rec.Sim = "sphere", &c
		tr, err = toy.Simulate(p, c)
	}
	if err != nil {
		return SimulateOutput{}, err
	}
	if err := fileio.MkdirClean(cfg.Out); err != nil {
		return SimulateOutput{}, err
	}
	// The trajectory and its configuration are one unit: committed together
	// under a manifest with the configuration's hash as the run identity.
	var cfgJSON bytes.Buffer
	if err := encodeJSON(&cfgJSON, rec); err != nil {
		return SimulateOutput{}, err
	}
	id := sha256.Sum256(cfgJSON.Bytes())
	if err := fileio.WriteSet(cfg.Out, hex.EncodeToString(id[:8]), []fileio.File{
		{Name: "trajectory.csv", Write: tr.WriteCSV},
		{Name: "config.json", Write: func(w io.Writer) error { _, err := w.Write(cfgJSON.Bytes()); return err }},
	}); err != nil {
		return SimulateOutput{}, err
	}
	return SimulateOutput{Summary: tr.Summary, Out: cfg.Out}, nil
}
