package realnets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/regimes/regimes/realnets/data"
)

// tinySet returns n random 4x4 one-channel images with labels in 0..2.
func tinySet(n int, seed uint64) *data.Set {
	rng := rand.New(rand.NewPCG(seed, 0))
	s := &data.Set{N: n, C: 1, H: 4, W: 4, Classes: 3, X: make([]float32, n*16), Y: make([]int, n)}
	for i := range s.X {
		s.X[i] = float32(rng.NormFloat64())
	}
	for i := range s.Y {
		s.Y[i] = rng.IntN(3)
	}
	return s
}

func tinyMLP() *MLP {
	return NewMLP(MLPConfig{Sizes: []int{16, 8, 3}, Seed: 1, HeadSeed: 2, Workers: 1})
}

func TestEvaluatorLoss(t *testing.T) {
	s := tinySet(13, 1)
	m := tinyMLP()
	// Put some spread in the running statistics so that Eval differs from
	// TrainEval.
	m.Forward(s.X[:5*16], s.Y[:5], 5, Train, false)
	e := NewEvaluator(m)
	e.Batch = 5
	bufs := cloneData(m.Buffers())
	// Eval mode treats images independently: batches of 5, 5 and 3 must give
	// the loss of one Forward over all 13 (float32 sums: 1e-6 relative).
	loss, acc := e.Loss(s, Eval)
	wantLoss, wantCorrect := m.Forward(s.X, s.Y, 13, Eval, false)
	if math.Abs(loss-wantLoss) > 1e-6*wantLoss || acc != 100*float64(wantCorrect)/13 {
		t.Errorf("Eval: loss %v acc %v, want %v and %v", loss, acc, wantLoss, 100*float64(wantCorrect)/13)
	}
	// TrainEval over one batch holding the whole set equals one Forward and
	// leaves the running statistics alone.
	e.Batch = 13
	loss, _ = e.Loss(s, TrainEval)
	if want, _ := m.Forward(s.X, s.Y, 13, TrainEval, false); loss != want {
		t.Errorf("TrainEval: loss %v, want %v", loss, want)
	}
	for i, b := range m.Buffers() {
		if !slices.Equal(b.Data, bufs[i]) {
			t.Errorf("buffer %s changed", b.Name)
		}
	}
}

func cloneData(ps []*Param) [][]float32 {
	var out [][]float32
	for _, p := range ps {
		out = append(out, slices.Clone(p.Data))
	}
	return out
}

// TestGradients checks GradStats against a direct two-pass computation from
// the gradients of each batch, the identity RMS^2 = Full^2 + Noise^2, and the
// scale invariance of the effective norms (grad F(a x) = grad F(x)/a,
// SCIENCE.md section 1).
func TestGradients(t *testing.T) {
	s := tinySet(14, 2)
	m := tinyMLP()
	e := NewEvaluator(m)
	e.Batch = 4
	st := e.Gradients(s)
	if st.Batches != 3 {
		t.Fatalf("%d batches, want 3 (14 images in full batches of 4)", st.Batches)
	}
	var grads [][]float64
	for b := 0; b < 3; b++ {
		m.Forward(s.X[b*4*16:(b+1)*4*16], s.Y[b*4:(b+1)*4], 4, TrainEval, true)
		var g []float64
		for _, p := range m.Params() {
			if p.SI {
				for _, v := range p.Grad {
					g = append(g, float64(v))
				}
			}
		}
		grads = append(grads, g)
	}
	x := SINorm(m.Params())
	mean := make([]float64, len(grads[0]))
	var meanNorm float64
	for _, g := range grads {
		meanNorm += norm(g) / 3
		for i, v := range g {
			mean[i] += v / 3
		}
	}
	var noise float64
	for i := range mean {
		for _, g := range grads {
			d := g[i] - mean[i]
			noise += d * d / 3
		}
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"mean", st.Mean, meanNorm * x},
		{"full", st.Full, norm(mean) * x},
		{"noise", st.Noise, math.Sqrt(noise) * x},
		{"rms^2", st.RMS * st.RMS, st.Full*st.Full + st.Noise*st.Noise},
	} {
		// 1e-9 relative: both sides are float64 sums of the same float32 data.
		if math.Abs(c.got-c.want) > 1e-9*c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// Scaling the SI vector by 3 leaves the effective norms unchanged; 1e-4
	// relative allows for float32 rounding through BatchNorm.
	for _, p := range m.Params() {
		if p.SI {
			for i := range p.Data {
				p.Data[i] *= 3
			}
		}
	}
	st3 := e.Gradients(s)
	for _, c := range [][2]float64{{st.Mean, st3.Mean}, {st.Full, st3.Full}, {st.Noise, st3.Noise}} {
		if math.Abs(c[0]-c[1]) > 1e-4*c[0] {
			t.Errorf("effective norm changed under scaling: %v vs %v", c[0], c[1])
		}
	}
}

func TestVectorGeometry(t *testing.T) {
	// (1, 0) and (1, 1): cosine 1/sqrt(2), distance 1, angle pi/4.
	cos, dist, angle := vectorGeometry([]float32{1, 0}, []float32{1, 1})
	if math.Abs(cos-1/math.Sqrt2) > 1e-15 || dist != 1 || math.Abs(angle-math.Pi/4) > 1e-15 {
		t.Errorf("got %v %v %v", cos, dist, angle)
	}
	// A tiny angle: (1, 0) and (1, 1e-7) is 1e-7 rad to 1e-7 relative,
	// where arccos of the cosine would give 0.
	if _, _, angle := vectorGeometry([]float32{1, 0}, []float32{1, 1e-7}); math.Abs(angle-1e-7) > 1e-14 {
		t.Errorf("small angle %v, want 1e-7", angle)
	}
}
