package realnets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// testModel is a small instance of each model with a fixed batch.
type testModel struct {
	name string
	new  func(workers int, trainHead bool) Model
	in   int // input size per image
	n    int
}

var testModels = []testModel{
	{"convnet", func(k int, th bool) Model {
		return NewConvNetSI(ConvNetConfig{Width: 3, Size: 16, Seed: 1, HeadSeed: 2, TrainHead: th, Workers: k})
	}, 16 * 16, 10},
	{"mlp", func(k int, th bool) Model {
		return NewMLP(MLPConfig{Sizes: []int{20, 12, 9, 5}, Seed: 1, HeadSeed: 2, TrainHead: th, Workers: k})
	}, 20, 24},
	{"resnet", func(k int, th bool) Model {
		return NewResNetSI(ResNetConfig{Width: 2, InChannels: 2, Size: 16, Seed: 1, HeadSeed: 2, TrainHead: th, Workers: k})
	}, 2 * 16 * 16, 8},
}

func (tm testModel) batch(seed uint64) ([]float32, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	m := tm.new(1, false)
	x := randSlice(rng, tm.n*tm.in, 1)
	y := make([]int, tm.n)
	for i := range y {
		y[i] = rng.IntN(m.Classes())
	}
	return x, y
}

// TestModelGradient checks each model's float32 loss against the float64
// reference of reference_test.go, and its gradient against central
// differences of that reference along random unit directions, in each
// BatchNorm mode, with a frozen and a trained head. Tolerances: the float32
// forward pass keeps about 6 digits (1e-5 relative on the loss); the float64
// central difference with step 1e-6 has error about 1e-10 away from ReLU and
// max-pooling switches, so the float32 gradient sets the tolerance, 1e-4
// relative to the gradient norm.
func TestModelGradient(t *testing.T) {
	for _, tm := range testModels {
		x, y := tm.batch(1)
		for _, th := range []bool{false, true} {
			for _, mode := range []Mode{TrainEval, Eval} {
				name := fmt.Sprintf("%s/head=%v/%v", tm.name, th, mode)
				m := tm.new(1, th)
				if mode == Eval {
					// Give the running statistics non-trivial values.
					for range 3 {
						m.Forward(x, y, tm.n, Train, false)
					}
				}
				loss, _ := m.Forward(x, y, tm.n, mode, true)
				w := refParams(m.Params())
				b := refParams(m.Buffers())
				ref := func() float64 {
					switch cm := m.(type) {
					case *ConvNet:
						return refConvNetLoss(cm.cfg, w, b, x, y, mode)
					case *ResNet:
						return refResNetLoss(cm.cfg, w, b, x, y, mode)
					}
					return refMLPLoss(m.(*MLP).cfg.Sizes, w, b, x, y, mode)
				}
				if r := ref(); math.Abs(loss-r) > 1e-5*r {
					t.Errorf("%s: loss %v, float64 reference %v", name, loss, r)
				}
				var gnorm float64
				for _, p := range m.Params() {
					if !p.Frozen {
						gnorm += dot64(p.Grad, p.Grad)
					}
				}
				gnorm = math.Sqrt(gnorm)
				rng := rand.New(rand.NewPCG(5, 5))
				for trial := range 3 {
					// A random unit direction over the trainable parameters.
					v := make([][]float64, len(w))
					var vn float64
					for i, p := range m.Params() {
						v[i] = make([]float64, len(w[i]))
						if p.Frozen {
							continue
						}
						for j := range v[i] {
							v[i][j] = rng.NormFloat64()
							vn += v[i][j] * v[i][j]
						}
					}
					var an float64
					for i, p := range m.Params() {
						for j := range v[i] {
							v[i][j] /= math.Sqrt(vn)
							if !p.Frozen {
								an += float64(p.Grad[j]) * v[i][j]
							}
						}
					}
					const h = 1e-6
					shift := func(s float64) {
						for i := range w {
							for j := range w[i] {
								w[i][j] += s * v[i][j]
							}
						}
					}
					shift(h)
					lp := ref()
					shift(-2 * h)
					lm := ref()
					shift(h)
					fd := (lp - lm) / (2 * h)
					if math.Abs(fd-an) > 1e-4*gnorm {
						t.Errorf("%s trial %d: directional derivative %v, finite difference %v (gradient norm %v)", name, trial, an, fd, gnorm)
					}
				}
			}
		}
	}
}

