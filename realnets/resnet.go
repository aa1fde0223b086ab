package realnets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/regimes/regimes/realnets/gemm"
)

// ResNetConfig configures NewResNetSI (ConvConfig; InChannels defaults to
// 3).
type ResNetConfig ConvConfig

func (c *ResNetConfig) defaults() { (*ConvConfig)(c).defaults(3, "ResNetConfig") }

// A resBlock is the pre-activation basic block of the official ResNet18SI
// (nets/resnet_si.py of tipt0p/three_regimes_on_the_sphere):
//
//	a   = relu(bn1(x))
//	out = conv2(relu(bn2(conv1(a)))) + shortcut
//
// where conv1 is 3×3 with the block's stride, conv2 is 3×3 with stride 1,
// and shortcut is x when the block keeps the shape, otherwise
// conv1x1(bnS(a)) with the block's stride (the extra normalisation before
// downsampling of Li and Arora 2020). No BatchNorm has affine parameters
// and no convolution has a bias.
type resBlock struct {
	cin, cout, h, ho, stride int
	short                    bool
	bn1, bn2, bnS            batchNorm
	w1, w2, ws               *Param
	xh1                      []float32 // n×cin×h×h: x̂ of bn1
	z                        []float32 // n×cout×ho×ho: conv1 output, then x̂ of bn2 in place
	out                      []float32 // n×cout×ho×ho: the block's output
	goff1, goff2, goffS      int       // offsets of the weight gradients in a chunk's buffer
}

// ResNet is ResNet-18-SI (SCIENCE.md section 9): the pre-activation
// ResNet-18 of the official code with BatchNorm without affine parameters
// and a linear last layer without bias, frozen at Frobenius norm 10 unless
// TrainHead is set. With width k:
//
//	conv3x3(in -> k)
//	2 blocks of k channels, stride 1
//	2 blocks of 2k channels, the first with stride 2
//	2 blocks of 4k channels, the first with stride 2
//	2 blocks of 8k channels, the first with stride 2
//	BatchNorm - ReLU - global average pooling - Linear(8k -> classes)
//
// Every convolution weight is SI in the joint sense of SCIENCE.md section
// 2; SIGroups lists the finer groups in which the loss is separately SI.
// It implements Model.
type ResNet struct {
	batchCore
	cfg          ResNetConfig
	stem         *Param
	stemOut      []float32 // n×k×s×s
	blocks       [8]resBlock
	bnF          batchNorm
	head         *Param
	params, bufs []*Param
	feat         []float32 // n×8k
	// Backward buffers, per image at the size of the current layer.
	dA   []float32    // dx̂ of the BatchNorm at a block's input (bn1, or bnF after the last block)
	dZ   []float32    // dx̂ of bn2, then the gradient of conv1's output
	dV   []float32    // dx̂ of bnS at the positions the 1×1 convolution reads
	gOut [2][]float32 // the gradient of a block's output, by block parity
	// Per worker scratch.
	act, dact, col, vs [][]float32
	dfeat              [][]float32
	gradLen            int
	blk                int
	stemFn, aFn, bFn   func(task, worker int)
	headFn, bbFn, baFn func(task, worker int)
	stemBwdFn, sumFn   func(task, worker int)
}

// resMaxChunks is the number of image chunks a ResNet batch is split into
// (fewer when the batch is smaller). Each chunk keeps a copy of the whole
// gradient, 11M/64²·k² values (45 MB at k = 16, 180 MB at k = 32), so the
// ResNet uses fewer chunks than the other models; the count is fixed,
// independent of the number of workers, so every reduction has a fixed
// order.
const resMaxChunks = 16

