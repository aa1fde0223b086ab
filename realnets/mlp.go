package realnets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/regimes/regimes/realnets/gemm"
)

// MLPConfig configures NewMLP. The zero value of a field means its
// documented default.
type MLPConfig struct {
	// Sizes lists the layer widths from the input to the classes (default
	// 784, 256, 256, 10). Every hidden layer is Linear (no bias) - BatchNorm
	// (no affine) - ReLU; the last is the linear head with bias.
	Sizes []int
	// Seed seeds the initialisation of the SI weights.
	Seed uint64
	// HeadSeed seeds the initialisation of the last layer.
	HeadSeed uint64
	// TrainHead makes the last layer trainable; by default it is frozen.
	TrainHead bool
	// Workers is the number of goroutines Forward uses (default GOMAXPROCS).
	Workers int
}

// An mlpLayer is Linear (no bias) - BatchNorm (no affine) - ReLU.
type mlpLayer struct {
	in, out int
	w       *Param
	bn      batchNorm
	z, a    []float32 // n×out: linear output then x̂ in place; ReLU output
	dz      []float32 // n×out: gradient with respect to the ReLU output, then to z
}

// MLP is the SI multilayer perceptron of SCIENCE.md section 9. It
// implements Model.
type MLP struct {
	batchCore                   // chunkGrad: per chunk, the head's weight and bias gradients
	cfg                         MLPConfig
	layers                      []mlpLayer
	head, bias                  *Param
	params, bufs                []*Param
	dlogits                     []float32 // n×classes
	layer                       int
	fwdFn, headFn, bwdFn, sumFn func(task, worker int)
}

// NewMLP returns the SI MLP with PyTorch's default initialisation of the SI
// weights (from Seed) and of the last layer (from HeadSeed), the last weight
// rescaled to Frobenius norm 10.
func NewMLP(cfg MLPConfig) *MLP {
	if cfg.Sizes == nil {
		cfg.Sizes = []int{784, 256, 256, 10}
	}
	cfg.Sizes = append([]int(nil), cfg.Sizes...)
	if len(cfg.Sizes) < 3 {
		panic("realnets: MLP needs at least one hidden layer (Sizes of length >= 3)")
	}
	for _, s := range cfg.Sizes {
		if s <= 0 {
			panic(fmt.Sprintf("realnets: bad MLP sizes %v", cfg.Sizes))
		}
	}
	m := &MLP{batchCore: newBatchCore(cfg.Workers, cfg.Sizes[len(cfg.Sizes)-1], maxChunks), cfg: cfg}
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	nl := len(cfg.Sizes) - 2
	m.layers = make([]mlpLayer, nl)
	for i := range m.layers {
		l := &m.layers[i]
		l.in, l.out = cfg.Sizes[i], cfg.Sizes[i+1]
		l.w = newParam(fmt.Sprintf("fc%d.weight", i), true, false, l.out, l.in)
		initUniform(l.w.Data, 1/math.Sqrt(float64(l.in)), rng)
		l.bn = newBatchNorm(fmt.Sprintf("bn%d", i), l.out)
		m.params = append(m.params, l.w)
		m.bufs = append(m.bufs, l.bn.runMean, l.bn.runVar)
	}
	nf, nc := cfg.Sizes[nl], cfg.Sizes[nl+1]
	m.head, m.bias = newHead(nc, nf, cfg.HeadSeed, cfg.TrainHead)
	m.params = append(m.params, m.head, m.bias)
	m.fwdFn, m.headFn, m.bwdFn, m.sumFn = m.forwardTask, m.headTask, m.backwardTask, m.sumTask
	runtime.AddCleanup(m, func(p *pool) { p.close() }, m.pool)
	return m
}

// Params returns the hidden weights (SI) and then the last layer's weight
// and bias.
func (m *MLP) Params() []*Param { return m.params }

// Buffers returns the running mean and variance of each BatchNorm layer.
func (m *MLP) Buffers() []*Param { return m.bufs }