// siGroups returns the groups of parameters of m in each of which the loss
// is separately SI: the model's SIGroups when it has them (the ResNet),
// otherwise each SI tensor alone (every one is followed by BatchNorm).
func siGroups(m Model) [][]*Param {
	if g, ok := m.(interface{ SIGroups() [][]*Param }); ok {
		return g.SIGroups()
	}
	var gs [][]*Param
	for _, p := range m.Params() {
		if p.SI {
			gs = append(gs, []*Param{p})
		}
	}
	return gs
}

// TestScaleInvariance checks the identities of SCIENCE.md section 1
// on each SI group (hence on the joint vector): scaling it by a leaves the
// train-mode loss unchanged, the gradient is orthogonal to it, and the
// gradient scales as 1/a. It also checks that the groups cover exactly the
// SI parameters, once each. BatchNorm's eps = 1e-5 breaks the invariance
// at the level eps/var; the SI weights are first multiplied by 8 (exactly,
// and without changing the loss but for eps) so that every pre-BatchNorm
// variance is above 1 and eps/var below 1e-5. (At the initial scale, with
// variances near 0.1, the ResNet's first-stage gradients move by 4e-3 after
// scaling a group by 3; with eps = 1e-9 they do not, so that is eps, not
// the gradient.)
func TestScaleInvariance(t *testing.T) {
	const a = 3
	for _, tm := range testModels {
		x, y := tm.batch(2)
		m := tm.new(2, false)
		for _, p := range m.Params() {
			if p.SI {
				for i := range p.Data {
					p.Data[i] *= 8
				}
			}
		}
		seen := map[*Param]int{}
		for _, g := range siGroups(m) {
			for _, p := range g {
				seen[p]++
			}
		}
		for _, p := range m.Params() {
			if want := map[bool]int{true: 1}[p.SI]; seen[p] != want {
				t.Errorf("%s: %s is in %d SI groups, want %d", tm.name, p.Name, seen[p], want)
			}
		}
		loss0, _ := m.Forward(x, y, tm.n, TrainEval, true)
		grads := map[string][]float32{}
		for _, p := range m.Params() {
			grads[p.Name] = slices.Clone(p.Grad)
		}
		for gi, g := range siGroups(m) {
			var gw, gg, ww float64
			for _, p := range g {
				gw += dot64(p.Grad, p.Data)
				gg += dot64(p.Grad, p.Grad)
				ww += dot64(p.Data, p.Data)
			}
			if cos := gw / math.Sqrt(gg*ww); math.Abs(cos) > 1e-4 {
				t.Errorf("%s group %d (%s...): cos(grad, w) = %.2g, want 0 (Euler)", tm.name, gi, g[0].Name, cos)
			}
			var orig [][]float32
			for _, p := range g {
				orig = append(orig, slices.Clone(p.Data))
				for i := range p.Data {
					p.Data[i] *= a
				}
			}
			loss, _ := m.Forward(x, y, tm.n, TrainEval, true)
			if math.Abs(loss-loss0) > 1e-4*loss0 {
				t.Errorf("%s: loss %v after scaling group %d (%s...) by %d, want %v", tm.name, loss, gi, g[0].Name, a, loss0)
			}
			for _, p := range m.Params() {
				if p.Frozen {
					continue
				}
				f := 1.0 // the other groups' gradients do not change
				if slices.Contains(g, p) {
					f = a
				}
				want := make([]float64, len(p.Grad))
				for i, v := range grads[p.Name] {
					want[i] = float64(v) / f
				}
				if e := relErr(p.Grad, want); e > 1e-3 {
					t.Errorf("%s %s: grad after scaling group %d by %d is off grad/%v by %.2g", tm.name, p.Name, gi, a, f, e)
				}
			}
			for k, p := range g {
				copy(p.Data, orig[k])
			}
		}
	}
}