// NewResNetSI returns ResNet-18-SI with PyTorch's default initialisation of
// the convolutions (uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), from Seed, in
// Params order) and of the last layer (the same law, from HeadSeed), the
// last weight then rescaled to Frobenius norm 10, as the official code does
// (linear_norm=10, linear_bias=False).
func NewResNetSI(cfg ResNetConfig) *ResNet {
	cfg.defaults()
	k, s := cfg.Width, cfg.Size
	m := &ResNet{batchCore: newBatchCore(cfg.Workers, cfg.Classes, resMaxChunks), cfg: cfg}
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	conv := func(name string, cout, cin, ks int) *Param {
		p := newParam(name, true, false, cout, cin, ks, ks)
		initUniform(p.Data, 1/math.Sqrt(float64(cin*ks*ks)), rng)
		m.params = append(m.params, p)
		m.gradLen += len(p.Data)
		return p
	}
	m.stem = conv("conv1.weight", k, cfg.InChannels, 3)
	cin, h := k, s
	for b := range m.blocks {
		l := &m.blocks[b]
		stage := b / 2
		cout := k << stage
		stride := 1
		if stage > 0 && b%2 == 0 {
			stride = 2
		}
		pre := fmt.Sprintf("layer%d.%d.", stage+1, b%2)
		l.cin, l.cout, l.h, l.ho, l.stride = cin, cout, h, h/stride, stride
		l.short = stride != 1 || cin != cout
		l.bn1 = newBatchNorm(pre+"bn1", cin)
		l.goff1 = m.gradLen
		l.w1 = conv(pre+"conv1.weight", cout, cin, 3)
		l.bn2 = newBatchNorm(pre+"bn2", cout)
		l.goff2 = m.gradLen
		l.w2 = conv(pre+"conv2.weight", cout, cout, 3)
		m.bufs = append(m.bufs, l.bn1.runMean, l.bn1.runVar, l.bn2.runMean, l.bn2.runVar)
		if l.short {
			l.bnS = newBatchNorm(pre+"shortcut.0", cin)
			l.goffS = m.gradLen
			l.ws = conv(pre+"shortcut.1.weight", cout, cin, 1)
			m.bufs = append(m.bufs, l.bnS.runMean, l.bnS.runVar)
		}
		cin, h = cout, l.ho
	}
	m.bnF = newBatchNorm("bn", 8*k)
	m.bufs = append(m.bufs, m.bnF.runMean, m.bnF.runVar)
	m.head = newParam("linear.weight", false, !cfg.TrainHead, cfg.Classes, 8*k)
	hr := rand.New(rand.NewPCG(cfg.HeadSeed, 2)) // newHead's stream
	initUniform(m.head.Data, 1/math.Sqrt(float64(8*k)), hr)
	rescale(m.head.Data, headNorm)
	if cfg.TrainHead {
		m.gradLen += len(m.head.Data)
	}
	m.params = append(m.params, m.head)
	m.stemFn, m.aFn, m.bFn = m.stemTask, m.aTask, m.bTask
	m.headFn, m.bbFn, m.baFn = m.headTask, m.bBackTask, m.aBackTask
	m.stemBwdFn, m.sumFn = m.stemBackTask, m.sumTask
	runtime.AddCleanup(m, func(p *pool) { p.close() }, m.pool)
	return m
}

// Params returns the convolution weights (SI) in PyTorch's order (conv1,
// then per block conv1, conv2 and the shortcut's convolution) and then the
// last layer's weight.
func (m *ResNet) Params() []*Param { return m.params }

// Buffers returns the running mean and variance of each BatchNorm layer in
// PyTorch's order (per block bn1, bn2, shortcut.0; then the final bn).
func (m *ResNet) Buffers() []*Param { return m.bufs }

// SIGroups returns the groups of weights in each of which the train-mode
// loss is separately scale-invariant (SCIENCE.md section 9): first the
// residual stream (the first convolution, every block's conv2 and every
// shortcut convolution: scaling them together scales the stream, which the
// next BatchNorm undoes), then each block's conv1 alone (bn2 follows it).
// No smaller group is SI: conv2 and the shortcuts add to an unnormalised
// sum.
func (m *ResNet) SIGroups() [][]*Param {
	stream := []*Param{m.stem}
	var singles [][]*Param
	for b := range m.blocks {
		l := &m.blocks[b]
		stream = append(stream, l.w2)
		if l.short {
			stream = append(stream, l.ws)
		}
		singles = append(singles, []*Param{l.w1})
	}
	return append([][]*Param{stream}, singles...)
}

// InputShape returns (InChannels, Size, Size).
func (m *ResNet) InputShape() (c, h, w int) { return m.cfg.InChannels, m.cfg.Size, m.cfg.Size }

