package realnets

import (
	"fmt"
	"math"
)

// bnEps is BatchNorm's epsilon (PyTorch's default).
const bnEps = 1e-5

// bnMomentum is the weight of the batch statistics in the running statistics
// (PyTorch's default).
const bnMomentum = 0.1

// A batchNorm is BatchNorm without affine parameters over c channels. The
// forward and backward loops live in the models; it holds the statistics and
// reduces the per-chunk partial sums in a fixed order.
type batchNorm struct {
	c               int
	runMean, runVar *Param
	mean, invstd    []float32 // used by the last forward pass
	m1, m2          []float32 // means of dx̂ and dx̂*x̂ (backward)
	part            []float64 // per chunk: c sums then c sums of squares (or products)
}

func newBatchNorm(name string, c int) batchNorm {
	b := batchNorm{
		c:       c,
		runMean: newParam(name+".running_mean", false, true, c),
		runVar:  newParam(name+".running_var", false, true, c),
		mean:    make([]float32, c),
		invstd:  make([]float32, c),
		m1:      make([]float32, c),
		m2:      make([]float32, c),
		part:    make([]float64, maxChunks*2*c),
	}
	for i := range b.runVar.Data {
		b.runVar.Data[i] = 1
	}
	return b
}

// chunk returns the partial sums of chunk i, cleared.
func (b *batchNorm) chunk(i int) (s, ss []float64) {
	p := b.part[i*2*b.c : (i+1)*2*b.c]
	clear(p)
	return p[:b.c], p[b.c:]
}

// reduce sums the partial sums of the first nchunk chunks in chunk order.
func (b *batchNorm) reduce(nchunk, ch int) (s, ss float64) {
	for i := 0; i < nchunk; i++ {
		p := b.part[i*2*b.c:]
		s += p[ch]
		ss += p[b.c+ch]
	}
	return s, ss
}

// forwardStats sets mean and invstd for a forward pass over count values
// per channel, from the partial sums (Train and TrainEval) or the running
// statistics (Eval), and in Train mode updates the running statistics with
// momentum 0.1 and the unbiased batch variance, as PyTorch does.
func (b *batchNorm) forwardStats(nchunk, count int, mode Mode) {
	if mode == Eval {
		for ch := range b.c {
			b.mean[ch] = b.runMean.Data[ch]
			b.invstd[ch] = float32(1 / math.Sqrt(float64(b.runVar.Data[ch])+bnEps))
		}
		return
	}
	if mode == Train && count < 2 {
		panic(fmt.Sprintf("realnets: BatchNorm in train mode needs more than 1 value per channel, got %d", count))
	}
	for ch := range b.c {
		s, ss := b.reduce(nchunk, ch)
		b.setStats(ch, s, ss, count, mode)
	}
}

// setStats sets the statistics of channel ch from its sum s and sum of
// squares ss over count values, as forwardStats does for all channels.
func (b *batchNorm) setStats(ch int, s, ss float64, count int, mode Mode) {
	if mode == Eval {
		b.mean[ch] = b.runMean.Data[ch]
		b.invstd[ch] = float32(1 / math.Sqrt(float64(b.runVar.Data[ch])+bnEps))
		return
	}
	mean := s / float64(count)
	v := max(ss/float64(count)-mean*mean, 0) // biased variance, used to normalise
	b.mean[ch] = float32(mean)
	b.invstd[ch] = float32(1 / math.Sqrt(v+bnEps))
	if mode == Train {
		unbiased := v * float64(count) / float64(count-1)
		b.runMean.Data[ch] = float32((1-bnMomentum)*float64(b.runMean.Data[ch]) + bnMomentum*mean)
		b.runVar.Data[ch] = float32((1-bnMomentum)*float64(b.runVar.Data[ch]) + bnMomentum*unbiased)
	}
}

// backwardStats sets the means m1 of dx̂ and m2 of dx̂*x̂ from the partial
// sums; in Eval mode the statistics are constants and both are zero.
func (b *batchNorm) backwardStats(nchunk, count int, mode Mode) {
	for ch := range b.c {
		if mode == Eval {
			b.m1[ch], b.m2[ch] = 0, 0
			continue
		}
		s, sx := b.reduce(nchunk, ch)
		b.m1[ch] = float32(s / float64(count))
		b.m2[ch] = float32(sx / float64(count))
	}
}

// bnBackward overwrites the plane d, holding dx̂, with the gradient with
// respect to BatchNorm's input: invstd*(dx̂ - m1 - x̂*m2), the standard
// batch-statistics backward pass (Ioffe and Szegedy 2015, section 3).
func bnBackward(d, xhat []float32, invstd, m1, m2 float32) {
	xhat = xhat[:len(d)]
	i := 0
	if n := len(d) &^ 7; useLayerAsm && n > 0 {
		bnBackward8(&d[0], &xhat[0], n, invstd, m1, m2)
		i = n
	}
	for ; i < len(d); i++ {
		d[i] = invstd * (d[i] - m1 - xhat[i]*m2)
	}
}
