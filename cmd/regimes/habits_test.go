package main

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/regimes/regimes/analysis"
)

// tinyTrain are the flags of a training run of a second or so.
func tinyTrain(dir string, epochs string) []string {
	return []string{"train", "-model", "mlp", "-width", "16", "-data", "mnist", "-subset", "256",
		"-test-subset", "100", "-elr", "1e-3", "-epochs", epochs, "-seed", "1", "-grad-metrics", "none", "-out", dir}
}

func TestFlagsAfterArguments(t *testing.T) {
	file := filepath.Join("..", "..", "testdata", "golden", "regime2_lsq_elr2.2.json")
	_ = file
	traj := filepath.Join(t.TempDir(), "run")
	if code, _, e := runCmd(t, "simulate", "-toy", "lsq", "-batch", "1", "-elr", "2.2", "-steps", "2000", "-seed", "1", "-out", traj); code != 0 {
		t.Fatalf("simulate: %s", e)
	}
	csv := filepath.Join(traj, "trajectory.csv")
	c1, before, e1 := runCmd(t, "analyze", "-loss", "batch_loss", "-angle", "none", csv)
	c2, after, e2 := runCmd(t, "analyze", csv, "-loss", "batch_loss", "-angle", "none")
	if c1 != 0 || c2 != 0 || before != after || !strings.Contains(after, `"loss": "batch_loss"`) {
		t.Fatalf("flags before FILE: exit %d %s; after FILE: exit %d %s; outputs equal: %v", c1, e1, c2, e2, before == after)
	}
	// "--" ends the flags: what follows is an argument even if it looks like a flag.
	if code, _, e := runCmd(t, "analyze", "--", "-loss"); code != 1 || !strings.Contains(e, "-loss") {
		t.Errorf("analyze -- -loss: exit %d, %q", code, e)
	}
}

func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"analyze", "-los", "loss", "x.csv"}, "did you mean -loss?"},
		{[]string{"analyze", "x.csv", "-anlge", "a"}, "did you mean -angle?"},
		{[]string{"train", "-epoch", "3"}, "did you mean -epochs?"},
	} {
		code, _, e := runCmd(t, tc.args...)
		if code != 2 || !strings.Contains(e, "flag provided but not defined") || !strings.Contains(e, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 and %q", tc.args, code, e, tc.want)
		}
	}
	// No suggestion for a name far from every flag.
	if _, _, e := runCmd(t, "analyze", "-zzzzzzzz", "x.csv"); strings.Contains(e, "did you mean") {
		t.Errorf("suggestion for -zzzzzzzz: %q", e)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		code, out, e := runCmd(t, args...)
		// A test binary's main module is this module.
		if code != 0 || !strings.HasPrefix(out, "regimes github.com/regimes/regimes ") || !strings.Contains(out, "go1.") || e != "" {
			t.Errorf("%v: exit %d, %q, %q", args, code, out, e)
		}
	}
	if code, _, _ := runCmd(t, "version", "x"); code == 0 {
		t.Errorf("version x: exit 0")
	}
}

func TestHelpMentionsQuick(t *testing.T) {
	_, out, _ := runCmd(t, "help")
	if !strings.Contains(out, "regimes reproduce mnist -quick") || !strings.Contains(out, "version") {
		t.Errorf("help lacks reproduce mnist -quick or version:\n%s", out)
	}
}

func TestTrainRefusesExistingRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if code, _, e := trainRun(t, tinyTrain(dir, "2")...); code != 0 {
		t.Fatalf("first run: %s", e)
	}
	old := filepath.Join(dir, "epoch-000002.ckpt")
	if _, err := os.Stat(old); err != nil {
		t.Fatal(err)
	}
	code, _, e := trainRun(t, tinyTrain(dir, "1")...)
	if code != 1 || !strings.Contains(e, "holds") || !strings.Contains(e, "-resume") || !strings.Contains(e, "-force") || strings.Count(e, "\n") != 1 {
		t.Fatalf("second run into the same folder: exit %d, %q", code, e)
	}
	if _, err := os.Stat(old); err != nil {
		t.Fatalf("the refused run touched the old one: %v", err)
	}
	// -force starts over: the old run's epoch-2 checkpoint does not stay
	// among the new 1-epoch run's files.
	if code, _, e := trainRun(t, append(tinyTrain(dir, "1"), "-force")...); code != 0 {
		t.Fatalf("-force: %s", e)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("after -force the old checkpoint is still there: %v", err)
	}
	if n := len(readLines(t, filepath.Join(dir, "metrics.jsonl"))); n != 2 {
		t.Errorf("after -force metrics.jsonl has %d records, want 2 (epochs 0 and 1)", n)
	}
}

func readLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// TestTrainProgress checks that a run whose stderr is not a terminal (the
// test's buffer) prints one progress line per epoch with elapsed time and
// ETA, and -quiet none.
func TestTrainProgress(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, _, e := trainRun(t, tinyTrain(dir, "3")...)
	if code != 0 {
		t.Fatal(e)
	}
	line := regexp.MustCompile(`^train: epoch (\d)/3 \(\d+%\), elapsed [0-9hms]+, ETA [0-9hms]+, done, train loss [0-9.e+-]+, test error [0-9.]+%$`)
	lines := strings.Split(strings.TrimSuffix(e, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("stderr has %d lines, want 3 (one per epoch):\n%s", len(lines), e)
	}
	for i, l := range lines {
		m := line.FindStringSubmatch(l)
		if m == nil || m[1] != string(rune('1'+i)) {
			t.Errorf("line %d %q does not match %v", i+1, l, line)
		}
	}
	if !strings.HasSuffix(lines[2], "") || !strings.Contains(lines[2], "ETA 0s") {
		t.Errorf("last line %q: want ETA 0s", lines[2])
	}
	// -resume continues the count; -quiet prints nothing.
	code, _, e = trainRun(t, "train", "-out", dir, "-resume", "-epochs", "4", "-quiet")
	if code != 0 || e != "" {
		t.Errorf("-quiet: exit %d, stderr %q", code, e)
	}
}

// TestTrainTensorBoard checks that -tensorboard writes every epoch's record
// as event-file scalars equal (to float32) to metrics.jsonl.
func TestTrainTensorBoard(t *testing.T) {
	dir := t.TempDir()
	run, tb := filepath.Join(dir, "run"), filepath.Join(dir, "tb")
	if code, _, e := trainRun(t, append(tinyTrain(run, "2"), "-tensorboard", tb, "-quiet")...); code != 0 {
		t.Fatal(e)
	}
	tab, err := analysis.ReadTableFile(tb)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := tab.Present("train_loss")
	if err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, filepath.Join(run, "metrics.jsonl"))
	if len(got) != len(lines) || len(lines) != 3 {
		t.Fatalf("%d train_loss scalars, %d records; want 3 each", len(got), len(lines))
	}
	for i, l := range lines {
		var r struct {
			TrainLoss float64 `json:"train_loss"`
		}
		json.Unmarshal([]byte(l), &r)
		// simple_value is a float32.
		if want := float64(float32(r.TrainLoss)); got[i] != want || math.IsNaN(got[i]) {
			t.Errorf("epoch %d: event train_loss %v, metrics.jsonl %v", i, got[i], r.TrainLoss)
		}
	}
	if !tab.Has("test_error") || !tab.Has("angle_step_mean") {
		t.Errorf("event tags %v lack test_error or angle_step_mean", tab.Header)
	}
}

// TestTrainProgressResume checks that a resumed run reports its epochs,
// counted from where it resumed.
func TestTrainProgressResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if code, _, e := trainRun(t, append(tinyTrain(dir, "1"), "-quiet")...); code != 0 {
		t.Fatal(e)
	}
	code, _, e := trainRun(t, "train", "-out", dir, "-resume", "-epochs", "3")
	if code != 0 || strings.Count(e, "\n") != 2 || !strings.HasPrefix(e, "train: epoch 2/3 (66%)") || !strings.Contains(e, "train: epoch 3/3 (100%)") {
		t.Errorf("resume from epoch 1 to 3: exit %d, stderr %q", code, e)
	}
}
