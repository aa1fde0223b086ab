package realnets

import (
	"strings"
	"testing"
)

func TestSameRun(t *testing.T) {
	a := smallConfig("x", "m")
	b := a
	b.Out, b.Workers, b.Epochs, b.CheckpointEvery, b.Resume = "elsewhere", 7, 99, 3, true
	b.Data.Dir = "/moved/data"
	if err := SameRun(a, b); err != nil {
		t.Errorf("configurations that train the same run differ: %v", err)
	}
	c := a
	c.ELR *= 2
	if err := SameRun(a, c); err == nil || !strings.HasPrefix(err.Error(), "elr ") {
		t.Errorf("another ELR: %v, want an error naming elr", err)
	}
	d := a
	d.Data.Subset++
	if err := SameRun(a, d); err == nil || !strings.HasPrefix(err.Error(), "data.subset ") {
		t.Errorf("another subset: %v, want an error naming data.subset", err)
	}
	// The rule and the identity agree.
	for _, o := range []TrainConfig{b, c, d} {
		if (SameRun(a, o) == nil) != (a.RunID() == o.RunID()) {
			t.Errorf("SameRun and RunID disagree on %+v", o)
		}
	}
}
