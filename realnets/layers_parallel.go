package realnets

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A pool runs the tasks of one parallel pass on persistent worker goroutines,
// so that a training step allocates nothing. Tasks are numbered and each task
// writes only its own outputs, so the results do not depend on which worker
// ran which task, nor on the number of workers.
type pool struct {
	k     int // workers wanted, including the calling goroutine
	fn    func(task, worker int)
	ntask int
	next  atomic.Int64
	wg    sync.WaitGroup
	start []chan struct{} // one per started helper goroutine
}

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
	p.k = k
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
	for len(p.start) < nw-1 {
		ch := make(chan struct{})
		p.start = append(p.start, ch)
		go p.loop(len(p.start), ch)
	}
	p.fn, p.ntask = fn, ntask
	p.next.Store(0)
	p.wg.Add(nw - 1)
	for w := 0; w < nw-1; w++ {
		p.start[w] <- struct{}{}
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

func (p *pool) loop(w int, ch chan struct{}) {
	for range ch {
		p.work(w)
		p.wg.Done()
	}
}

// close stops the helper goroutines. Models register it with
// runtime.AddCleanup, so that dropping a model frees its goroutines.
func (p *pool) close() {
	for _, ch := range p.start {
		close(ch)
	}
	p.start = nil
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
