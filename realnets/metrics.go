package realnets

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/regimes/regimes/realnets/data"
)

// A Record is one line of a run's metrics.jsonl: the metrics of
// SCIENCE.md section 5 at the end of an epoch (epoch 0 is the initial
// point; a run with TrainConfig.EvalEpochs "log" or EvalEvery has records
// at those epochs only). Values that were not computed for this epoch are null in JSON: the
// gradient-pass metrics when the run computes them only at log-spaced
// epochs, and the angles at epoch 0.
type Record struct {
	// Epoch is the number of completed epochs; Step the number of steps.
	Epoch int `json:"epoch"`
	Step  int `json:"step"`
	// TrainLoss is the mean cross-entropy over the whole training set and
	// TrainAcc its top-1 accuracy in percent, BatchNorm with batch
	// statistics (TrainEval), batches of 128 in the data set's order.
	TrainLoss float64 `json:"train_loss"`
	TrainAcc  float64 `json:"train_acc"`
	// TestLoss and TestError (percent) are over the test set with BatchNorm's
	// running statistics (Eval).
	TestLoss  float64 `json:"test_loss"`
	TestError float64 `json:"test_error"`
	// GradNormMean is the mean over the training mini-batches of the
	// effective gradient norm ||grad_x L_B|| * ||x|| (SI parameters only);
	// GradNormFull the norm of the mean batch gradient times ||x||;
	// GradNoise the norm of the per-coordinate standard deviation of the
	// batch gradients times ||x||. See GradStats.
	GradNormMean *float64 `json:"grad_norm_mean"`
	GradNormFull *float64 `json:"grad_norm_full"`
	GradNoise    *float64 `json:"grad_noise"`
	// AngleStepMean is the mean over the epoch's steps of the angle (radians)
	// between consecutive SI vectors; AngleEpoch the angle between the SI
	// vectors at the ends of the previous epoch and this one.
	AngleStepMean *float64 `json:"angle_step_mean"`
	AngleEpoch    *float64 `json:"angle_epoch"`
	// ELR is the realised effective learning rate at the epoch's end weights
	// (Optimizer.RealisedELR): the fixed ELR for sphere runs, eta/((1 -
	// eta wd)||w||^2) for conventional ones.
	ELR float64 `json:"elr"`
	// SINorm is ||x||, the norm of the SI vector.
	SINorm float64 `json:"si_norm"`
	// CosInit and DistInit are the cosine similarity and the Euclidean
	// distance between the SI vector and the run's initial SI vector.
	CosInit  float64 `json:"cos_init"`
	DistInit float64 `json:"dist_init"`
	// WallTime is the number of seconds spent in the run so far, training
	// and metrics, summed over resumed sessions.
	WallTime float64 `json:"wall_time"`
}

// GradStats summarises the SI gradients of the mini-batches of one pass over
// a training set at fixed weights, all multiplied by the SI norm ||x|| so
// that they are the gradients at the point projected to the unit sphere
// (SCIENCE.md section 5).
type GradStats struct {
	// Mean is the mean of the batch gradient norms.
	Mean float64
	// RMS is the root mean square of the batch gradient norms; RMS^2 =
	// Full^2 + Noise^2 exactly.
	RMS float64
	// Full is the norm of the mean batch gradient.
	Full float64
	// Noise is the norm of the per-coordinate (population) standard
	// deviation of the batch gradients.
	Noise float64
	// Batches is the number of batches.
	Batches int
}

// An Evaluator computes the metrics of a model over data sets, reusing its
// buffers from call to call.
type Evaluator struct {
	// Batch is the batch size (default 128).
	Batch int

	m        Model
	x        []float32
	y        []int
	idx      []int
	mean, m2 []float64
}

// NewEvaluator returns an Evaluator for m.
func NewEvaluator(m Model) *Evaluator { return &Evaluator{m: m} }

func (e *Evaluator) batch() int {
	if e.Batch <= 0 {
		return 128
	}
	return e.Batch
}

func (e *Evaluator) ensure(s *data.Set) {
	b := e.batch()
	if len(e.x) < b*s.ImageSize() {
		e.x = make([]float32, b*s.ImageSize())
	}
	if len(e.y) < b {
		e.y = make([]int, b)
		e.idx = make([]int, b)
	}
}