// TestWorkersBitwise checks that losses, gradients, running statistics and
// logits are bitwise the same for 1, 2 and 3 workers.
func TestWorkersBitwise(t *testing.T) {
	for _, tm := range testModels {
		x, y := tm.batch(3)
		var ref []float32
		for _, k := range []int{1, 2, 3} {
			m := tm.new(k, true)
			var out []float32
			for _, mode := range []Mode{Train, TrainEval, Eval} {
				loss, correct := m.Forward(x, y, tm.n, mode, true)
				out = append(out, float32(loss), float32(correct))
				out = append(out, m.(interface{ Logits() []float32 }).Logits()...)
				for _, p := range m.Params() {
					out = append(out, p.Grad...)
				}
				for _, p := range m.Buffers() {
					out = append(out, p.Data...)
				}
			}
			if ref == nil {
				ref = out
				continue
			}
			for i := range ref {
				if math.Float32bits(ref[i]) != math.Float32bits(out[i]) {
					t.Errorf("%s: workers=%d differs from workers=1 at output %d: %v != %v", tm.name, k, i, out[i], ref[i])
					break
				}
			}
		}
	}
}

// TestModes checks the BatchNorm modes at the model level: TrainEval gives
// the Train loss and leaves the running statistics alone; Train updates
// them; in Eval mode each image's logits do not depend on the rest of the
// batch.
func TestModes(t *testing.T) {
	for _, tm := range testModels {
		x, y := tm.batch(4)
		m := tm.new(2, false)
		logits := m.(interface{ Logits() []float32 }).Logits
		lt, _ := m.Forward(x, y, tm.n, TrainEval, false)
		for _, b := range m.Buffers() {
			for i, v := range b.Data {
				want := float32(0)
				if i == 0 && len(b.Name) > 3 && b.Name[len(b.Name)-3:] == "var" {
					want = 1
				}
				if v != want && !(b.Name[len(b.Name)-3:] == "var" && v == 1) {
					t.Fatalf("%s: TrainEval changed %s", tm.name, b.Name)
				}
			}
		}
		ltr, _ := m.Forward(x, y, tm.n, Train, false)
		if lt != ltr {
			t.Errorf("%s: TrainEval loss %v != Train loss %v", tm.name, lt, ltr)
		}
		changed := 0
		for _, b := range m.Buffers() {
			for _, v := range b.Data {
				if v != 0 && v != 1 {
					changed++
				}
			}
		}
		if changed == 0 {
			t.Errorf("%s: Train did not update the running statistics", tm.name)
		}
		m.Forward(x, y, tm.n, Eval, false)
		all := slices.Clone(logits())
		nc := m.Classes()
		for _, i := range []int{0, tm.n - 1} {
			m.Forward(x[i*tm.in:(i+1)*tm.in], y[i:i+1], 1, Eval, false)
			want := make([]float64, nc)
			for k := range want {
				want[k] = float64(all[i*nc+k])
			}
			if e := relErr(logits(), want); e > 1e-6 {
				t.Errorf("%s: eval logits of image %d alone differ by %.2g", tm.name, i, e)
			}
		}
	}
}

