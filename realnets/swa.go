package realnets

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/regimes/regimes/realnets/data"
)

// This file holds the geometry between solutions and stochastic weight
// averaging on the sphere (SCIENCE.md section 11): the angle between two SI
// vectors, the average of K solutions projected back onto the sphere, the
// BatchNorm statistics recomputed on the training set, and the loss and
// error along the linear and the great-circle path between two solutions,
// with their barriers. A solution is the list of a model's parameter
// tensors in Params order, such as Checkpoint.Params.

// checkSolution returns an error unless ts has the names and shapes of
// m.Params().
func checkSolution(m Model, ts []Tensor) error {
	ps := m.Params()
	if len(ts) != len(ps) {
		return fmt.Errorf("realnets: a solution has %d tensors, the model %d parameters", len(ts), len(ps))
	}
	for i, p := range ps {
		if ts[i].Name != p.Name || !slices.Equal(ts[i].Shape, p.Shape) || len(ts[i].Data) != len(p.Data) {
			return fmt.Errorf("realnets: solution tensor %d is %s %v, the model's parameter is %s %v", i, ts[i].Name, ts[i].Shape, p.Name, p.Shape)
		}
	}
	return nil
}

// siNorm returns the norm of the SI part of the solution ts of m.
func siNorm(m Model, ts []Tensor) float64 {
	var s float64
	for i, p := range m.Params() {
		if p.SI {
			for _, v := range ts[i].Data {
				s += float64(v) * float64(v)
			}
		}
	}
	return math.Sqrt(s)
}

// SolutionAngle returns the angle in radians between the SI vectors (all SI
// parameters concatenated, SCIENCE.md section 2) of the solutions a and b
// of m, computed with atan2 so that small angles keep their digits.
func SolutionAngle(m Model, a, b []Tensor) (float64, error) {
	if err := checkSolution(m, a); err != nil {
		return 0, err
	}
	if err := checkSolution(m, b); err != nil {
		return 0, err
	}
	var va, vb []float32
	for i, p := range m.Params() {
		if p.SI {
			va = append(va, a[i].Data...)
			vb = append(vb, b[i].Data...)
		}
	}
	_, _, angle := vectorGeometry(va, vb)
	return angle, nil
}

// AverageSolutions returns the stochastic weight average of the solutions
// sols of m: the mean of each tensor (computed in float64), with the SI
// vector then projected onto the sphere whose radius is the mean of the
// solutions' SI norms (for a fixed-ELR run, the run's sphere). The
// projection does not change the network function (the loss is SI in the
// joint SI vector); it puts the average where angles and further training
// on the sphere are defined. It returns an error when sols is empty, a
// solution does not fit m, or the SI part of the mean is zero.
func AverageSolutions(m Model, sols ...[]Tensor) ([]Tensor, error) {
	if len(sols) == 0 {
		return nil, errors.New("realnets: no solutions to average")
	}
	var radius float64
	for _, s := range sols {
		if err := checkSolution(m, s); err != nil {
			return nil, err
		}
		radius += siNorm(m, s)
	}
	radius /= float64(len(sols))
	out := make([]Tensor, len(sols[0]))
	mean := make([][]float64, len(out))
	for i, t := range sols[0] {
		mean[i] = make([]float64, len(t.Data))
		for _, s := range sols {
			for j, v := range s[i].Data {
				mean[i][j] += float64(v)
			}
		}
		for j := range mean[i] {
			mean[i][j] /= float64(len(sols))
		}
	}
	return finishPoint(m, sols[0], mean, radius)
}

// finishPoint rounds the float64 tensors v to a solution of m with the
// names and shapes of like, the SI part rescaled to the given radius.
func finishPoint(m Model, like []Tensor, v [][]float64, radius float64) ([]Tensor, error) {
	var ss float64
	for i, p := range m.Params() {
		if p.SI {
			for _, x := range v[i] {
				ss += x * x
			}
		}
	}
	if !(ss > 0) {
		return nil, errors.New("realnets: the SI part of the point is zero: it has no direction")
	}
	f := radius / math.Sqrt(ss)
	out := make([]Tensor, len(like))
	for i, p := range m.Params() {
		out[i] = Tensor{Name: like[i].Name, Shape: slices.Clone(like[i].Shape), Data: make([]float32, len(v[i]))}
		s := 1.0
		if p.SI {
			s = f
		}
		for j, x := range v[i] {
			out[i].Data[j] = float32(x * s)
		}
	}
	return out, nil
}

