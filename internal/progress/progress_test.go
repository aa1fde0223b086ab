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

// TestStage checks that off a terminal every stage prints a line with the
// ETA of the whole work, and that units skipped (reused from disk) do not
// set the pace.
func TestStage(t *testing.T) {
	c := newClock()
	var buf bytes.Buffer
	r := New(&buf, Options{Label: "grid", Unit: "cell", Total: 4, Terminal: TerminalNo, Now: c.now})
	r.Skip(2, 1)                // cells 1 and 2 were finished before
	r.Phase(3, 0.1, "training") // off a terminal: no line
	c.add(10 * time.Second)
	r.Stage(3, 0.25, "pre-training epoch 1/4")
	c.add(30 * time.Second)
	r.Done(3, "seed 1")
	r.Skip(3, 1) // no-op: already done
	// After the stage 2.25 of 4 cells are done, 0.25 of them in this
	// session's 10 s: 1.75 cells left at 40 s a cell, 1m10s.
	want := `grid: cell 3/4 (56%), elapsed 10s, ETA 1m10s, pre-training epoch 1/4
grid: cell 3/4 (75%), elapsed 40s, ETA 40s, done, seed 1
`
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	var tty bytes.Buffer
	r = New(&tty, Options{Label: "grid", Unit: "cell", Total: 2, Terminal: TerminalYes, Now: c.now})
	c.add(5 * time.Second)
	r.Stage(1, 0.5, "fine-tuning")
	if got := tty.String(); got != "\rgrid: cell 1/2 (25%), elapsed 5s, ETA 15s, fine-tuning\x1b[K" {
		t.Errorf("terminal stage %q", got)
	}
}

// TestCounter checks the count callback: one line per finished unit off a
// terminal, and nil (silence) without a writer.
func TestCounter(t *testing.T) {
	if Counter(nil, "thermo", "run") != nil {
		t.Fatal("Counter(nil) is not nil")
	}
	var buf bytes.Buffer
	f := Counter(&buf, "thermo", "run")
	f(0, 3)
	for i := 1; i <= 3; i++ {
		f(i, 3)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "thermo: run 1/3 (33%), elapsed ") || !strings.Contains(lines[2], "run 3/3 (100%)") || !strings.Contains(lines[2], "ETA 0s") {
		t.Errorf("counter lines %q", lines)
	}
}

// TestPrintf checks that a message keeps the live line: cleared, the
// message on its own line, and the line drawn again.
func TestPrintf(t *testing.T) {
	c := newClock()
	var buf bytes.Buffer
	r := New(&buf, Options{Label: "demo", Unit: "stage", Total: 2, Terminal: TerminalYes, Now: c.now})
	r.Printf("before any line")
	r.Phase(1, 0.5, "sweep")
	r.Printf("cell %d: seeds disagree", 3)
	r.Finish()
	want := "demo: before any line\n" +
		"\rdemo: stage 1/2 (25%), elapsed 0ms, ETA 0ms, sweep\x1b[K" +
		"\r\x1b[Kdemo: cell 3: seeds disagree\n" +
		"\rdemo: stage 1/2 (25%), elapsed 0ms, ETA 0ms, sweep\x1b[K\n"
	if buf.String() != want {
		t.Errorf("got %q\nwant %q", buf.String(), want)
	}
	buf.Reset()
	r = New(&buf, Options{Label: "demo", Total: 2, Terminal: TerminalNo, Now: c.now})
	r.Printf("a note")
	if buf.String() != "demo: a note\n" {
		t.Errorf("off a terminal: %q", buf.String())
	}
}

// TestWeights checks that weighted units set the share and the ETA by
// their weights: a first stage of weight 3 done in 30 s leaves a stage of
// weight 1, 10 s.
func TestWeights(t *testing.T) {
	c := newClock()
	var buf bytes.Buffer
	r := New(&buf, Options{Label: "demo", Unit: "stage", Total: 2, Terminal: TerminalNo, Now: c.now, Weights: []float64{3, 1}})
	c.add(15 * time.Second)
	r.Stage(1, 0.5, "half of stage 1")
	c.add(15 * time.Second)
	r.Done(1, "")
	r.Skip(2, 0.5) // half of stage 2 was done before: 0.5 of weight 4
	want := "demo: stage 1/2 (37%), elapsed 15s, ETA 25s, half of stage 1\n" +
		"demo: stage 1/2 (75%), elapsed 30s, ETA 10s, done\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	if got := r.Line(2); !strings.Contains(got, "(87%)") || !strings.Contains(got, "ETA 5s") {
		t.Errorf("after Skip: %q, want 87%% and ETA 5s", got)
	}
}
