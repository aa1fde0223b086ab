package experiment

import (
	"fmt"
	"math/rand/v2"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets"
)

// SliceConfig configures SlicesAt. The zero value of a field means its
// documented default.
type SliceConfig struct {
	// Batches is the number of training batches of the next epoch the loss
	// is averaged over (default 2).
	Batches int `json:"batches"`
	// Range is the largest angle (radians) of the 1-D and 2-D slices
	// (default 0.2); Points and Grid the numbers of angles of the 1-D
	// slices and along each axis of the 2-D slice (defaults 41 and 15).
	Range  float64 `json:"range"`
	Points int     `json:"points"`
	Grid   int     `json:"grid"`
	// Seed seeds the filter-normalised directions and Lanczos.
	Seed uint64 `json:"seed"`
}

func (c SliceConfig) withDefaults() SliceConfig {
	if c.Batches == 0 {
		c.Batches = 2
	}
	if c.Range == 0 {
		c.Range = 0.2
	}
	if c.Points == 0 {
		c.Points = 41
	}
	if c.Grid == 0 {
		c.Grid = 15
	}
	return c
}

// SliceResult holds the slices through a checkpoint's point (SCIENCE.md
// section 10.3). Losses are mean batch losses with batch statistics
// recomputed at every point.
type SliceResult struct {
	// Random is the 1-D slice along a filter-normalised random direction,
	// Top the one along the top eigenvector of the effective tangent
	// Hessian, Map the 2-D slice along two filter-normalised random
	// directions.
	Random, Top, Map analysis.Slice
	// TopCurvature is the Ritz value of the top eigenvector.
	TopCurvature float64
	// Between is the great circle to the other checkpoint's point (t from
	// -0.25 to 1.25; the angle column A is t times BetweenAngle), when one
	// is given.
	Between      *analysis.Slice
	BetweenAngle float64
}

// SlicesAt computes the slices through the point of checkpoint name, and
// the great circle to the point of checkpoint other when other is not
// empty (both must have the same model).
func SlicesAt(name, other string, cfg SliceConfig) (SliceResult, error) {
	cfg = cfg.withDefaults()
	m, ds, ck, err := realnets.FromCheckpoint(name)
	if err != nil {
		return SliceResult{}, err
	}
	l, err := realnets.NewLandscape(m, CheckpointBatches(ds, ck, ck.Epoch+1, cfg.Batches), 1e-3)
	if err != nil {
		return SliceResult{}, err
	}
	x := l.Point()
	rng := rand.New(rand.NewPCG(cfg.Seed, 5))
	d1, d2 := make([]float64, len(x)), make([]float64, len(x))
	analysis.FilterNormalized(d1, x, l.Filters(), rng)
	analysis.FilterNormalized(d2, x, l.Filters(), rng)
	angles := analysis.Grid(-cfg.Range, cfg.Range, cfg.Points)
	var res SliceResult
	if res.Random, err = analysis.Slice1D(l.Loss, x, d1, angles); err != nil {
		return res, err
	}
	e := analysis.Lanczos(l.Effective(), analysis.LanczosConfig{K: 1, Steps: 10, Seed: cfg.Seed})
	res.TopCurvature = e.Values[0]
	if res.Top, err = analysis.Slice1D(l.Loss, x, e.Vectors[0], angles); err != nil {
		return res, err
	}
	g := analysis.Grid(-cfg.Range, cfg.Range, cfg.Grid)
	if res.Map, err = analysis.Slice2D(l.Loss, x, d1, d2, g, g); err != nil {
		return res, err
	}
	if other != "" {
		m2, _, _, err := realnets.FromCheckpoint(other)
		if err != nil {
			return res, err
		}
		y := realnets.SIVector(nil, m2.Params())
		if len(y) != len(x) {
			return res, fmt.Errorf("%s and %s have %d and %d SI weights", name, other, len(x), len(y))
		}
		y64 := make([]float64, len(y))
		for i, v := range y {
			y64[i] = float64(v)
		}
		s, w, err := analysis.GreatCircle(l.Loss, x, y64, analysis.Grid(-0.25, 1.25, 31))
		if err != nil {
			return res, err
		}
		res.Between, res.BetweenAngle = &s, w
	}
	return res, nil
}
