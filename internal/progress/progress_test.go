package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// clock is a fake clock that advances by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Unix(1700000000, 0)} }

func TestLog(t *testing.T) {
	c := newClock()
	var buf bytes.Buffer
	r := New(&buf, Options{Label: "train", Unit: "epoch", Total: 4, Terminal: TerminalNo, Now: c.now})
	for e := 1; e <= 4; e++ {
		r.Phase(e, 0.5, "training")
		c.add(10 * time.Second)
		r.Phase(e, 0.9, "evaluating the test set")
		c.add(5 * time.Second)
		r.Done(e, "train loss 0.5")
	}
	r.Finish()
	// 15 s an epoch: after epoch e, elapsed 15e s and ETA 15(4-e) s.
	want := `train: epoch 1/4 (25%), elapsed 15s, ETA 45s, done, train loss 0.5
train: epoch 2/4 (50%), elapsed 30s, ETA 30s, done, train loss 0.5
train: epoch 3/4 (75%), elapsed 45s, ETA 15s, done, train loss 0.5
train: epoch 4/4 (100%), elapsed 1m00s, ETA 0s, done, train loss 0.5
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestTerminal(t *testing.T) {
	c := newClock()
	var buf bytes.Buffer
	r := New(&buf, Options{Label: "sweep", Unit: "point", Total: 10, Terminal: TerminalYes, Now: c.now, Interval: time.Second})
	r.Resume(2) // two points were done before: they do not set the pace
	c.add(4 * time.Second)
	r.Phase(3, 0.5, "simulating") // drawn: the first draw
	r.Phase(3, 0.6, "simulating") // not drawn: within the interval
	c.add(2 * time.Second)
	r.Phase(3, 0.75, "evaluation") // drawn
	r.Finish()
	out := buf.String()
	lines := strings.Split(out, "\r")
	if len(lines) != 3 || !strings.HasSuffix(out, "\x1b[K\n") {
		t.Fatalf("live output %q: want two redraws and a final newline", out)
	}
	// 0.75 points in 6 s: 8 s a point, 7.25 points left: 58 s.
	if got, want := lines[2], "sweep: point 3/10 (27%), elapsed 6s, ETA 58s, evaluation\x1b[K\n"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
}

func TestNil(t *testing.T) {
	var r *Reporter // -quiet
	r.Resume(1)
	r.Phase(1, 0.5, "x")
	r.Done(1, "")
	r.Finish()
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0ms"}, {850 * time.Millisecond, "850ms"}, {12400 * time.Millisecond, "12s"},
		{59600 * time.Millisecond, "1m00s"}, {245 * time.Second, "4m05s"}, {2*time.Hour + 3*time.Minute + 10*time.Second, "2h03m"},
	} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestLine checks the live line's text: unit, share, elapsed, ETA and phase.
func TestLine(t *testing.T) {
	c := newClock()
	var buf bytes.Buffer
	r := New(&buf, Options{Label: "train", Unit: "epoch", Total: 4, Terminal: TerminalNo, Now: c.now})
	r.Phase(1, 0.5, "training")
	c.add(10 * time.Second)
	r.Done(1, "")
	r.Phase(2, 0, "evaluating the test set")
	got := r.Line(2)
	if !strings.HasPrefix(got, "train: epoch 2/4") || !strings.Contains(got, "elapsed 10s") || !strings.HasSuffix(got, "evaluating the test set") {
		t.Errorf("Line(2) = %q", got)
	}
}