// ensure sizes the buffers for n images and the current worker count.
func (m *ResNet) ensure(n int) {
	k, s := m.cfg.Width, m.cfg.Size
	if n > m.capN {
		m.stemOut = make([]float32, n*k*s*s)
		var da, dz, dv int
		for b := range m.blocks {
			l := &m.blocks[b]
			l.xh1 = make([]float32, n*l.cin*l.h*l.h)
			l.z = make([]float32, n*l.cout*l.ho*l.ho)
			l.out = make([]float32, n*l.cout*l.ho*l.ho)
			da = max(da, l.cin*l.h*l.h, l.cout*l.ho*l.ho)
			dz = max(dz, l.cout*l.ho*l.ho)
			if l.short {
				dv = max(dv, l.cin*l.ho*l.ho)
			}
		}
		m.dA = make([]float32, n*da)
		m.dZ = make([]float32, n*dz)
		m.dV = make([]float32, n*dv)
		m.gOut[0] = make([]float32, n*dz)
		m.gOut[1] = make([]float32, n*dz)
		m.feat = make([]float32, n*8*k)
		m.logits = make([]float32, n*m.cfg.Classes)
		m.capN = n
	}
	for len(m.col) < m.pool.k {
		act, col, vs := k*s*s, m.cfg.InChannels*9*s*s, 0
		for b := range m.blocks {
			l := &m.blocks[b]
			act = max(act, l.cin*l.h*l.h, l.cout*l.ho*l.ho)
			col = max(col, l.cin*9*l.ho*l.ho, l.cout*9*l.ho*l.ho)
			if l.short {
				vs = max(vs, l.cin*l.ho*l.ho)
			}
		}
		m.act = append(m.act, make([]float32, act))
		m.dact = append(m.dact, make([]float32, act))
		m.col = append(m.col, make([]float32, col))
		m.vs = append(m.vs, make([]float32, vs))
		m.dlog = append(m.dlog, make([]float32, m.cfg.Classes))
		m.dfeat = append(m.dfeat, make([]float32, 8*k))
	}
}

// Forward implements Model. Each layer's pass is split into a fixed number
// of image chunks (independent of the worker count) whose partial sums are
// reduced in chunk order, so the results are bitwise the same for any
// number of workers.
//
// The activations of the largest batch seen are kept for the backward pass
// (about 13k·4 bytes per image at width k on 32×32 inputs, so 1.7 MB at
// k = 32).
func (m *ResNet) Forward(x []float32, y []int, n int, mode Mode, grad bool) (loss float64, correct int) {
	s := m.cfg.Size
	m.begin(x, y, n, m.cfg.InChannels*s*s, mode, grad, min(n, resMaxChunks), m.gradLen)
	m.ensure(n)
	m.pool.run(m.nchunk, m.stemFn)
	m.blocks[0].bn1.forwardStats(m.nchunk, n*s*s, mode)
	for b := range m.blocks {
		l := &m.blocks[b]
		m.blk = b
		m.pool.run(m.nchunk, m.aFn)
		l.bn2.forwardStats(m.nchunk, n*l.ho*l.ho, mode)
		if l.short {
			l.bnS.forwardStats(m.nchunk, n*l.h*l.h, mode)
		}
		m.pool.run(m.nchunk, m.bFn)
		nb, cnt := m.nextBN(b)
		nb.forwardStats(m.nchunk, n*cnt, mode)
	}
	m.pool.run(m.nchunk, m.headFn)
	loss, correct = m.totals()
	if grad {
		hf := s / 8
		m.bnF.backwardStats(m.nchunk, n*hf*hf, mode)
		for b := len(m.blocks) - 1; b >= 0; b-- {
			l := &m.blocks[b]
			m.blk = b
			m.pool.run(m.nchunk, m.bbFn)
			l.bn2.backwardStats(m.nchunk, n*l.ho*l.ho, mode)
			if l.short {
				l.bnS.backwardStats(m.nchunk, n*l.h*l.h, mode)
			}
			m.pool.run(m.nchunk, m.baFn)
			l.bn1.backwardStats(m.nchunk, n*l.h*l.h, mode)
		}
		m.pool.run(m.nchunk, m.stemBwdFn)
		m.pool.run(sumBlocks, m.sumFn)
	}
	m.end()
	return loss, correct
}

