package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// flagLike matches a command-line flag in a message.
var flagLike = regexp.MustCompile(`(^|[ (])-[a-z]`)

// TestFlagWording checks that every library sentinel speaks of fields, not
// flags, and that the command line names its flags instead, also when the
// error is wrapped.
func TestFlagWording(t *testing.T) {
	for _, w := range flagWords {
		if flagLike.MatchString(w.err.Error()) {
			t.Errorf("library error %q names a flag", w.err)
		}
		got := flagWording(fmt.Errorf("context: %w", w.err))
		if got != "context: "+w.text || !flagLike.MatchString(got) {
			t.Errorf("%q: flag wording %q", w.err, got)
		}
	}
	_, _, e := trainRun(t, "train", "-elr", "1e-3", "-lr", "0.1", "-epochs", "1", "-out", t.TempDir())
	if !strings.Contains(e, "give either -elr (training on the sphere) or -lr, -wd and -momentum (conventional SGD), not both") {
		t.Errorf("train with -elr and -lr: %q", e)
	}
}
