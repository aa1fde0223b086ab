package realnets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/regimes/regimes/realnets/gemm"
)

// ConvConfig configures a convolutional model on images: NewConvNetSI
// takes it as a ConvNetConfig, NewResNetSI as a ResNetConfig. The zero
// value of a field means its documented default.
type ConvConfig struct {
	// Width is the ConvNet's base width c (default 32, the paper's) or the
	// ResNet's width parameter k: its stages have k, 2k, 4k and 8k channels
	// (default 32, the follow-up's CIFAR width; 64 is the standard
	// ResNet-18).
	Width int
	// InChannels is the number of input channels (default 1 for the
	// ConvNet, MNIST; 3 for the ResNet, CIFAR, where the official code's
	// first convolution is fixed at 3).
	InChannels int
	// Classes is the number of classes (default 10).
	Classes int
	// Size is the input height and width, a multiple of 8 (default 32:
	// CIFAR, or MNIST zero-padded from 28 to 32). The final pooling is
	// global: the ConvNet's MaxPool4 and the ResNet's official AvgPool2d(4)
	// on a 32×32 input.
	Size int
	// Seed seeds the initialisation of the SI weights.
	Seed uint64
	// HeadSeed seeds the initialisation of the last layer.
	HeadSeed uint64
	// TrainHead makes the last layer trainable (the "trained non-SI
	// parameters" variant); by default it is frozen.
	TrainHead bool
	// Workers is the number of goroutines Forward uses (default GOMAXPROCS).
	Workers int
}