// RecomputeBN sets the BatchNorm running statistics of m to those of the
// current weights on s, as PyTorch's torch.optim.swa_utils.update_bn does
// (the follow-up's protocol): one pass over s in the set's order in batches
// of batch (default 128) in Train mode, each running mean and variance set
// to the plain average over the batches of the batch mean and of the
// unbiased batch variance. A last batch of one image is left out
// (BatchNorm cannot take its variance in every model). The weights are not
// changed.
func RecomputeBN(m Model, s *data.Set, batch int) error {
	if batch <= 0 {
		batch = 128
	}
	bufs := m.Buffers()
	acc := make([][]float64, len(bufs))
	for i, b := range bufs {
		acc[i] = make([]float64, len(b.Data))
	}
	x := make([]float32, batch*s.ImageSize())
	y := make([]int, batch)
	idx := make([]int, batch)
	nb := 0
	for lo := 0; lo < s.N; lo += batch {
		n := min(batch, s.N-lo)
		if n < 2 {
			break
		}
		for j := range n {
			idx[j] = lo + j
		}
		s.Gather(x, y, idx[:n])
		// From zero running statistics a Train step leaves exactly
		// bnMomentum times the batch statistics (one float32 rounding).
		for _, b := range bufs {
			clear(b.Data)
		}
		m.Forward(x[:n*s.ImageSize()], y[:n], n, Train, false)
		for i, b := range bufs {
			for j, v := range b.Data {
				acc[i][j] += float64(v) / bnMomentum
			}
		}
		nb++
	}
	if nb == 0 {
		return fmt.Errorf("realnets: RecomputeBN needs at least 2 images, the set has %d", s.N)
	}
	for i, b := range bufs {
		for j := range b.Data {
			b.Data[j] = float32(acc[i][j] / float64(nb))
		}
	}
	return nil
}

// PointMetrics are the metrics of one point in weight space after its
// BatchNorm statistics are recomputed on the training set: loss and error
// in percent on the training and the test set, both in Eval mode (with the
// recomputed statistics), as the follow-up evaluates its interpolations.
type PointMetrics struct {
	TrainLoss float64 `json:"train_loss"`
	TrainErr  float64 `json:"train_err"`
	TestLoss  float64 `json:"test_loss"`
	TestErr   float64 `json:"test_err"`
}

// EvaluatePoint sets m's parameters to the solution w, recomputes the
// BatchNorm statistics on train (RecomputeBN with batch) and evaluates m on
// train and test (test may be nil: its metrics are then NaN).
func EvaluatePoint(m Model, w []Tensor, train, test *data.Set, batch int) (PointMetrics, error) {
	if err := restoreTensors(m.Params(), w, "parameters"); err != nil {
		return PointMetrics{}, err
	}
	if err := RecomputeBN(m, train, batch); err != nil {
		return PointMetrics{}, err
	}
	e := NewEvaluator(m)
	if batch > 0 {
		e.Batch = batch
	}
	var pm PointMetrics
	var acc float64
	pm.TrainLoss, acc = e.Loss(train, Eval)
	pm.TrainErr = 100 - acc
	pm.TestLoss, pm.TestErr = math.NaN(), math.NaN()
	if test != nil {
		pm.TestLoss, acc = e.Loss(test, Eval)
		pm.TestErr = 100 - acc
	}
	return pm, nil
}

// A PathKind selects how Interpolate joins two solutions.
type PathKind int

const (
	// LinearPath is (1-alpha) a + alpha b for every tensor, with the SI
	// vector then rescaled to the radius (1-alpha) |a| + alpha |b|.
	LinearPath PathKind = iota
	// GreatCirclePath moves the SI vector along the great circle from the
	// direction of a to that of b at the angle alpha W (W the angle
	// between them; spherical linear interpolation), at the radius
	// (1-alpha) |a| + alpha |b|; non-SI tensors move linearly.
	GreatCirclePath
)

