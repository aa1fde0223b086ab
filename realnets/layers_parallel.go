package realnets

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A pool runs the tasks of one parallel pass on persistent worker goroutines,
// so that a training step allocates nothing. Tasks are numbered and each task
// writes only its own outputs, so the results do not depend on which worker
// ran which task, nor on the number of workers.
//
// A pass is announced by advancing state, which packs a pass counter with the
// number of helpers the pass uses. A helper that has finished a pass spins on
// state for up to spinTime before it parks on its channel: a training step
// runs several short passes back to back (a barrier per layer), and waking a
// parked goroutine costs tens of microseconds, as much as a pass of the MLP.
type pool struct {
	k       int // workers wanted, including the calling goroutine
	fn      func(task, worker int)
	ntask   int
	next    atomic.Int64
	wg      sync.WaitGroup
	state   atomic.Uint64 // pass<<stateShift | helpers in the pass
	helpers []*poolHelper
}

// poolHelper is one helper goroutine's parking place.
type poolHelper struct {
	wake   chan struct{} // buffered: a token per wake-up
	parked atomic.Bool   // set by the helper before it parks
}

// unpark wakes the helper if it is parked, after a new state is stored.
func (h *poolHelper) unpark() {
	if h.parked.CompareAndSwap(true, false) {
		h.wake <- struct{}{}
	}
}

const (
	stateShift = 16
	stateMask  = 1<<stateShift - 1
	closed     = stateMask // helper count that tells helpers to exit
	spinTime   = 50 * time.Microsecond
)

// testHookAnnounced, when set by a test, runs between the announcement of
// a pass and the wake-ups, where a delay lets the helpers finish the pass
// and park before run looks at them.
var testHookAnnounced func()

// newPool returns a pool of k workers (k <= 0 means GOMAXPROCS).
func newPool(k int) *pool {
	p := &pool{}
	p.setWorkers(k)
	return p
}

func (p *pool) setWorkers(k int) {
	if k <= 0 {
		k = runtime.GOMAXPROCS(0)
	}
	p.k = min(k, closed)
}

// run calls fn(task, worker) for every task in [0, ntask) and returns when
// all calls have returned. worker is in [0, k).
func (p *pool) run(ntask int, fn func(task, worker int)) {
	nw := min(p.k, ntask)
	if nw <= 1 {
		for t := 0; t < ntask; t++ {
			fn(t, 0)
		}
		return
	}
	for len(p.helpers) < nw-1 {
		h := &poolHelper{wake: make(chan struct{}, 1)}
		p.helpers = append(p.helpers, h)
		go p.loop(len(p.helpers), h, p.state.Load())
	}
	p.fn, p.ntask = fn, ntask
	p.next.Store(0)
	p.wg.Add(nw - 1)
	pass := p.state.Load()>>stateShift + 1
	p.state.Store(pass<<stateShift | uint64(nw-1))
	if testHookAnnounced != nil {
		testHookAnnounced()
	}
	for _, h := range p.helpers[:nw-1] {
		h.unpark()
	}
	p.work(0)
	p.wg.Wait()
	p.fn = nil // the pool must not keep its model reachable (see close)
}

func (p *pool) work(w int) {
	for {
		t := int(p.next.Add(1) - 1)
		if t >= p.ntask {
			return
		}
		p.fn(t, w)
	}
}

// loop is helper w's life: wait for a pass other than the one it saw last,
// take part if the pass uses at least w helpers, repeat until closed.
func (p *pool) loop(w int, h *poolHelper, seen uint64) {
	for {
		s := p.await(h, seen)
		n := int(s & stateMask)
		if n == closed {
			return
		}
		seen = s
		if w <= n {
			p.work(w)
			p.wg.Done()
		}
	}
}

// await returns the first state other than seen: spinning for up to
// spinTime (yielding the processor now and then), then parked. run wakes a
// parked helper with a token after clearing parked; whichever of the two
// clears it decides whether a token is sent, so no wake-up is lost. A token
// can come late, for the pass the helper has already done (it saw the pass
// while spinning and parked again before run looked): await then parks
// again.
func (p *pool) await(h *poolHelper, seen uint64) uint64 {
	var t0 time.Time
	for i := 0; ; i++ {
		if s := p.state.Load(); s != seen {
			return s
		}
		if i%64 != 63 {
			continue
		}
		runtime.Gosched()
		if t0.IsZero() {
			t0 = time.Now()
		} else if time.Since(t0) > spinTime {
			break
		}
	}
	for {
		h.parked.Store(true)
		if s := p.state.Load(); s != seen && h.parked.CompareAndSwap(true, false) {
			return s // the pass began while parking; nobody sent a token
		}
		<-h.wake
		if s := p.state.Load(); s != seen {
			return s
		}
		// A late token: run announced the pass this helper has already
		// done (seeing it while spinning) and only then found it parked.
	}
}

// close stops the helper goroutines. Models register it with
// runtime.AddCleanup, so that dropping a model frees its goroutines.
func (p *pool) close() {
	p.state.Store((p.state.Load()>>stateShift+1)<<stateShift | closed)
	for _, h := range p.helpers {
		h.unpark()
	}
	p.helpers = nil
}

// span returns the half-open range of part i when n items are split into
// parts nearly equal parts; it depends only on n, parts and i.
func span(n, parts, i int) (lo, hi int) {
	return i * n / parts, (i + 1) * n / parts
}

// maxChunks is the number of image chunks a batch is split into (fewer when
// the batch is smaller). It is fixed, independent of the number of workers,
// so that the order of every reduction is fixed.
const maxChunks = 32

func numChunks(n int) int { return min(n, maxChunks) }

// sumChunkGrads adds the per-chunk gradients chunks (each holding every
// trainable parameter's gradient, flat, gradLen values in params order) in
// chunk order for block task of sumBlocks, and writes the sums to
// Param.Grad: the fixed-order reduction that makes the gradients
// independent of the worker count.
func sumChunkGrads(task int, params []*Param, chunks [][]float32, gradLen int) {
	lo, hi := span(gradLen, sumBlocks, task)
	off := 0
	for _, p := range params {
		if p.Frozen {
			continue
		}
		a, b := max(lo, off), min(hi, off+len(p.Data))
		if a < b {
			dst := p.Grad[a-off : b-off]
			copy(dst, chunks[0][a:b])
			for _, ch := range chunks[1:] {
				src := ch[a:b]
				for j, v := range src {
					dst[j] += v
				}
			}
		}
		off += len(p.Data)
	}
}