// nextBN returns the BatchNorm that reads block b's output (the next
// block's bn1, or the final bn) and its number of values per channel and
// image.
func (m *ResNet) nextBN(b int) (*batchNorm, int) {
	l := &m.blocks[b]
	if b == len(m.blocks)-1 {
		return &m.bnF, l.ho * l.ho
	}
	return &m.blocks[b+1].bn1, l.ho * l.ho
}

// input returns image i's input to block b (the first convolution's output
// for b = 0).
func (m *ResNet) input(b, i int) []float32 {
	if b == 0 {
		sz := m.cfg.Width * m.cfg.Size * m.cfg.Size
		return m.stemOut[i*sz : (i+1)*sz]
	}
	l := &m.blocks[b-1]
	sz := l.cout * l.ho * l.ho
	return l.out[i*sz : (i+1)*sz]
}

// chunkSums returns bn's partial sums of chunk task, or nil in Eval mode
// (when the forward pass needs no batch statistics).
func (m *ResNet) chunkSums(bn *batchNorm, task int) (s, ss []float64) {
	if m.mode == Eval && !m.grad {
		return nil, nil
	}
	return bn.chunk(task)
}

// addPlaneSums adds the sum and the sum of squares of each hw-plane of v to
// s and ss (when not nil).
func addPlaneSums(s, ss []float64, v []float32, hw int) {
	if s == nil {
		return
	}
	addPlaneSumSq(s, ss, v, hw)
}

// stemTask runs the first convolution for one chunk of images.
func (m *ResNet) stemTask(task, worker int) {
	lo, hi := span(m.n, m.nchunk, task)
	cin, k, s := m.cfg.InChannels, m.cfg.Width, m.cfg.Size
	hw := s * s
	col := m.col[worker][:cin*9*hw]
	sum, sq := m.chunkSums(&m.blocks[0].bn1, task)
	for i := lo; i < hi; i++ {
		im2col3x3(col, m.x[i*cin*hw:(i+1)*cin*hw], cin, s, s)
		z := m.stemOut[i*k*hw : (i+1)*k*hw]
		gemm.Sgemm(gemm.NoTrans, gemm.NoTrans, k, hw, cin*9, 1, m.stem.Data, cin*9, col, hw, 0, z, hw)
		addPlaneSums(sum, sq, z, hw)
	}
}

// aTask runs bn1, ReLU and conv1 of block m.blk for one chunk, collecting
// the statistics of bn2 (and of bnS).
func (m *ResNet) aTask(task, worker int) {
	b := m.blk
	l := &m.blocks[b]
	lo, hi := span(m.n, m.nchunk, task)
	hw, how := l.h*l.h, l.ho*l.ho
	s2, ss2 := m.chunkSums(&l.bn2, task)
	var sS, ssS []float64
	if l.short {
		sS, ssS = m.chunkSums(&l.bnS, task)
	}
	a := m.act[worker][:l.cin*hw]
	col := m.col[worker][:l.cin*9*how]
	for i := lo; i < hi; i++ {
		xin := m.input(b, i)
		xh := l.xh1[i*l.cin*hw : (i+1)*l.cin*hw]
		for ch := 0; ch < l.cin; ch++ {
			normReluCopy(xh[ch*hw:(ch+1)*hw], a[ch*hw:(ch+1)*hw], xin[ch*hw:(ch+1)*hw], l.bn1.mean[ch], l.bn1.invstd[ch])
		}
		addPlaneSums(sS, ssS, a, hw)
		l.im2col(col, a)
		z := l.z[i*l.cout*how : (i+1)*l.cout*how]
		gemm.Sgemm(gemm.NoTrans, gemm.NoTrans, l.cout, how, l.cin*9, 1, l.w1.Data, l.cin*9, col, how, 0, z, how)
		addPlaneSums(s2, ss2, z, how)
	}
}

// im2col writes the column matrix of conv1's input a.
func (l *resBlock) im2col(col, a []float32) {
	if l.stride == 1 {
		im2col3x3(col, a, l.cin, l.h, l.h)
	} else {
		im2col3x3s2(col, a, l.cin, l.h, l.h)
	}
}

