package main

import (
	"strings"
	"testing"
)

// TestGridErrors checks that bad grid flags stop with one line naming the
// problem and exit status 1, before anything is trained.
func TestGridErrors(t *testing.T) {
	dir := t.TempDir()
	base := []string{"grid", "-plrs", "1e-2", "-flrs", "1e-3", "-pre-epochs", "2", "-fine-epochs", "1", "-out", dir}
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{[]string{"-swa-ks", "2,x"}, `-swa-ks: "x"`},
		{[]string{"-swa-ks", "3"}, "K = 3"},
		{[]string{"-plrs", "1e-2,-1"}, `-plrs: "-1"`},
		{[]string{"-seeds", "0"}, "-seeds 0"},
		{[]string{"-grad-metrics", "all"}, "-grad-metrics all"},
		{[]string{"-out", ""}, "no output folder"},
	} {
		code, _, errOut := runCmd(t, append(append([]string{}, base...), tc.extra...)...)
		if code != 1 || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 1 and one line containing %q", tc.extra, code, errOut, tc.want)
		}
	}
}
