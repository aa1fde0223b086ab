package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regimes/regimes/toy"
)

// TestConventionalCommand runs the two cases of the toy test
// (toy.TestConventionalPeriodic and toy.TestConventionalStable) through the
// command, shorter, and checks the files and the behaviour: b = 4 with
// lr wd = 1e-3 cycles (about 500 steps per cycle, so 8000 steps hold more
// than 3 spikes), b = 1 with lr wd = 0.03 stabilises.
func TestConventionalCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-lr", "1", "-wd", "1e-3", "-batch", "4", "-steps", "8000"}, toy.BehaviourPeriodic},
		{[]string{"-lr", "0.3", "-wd", "0.1", "-batch", "1", "-steps", "8000"}, toy.BehaviourStable},
	} {
		dir := t.TempDir()
		code, out, errOut := runCmd(t, append(append([]string{"conventional"}, tc.args...), "-out", dir)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		var sum struct {
			Prediction struct {
				ELRStar *float64 `json:"elr_star"`
			} `json:"prediction"`
			Theory    toy.LSQTheory `json:"theory"`
			Behaviour struct {
				Behaviour string `json:"behaviour"`
				Spikes    int    `json:"spikes"`
			} `json:"behaviour"`
		}
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatalf("%v: output: %v", tc.args, err)
		}
		if sum.Behaviour.Behaviour != tc.want {
			t.Errorf("%v: behaviour %s (%d spikes), want %s", tc.args, sum.Behaviour.Behaviour, sum.Behaviour.Spikes, tc.want)
		}
		// ELR* lies above the almost-sure threshold (G vanishes below it).
		if sum.Prediction.ELRStar == nil || !(*sum.Prediction.ELRStar > sum.Theory.ASThreshold) {
			t.Errorf("%v: ELR* %v not above the almost-sure threshold %v", tc.args, sum.Prediction.ELRStar, sum.Theory.ASThreshold)
		}
		for _, name := range []string{"trajectory.csv", "summary.json", "realised_elr.png", "realised_elr.svg"} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
				t.Errorf("%v: %s missing or empty (%v)", tc.args, name, err)
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, "trajectory.csv"))
		if err != nil || !strings.HasPrefix(string(b), toy.CSVHeader+"\n") {
			t.Errorf("%v: trajectory.csv does not start with the shared header (%v)", tc.args, err)
		}
	}
}

// TestConventionalBadFlags checks that bad input exits 1 with a one-line
// error naming the field (the flag's name), and writes nothing.
func TestConventionalBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-wd", "0.1"}, "lr must be positive"},
		{[]string{"-lr", "1"}, "wd must be positive"},
		{[]string{"-lr", "1", "-wd", "2"}, "lr*wd < 1"},
		{[]string{"-lr", "1", "-wd", "0.1", "-steps", "0"}, "steps must be positive"},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		code, _, errOut := runCmd(t, append(append([]string{"conventional"}, tc.args...), "-out", dir)...)
		if code != 1 || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want 1 and one line naming %s", tc.args, code, errOut, tc.want)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%v: output folder created", tc.args)
		}
	}
}
