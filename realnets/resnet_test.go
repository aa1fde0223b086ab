package realnets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestResNetTorchGolden(t *testing.T) {
	ref := readTorchRef(t, "testdata/torchref_resnet.json")
	m := NewResNetSI(ResNetConfig{Width: 2, TrainHead: true, Workers: 2})
	var scales []float64
	for _, p := range m.Params() {
		fan := 1
		for _, s := range p.Shape[1:] {
			fan *= s
		}
		scales = append(scales, 1/math.Sqrt(float64(fan))) // torchref_resnet.py: 1/sqrt(fan_in)
	}
	scales[len(scales)-1] = 0.5 // torchref_resnet.py: the last layer's scale
	if len(ref.Grads) != len(m.Params()) || len(ref.Buffers) != len(m.Buffers()) {
		t.Fatalf("PyTorch has %d parameters and %d buffers, the Go model %d and %d", len(ref.Grads), len(ref.Buffers), len(m.Params()), len(m.Buffers()))
	}
	x := goldenFill(ref.N*3*32*32, 100, 1)
	y := []int{1, 4, 7, 0} // torchref_resnet.py: (3i+1) % 10
	checkGolden(t, m, m.Logits, ref, x, y, scales)
}

// TestResNetGroupsMinimal checks that the stream group of SIGroups is not
// SI piece by piece: scaling one block's conv2 alone, or the first
// convolution alone, changes the loss (by far more than BatchNorm's eps
// could).
func TestResNetGroupsMinimal(t *testing.T) {
	tm := testModels[2]
	x, y := tm.batch(2)
	m := tm.new(2, false).(*ResNet)
	loss0, _ := m.Forward(x, y, tm.n, TrainEval, false)
	for _, p := range []*Param{m.stem, m.blocks[3].w2, m.blocks[4].ws} {
		orig := slices.Clone(p.Data)
		for i := range p.Data {
			p.Data[i] *= 3
		}
		loss, _ := m.Forward(x, y, tm.n, TrainEval, false)
		copy(p.Data, orig)
		if math.Abs(loss-loss0) < 1e-3*loss0 {
			t.Errorf("scaling %s alone by 3 moved the loss from %v only to %v", p.Name, loss0, loss)
		}
	}
}

// TestIm2colStride2Adjoint checks <im2col3x3s2(x), c> = <x, col2im3x3s2(c)>
// and im2col3x3s2 against its definition.
func TestIm2colStride2Adjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const c, h, w = 3, 6, 8
	x := randSlice(rng, c*h*w, 1)
	cv := randSlice(rng, c*9*(h/2)*(w/2), 1)
	col := make([]float32, len(cv))
	im2col3x3s2(col, x, c, h, w)
	for ci := 0; ci < c; ci++ {
		for ky := 0; ky < 3; ky++ {
			for kx := 0; kx < 3; kx++ {
				for oy := 0; oy < h/2; oy++ {
					for ox := 0; ox < w/2; ox++ {
						sy, sx := 2*oy+ky-1, 2*ox+kx-1
						var want float32
						if sy >= 0 && sy < h && sx >= 0 && sx < w {
							want = x[(ci*h+sy)*w+sx]
						}
						if got := col[((ci*9+ky*3+kx)*(h/2)+oy)*(w/2)+ox]; got != want {
							t.Fatalf("col[%d,%d,%d,%d,%d] = %v, want %v", ci, ky, kx, oy, ox, got, want)
						}
					}
				}
			}
		}
	}
	dx := make([]float32, len(x))
	col2im3x3s2(dx, cv, c, h, w)
	if a, b := dot64(col, cv), dot64(x, dx); math.Abs(a-b) > 1e-4*math.Abs(a) {
		t.Errorf("<im2col x, c> = %v, <x, col2im c> = %v", a, b)
	}
}