// col2im writes the adjoint of im2col.
func (l *resBlock) col2im(da, col []float32) {
	if l.stride == 1 {
		col2im3x3(da, col, l.cin, l.h, l.h)
	} else {
		col2im3x3s2(da, col, l.cin, l.h, l.h)
	}
}

// shortcutInput writes to vs the cin×ho×ho input of the shortcut's 1×1
// convolution for image i: bnS(relu(x̂1)) at the positions the stride
// reads.
func (m *ResNet) shortcutInput(l *resBlock, i int, vs []float32) {
	hw, how := l.h*l.h, l.ho*l.ho
	st := l.stride
	xh := l.xh1[i*l.cin*hw : (i+1)*l.cin*hw]
	for ch := 0; ch < l.cin; ch++ {
		p := xh[ch*hw : (ch+1)*hw]
		v := vs[ch*how : (ch+1)*how]
		mean, inv := l.bnS.mean[ch], l.bnS.invstd[ch]
		for oy := 0; oy < l.ho; oy++ {
			row := p[oy*st*l.h:]
			for ox := 0; ox < l.ho; ox++ {
				v[oy*l.ho+ox] = (max(row[ox*st], 0) - mean) * inv
			}
		}
	}
}

// bTask runs bn2, ReLU, conv2 and the shortcut of block m.blk for one
// chunk, collecting the statistics of the next BatchNorm.
func (m *ResNet) bTask(task, worker int) {
	b := m.blk
	l := &m.blocks[b]
	lo, hi := span(m.n, m.nchunk, task)
	how := l.ho * l.ho
	nb, _ := m.nextBN(b)
	ns, nss := m.chunkSums(nb, task)
	u := m.act[worker][:l.cout*how]
	col := m.col[worker][:l.cout*9*how]
	for i := lo; i < hi; i++ {
		z := l.z[i*l.cout*how : (i+1)*l.cout*how]
		for ch := 0; ch < l.cout; ch++ {
			normRelu(u[ch*how:(ch+1)*how], z[ch*how:(ch+1)*how], l.bn2.mean[ch], l.bn2.invstd[ch])
		}
		im2col3x3(col, u, l.cout, l.ho, l.ho)
		out := l.out[i*l.cout*how : (i+1)*l.cout*how]
		gemm.Sgemm(gemm.NoTrans, gemm.NoTrans, l.cout, how, l.cout*9, 1, l.w2.Data, l.cout*9, col, how, 0, out, how)
		if l.short {
			vs := m.vs[worker][:l.cin*how]
			m.shortcutInput(l, i, vs)
			gemm.Sgemm(gemm.NoTrans, gemm.NoTrans, l.cout, how, l.cin, 1, l.ws.Data, l.cin, vs, how, 1, out, how)
		} else {
			xin := m.input(b, i)
			for j, v := range xin {
				out[j] += v
			}
		}
		addPlaneSums(ns, nss, out, how)
	}
}

// headTask runs the final BatchNorm, ReLU, global average pooling, the
// last layer and the loss for one chunk, and when gradients are wanted
// starts the backward pass: dx̂ of the final BatchNorm into dA, with its
// backward sums.
func (m *ResNet) headTask(task, worker int) {
	l := &m.blocks[len(m.blocks)-1]
	lo, hi := span(m.n, m.nchunk, task)
	nf, nc := 8*m.cfg.Width, m.cfg.Classes
	hw := l.ho * l.ho
	var loss float64
	var correct int
	var s, sx []float64
	var g []float32
	if m.grad {
		s, sx = m.bnF.chunk(task)
		g = m.chunkGrad[task]
	}
	dlog, dfeat := m.dlog[worker], m.dfeat[worker]
	inv := 1 / float32(hw)
	for i := lo; i < hi; i++ {
		out := l.out[i*nf*hw : (i+1)*nf*hw]
		feat := m.feat[i*nf : (i+1)*nf]
		for ch := range feat {
			p := out[ch*hw : (ch+1)*hw]
			mean, invstd := m.bnF.mean[ch], m.bnF.invstd[ch]
			var a float32
			for j, v := range p {
				v = (v - mean) * invstd
				p[j] = v
				a += max(v, 0)
			}
			feat[ch] = a / float32(hw)
		}
		var gw []float32
		if m.grad && m.cfg.TrainHead {
			gw = g[len(g)-nf*nc:]
			if i == lo {
				clear(gw)
			}
		}
		xent, right := m.lastLayer(i, feat, m.head.Data, nil, dlog, dfeat, gw, nil)
		loss += xent
		if right {
			correct++
		}
		if !m.grad {
			continue
		}
		da := m.dA[i*nf*hw : (i+1)*nf*hw]
		for ch, d := range dfeat {
			p := out[ch*hw : (ch+1)*hw]
			q := da[ch*hw : (ch+1)*hw]
			d *= inv
			for j, v := range p {
				q[j] = keepPos(d, v)
			}
			a, b := sumDot(q, p)
			s[ch] += a
			sx[ch] += b
		}
	}
	m.chunkLoss[task] = loss
	m.chunkCorrect[task] = correct
}