// defaults sets the zero fields of the shape to their defaults, with in
// input channels, and panics on a bad shape, naming the configuration.
func (c *ConvConfig) defaults(in int, name string) {
	for _, f := range []struct {
		v   *int
		def int
	}{{&c.Width, 32}, {&c.InChannels, in}, {&c.Classes, 10}, {&c.Size, 32}} {
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if c.Width < 0 || c.InChannels < 0 || c.Classes < 0 || c.Size < 0 || c.Size%8 != 0 {
		panic(fmt.Sprintf("realnets: bad %s %+v (Size must be a positive multiple of 8)", name, *c))
	}
}

// ConvNetConfig configures NewConvNetSI (ConvConfig; InChannels defaults to
// 1).
type ConvNetConfig ConvConfig

func (c *ConvNetConfig) defaults() { (*ConvConfig)(c).defaults(1, "ConvNetConfig") }

// A convLayer is conv3x3 (no bias) - BatchNorm (no affine) - ReLU, followed
// by MaxPool2 when pool is set.
type convLayer struct {
	cin, cout, h int // input and output planes are h×h
	pool         bool
	w            *Param
	bn           batchNorm
	z            []float32 // n×cout×h×h: conv output, then x̂ in place
	p            []float32 // n×cout×ho×ho: (pooled) ReLU output, the next input
	idx          []uint8   // n×cout×ho×ho: position of each pooled maximum
	goff         int       // offset of the weight gradient in a chunk's gradient buffer
}

func (l *convLayer) ho() int {
	if l.pool {
		return l.h / 2
	}
	return l.h
}

// ConvNet is ConvNetSI of SCIENCE.md section 9: conv3x3(in->c) - BN -
// ReLU, then three blocks conv3x3 - BN - ReLU - MaxPool2 of widths 2c, 4c and
// 8c, a global max pooling (MaxPool4 on 32×32 inputs) and a linear layer
// 8c -> classes with bias. BatchNorm has no affine parameters, so the loss is
// scale-invariant in each convolution weight. It implements Model.
type ConvNet struct {
	batchCore
	cfg           ConvNetConfig
	layers        [4]convLayer
	head, bias    *Param
	params, bufs  []*Param
	feat          []float32    // n×8c
	gB            [2][]float32 // n×cout×ho×ho gradients w.r.t. a layer's (pooled) ReLU output, by layer parity
	dzs           [][]float32  // per worker: one image's gradient w.r.t. x̂, then the conv output
	sel           [][]float32  // per worker: the scratch of addUnpool2ReluSums
	col           [][]float32  // per worker: im2col matrix, then its gradient
	gradLen       int
	dfeat         [][]float32 // per worker scratch
	layer         int
	fwdFn, headFn func(task, worker int)
	bwdFn, sumFn  func(task, worker int)
}

// NewConvNetSI returns ConvNetSI with PyTorch's default initialisation of the
// SI weights (uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), from Seed) and of the
// last layer (the same law for weight and bias, from HeadSeed), the last
// weight then rescaled to Frobenius norm 10.
func NewConvNetSI(cfg ConvNetConfig) *ConvNet {
	cfg.defaults()
	c, s := cfg.Width, cfg.Size
	m := &ConvNet{batchCore: newBatchCore(cfg.Workers, cfg.Classes, maxChunks), cfg: cfg}
	cins := [4]int{cfg.InChannels, c, 2 * c, 4 * c}
	couts := [4]int{c, 2 * c, 4 * c, 8 * c}
	hs := [4]int{s, s, s / 2, s / 4}
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	for i := range m.layers {
		l := &m.layers[i]
		l.cin, l.cout, l.h, l.pool = cins[i], couts[i], hs[i], i > 0
		l.w = newParam(fmt.Sprintf("conv%d.weight", i), true, false, l.cout, l.cin, 3, 3)
		initUniform(l.w.Data, 1/math.Sqrt(float64(l.cin*9)), rng)
		l.bn = newBatchNorm(fmt.Sprintf("bn%d", i), l.cout)
		l.goff = m.gradLen
		m.gradLen += len(l.w.Data)
		m.params = append(m.params, l.w)
		m.bufs = append(m.bufs, l.bn.runMean, l.bn.runVar)
	}
	m.head, m.bias = newHead(cfg.Classes, 8*c, cfg.HeadSeed, cfg.TrainHead)
	if cfg.TrainHead {
		m.gradLen += len(m.head.Data) + len(m.bias.Data)
	}
	m.params = append(m.params, m.head, m.bias)
	m.fwdFn, m.headFn, m.bwdFn, m.sumFn = m.forwardTask, m.headTask, m.backwardTask, m.sumTask
	runtime.AddCleanup(m, func(p *pool) { p.close() }, m.pool)
	return m
}

// Params returns the four convolution weights (SI) and then the last layer's
// weight and bias.
func (m *ConvNet) Params() []*Param { return m.params }

// Buffers returns the running mean and variance of each BatchNorm layer.
func (m *ConvNet) Buffers() []*Param { return m.bufs }

// InputShape returns (InChannels, Size, Size).
func (m *ConvNet) InputShape() (c, h, w int) { return m.cfg.InChannels, m.cfg.Size, m.cfg.Size }

// ensure sizes the buffers for n images and the current worker count.
func (m *ConvNet) ensure(n int) {
	if n > m.capN {
		var pb int
		for i := range m.layers {
			l := &m.layers[i]
			l.z = make([]float32, n*l.cout*l.h*l.h)
			l.p = make([]float32, n*l.cout*l.ho()*l.ho())
			if l.pool {
				l.idx = make([]uint8, len(l.p))
			}
			pb = max(pb, l.cout*l.ho()*l.ho())
		}
		m.gB[0] = make([]float32, n*pb)
		m.gB[1] = make([]float32, n*pb)
		m.feat = make([]float32, n*8*m.cfg.Width)
		m.logits = make([]float32, n*m.cfg.Classes)
		m.capN = n
	}
	for len(m.col) < m.pool.k {
		var cs int
		for i := range m.layers {
			l := &m.layers[i]
			cs = max(cs, l.cin*9*l.h*l.h)
		}
		m.col = append(m.col, make([]float32, cs))
		var zs, nw int
		for i := range m.layers {
			l := &m.layers[i]
			zs = max(zs, l.cout*l.h*l.h)
			if l.pool {
				nw = max(nw, l.ho()*l.ho())
			}
		}
		m.dzs = append(m.dzs, make([]float32, zs))
		m.sel = append(m.sel, make([]float32, unpoolSelBuf(nw)))
		m.dlog = append(m.dlog, make([]float32, m.cfg.Classes))
		m.dfeat = append(m.dfeat, make([]float32, 8*m.cfg.Width))
	}
}

// Forward implements Model. The passes over the layers are split into a
// fixed number of image chunks (independent of the worker count) whose
// partial sums are reduced in chunk order, so the results are bitwise the
// same for any number of workers.
//
// The activations of the largest batch seen are kept for the backward pass
// (about 1.1 MB per image at width 32, so evaluate in batches of a few
// hundred images at most).
func (m *ConvNet) Forward(x []float32, y []int, n int, mode Mode, grad bool) (loss float64, correct int) {
	m.begin(x, y, n, m.cfg.InChannels*m.cfg.Size*m.cfg.Size, mode, grad, numChunks(n), m.gradLen)
	m.ensure(n)
	for i := range m.layers {
		m.layer = i
		m.pool.run(m.nchunk, m.fwdFn)
		l := &m.layers[i]
		l.bn.forwardStats(m.nchunk, n*l.h*l.h, mode)
	}
	m.pool.run(m.nchunk, m.headFn)
	loss, correct = m.totals()
	if grad {
		l3 := &m.layers[3]
		l3.bn.backwardStats(m.nchunk, n*l3.h*l3.h, mode)
		for i := 3; i >= 0; i-- {
			m.layer = i
			m.pool.run(m.nchunk, m.bwdFn)
			if i > 0 {
				lp := &m.layers[i-1]
				lp.bn.backwardStats(m.nchunk, n*lp.h*lp.h, mode)
			}
		}
		m.pool.run(sumBlocks, m.sumFn)
	}
	m.end()
	return loss, correct
}

// finishLayer normalises layer l's conv output for image i in place and
// writes its (pooled) ReLU output.
func (m *ConvNet) finishLayer(l *convLayer, i int) {
	hw := l.h * l.h
	ho := l.ho()
	for ch := 0; ch < l.cout; ch++ {
		z := l.z[(i*l.cout+ch)*hw : (i*l.cout+ch+1)*hw]
		p := l.p[(i*l.cout+ch)*ho*ho : (i*l.cout+ch+1)*ho*ho]
		if l.pool {
			normReluPool2(p, l.idx[(i*l.cout+ch)*ho*ho:], z, l.h, l.h, l.bn.mean[ch], l.bn.invstd[ch])
		} else {
			normRelu(p, z, l.bn.mean[ch], l.bn.invstd[ch])
		}
	}
}

// input returns image i's input to layer li.
func (m *ConvNet) input(li, i int) []float32 {
	if li == 0 {
		sz := m.cfg.InChannels * m.cfg.Size * m.cfg.Size
		return m.x[i*sz : (i+1)*sz]
	}
	l := &m.layers[li-1]
	sz := l.cout * l.ho() * l.ho()
	return l.p[i*sz : (i+1)*sz]
}

// forwardTask finishes the previous layer and runs layer m.layer's
// convolution for one chunk of images, collecting BatchNorm sums.
func (m *ConvNet) forwardTask(task, worker int) {
	li := m.layer
	l := &m.layers[li]
	lo, hi := span(m.n, m.nchunk, task)
	hw := l.h * l.h
	col := m.col[worker][:l.cin*9*hw]
	s, ss := l.bn.chunk(task)
	for i := lo; i < hi; i++ {
		if li > 0 {
			m.finishLayer(&m.layers[li-1], i)
		}
		im2col3x3(col, m.input(li, i), l.cin, l.h, l.h)
		z := l.z[i*l.cout*hw : (i+1)*l.cout*hw]
		gemm.Sgemm(gemm.NoTrans, gemm.NoTrans, l.cout, hw, l.cin*9, 1, l.w.Data, l.cin*9, col, hw, 0, z, hw)
		if m.mode != Eval {
			addPlaneSumSq(s[:l.cout], ss[:l.cout], z, hw)
		}
	}
}

// headTask finishes the last block, pools globally, applies the last layer
// and the loss for one chunk, and when gradients are wanted starts the
// backward pass down to dx̂ of the last block.
func (m *ConvNet) headTask(task, worker int) {
	l := &m.layers[3]
	lo, hi := span(m.n, m.nchunk, task)
	nf, nc := 8*m.cfg.Width, m.cfg.Classes
	ho := l.ho()
	hw2 := ho * ho
	var loss float64
	var correct int
	var s, sx []float64
	var g []float32
	if m.grad {
		s, sx = l.bn.chunk(task)
		g = m.chunkGrad[task]
	}
	dlog, dfeat := m.dlog[worker], m.dfeat[worker]
	for i := lo; i < hi; i++ {
		m.finishLayer(l, i)
		p := l.p[i*nf*hw2 : (i+1)*nf*hw2]
		feat := m.feat[i*nf : (i+1)*nf]
		for ch := range feat {
			feat[ch] = p[ch*hw2+argmax(p[ch*hw2:(ch+1)*hw2])]
		}
		var gw, gb []float32
		if m.grad && m.cfg.TrainHead {
			gw, gb = g[len(g)-nf*nc-nc:len(g)-nc], g[len(g)-nc:]
			if i == lo {
				clear(gw)
				clear(gb)
			}
		}
		xent, right := m.lastLayer(i, feat, m.head.Data, m.bias.Data, dlog, dfeat, gw, gb)
		loss += xent
		if right {
			correct++
		}
		if !m.grad {
			continue
		}
		// Route dfeat to the global maxima: dp is the gradient of the
		// pooled ReLU output of the last block.
		dp := m.gB[1][i*nf*hw2 : (i+1)*nf*hw2] // layer 3: odd parity
		clear(dp)
		for ch, d := range dfeat {
			dp[ch*hw2+argmax(p[ch*hw2:(ch+1)*hw2])] = d
		}
		m.poolBackward(m.dzs[worker], m.sel[worker], l, i, dp, s, sx)
	}
	m.chunkLoss[task] = loss
	m.chunkCorrect[task] = correct
}

// poolBackward writes to dz the gradient with respect to x̂ of layer l for
// image i, given the gradient dp of its (pooled) ReLU output, and adds the
// BatchNorm backward sums of dz and dz*x̂ to s and sx (when not nil; sel is
// the scratch of addUnpool2ReluSums). The sums are taken in the pass that
// produces dp; the pass that consumes dp recomputes dz, so gradients are
// stored only at the pooled size.
func (m *ConvNet) poolBackward(dz, sel []float32, l *convLayer, i int, dp []float32, s, sx []float64) {
	hw := l.h * l.h
	ho := l.ho()
	dz = dz[:l.cout*hw]
	xh := l.z[i*l.cout*hw : (i+1)*l.cout*hw]
	if !l.pool {
		reluMask(dz, dp, xh)
		if s != nil {
			addPlaneSumDot(s[:l.cout], sx[:l.cout], dz, xh, hw)
		}
		return
	}
	idx := l.idx[i*l.cout*ho*ho : (i+1)*l.cout*ho*ho]
	if s != nil {
		addUnpool2ReluSums(s[:l.cout], sx[:l.cout], dz, dp, idx, xh, l.h, l.h, sel)
		return
	}
	// The sums were taken when dp was made: only dz is wanted.
	for ch := 0; ch < l.cout; ch++ {
		unpool2Relu(dz[ch*hw:(ch+1)*hw], dp[ch*ho*ho:(ch+1)*ho*ho], idx[ch*ho*ho:], l.h, l.h)
	}
}

// backwardTask runs layer m.layer's BatchNorm and convolution backward for
// one chunk, accumulating the chunk's weight gradient, and the ReLU and
// pooling backward sums of the layer below.
func (m *ConvNet) backwardTask(task, worker int) {
	li := m.layer
	l := &m.layers[li]
	lo, hi := span(m.n, m.nchunk, task)
	hw := l.h * l.h
	k := l.cin * 9
	col := m.col[worker][:k*hw]
	dz := m.dzs[worker][:l.cout*hw]
	gw := m.chunkGrad[task][l.goff : l.goff+len(l.w.Data)]
	var s, sx []float64
	if li > 0 {
		s, sx = m.layers[li-1].bn.chunk(task)
	}
	psz := l.cout * l.ho() * l.ho()
	for i := lo; i < hi; i++ {
		m.poolBackward(dz, nil, l, i, m.gB[li%2][i*psz:(i+1)*psz], nil, nil)
		for ch := 0; ch < l.cout; ch++ {
			bnBackward(dz[ch*hw:(ch+1)*hw], l.z[(i*l.cout+ch)*hw:(i*l.cout+ch+1)*hw], l.bn.invstd[ch], l.bn.m1[ch], l.bn.m2[ch])
		}
		in := m.input(li, i)
		im2col3x3(col, in, l.cin, l.h, l.h)
		var beta float32 = 1
		if i == lo {
			beta = 0
		}
		gemm.Sgemm(gemm.NoTrans, gemm.Trans, l.cout, k, hw, 1, dz, hw, col, hw, beta, gw, k)
		if li == 0 {
			continue
		}
		dcol := col // col is dead once the weight gradient has used it
		gemm.Sgemm(gemm.Trans, gemm.NoTrans, k, hw, l.cout, 1, l.w.Data, k, dz, hw, 0, dcol, hw)
		dp := m.gB[(li-1)%2][i*len(in) : (i+1)*len(in)]
		col2im3x3(dp, dcol, l.cin, l.h, l.h)
		lp := &m.layers[li-1]
		// dz is dead too: use it as scratch for the layer below's sums.
		m.poolBackward(m.dzs[worker][:lp.cout*lp.h*lp.h], m.sel[worker], lp, i, dp, s, sx)
	}
}

// sumBlocks is the number of blocks the final gradient reduction is split
// into.
const sumBlocks = 8

// sumTask adds the chunk gradients in chunk order for one block of the
// trainable parameters and writes them to Param.Grad.
func (m *ConvNet) sumTask(task, _ int) {
	sumChunkGrads(task, m.params, m.chunkGrad[:m.nchunk], m.gradLen)
}
