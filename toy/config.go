package toy

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/regimes/regimes/internal/memguard"
)

// A Name names a toy problem. Its JSON is the name.
type Name string

// The toys.
const (
	ToyLSQ      Name = "lsq"      // SI least squares (SCIENCE.md 6.1), the default
	ToyCircle   Name = "circle"   // the exactly solvable circle
	ToyVMF      Name = "vmf"      // the von Mises-Fisher toy with isotropic noise
	ToyLogistic Name = "logistic" // a network in miniature
)

// ReferenceDataSeed is the data seed of the reference toy data set: the
// generated data every toy command (demo, sweep, simulate, conventional,
// theory) and the project's goldens use unless told otherwise, so that
// their numbers describe one problem.
const ReferenceDataSeed = 1

// Config describes a toy problem completely, so that a run can write it to
// JSON and rebuild the same problem later. The zero value of every field
// means its documented default.
type Config struct {
	// Toy is the toy's name: ToyLSQ (the default), ToyCircle, ToyVMF or
	// ToyLogistic.
	Toy Name `json:"toy"`
	// Data is a CSV file with the samples (lsq and logistic; see ReadCSV).
	// If empty, the data are generated from DataSeed.
	Data string `json:"data,omitempty"`
	// N is the number of generated samples: default 8 for lsq, 64 for logistic.
	N int `json:"n,omitempty"`
	// D is the dimension of generated data or of vmf: default 24.
	D int `json:"d,omitempty"`
	// DataSeed seeds the data generator (GenerateLSQ, GenerateLogistic).
	// The commands default to ReferenceDataSeed.
	DataSeed uint64 `json:"data_seed"`
	// Norms is the row-norm distribution of generated lsq data: NormsUnit
	// (the default) or NormsGaussian.
	Norms Norms `json:"norms,omitempty"`
	// Lambda is the curvature of circle: default 1.
	Lambda float64 `json:"lambda,omitempty"`
	// Mu is ||mu|| of vmf, whose mean direction is mu = Mu e_1: default 1.
	Mu float64 `json:"mu,omitempty"`
	// Sigma is the noise scale of vmf: default 1. (A noiseless vmf run is a
	// full-batch run.)
	Sigma float64 `json:"sigma,omitempty"`
	// Alpha is the output scale of logistic: default DefaultAlpha = 10.
	Alpha float64 `json:"alpha,omitempty"`
}

// Defaults returns c with every zero field that applies to its toy replaced
// by its default, so that the JSON of a run shows the values used.
func (c Config) Defaults() Config {
	if c.Toy == "" {
		c.Toy = "lsq"
	}
	switch c.Toy {
	case "lsq":
		if c.Data == "" {
			c.N = orInt(c.N, 8)
			c.D = orInt(c.D, 24)
			if c.Norms == "" {
				c.Norms = NormsUnit
			}
		}
	case "circle":
		c.Lambda = orFloat(c.Lambda, 1)
	case "vmf":
		c.D = orInt(c.D, 24)
		c.Mu = orFloat(c.Mu, 1)
		c.Sigma = orFloat(c.Sigma, 1)
	case "logistic":
		if c.Data == "" {
			c.N = orInt(c.N, 64)
			c.D = orInt(c.D, 24)
		}
		c.Alpha = orFloat(c.Alpha, DefaultAlpha)
	}
	return c
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orFloat(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// Check reports the first invalid size or parameter of c, as Build would,
// without reading data or allocating anything: closed-form theories (the
// vmf prediction at any d) use it instead of Build. It does not check the
// memory a built problem needs; Build does.
func (c Config) Check() error {
	c = c.Defaults()
	if c.N < 0 || c.D < 0 {
		return fmt.Errorf("%s: negative size n=%d, d=%d", c.Toy, c.N, c.D)
	}
	for _, v := range []float64{c.Lambda, c.Mu, c.Sigma, c.Alpha} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: non-finite parameter %v", c.Toy, v)
		}
	}
	switch c.Toy {
	case "lsq", "logistic":
	case "circle":
		if c.Data != "" {
			return fmt.Errorf("circle %w", errNoData)
		}
		if !(c.Lambda > 0) || c.Lambda < MinDataScale*MinDataScale || c.Lambda > MaxDataScale*MaxDataScale {
			_, err := NewCircle(c.Lambda)
			return err
		}
	case "vmf":
		if c.Data != "" {
			return fmt.Errorf("vmf %w", errNoData)
		}
		if c.D < 2 {
			return fmt.Errorf("vmf: need d >= 2, have %d", c.D)
		}
		if c.Mu < 0 {
			return fmt.Errorf("vmf: mu must be non-negative (it is the norm of mu), have %v", c.Mu)
		}
		if c.Mu != 0 && (c.Mu < MinDataScale || c.Mu > MaxDataScale) {
			return fmt.Errorf("vmf: mu = %g is outside [%g, %g], where the theory's moments leave float64's range", c.Mu, float64(MinDataScale), float64(MaxDataScale))
		}
		if c.Sigma < 0 || c.Sigma != 0 && (c.Sigma < MinDataScale || c.Sigma > MaxDataScale) {
			return fmt.Errorf("vmf: sigma = %g must be 0 or in [%g, %g]", c.Sigma, float64(MinDataScale), float64(MaxDataScale))
		}
	default:
		return fmt.Errorf("unknown toy %q (want lsq, circle, vmf or logistic)", c.Toy)
	}
	return nil
}