// outputGrad writes to g the gradient of the loss with respect to block b's
// output for image i (b = -1: the first convolution's output): the backward
// pass of the BatchNorm that reads it, from its dx̂ in dA (overwritten),
// plus the next block's output gradient when that block's shortcut is the
// identity.
func (m *ResNet) outputGrad(b, i int, g []float32) {
	var nb *batchNorm
	var xh []float32
	var hw int
	next := b + 1
	if next == len(m.blocks) {
		l := &m.blocks[b]
		hw = l.ho * l.ho
		nb, xh = &m.bnF, l.out
	} else {
		l := &m.blocks[next]
		hw = l.h * l.h
		nb, xh = &l.bn1, l.xh1
	}
	sz := len(g)
	d := m.dA[i*sz : (i+1)*sz]
	xh = xh[i*sz : (i+1)*sz]
	for ch := 0; ch < sz/hw; ch++ {
		bnBackward(d[ch*hw:(ch+1)*hw], xh[ch*hw:(ch+1)*hw], nb.invstd[ch], nb.m1[ch], nb.m2[ch])
	}
	if next < len(m.blocks) && !m.blocks[next].short {
		gn := m.gOut[next%2][i*sz : (i+1)*sz]
		for j, v := range d {
			g[j] = v + gn[j]
		}
		return
	}
	copy(g, d)
}

// bBackTask runs the backward pass of block m.blk's conv2 and shortcut for
// one chunk: the output gradient, the weight gradients of conv2 and the
// shortcut, dx̂ of bn2 into dZ and of bnS into dV, with their backward sums.
func (m *ResNet) bBackTask(task, worker int) {
	b := m.blk
	l := &m.blocks[b]
	lo, hi := span(m.n, m.nchunk, task)
	how := l.ho * l.ho
	s2, sx2 := l.bn2.chunk(task)
	var sS, sxS []float64
	if l.short {
		sS, sxS = l.bnS.chunk(task)
	}
	cg := m.chunkGrad[task]
	gw2 := cg[l.goff2 : l.goff2+len(l.w2.Data)]
	u := m.act[worker][:l.cout*how]
	du := m.dact[worker][:l.cout*how]
	col := m.col[worker][:l.cout*9*how]
	for i := lo; i < hi; i++ {
		g := m.gOut[b%2][i*l.cout*how : (i+1)*l.cout*how]
		m.outputGrad(b, i, g)
		z := l.z[i*l.cout*how : (i+1)*l.cout*how]
		for j, v := range z {
			u[j] = max(v, 0)
		}
		im2col3x3(col, u, l.cout, l.ho, l.ho)
		var beta float32 = 1
		if i == lo {
			beta = 0
		}
		gemm.Sgemm(gemm.NoTrans, gemm.Trans, l.cout, l.cout*9, how, 1, g, how, col, how, beta, gw2, l.cout*9)
		gemm.Sgemm(gemm.Trans, gemm.NoTrans, l.cout*9, how, l.cout, 1, l.w2.Data, l.cout*9, g, how, 0, col, how)
		col2im3x3(du, col, l.cout, l.ho, l.ho)
		dz := m.dZ[i*l.cout*how : (i+1)*l.cout*how]
		reluMask(dz[:l.cout*how], du, z)
		addPlaneSumDot(s2[:l.cout], sx2[:l.cout], dz, z, how)
		if !l.short {
			continue
		}
		vs := m.vs[worker][:l.cin*how]
		m.shortcutInput(l, i, vs)
		gws := cg[l.goffS : l.goffS+len(l.ws.Data)]
		gemm.Sgemm(gemm.NoTrans, gemm.Trans, l.cout, l.cin, how, 1, g, how, vs, how, beta, gws, l.cin)
		dv := m.dV[i*l.cin*how : (i+1)*l.cin*how]
		gemm.Sgemm(gemm.Trans, gemm.NoTrans, l.cin, how, l.cout, 1, l.ws.Data, l.cin, g, how, 0, dv, how)
		addPlaneSumDot(sS[:l.cin], sxS[:l.cin], dv, vs, how)
	}
}

