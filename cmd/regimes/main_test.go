package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/regimes/regimes/plots"
)

// TestMain lets tests run this test binary as the regimes program in a child
// process (REGIMES_AS_MAIN=1), so that a test can kill it with SIGKILL.
// It also makes plots.Save refuse a figure whose labels overlap, so that
// every figure the tests draw is checked.
func TestMain(m *testing.M) {
	os.Setenv(plots.StrictLayoutEnv, "1")
	if os.Getenv("REGIMES_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// runCmd runs the program in-process with args and returns the exit code,
// standard output and standard error. run resets every flag of the command
// to its default first, as a new process would have it.
func runCmd(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	oldOut, oldErr := stdout, stderr
	stdout, stderr = &out, &errb
	defer func() { stdout, stderr = oldOut, oldErr }()
	code := run(args)
	return code, out.String(), errb.String()
}

// TestCommandTable checks the command table: unique names, a short and a
// long description for each, either flags or a plain Run, and the usage
// errors of a command that takes an argument before its flags.
func TestCommandTable(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range commands {
		if seen[c.Name()] {
			t.Errorf("command %s listed twice", c.Name())
		}
		seen[c.Name()] = true
		if c.Short == "" || strings.TrimSpace(c.Long) == "" || (c.Flags == nil) == (c.Run == nil) {
			t.Errorf("command %s: short %q, %d bytes of help, flags %v, run %v", c.Name(), c.Short, len(c.Long), c.Flags != nil, c.Run != nil)
		}
		if code, out, _ := runCmd(t, "help", c.Name()); code != 0 || !strings.HasPrefix(out, "usage: regimes "+c.Name()) {
			t.Errorf("help %s: exit %d, %q", c.Name(), code, out)
		}
	}
	if code, _, e := runCmd(t, "reproduce", "cifar"); code != exitUsage || !strings.Contains(e, "want the experiment name") {
		t.Errorf("reproduce cifar: exit %d, %q", code, e)
	}
	if code, _, e := runCmd(t, "nosuch"); code != 2 || !strings.Contains(e, `unknown command "nosuch"`) {
		t.Errorf("unknown command: exit %d, %q", code, e)
	}
}

// TestExitCodes checks the three kinds of failure that "regimes help"
// documents, each with its own exit code (issue 15): usage errors (2), errors
// in the data or the run (1), and a comparison whose runs disagree (3,
// TestCompare).
func TestExitCodes(t *testing.T) {
	_, out, _ := runCmd(t, "help")
	for _, w := range []string{"0 on success", "1 on an error", "2 on a usage error", "3 when \"regimes compare\""} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), w) {
			t.Errorf("regimes help does not document %q", w)
		}
	}
	dir := t.TempDir()
	bad := dir + "/bad.csv"
	os.WriteFile(bad, []byte("step,loss\n0,1\n1,x\n"), 0o644)
	for _, tc := range []struct {
		code int
		args []string
	}{
		{exitUsage, []string{"nosuch"}},
		{exitUsage, []string{"analyze"}},
		{exitUsage, []string{"analyze", "a.csv", "b.csv"}},
		{exitUsage, []string{"analyze", "-nosuch", bad}},
		{exitUsage, []string{"simulate", "-elr", "abc", "-out", dir + "/s"}},
		{exitUsage, []string{"simulate", "-elr", "0.1"}},
		{exitUsage, []string{"theory", "extra"}},
		{exitUsage, []string{"plot", "nosuch", "-in", bad, "-out", dir + "/x.png"}},
		{exitUsage, []string{"sweep"}},
		{exitUsage, []string{"sweep", "plan", "-nosuch"}},
		{exitUsage, []string{"sweep", "run", "-workers", "x"}},
		{exitUsage, []string{"compare", bad}},
		{exitError, []string{"analyze", bad}},
		{exitError, []string{"analyze", dir + "/none.csv"}},
		{exitError, []string{"simulate", "-elr", "-1", "-out", dir + "/s"}},
		{exitError, []string{"plot", "thresholds", "-in", bad, "-out", dir + "/x.png"}},
	} {
		code, _, e := runCmd(t, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, strings.TrimSpace(e))
		}
		if first, _, _ := strings.Cut(e, "\n"); !strings.HasPrefix(first, "regimes") || first == "" {
			t.Errorf("%v: stderr %q; want a line naming the command", tc.args, e)
		}
	}
}

// wantExit returns the exit code of a refusal whose message contains want:
// exitUsage for the errors in the shape of a command line (usageError),
// exitError otherwise.
func wantExit(want string) int {
	for _, u := range []string{"want one FILE argument", "want RUN and GOLDEN", "unexpected argument", "no output folder",
		"missing -out", "are required", "is required", "unknown KIND", "want a KIND", "want the experiment name", "unknown step", "missing step", "want at most one CHECKPOINT"} {
		if strings.Contains(want, u) {
			return exitUsage
		}
	}
	return exitError
}
