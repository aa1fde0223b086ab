package progress

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"
)

// Options configures a Reporter. The zero value of a field means its
// default.
type Options struct {
	// Label starts every line, for example "train" (default: none).
	Label string
	// Unit names the units of work, for example "epoch" (default "step").
	Unit string
	// Total is the number of units (required, at least 1).
	Total int
	// Terminal selects the live line: TerminalAuto (the default) when the
	// writer is a terminal, TerminalYes or TerminalNo.
	Terminal Terminal
	// Now is the clock (default time.Now), for tests.
	Now func() time.Time
	// Interval is the least time between two redraws of the live line
	// (default 200 ms).
	Interval time.Duration
	// Weights, if not nil, holds the share of the work of each of the
	// Total units (any positive scale), for work whose units differ in
	// size (the stages of the demo); the share done and the ETA weigh the
	// units by it. Nil weighs them equally.
	Weights []float64
}

// Terminal says whether a Reporter draws a live line.
type Terminal int

const (
	TerminalAuto Terminal = iota
	TerminalYes
	TerminalNo
)

// A Reporter reports the progress of one piece of work. Its methods are
// safe for concurrent use, and do nothing on a nil *Reporter.
type Reporter struct {
	mu        sync.Mutex
	w         io.Writer
	opt       Options
	tty       bool
	start     time.Time
	skipped   float64 // work done before this session (a resumed run), in weights
	done      float64 // units done, with fractions
	phase     string
	lastDraw  time.Time
	drawn     bool // a live line is on the terminal
	drawnUnit int  // the unit it shows
}

// New returns a Reporter writing to w.
func New(w io.Writer, opt Options) *Reporter {
	if opt.Total < 1 {
		panic("progress: Total must be at least 1")
	}
	if opt.Weights != nil && len(opt.Weights) != opt.Total {
		panic("progress: Weights must have Total elements")
	}
	if opt.Unit == "" {
		opt.Unit = "step"
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Interval == 0 {
		opt.Interval = 200 * time.Millisecond
	}
	tty := opt.Terminal == TerminalYes
	if opt.Terminal == TerminalAuto {
		tty = IsTerminal(w)
	}
	return &Reporter{w: w, opt: opt, tty: tty, start: opt.Now()}
}

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Resume says that done units were finished before this session (a
// resumed run): they count as done but not toward the pace.
func (r *Reporter) Resume(done int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = float64(done)
	r.skipped = r.work(r.done)
}

// Phase reports the current phase of unit `unit` (1-based) and how much
// of that unit is done (0 to 1). On a terminal it redraws the live line;
// elsewhere it prints nothing.
func (r *Reporter) Phase(unit int, frac float64, phase string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.phase = phase
	r.done = max(r.done, float64(unit-1)+min(max(frac, 0), 1))
	if r.tty {
		now := r.opt.Now()
		if !r.drawn || now.Sub(r.lastDraw) >= r.opt.Interval {
			r.draw(now, unit)
		}
	}
}

// Done reports that unit `unit` (1-based) is finished, with an optional
// note (for example the epoch's loss). Elsewhere than on a terminal it
// prints one line.
func (r *Reporter) Done(unit int, note string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = max(r.done, float64(unit))
	now := r.opt.Now()
	if r.tty {
		r.phase = note
		r.draw(now, min(unit+1, r.opt.Total))
		return
	}
	line := r.line(now, unit, "done")
	if note != "" {
		line += ", " + note
	}
	fmt.Fprintln(r.w, line)
}

// Stage reports that a stage of unit `unit` (1-based) has finished and
// frac of the unit is done (0 to 1), with a note naming the stage: on a
// terminal it redraws the live line, elsewhere it prints one line. It is
// for units long enough that a log should show their parts (a grid cell's
// training epochs, a stability check's measurements).
func (r *Reporter) Stage(unit int, frac float64, note string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.phase = note
	r.done = max(r.done, float64(unit-1)+min(max(frac, 0), 1))
	now := r.opt.Now()
	if r.tty {
		r.draw(now, unit)
		return
	}
	fmt.Fprintln(r.w, r.line(now, unit, note))
}

// Skip reports that the units before `unit` and frac of unit `unit`
// (1-based) were done before this session (a finished cell reused from
// disk, a training run found complete): they count as done but not toward
// the pace, as with Resume. It prints nothing.
func (r *Reporter) Skip(unit int, frac float64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := float64(unit-1) + min(max(frac, 0), 1); d > r.done {
		r.skipped += r.work(d) - r.work(r.done)
		r.done = d
	}
}

// Counter returns a callback that reports finished units as a count
// (done of total, as sweep.RunShard and experiment.Thermo call it) on w:
// a live line on a terminal, else one line per finished unit. It returns
// nil, which such callers take as silence, when w is nil (-quiet).
func Counter(w io.Writer, label, unit string) func(done, total int) {
	if w == nil {
		return nil
	}
	var (
		mu  sync.Mutex
		rep *Reporter
	)
	return func(done, total int) {
		if total < 1 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if rep == nil {
			rep = New(w, Options{Label: label, Unit: unit, Total: total})
		}
		if done > 0 {
			rep.Done(done, "")
		}
		if done == total {
			rep.Finish()
		}
	}
}

// Printf prints a message (a note, a warning) on a line of its own,
// after the label: on a terminal it clears the live line first and draws
// it again after the message.
func (r *Reporter) Printf(format string, args ...any) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if r.opt.Label != "" {
		msg = r.opt.Label + ": " + msg
	}
	if r.tty && r.drawn {
		fmt.Fprintf(r.w, "\r\x1b[K%s\n", msg)
		r.draw(r.opt.Now(), r.drawnUnit)
		return
	}
	fmt.Fprintln(r.w, msg)
}

// Finish ends the live line on a terminal.
func (r *Reporter) Finish() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tty && r.drawn {
		fmt.Fprintln(r.w)
		r.drawn = false
	}
}