// InputShape returns the image shape of the input: (1, s, s) when the input
// size is a square s*s (784 is MNIST's 28×28), (3, s, s) when it is 3*s*s,
// and (1, 1, size) otherwise.
func (m *MLP) InputShape() (c, h, w int) {
	n := m.cfg.Sizes[0]
	if s := isqrt(n); s*s == n {
		return 1, s, s
	}
	if n%3 == 0 {
		if s := isqrt(n / 3); 3*s*s == n {
			return 3, s, s
		}
	}
	return 1, 1, n
}

func isqrt(n int) int { return int(math.Sqrt(float64(n)) + 0.5) }

func (m *MLP) ensure(n int) {
	if n > m.capN {
		for i := range m.layers {
			l := &m.layers[i]
			l.z = make([]float32, n*l.out)
			l.a = make([]float32, n*l.out)
			l.dz = make([]float32, n*l.out)
		}
		m.logits = make([]float32, n*m.Classes())
		m.dlogits = make([]float32, n*m.Classes())
		m.capN = n
	}
	for len(m.dlog) < m.pool.k {
		m.dlog = append(m.dlog, make([]float32, m.Classes()))
	}
}

// mlpBlock is the width of the fixed feature blocks the layers are split
// into: each task owns whole feature columns, so BatchNorm statistics need no
// reduction across tasks, each multiply has all batch rows, and each weight
// is packed once per pass.
const mlpBlock = 32

func blocks(width int) int { return (width + mlpBlock - 1) / mlpBlock }

// Forward implements Model. Each layer is split into fixed blocks of
// features and the head into fixed chunks of rows reduced in chunk order,
// independent of the worker count, so the results are bitwise the same for
// any number of workers.
func (m *MLP) Forward(x []float32, y []int, n int, mode Mode, grad bool) (loss float64, correct int) {
	headLen := 0
	if m.cfg.TrainHead {
		headLen = len(m.head.Data) + len(m.bias.Data)
	}
	m.begin(x, y, n, m.cfg.Sizes[0], mode, grad, numChunks(n), headLen)
	if mode == Train && n < 2 {
		panic(fmt.Sprintf("realnets: BatchNorm in train mode needs more than 1 value per channel, got %d", n))
	}
	m.ensure(n)
	for i := range m.layers {
		m.layer = i
		m.pool.run(blocks(m.layers[i].out), m.fwdFn)
	}
	m.pool.run(m.nchunk, m.headFn)
	loss, correct = m.totals()
	if grad {
		for i := len(m.layers) - 1; i >= 0; i-- {
			m.layer = i
			m.pool.run(blocks(m.layers[i].out), m.bwdFn)
		}
		if m.cfg.TrainHead {
			m.pool.run(1, m.sumFn)
		}
	}
	m.end()
	return loss, correct
}

func (m *MLP) input(li int) ([]float32, int) {
	if li == 0 {
		return m.x, m.cfg.Sizes[0]
	}
	return m.layers[li-1].a, m.layers[li-1].out
}

// forwardTask computes one block of features of layer m.layer for the whole
// batch: the multiply, the BatchNorm statistics (and running statistics in
// Train mode), the normalisation and the ReLU.
func (m *MLP) forwardTask(task, _ int) {
	l := &m.layers[m.layer]
	c0, c1 := task*mlpBlock, min((task+1)*mlpBlock, l.out)
	a, in := m.input(m.layer)
	n, out := m.n, l.out
	gemm.Sgemm(gemm.NoTrans, gemm.Trans, n, c1-c0, in, 1, a, in, l.w.Data[c0*in:], in, 0, l.z[c0:], out)
	bn := &l.bn
	var s, ss [mlpBlock]float64
	if m.mode != Eval {
		colSums(l.z[c0:], n, c1-c0, out, &s, &ss)
	}
	for j := c0; j < c1; j++ {
		bn.setStats(j, s[j-c0], ss[j-c0], n, m.mode)
	}
	mean, inv := bn.mean[c0:c1], bn.invstd[c0:c1]
	for r := 0; r < n; r++ {
		z := l.z[r*out+c0 : r*out+c1]
		a := l.a[r*out+c0 : r*out+c1]
		mean, inv := mean[:len(z)], inv[:len(z)]
		for j, v := range z {
			v = (v - mean[j]) * inv[j]
			z[j] = v
			a[j] = max(v, 0)
		}
	}
}