// TestConvNetRunningStats checks the first BatchNorm's running statistics
// after one Train step against a direct float64 convolution: momentum 0.1
// from (0, 1) and the unbiased variance (PyTorch's rule).
func TestConvNetRunningStats(t *testing.T) {
	tm := testModels[0]
	x, y := tm.batch(5)
	m := tm.new(2, false).(*ConvNet)
	m.Forward(x, y, tm.n, Train, false)
	w := m.Params()[0]
	c, s := w.Shape[0], 16
	for ch := 0; ch < c; ch++ {
		var sum, sq float64
		for i := 0; i < tm.n; i++ {
			for yy := 0; yy < s; yy++ {
				for xx := 0; xx < s; xx++ {
					var v float64
					for ky := 0; ky < 3; ky++ {
						for kx := 0; kx < 3; kx++ {
							sy, sx := yy+ky-1, xx+kx-1
							if sy >= 0 && sy < s && sx >= 0 && sx < s {
								v += float64(w.Data[ch*9+ky*3+kx]) * float64(x[(i*s+sy)*s+sx])
							}
						}
					}
					sum += v
					sq += v * v
				}
			}
		}
		cnt := float64(tm.n * s * s)
		mean := sum / cnt
		uvar := (sq - cnt*mean*mean) / (cnt - 1)
		gm, gv := float64(m.Buffers()[0].Data[ch]), float64(m.Buffers()[1].Data[ch])
		if math.Abs(gm-0.1*mean) > 1e-6 || math.Abs(gv-(0.9+0.1*uvar)) > 1e-5 {
			t.Errorf("channel %d: running mean, var %v %v, want %v %v", ch, gm, gv, 0.1*mean, 0.9+0.1*uvar)
		}
	}
}

// TestForwardAllocs checks that a training step allocates nothing once the
// buffers exist. The warm-up runs a few steps because gemm.Sgemm keeps its
// packing buffers on a free list of workspaces, which needs a few calls on
// each worker to hold one for every goroutine.
func TestForwardAllocs(t *testing.T) {
	for _, tm := range testModels {
		x, y := tm.batch(6)
		m := tm.new(2, true)
		for range 3 {
			m.Forward(x, y, tm.n, Train, true)
		}
		if a := testing.AllocsPerRun(10, func() { m.Forward(x, y, tm.n, Train, true) }); a != 0 {
			t.Errorf("%s: %v allocations per training step, want 0", tm.name, a)
		}
	}
}

// TestWorkersFreed checks that dropping a model stops its worker goroutines
// (the pool is closed by a runtime cleanup).
func TestWorkersFreed(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		m := NewMLP(MLPConfig{Sizes: []int{8, 64, 3}, Workers: 3})
		x := make([]float32, 4*8)
		m.Forward(x, []int{0, 1, 2, 0}, 4, Train, true)
	}
	for range 100 {
		runtime.GC()
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d goroutines after dropping the models, %d before", runtime.NumGoroutine(), before)
}

// TestPoolStress runs many short passes back to back, some after a pause
// long enough for the helpers to park, some with run paused between
// announcing a pass and waking the helpers, and checks that every task runs
// exactly once on a worker in range: a lost or late wake-up would hang a
// pass, run a task twice or call Done once too often.
func TestPoolStress(t *testing.T) {
	var announced int
	testHookAnnounced = func() {
		announced++
		if announced%50 == 0 {
			time.Sleep(2 * spinTime)
		}
	}
	defer func() { testHookAnnounced = nil }()
	for _, k := range []int{2, 3, 5} {
		p := newPool(k)
		counts := make([]atomic.Int32, 8)
		for r := range 5000 {
			nt := 1 + r%len(counts)
			p.run(nt, func(task, w int) {
				if w < 0 || w >= k {
					t.Errorf("worker %d out of [0, %d)", w, k)
				}
				counts[task].Add(1)
			})
			for i := range counts {
				want := int32(0)
				if i < nt {
					want = 1
				}
				if c := counts[i].Swap(0); c != want {
					t.Fatalf("k=%d pass %d: task %d ran %d times, want %d", k, r, i, c, want)
				}
			}
			if r%500 == 499 {
				time.Sleep(2 * spinTime)
			}
		}
		p.close()
	}
}
