package main

import (
	"bytes"
	"os"
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
