package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestFinetuneFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-pre-elr", "1e-2", "-fine-elr", "1e-3", "-pre-epochs", "1", "-fine-epochs", "1", "-baseline-elrs", "1e-3"}, "no output folder"},
		{[]string{"-pre-elr", "0", "-fine-elr", "1e-3", "-pre-epochs", "1", "-fine-epochs", "1", "-baseline-elrs", "1e-3", "-out", "x"}, "both must be positive"},
		{[]string{"-pre-elr", "1e-2", "-fine-elr", "1e-3", "-pre-epochs", "0", "-fine-epochs", "1", "-baseline-elrs", "1e-3", "-out", "x"}, "at least 1"},
		{[]string{"-pre-elr", "1e-2", "-fine-elr", "1e-3", "-pre-epochs", "1", "-fine-epochs", "1", "-baseline-elrs", "1e-3,abc", "-out", "x"}, `"abc" is not a positive number`},
		{[]string{"-pre-elr", "1e-2", "-fine-elr", "1e-3", "-pre-epochs", "1", "-fine-epochs", "1", "-out", "x"}, "no baselines"},
	} {
		var errb bytes.Buffer
		stderr = &errb
		code := run(append([]string{"finetune"}, tc.args...))
		stderr = os.Stderr
		if code != wantExit(tc.want) || !strings.Contains(errb.String(), tc.want) || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("finetune %v: exit %d, stderr %q, want one line with %q", tc.args, code, errb.String(), tc.want)
		}
	}
}
