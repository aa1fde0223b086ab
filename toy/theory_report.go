package toy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// A TheoryRequest asks for the exact theory of one toy problem (Theory).
type TheoryRequest struct {
	// Config is the toy: lsq (its data: Data, or N, D, DataSeed and
	// Norms), circle (Lambda, positive) or vmf (D, Mu positive, Sigma
	// at least 0).
	Config Config
	// Batch is the batch size of lsq and vmf; 0 means the full batch.
	Batch int
	// Sampling is how lsq draws its batches: IID or Shuffle (one batch of
	// distinct samples).
	Sampling Sampling
	// Seed seeds lsq's estimate of the almost-sure threshold.
	Seed uint64
	// ELR is the effective learning rate of circle and vmf (required,
	// positive).
	ELR float64
}

// ErrNoTheory is the error of Theory for a toy without a closed-form
// theory (logistic: simulate it instead).
var ErrNoTheory = errors.New("no closed-form theory")

// A TheoryReport is the exact theory of one toy: the toy's name and one of
// LSQ, Circle and VMF. Its JSON is the name ("toy") beside the theory's
// fields, and for lsq the configuration with its defaults ("config").
type TheoryReport struct {
	Toy    string
	LSQ    *LSQTheory
	Config *Config
	Circle *CircleTheory
	VMF    *VMFTheory
}

// Theory returns the exact theory that r asks for: for lsq the thresholds
// of SCIENCE.md section 6.1 (NewLSQTheory), for circle the closed form of
// section 6.2 at r.ELR (CircleClosedForm), for vmf the equilibrium of
// section 6.3 at r.ELR and r.Batch (VMFPredictionBatch).
func Theory(r TheoryRequest) (TheoryReport, error) {
	c := r.Config
	if r.Batch < 0 {
		return TheoryReport{}, fmt.Errorf("batch %d: want at least 0 (0 means the full batch)", r.Batch)
	}
	switch c.Toy {
	case "lsq":
		cfg := Config{Toy: "lsq", Data: c.Data, N: c.N, D: c.D, DataSeed: c.DataSeed, Norms: c.Norms}.Defaults()
		p, err := cfg.Build()
		if err != nil {
			return TheoryReport{}, err
		}
		th, err := NewLSQTheory(p.(*LSQ).A(), r.Batch, r.Sampling, r.Seed)
		if err != nil {
			return TheoryReport{}, err
		}
		return TheoryReport{Toy: "lsq", LSQ: &th, Config: &cfg}, nil
	case "circle", "vmf":
		if !(r.ELR > 0) || math.IsInf(r.ELR, 0) {
			return TheoryReport{}, fmt.Errorf("%s: ELR %v: want a positive finite number", c.Toy, r.ELR)
		}
	case "logistic":
		return TheoryReport{}, fmt.Errorf("logistic: %w", ErrNoTheory)
	default:
		return TheoryReport{}, fmt.Errorf("unknown toy %q (want lsq, circle or vmf)", c.Toy)
	}
	if c.Toy == "circle" {
		if _, err := (Config{Toy: "circle", Lambda: c.Lambda}).Build(); err != nil {
			return TheoryReport{}, err
		}
		th := CircleClosedForm(c.Lambda, r.ELR)
		return TheoryReport{Toy: "circle", Circle: &th}, nil
	}
	if c.Mu <= 0 || c.Sigma < 0 {
		return TheoryReport{}, fmt.Errorf("vmf: need mu > 0 and sigma >= 0, have %v and %v", c.Mu, c.Sigma)
	}
	cfg := Config{Toy: "vmf", D: c.D, Mu: c.Mu, Sigma: c.Sigma}.Defaults()
	if err := cfg.Check(); err != nil { // a closed form: no memory needed at any d
		return TheoryReport{}, err
	}
	th := VMFPredictionBatch(cfg.D, cfg.Mu, c.Sigma, r.ELR, r.Batch) // sigma 0: noiseless
	return TheoryReport{Toy: "vmf", VMF: &th}, nil
}

// MarshalJSON writes the toy's name ("toy") beside the fields of its
// theory, and for lsq the configuration ("config").
func (r TheoryReport) MarshalJSON() ([]byte, error) {
	var v any
	switch {
	case r.LSQ != nil:
		v = struct {
			Toy string `json:"toy"`
			LSQTheory
			Config *Config `json:"config"`
		}{r.Toy, *r.LSQ, r.Config}
	case r.Circle != nil:
		v = struct {
			Toy string `json:"toy"`
			CircleTheory
		}{r.Toy, *r.Circle}
	case r.VMF != nil:
		v = struct {
			Toy string `json:"toy"`
			VMFTheory
		}{r.Toy, *r.VMF}
	default:
		return nil, errors.New("toy: empty TheoryReport")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