// String returns "linear" or "great-circle".
func (k PathKind) String() string {
	switch k {
	case LinearPath:
		return "linear"
	case GreatCirclePath:
		return "great-circle"
	}
	return fmt.Sprintf("PathKind(%d)", int(k))
}

// Interpolate returns the point at alpha of the path of the given kind
// from the solution a (alpha = 0) to b (alpha = 1) of m. With a frozen last
// layer the two kinds visit the same networks, reparametrised (SCIENCE.md
// section 11): the linear point at alpha is the great-circle point at
// t = atan2(r sin W, 1 + r cos W) / W, r = alpha |b| / ((1-alpha) |a|).
func Interpolate(m Model, a, b []Tensor, kind PathKind, alpha float64) ([]Tensor, error) {
	if err := checkSolution(m, a); err != nil {
		return nil, err
	}
	if err := checkSolution(m, b); err != nil {
		return nil, err
	}
	na, nb := siNorm(m, a), siNorm(m, b)
	if !(na > 0 && nb > 0) {
		return nil, errors.New("realnets: a solution's SI part is zero")
	}
	radius := (1-alpha)*na + alpha*nb
	c0, c1 := 1-alpha, alpha // weights of a and b for the SI tensors
	if kind == GreatCirclePath {
		w, err := SolutionAngle(m, a, b)
		if err != nil {
			return nil, err
		}
		if !(math.Sin(w) > 1e-12) {
			return nil, errors.New("realnets: the two solutions' SI vectors are (anti)parallel: no unique great circle")
		}
		c0 = math.Sin((1-alpha)*w) / math.Sin(w) / na
		c1 = math.Sin(alpha*w) / math.Sin(w) / nb
	} else if kind != LinearPath {
		return nil, fmt.Errorf("realnets: unknown path kind %d", int(kind))
	}
	v := make([][]float64, len(a))
	for i, p := range m.Params() {
		s0, s1 := 1-alpha, alpha
		if p.SI {
			s0, s1 = c0, c1
		}
		v[i] = make([]float64, len(a[i].Data))
		for j := range v[i] {
			v[i][j] = s0*float64(a[i].Data[j]) + s1*float64(b[i].Data[j])
		}
	}
	return finishPoint(m, a, v, radius)
}

// A PathPoint is the metrics of one point of a path.
type PathPoint struct {
	Alpha float64 `json:"alpha"`
	PointMetrics
}

// Path evaluates m at the points alphas of the path of the given kind
// between the solutions a and b (EvaluatePoint at each: BatchNorm
// statistics recomputed on train). It leaves m at the last point.
func Path(m Model, a, b []Tensor, kind PathKind, alphas []float64, train, test *data.Set, batch int) ([]PathPoint, error) {
	out := make([]PathPoint, len(alphas))
	for i, al := range alphas {
		w, err := Interpolate(m, a, b, kind, al)
		if err != nil {
			return nil, err
		}
		pm, err := EvaluatePoint(m, w, train, test, batch)
		if err != nil {
			return nil, err
		}
		out[i] = PathPoint{Alpha: al, PointMetrics: pm}
	}
	return out, nil
}

// Barrier returns the barrier of the values v at the path positions
// alphas, max over i of v[i] - ((1 - alphas[i]) v0 + alphas[i] v1), where
// v0 and v1 are the values at alpha = 0 and alpha = 1, which alphas must
// contain, and where it is attained. The barrier is at least 0 (the
// endpoints themselves give 0).
func Barrier(alphas, v []float64) (barrier, at float64, err error) {
	if len(alphas) != len(v) {
		return 0, 0, fmt.Errorf("realnets: %d positions and %d values", len(alphas), len(v))
	}
	i0, i1 := slices.Index(alphas, 0), slices.Index(alphas, 1)
	if i0 < 0 || i1 < 0 {
		return 0, 0, errors.New("realnets: a barrier needs the values at alpha = 0 and alpha = 1")
	}
	v0, v1 := v[i0], v[i1]
	barrier, at = math.Inf(-1), 0
	for i, al := range alphas {
		if d := v[i] - ((1-al)*v0 + al*v1); d > barrier {
			barrier, at = d, al
		}
	}
	return barrier, at, nil
}