// aBackTask runs the backward pass of block m.blk's bn2, conv1, bnS and
// the ReLU after bn1 for one chunk: conv1's weight gradient and dx̂ of bn1
// into dA, with its backward sums.
func (m *ResNet) aBackTask(task, worker int) {
	b := m.blk
	l := &m.blocks[b]
	lo, hi := span(m.n, m.nchunk, task)
	hw, how := l.h*l.h, l.ho*l.ho
	s1, sx1 := l.bn1.chunk(task)
	gw1 := m.chunkGrad[task][l.goff1 : l.goff1+len(l.w1.Data)]
	a := m.act[worker][:l.cin*hw]
	da := m.dact[worker][:l.cin*hw]
	col := m.col[worker][:l.cin*9*how]
	for i := lo; i < hi; i++ {
		dz := m.dZ[i*l.cout*how : (i+1)*l.cout*how]
		z := l.z[i*l.cout*how : (i+1)*l.cout*how]
		for ch := 0; ch < l.cout; ch++ {
			bnBackward(dz[ch*how:(ch+1)*how], z[ch*how:(ch+1)*how], l.bn2.invstd[ch], l.bn2.m1[ch], l.bn2.m2[ch])
		}
		xh := l.xh1[i*l.cin*hw : (i+1)*l.cin*hw]
		for j, v := range xh {
			a[j] = max(v, 0)
		}
		l.im2col(col, a)
		var beta float32 = 1
		if i == lo {
			beta = 0
		}
		gemm.Sgemm(gemm.NoTrans, gemm.Trans, l.cout, l.cin*9, how, 1, dz, how, col, how, beta, gw1, l.cin*9)
		gemm.Sgemm(gemm.Trans, gemm.NoTrans, l.cin*9, how, l.cout, 1, l.w1.Data, l.cin*9, dz, how, 0, col, how)
		l.col2im(da, col)
		if l.short {
			m.shortcutBackward(l, i, da, a)
		}
		d := m.dA[i*l.cin*hw : (i+1)*l.cin*hw]
		reluMask(d[:l.cin*hw], da, xh)
		addPlaneSumDot(s1[:l.cin], sx1[:l.cin], d, xh, hw)
	}
}

// shortcutBackward adds to da, the gradient with respect to a =
// relu(x̂1), the backward pass of bnS for image i, given dx̂ of bnS in dV
// at the positions the 1×1 convolution reads (zero elsewhere).
func (m *ResNet) shortcutBackward(l *resBlock, i int, da, a []float32) {
	hw, how := l.h*l.h, l.ho*l.ho
	st := l.stride
	dv := m.dV[i*l.cin*how : (i+1)*l.cin*how]
	for ch := 0; ch < l.cin; ch++ {
		mean, inv := l.bnS.mean[ch], l.bnS.invstd[ch]
		m1, m2 := l.bnS.m1[ch], l.bnS.m2[ch]
		p := a[ch*hw : (ch+1)*hw]
		q := da[ch*hw : (ch+1)*hw]
		g := dv[ch*how : (ch+1)*how]
		for y := 0; y < l.h; y++ {
			for x := 0; x < l.h; x++ {
				var d float32
				if y%st == 0 && x%st == 0 {
					d = g[(y/st)*l.ho+x/st]
				}
				j := y*l.h + x
				v := (p[j] - mean) * inv
				q[j] += inv * (d - m1 - v*m2)
			}
		}
	}
}