// headTask applies the last layer and the loss to one chunk of rows and
// writes the gradient of the mean loss with respect to the logits.
func (m *MLP) headTask(task, _ int) {
	l := &m.layers[len(m.layers)-1]
	lo, hi := span(m.n, m.nchunk, task)
	nf, nc := l.out, m.Classes()
	scale := 1 / float32(m.n)
	var loss float64
	var correct int
	var g []float32
	if m.grad && m.cfg.TrainHead {
		g = m.chunkGrad[task]
		clear(g)
	}
	gemm.Sgemm(gemm.NoTrans, gemm.Trans, hi-lo, nc, nf, 1, l.a[lo*nf:], nf, m.head.Data, nf, 0, m.logits[lo*nc:], nc)
	for i := lo; i < hi; i++ {
		feat := l.a[i*nf : (i+1)*nf]
		logits := m.logits[i*nc : (i+1)*nc]
		for k, b := range m.bias.Data[:len(logits)] {
			logits[k] += b
		}
		if argmax(logits) == m.y[i] {
			correct++
		}
		if !m.grad {
			loss += softmaxXent(nil, logits, m.y[i], 0)
			continue
		}
		dlog := m.dlogits[i*nc : (i+1)*nc]
		loss += softmaxXent(dlog, logits, m.y[i], scale)
		m.useOutputGradient(i, dlog)
		if g != nil {
			for k, d := range dlog {
				w := g[k*nf : (k+1)*nf]
				for j, f := range feat {
					w[j] += d * f
				}
				g[nf*nc+k] += d
			}
		}
	}
	m.chunkLoss[task] = loss
	m.chunkCorrect[task] = correct
}

// backwardTask computes one block of features of layer m.layer: the
// gradient with respect to its ReLU output (through the layer above or the
// head), the ReLU and BatchNorm backward, and the block's rows of the weight
// gradient.
func (m *MLP) backwardTask(task, _ int) {
	li := m.layer
	l := &m.layers[li]
	c0, c1 := task*mlpBlock, min((task+1)*mlpBlock, l.out)
	n, out := m.n, l.out
	if li == len(m.layers)-1 {
		nc := m.Classes()
		gemm.Sgemm(gemm.NoTrans, gemm.NoTrans, n, c1-c0, nc, 1, m.dlogits, nc, m.head.Data[c0:], out, 0, l.dz[c0:], out)
	} else {
		up := &m.layers[li+1]
		gemm.Sgemm(gemm.NoTrans, gemm.NoTrans, n, c1-c0, up.out, 1, up.dz, up.out, up.w.Data[c0:], up.in, 0, l.dz[c0:], out)
	}
	var s, sx [mlpBlock]float64
	reluBackSums(l.dz[c0:], l.z[c0:], n, c1-c0, out, &s, &sx)
	var m1, m2 [mlpBlock]float32
	if m.mode != Eval {
		for j := range c1 - c0 {
			m1[j] = float32(s[j] / float64(n))
			m2[j] = float32(sx[j] / float64(n))
		}
	}
	inv := l.bn.invstd[c0:c1]
	for r := 0; r < n; r++ {
		d := l.dz[r*out+c0 : r*out+c1]
		xh := l.z[r*out+c0 : r*out+c1]
		xh, inv := xh[:len(d)], inv[:len(d)]
		for j, g := range d {
			d[j] = inv[j] * (g - m1[j] - xh[j]*m2[j])
		}
	}
	a, in := m.input(li)
	gemm.Sgemm(gemm.Trans, gemm.NoTrans, c1-c0, in, n, 1, l.dz[c0:], out, a, in, 0, l.w.Grad[c0*in:c1*in], in)
}

