package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestThermoCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "th")
	args := []string{"thermo", "-sphere-elrs", "0.03,0.3", "-elrs", "0.03", "-wds", "0.01,0.1", "-lrs", "0.1", "-momenta", "0", "-rows", "300", "-format", "png", "-out", dir}
	code, out, errs := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "T1, elr") || !strings.Contains(errs, "thermo: run 6/6 (100%), elapsed ") {
		t.Errorf("output lacks the breakdown or the progress:\n%s\n%s", out, errs)
	}
	for _, f := range []string{"thermo.json", "thermo_energy_entropy.png", "thermo_error_map.png", "thermo_maxwell.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if code, _, errs := runCmd(t, args...); code == 0 || !strings.Contains(errs, "exists") {
		t.Errorf("second run without -force: exit %d, %s", code, errs)
	}
	// Off a terminal: one progress line per run with an ETA; -quiet: none.
	if lines := strings.Split(strings.TrimSpace(errs), "\n"); len(lines) != 6 || !strings.Contains(lines[0], "thermo: run 1/6 (16%), elapsed ") || !strings.Contains(lines[0], ", ETA ") {
		t.Errorf("progress %q: want 6 lines with an ETA", lines)
	}
	if code, _, errs := runCmd(t, append(args, "-force", "-quiet")...); code != 0 || errs != "" {
		t.Errorf("-quiet: exit %d, stderr %q", code, errs)
	}
	for _, bad := range [][]string{
		{"thermo", "-out", dir, "-force", "-wds", "-1"},
		{"thermo", "-out", dir, "-force", "-format", "gif"},
		{"thermo"},
		{"thermo", "-runs", t.TempDir()},
	} {
		code, _, errs := runCmd(t, bad...)
		if code == 0 || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q (want one line and a non-zero exit)", bad, code, errs)
		}
	}
}
