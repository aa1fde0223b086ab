package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestMain lets tests run this test binary as the regimes program in a child
// process (REGIMES_AS_MAIN=1), so that a test can kill it with SIGKILL.
func TestMain(m *testing.M) {
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
	if code, _, e := runCmd(t, "reproduce", "cifar"); code != 1 || !strings.Contains(e, "want the experiment name") {
		t.Errorf("reproduce cifar: exit %d, %q", code, e)
	}
	if code, _, e := runCmd(t, "nosuch"); code != 2 || !strings.Contains(e, `unknown command "nosuch"`) {
		t.Errorf("unknown command: exit %d, %q", code, e)
	}
}