// colSums sets s and ss to the column sums of z and z*z over the n×w block
// z (row stride ld), each added in row order, four columns at a time so
// that the sums stay in registers.
func colSums(z []float32, n, w, ld int, s, ss *[mlpBlock]float64) {
	if n == 0 {
		return
	}
	_ = z[(n-1)*ld+w-1]
	j := 0
	for ; j+4 <= w; j += 4 {
		var s0, s1, s2, s3, q0, q1, q2, q3 float64
		for o := j; o < n*ld; o += ld {
			zr := z[o : o+4 : o+4]
			a, b, c, d := float64(zr[0]), float64(zr[1]), float64(zr[2]), float64(zr[3])
			s0 += a
			s1 += b
			s2 += c
			s3 += d
			q0 += a * a
			q1 += b * b
			q2 += c * c
			q3 += d * d
		}
		s[j], s[j+1], s[j+2], s[j+3] = s0, s1, s2, s3
		ss[j], ss[j+1], ss[j+2], ss[j+3] = q0, q1, q2, q3
	}
	for ; j < w; j++ {
		var s0, q0 float64
		for o := j; o < n*ld; o += ld {
			a := float64(z[o])
			s0 += a
			q0 += a * a
		}
		s[j], ss[j] = s0, q0
	}
}

// reluBackSums applies the ReLU backward step to the n×w block d (row
// stride ld), zeroing d where the BatchNorm output xh is not positive, and
// sets s and sx to the column sums of d and d*xh, each added in row order.
// Four columns are summed at a time, without branches: a data-dependent
// branch on the sign of xh mispredicts about half the time.
func reluBackSums(d, xh []float32, n, w, ld int, s, sx *[mlpBlock]float64) {
	if n == 0 {
		return
	}
	_ = d[(n-1)*ld+w-1]
	_ = xh[(n-1)*ld+w-1]
	j := 0
	for ; j+4 <= w; j += 4 {
		var s0, s1, s2, s3, x0, x1, x2, x3 float64
		for o := j; o < n*ld; o += ld {
			dr, xr := d[o:o+4:o+4], xh[o:o+4:o+4]
			g0, g1, g2, g3 := keepPos(dr[0], xr[0]), keepPos(dr[1], xr[1]), keepPos(dr[2], xr[2]), keepPos(dr[3], xr[3])
			dr[0], dr[1], dr[2], dr[3] = g0, g1, g2, g3
			s0 += float64(g0)
			s1 += float64(g1)
			s2 += float64(g2)
			s3 += float64(g3)
			x0 += float64(g0) * float64(xr[0])
			x1 += float64(g1) * float64(xr[1])
			x2 += float64(g2) * float64(xr[2])
			x3 += float64(g3) * float64(xr[3])
		}
		s[j], s[j+1], s[j+2], s[j+3] = s0, s1, s2, s3
		sx[j], sx[j+1], sx[j+2], sx[j+3] = x0, x1, x2, x3
	}
	for ; j < w; j++ {
		var s0, x0 float64
		for o := j; o < n*ld; o += ld {
			g := keepPos(d[o], xh[o])
			d[o] = g
			s0 += float64(g)
			x0 += float64(g) * float64(xh[o])
		}
		s[j], sx[j] = s0, x0
	}
}

// sumTask adds the head's chunk gradients in chunk order.
func (m *MLP) sumTask(_, _ int) {
	nw := len(m.head.Data)
	copy(m.head.Grad, m.chunkGrad[0][:nw])
	copy(m.bias.Grad, m.chunkGrad[0][nw:])
	for c := 1; c < m.nchunk; c++ {
		g := m.chunkGrad[c]
		for j, v := range g[:nw] {
			m.head.Grad[j] += v
		}
		for j, v := range g[nw:] {
			m.bias.Grad[j] += v
		}
	}
}
