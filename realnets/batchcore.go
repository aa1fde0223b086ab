package realnets

import "fmt"

// batchCore is the scaffolding the models (ConvNet, ResNet, MLP) share
// around their layers: the worker pool, the batch of the current Forward
// call, its logits, and the per-chunk losses, correct counts and gradients
// that Forward reduces in chunk order (a fixed order, whatever the number
// of workers). A model embeds it and sizes logits and dlog in its ensure.
type batchCore struct {
	pool         *pool
	classes      int
	capN         int         // the largest batch the buffers are sized for
	logits       []float32   // n×classes
	dlog         [][]float32 // per worker: one image's gradient w.r.t. its logits
	chunkLoss    []float64
	chunkCorrect []int
	chunkGrad    [][]float32 // per chunk: the trainable gradients, flat
	x            []float32
	y            []int
	n, nchunk    int
	mode         Mode
	grad         bool
	// outGrad, when not nil, is the n×classes gradient with respect to the
	// logits that the backward pass of Forward starts from instead of the
	// loss's: the gradients it computes are then J^T outGrad, J the
	// Jacobian of the logits in the parameters (the second half of a
	// Gauss-Newton product, GaussNewton).
	outGrad []float32
}

// setOutputGradient makes the backward passes of the following Forward
// calls start from g (n×classes) instead of the gradient of the mean loss
// with respect to the logits; nil restores the loss's gradient. The loss
// Forward returns is unchanged.
func (c *batchCore) setOutputGradient(g []float32) { c.outGrad = g }

// useOutputGradient overwrites dlog, image i's gradient with respect to its
// logits, with that of setOutputGradient when one is set.
func (c *batchCore) useOutputGradient(i int, dlog []float32) {
	if c.outGrad != nil {
		copy(dlog, c.outGrad[i*c.classes:(i+1)*c.classes])
	}
}

// newBatchCore returns the scaffolding of a model with the given number of
// classes whose Forward splits a batch into at most chunks chunks, run on
// workers goroutines (0: GOMAXPROCS).
func newBatchCore(workers, classes, chunks int) batchCore {
	return batchCore{pool: newPool(workers), classes: classes,
		chunkLoss: make([]float64, chunks), chunkCorrect: make([]int, chunks), chunkGrad: make([][]float32, chunks)}
}

// Classes returns the number of classes.
func (c *batchCore) Classes() int { return c.classes }

// SetWorkers sets the number of goroutines Forward uses (k <= 0 means
// GOMAXPROCS). Results do not depend on it.
func (c *batchCore) SetWorkers(k int) { c.pool.setWorkers(k) }

// Logits returns the n×classes logits of the last Forward call. The slice is
// reused by the next call.
func (c *batchCore) Logits() []float32 { return c.logits[:c.n*c.classes] }

// begin starts a Forward call on the n inputs x of inSize values each and
// their labels y, split into nchunk chunks: it panics on a batch of the
// wrong shape or a label out of range, records the batch and, when grad
// is set, gives each chunk a gradient buffer of gradLen values (none when
// gradLen is 0).
func (c *batchCore) begin(x []float32, y []int, n, inSize int, mode Mode, grad bool, nchunk, gradLen int) {
	if n <= 0 || len(x) != n*inSize || len(y) != n {
		panic(fmt.Sprintf("realnets: Forward with n=%d needs len(x)=%d and len(y)=%d, got %d and %d", n, n*inSize, n, len(x), len(y)))
	}
	for _, v := range y {
		if v < 0 || v >= c.classes {
			panic(fmt.Sprintf("realnets: label %d out of range [0,%d)", v, c.classes))
		}
	}
	c.x, c.y, c.n, c.mode, c.grad = x, y, n, mode, grad
	c.nchunk = nchunk
	if grad && gradLen > 0 {
		for i := 0; i < c.nchunk; i++ {
			if c.chunkGrad[i] == nil {
				c.chunkGrad[i] = make([]float32, gradLen)
			}
		}
	}
}

// totals returns the mean loss and the number of correct predictions of
// the batch, summed over the chunks in chunk order.
func (c *batchCore) totals() (loss float64, correct int) {
	for i := 0; i < c.nchunk; i++ {
		loss += c.chunkLoss[i]
		correct += c.chunkCorrect[i]
	}
	return loss / float64(c.n), correct
}

// end forgets the batch of the Forward call.
func (c *batchCore) end() { c.x, c.y = nil, nil }

// lastLayer runs the linear last layer on image i's features feat: it
// writes the logits w·feat + bias (no bias when bias is nil) to the batch's
// logits and returns the image's cross-entropy and whether its prediction
// is right. When the Forward call wants gradients it also writes to dlog
// the gradient of the mean loss with respect to the logits and to dfeat
// the one with respect to feat, wᵀ·dlog, and, when gw is not nil, adds the
// gradients of w and bias, dlog·featᵀ and dlog, to gw and gb (gb when not
// nil).
func (c *batchCore) lastLayer(i int, feat, w, bias, dlog, dfeat, gw, gb []float32) (loss float64, right bool) {
	nf, nc := len(feat), c.classes
	logits := c.logits[i*nc : (i+1)*nc]
	for k := range logits {
		wk := w[k*nf : (k+1)*nf]
		var a float32
		for j, f := range feat {
			a += wk[j] * f
		}
		if bias != nil {
			a += bias[k]
		}
		logits[k] = a
	}
	right = argmax(logits) == c.y[i]
	if !c.grad {
		return softmaxXent(nil, logits, c.y[i], 0), right
	}
	loss = softmaxXent(dlog, logits, c.y[i], 1/float32(c.n))
	c.useOutputGradient(i, dlog)
	clear(dfeat)
	for k, d := range dlog {
		wk := w[k*nf : (k+1)*nf]
		for j := range dfeat {
			dfeat[j] += d * wk[j]
		}
	}
	if gw != nil {
		for k, d := range dlog {
			wk := gw[k*nf : (k+1)*nf]
			for j, f := range feat {
				wk[j] += d * f
			}
			if gb != nil {
				gb[k] += d
			}
		}
	}
	return loss, right
}