// stemBackTask accumulates the first convolution's weight gradient for one
// chunk.
func (m *ResNet) stemBackTask(task, worker int) {
	lo, hi := span(m.n, m.nchunk, task)
	cin, k, s := m.cfg.InChannels, m.cfg.Width, m.cfg.Size
	hw := s * s
	gw := m.chunkGrad[task][:len(m.stem.Data)]
	g := m.dact[worker][:k*hw]
	col := m.col[worker][:cin*9*hw]
	for i := lo; i < hi; i++ {
		m.outputGrad(-1, i, g)
		im2col3x3(col, m.x[i*cin*hw:(i+1)*cin*hw], cin, s, s)
		var beta float32 = 1
		if i == lo {
			beta = 0
		}
		gemm.Sgemm(gemm.NoTrans, gemm.Trans, k, cin*9, hw, 1, g, hw, col, hw, beta, gw, cin*9)
	}
}

// sumTask adds the chunk gradients in chunk order for one block of the
// trainable parameters and writes them to Param.Grad.
func (m *ResNet) sumTask(task, _ int) {
	sumChunkGrads(task, m.params, m.chunkGrad[:m.nchunk], m.gradLen)
}

// normReluCopy writes the BatchNorm output x̂ = (x - mean) * invstd of the
// plane x to xh and relu(x̂) to out.
func normReluCopy(xh, out, x []float32, mean, invstd float32) {
	xh = xh[:len(x)]
	out = out[:len(x)]
	for i, v := range x {
		v = (v - mean) * invstd
		xh[i] = v
		out[i] = max(v, 0)
	}
}

// im2col3x3s2 writes the column matrix of a 3×3, stride 2, padding 1
// convolution of the c×h×w image x (h and w even) into col, which is
// (c*9)×(h/2*w/2): row ci*9+ky*3+kx, column oy*(w/2)+ox holds
// x[ci, 2*oy+ky-1, 2*ox+kx-1] (zero outside).
func im2col3x3s2(col, x []float32, c, h, w int) {
	ho, wo := h/2, w/2
	n := ho * wo
	for ci := 0; ci < c; ci++ {
		plane := x[ci*h*w : (ci+1)*h*w]
		for ky := 0; ky < 3; ky++ {
			for kx := 0; kx < 3; kx++ {
				row := col[(ci*9+ky*3+kx)*n : (ci*9+ky*3+kx+1)*n]
				for oy := 0; oy < ho; oy++ {
					sy := 2*oy + ky - 1
					r := row[oy*wo : (oy+1)*wo]
					if sy < 0 || sy >= h {
						clear(r)
						continue
					}
					src := plane[sy*w : (sy+1)*w]
					for ox := range r {
						sx := 2*ox + kx - 1
						if sx < 0 {
							r[ox] = 0
						} else {
							r[ox] = src[sx]
						}
					}
				}
			}
		}
	}
}

// col2im3x3s2 is the adjoint of im2col3x3s2: it overwrites the c×h×w image
// dx with the sum of the entries of col that im2col3x3s2 copies from each
// pixel.
func col2im3x3s2(dx, col []float32, c, h, w int) {
	ho, wo := h/2, w/2
	n := ho * wo
	clear(dx[:c*h*w])
	for ci := 0; ci < c; ci++ {
		plane := dx[ci*h*w : (ci+1)*h*w]
		for ky := 0; ky < 3; ky++ {
			for kx := 0; kx < 3; kx++ {
				row := col[(ci*9+ky*3+kx)*n : (ci*9+ky*3+kx+1)*n]
				for oy := 0; oy < ho; oy++ {
					sy := 2*oy + ky - 1
					if sy < 0 || sy >= h {
						continue
					}
					dst := plane[sy*w : (sy+1)*w]
					r := row[oy*wo : (oy+1)*wo]
					for ox, v := range r {
						if sx := 2*ox + kx - 1; sx >= 0 {
							dst[sx] += v
						}
					}
				}
			}
		}
	}
}