// Loss returns the mean cross-entropy and the accuracy in percent of the
// model over all of s, in the given BatchNorm mode, in batches taken in the
// set's order (the last one may be smaller). Use TrainEval for the training
// metrics and Eval for the test metrics of SCIENCE.md section 5.
func (e *Evaluator) Loss(s *data.Set, mode Mode) (loss, acc float64) {
	if mode == Train {
		panic("realnets: Evaluator.Loss in Train mode would change the running statistics")
	}
	e.ensure(s)
	b := e.batch()
	var sum float64
	var correct int
	for lo := 0; lo < s.N; lo += b {
		n := min(b, s.N-lo)
		for j := range n {
			e.idx[j] = lo + j
		}
		s.Gather(e.x, e.y, e.idx[:n])
		l, c := e.m.Forward(e.x[:n*s.ImageSize()], e.y[:n], n, mode, false)
		sum += l * float64(n)
		correct += c
	}
	return sum / float64(s.N), 100 * float64(correct) / float64(s.N)
}

// Gradients makes one pass over the full batches of s in the set's order
// with gradients and BatchNorm in TrainEval mode (no update of the weights or
// running statistics) and returns the statistics of the SI gradients,
// accumulated per coordinate in float64 by Welford's algorithm (Knuth, TAOCP
// vol. 2, 4.2.2). A last partial batch is left out, since its gradient has
// a different distribution. It overwrites Param.Grad.
func (e *Evaluator) Gradients(s *data.Set) GradStats {
	e.ensure(s)
	b := e.batch()
	params := e.m.Params()
	var dim int
	for _, p := range params {
		if p.SI {
			dim += len(p.Data)
		}
	}
	if len(e.mean) != dim {
		e.mean = make([]float64, dim)
		e.m2 = make([]float64, dim)
	}
	clear(e.mean)
	clear(e.m2)
	var st GradStats
	var sumNorm, sumSq float64
	for lo := 0; lo+b <= s.N; lo += b {
		for j := range b {
			e.idx[j] = lo + j
		}
		s.Gather(e.x, e.y, e.idx[:b])
		e.m.Forward(e.x[:b*s.ImageSize()], e.y[:b], b, TrainEval, true)
		st.Batches++
		k := float64(st.Batches)
		var gg float64
		i := 0
		for _, p := range params {
			if !p.SI {
				continue
			}
			for _, g32 := range p.Grad[:len(p.Data)] {
				g := float64(g32)
				gg += g * g
				d := g - e.mean[i]
				e.mean[i] += d / k
				e.m2[i] += d * (g - e.mean[i])
				i++
			}
		}
		sumNorm += math.Sqrt(gg)
		sumSq += gg
	}
	if st.Batches == 0 {
		return st
	}
	var full, noise float64
	for i, m := range e.mean {
		full += m * m
		noise += e.m2[i]
	}
	k := float64(st.Batches)
	x := SINorm(params)
	st.Mean = sumNorm / k * x
	st.RMS = math.Sqrt(sumSq/k) * x
	st.Full = math.Sqrt(full) * x
	st.Noise = math.Sqrt(noise/k) * x
	return st
}

// SIVector appends the SI parameters of params, concatenated in order, to dst
// and returns it.
func SIVector(dst []float32, params []*Param) []float32 {
	for _, p := range params {
		if p.SI {
			dst = append(dst, p.Data...)
		}
	}
	return dst
}

// vectorGeometry returns the cosine similarity, the Euclidean distance and the
// angle between a and b, in float64. The angle uses atan2 of the orthogonal
// part of the difference, which is accurate for small angles.
func vectorGeometry(a, b []float32) (cos, dist, angle float64) {
	if len(a) != len(b) {
		panic("realnets: vectors of different lengths")
	}
	var acc angleAcc
	var bb, ab float64
	for i, av := range a {
		x, y := float64(av), float64(b[i])
		acc.add(x, y)
		bb += y * y
		ab += x * y
	}
	return ab / math.Sqrt(acc.xx*bb), math.Sqrt(acc.dd), acc.angle()
}

// Scalars returns the record's metrics as named scalars, in the order of
// the fields of Record and under their JSON names (train_loss, test_error,
// grad_norm_mean, angle_step_mean, ...), for logs such as TensorBoard's:
// the epoch, step and wall time are left out (they are the log's own
// coordinates), and so are metrics not measured at this epoch (null in
// metrics.jsonl).
func (r Record) Scalars() (names []string, xs []float64) {
	b, err := json.Marshal(r)
	if err != nil {
		panic("realnets: " + err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.Token() // {
	for dec.More() {
		tok, _ := dec.Token()
		name, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			panic("realnets: " + err.Error())
		}
		n, ok := v.(json.Number)
		if !ok || name == "epoch" || name == "step" || name == "wall_time" {
			continue
		}
		x, err := n.Float64()
		if err != nil {
			continue
		}
		names, xs = append(names, name), append(xs, x)
	}
	return names, xs
}
