package realnets

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// goldenFill returns scale*sin(0.7*i + 1.3*k + 0.1) for i < n, computed in
// float64 and rounded to float32: the formula of fill in
// testdata/torchref.py, which made the golden files.
func goldenFill(n, k int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(scale * math.Sin(0.7*float64(i)+1.3*float64(k)+0.1))
	}
	return v
}

// torchRef is the content of testdata/torchref_*.json.
type torchRef struct {
	N          int                  `json:"n"`
	Logits     []float64            `json:"logits"`
	Loss       float64              `json:"loss"`
	EvalLogits []float64            `json:"eval_logits"`
	Grads      map[string][]float64 `json:"grads"`
	Buffers    map[string][]float64 `json:"buffers"`
}

func readTorchRef(t *testing.T, name string) *torchRef {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var r torchRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &r
}

// relErr returns ||got - want||_2 / ||want||_2, the norm the golden
// comparison uses (per tensor).
func relErr(got []float32, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var d, w float64
	for i, g := range got {
		e := float64(g) - want[i]
		d += e * e
		w += want[i] * want[i]
	}
	return math.Sqrt(d / w)
}

// goldenTol is the tolerance of the acceptance criterion: 1e-4
// relative, in the per-tensor Euclidean norm of relErr.
const goldenTol = 1e-4

// checkGolden sets the golden weights on m, runs the train step and the
// eval pass of torchref.py and compares everything.
func checkGolden(t *testing.T, m Model, logits func() []float32, ref *torchRef, x []float32, y []int, scales []float64) {
	t.Helper()
	for k, p := range m.Params() {
		copy(p.Data, goldenFill(len(p.Data), k, scales[k]))
	}
	loss, _ := m.Forward(x, y, ref.N, Train, true)
	t.Logf("loss: rel err %.2g; train logits: rel err %.2g", math.Abs(loss-ref.Loss)/ref.Loss, relErr(logits(), ref.Logits))
	if e := math.Abs(loss-ref.Loss) / ref.Loss; e > goldenTol {
		t.Errorf("loss %v, PyTorch %v (rel err %.2g)", loss, ref.Loss, e)
	}
	if e := relErr(logits(), ref.Logits); e > goldenTol {
		t.Errorf("train logits: rel err %.2g", e)
	}
	for _, p := range m.Params() {
		e := relErr(p.Grad, ref.Grads[p.Name])
		t.Logf("grad %s: rel err %.2g", p.Name, e)
		if e > goldenTol {
			t.Errorf("grad %s: rel err %.2g", p.Name, e)
		}
	}
	for _, b := range m.Buffers() {
		if e := relErr(b.Data, ref.Buffers[b.Name]); e > goldenTol {
			t.Errorf("buffer %s: rel err %.2g", b.Name, e)
		}
	}
	m.Forward(x, y, ref.N, Eval, false)
	if e := relErr(logits(), ref.EvalLogits); e > goldenTol {
		t.Errorf("eval logits: rel err %.2g", e)
	}
}

func TestConvNetTorchGolden(t *testing.T) {
	ref := readTorchRef(t, "testdata/torchref_convnet.json")
	m := NewConvNetSI(ConvNetConfig{Width: 4, TrainHead: true, Workers: 2})
	var scales []float64
	for _, p := range m.Params()[:4] {
		scales = append(scales, 1/math.Sqrt(float64(p.Shape[1]*9))) // torchref.py: 1/sqrt(fan_in)
	}
	scales = append(scales, 0.5, 0.5) // torchref.py: head scale
	x := goldenFill(ref.N*32*32, 100, 1)
	y := []int{0, 1, 2, 3} // torchref.py: i % 10
	checkGolden(t, m, m.Logits, ref, x, y, scales)
}

func TestMLPTorchGolden(t *testing.T) {
	ref := readTorchRef(t, "testdata/torchref_mlp.json")
	m := NewMLP(MLPConfig{Sizes: []int{64, 32, 16, 10}, TrainHead: true, Workers: 2})
	scales := []float64{1 / 8.0, 1 / math.Sqrt(32), 0.5, 0.5} // torchref.py: 1/sqrt(fan_in), head 0.5
	x := goldenFill(ref.N*64, 100, 1)
	y := []int{0, 3, 6, 9, 2, 5, 8, 1} // torchref.py: 3i % 10
	checkGolden(t, m, m.Logits, ref, x, y, scales)
}