// Line returns the text of the live line now (for tests and logs).
func (r *Reporter) Line(unit int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.line(r.opt.Now(), unit, r.phase)
}

func (r *Reporter) draw(now time.Time, unit int) {
	r.lastDraw, r.drawn, r.drawnUnit = now, true, unit
	fmt.Fprintf(r.w, "\r%s\x1b[K", r.line(now, unit, r.phase))
}

// line formats "LABEL: UNIT u/N (P%), elapsed E, ETA T, PHASE".
func (r *Reporter) line(now time.Time, unit int, phase string) string {
	var b strings.Builder
	if r.opt.Label != "" {
		b.WriteString(r.opt.Label)
		b.WriteString(": ")
	}
	elapsed := now.Sub(r.start)
	fmt.Fprintf(&b, "%s %d/%d (%d%%), elapsed %s, ETA %s", r.opt.Unit, unit, r.opt.Total,
		int(math.Floor(100*r.work(r.done)/r.work(float64(r.opt.Total)))), Duration(elapsed), r.eta(elapsed))
	if phase != "" {
		b.WriteString(", ")
		b.WriteString(phase)
	}
	return b.String()
}

func (r *Reporter) eta(elapsed time.Duration) string {
	worked := r.work(r.done) - r.skipped
	left := r.work(float64(r.opt.Total)) - r.work(r.done)
	switch {
	case left <= 0:
		return "0s"
	case worked <= 0:
		return "unknown"
	}
	return Duration(time.Duration(float64(elapsed) * left / worked))
}

// work returns the work of the first d units (d with fractions), in
// weights.
func (r *Reporter) work(d float64) float64 {
	if r.opt.Weights == nil {
		return d
	}
	var w float64
	for i, wi := range r.opt.Weights {
		w += wi * min(max(d-float64(i), 0), 1)
	}
	return w
}

// Duration formats d compactly and deterministically: "850ms", "12s",
// "4m05s", "2h03m".
func Duration(d time.Duration) string {
	d = max(d, 0)
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	if d = d.Round(time.Second); d < time.Minute {
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
	if d < time.Hour {
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