// Build returns the problem that c describes. Errors name the toy and the
// field or file at fault; a generated data set or a dimension whose memory
// exceeds memguard.Limit is refused before anything is allocated.
func (c Config) Build() (Problem, error) {
	c = c.Defaults()
	if err := c.Check(); err != nil {
		return nil, err
	}
	if (c.Toy == "lsq" || c.Toy == "logistic") && c.Data == "" {
		// The data matrix, the toy's copy and its row-major rows.
		if err := memguard.Check(fmt.Sprintf("%s data of n=%d samples in d=%d", c.Toy, c.N, c.D), 3*8*float64(c.N)*float64(c.D)); err != nil {
			return nil, err
		}
	}
	if c.Toy == "vmf" {
		if err := memguard.Check(fmt.Sprintf("vmf in dimension d=%d", c.D), 8*8*float64(c.D)); err != nil {
			return nil, err
		}
	}
	switch c.Toy {
	case "lsq":
		am, _, err := c.data(false)
		if err != nil {
			return nil, err
		}
		p, err := NewLSQ(am)
		if err != nil && c.Data != "" {
			return nil, fmt.Errorf("%s: %w", c.Data, err)
		}
		return p, err
	case "circle":
		if c.Data != "" {
			return nil, fmt.Errorf("circle %w", errNoData)
		}
		return NewCircle(c.Lambda)
	case "vmf":
		if c.Data != "" {
			return nil, fmt.Errorf("vmf %w", errNoData)
		}
		if c.D < 2 {
			return nil, fmt.Errorf("vmf: need d >= 2, have %d", c.D)
		}
		if c.Mu < 0 {
			return nil, fmt.Errorf("vmf: mu must be non-negative (it is the norm of mu), have %v", c.Mu)
		}
		mu := make([]float64, c.D)
		mu[0] = c.Mu
		return NewVMF(mu, c.Sigma)
	case "logistic":
		a, y, err := c.data(true)
		if err != nil {
			return nil, err
		}
		p, err := NewLogistic(a, y, c.Alpha)
		if err != nil && c.Data != "" {
			return nil, fmt.Errorf("%s: %w", c.Data, err)
		}
		return p, err
	}
	return nil, fmt.Errorf("unknown toy %q (want lsq, circle, vmf or logistic)", c.Toy)
}

// data reads c.Data or generates the data of c's toy.
func (c Config) data(labelled bool) (*mat.Dense, []float64, error) {
	if c.Data != "" {
		return LoadCSV(c.Data, labelled)
	}
	if labelled {
		return GenerateLogistic(c.N, c.D, c.DataSeed)
	}
	a, err := GenerateLSQ(c.N, c.D, c.DataSeed, c.Norms)
	return a, nil, err
}
