package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeStandIns are the README commands that TestReadmeExamples does not
// run as written, each with the step that stands in for it and why: the
// stand-in is the same command on less data or fewer epochs, so that the
// suite stays within minutes.
var readmeStandIns = map[string]string{
	"demo":                             "demo -out regimes-demo -workers 2 (the same job, written where the test looks)",
	"reproduce mnist -out mnist-repro": "reproduce mnist -out mnist-repro -quick (the full one trains for minutes)",
	"train -model convnet -width 8 -data mnist -subset 2000 -elr 1e-3 -epochs 20 -seed 1 -out runs/c8": "width 4, 256 images, 2 epochs",
	"train -model mlp -data mnist -lr 0.1 -wd 5e-4 -momentum 0.9 -epochs 50 -out runs/mlp-wd":          "width 32, 256 images, 2 epochs",
	"train -resume -out runs/c8 -epochs 40":                                                            "resumes the tiny run to 3 epochs",
	"train -from runs/c8/epoch-000020.ckpt -elr 1e-5 -epochs 20 -out runs/c8-ft":                       "fine-tunes the tiny run's epoch 2 for 1 epoch",
	"stability -slq-probes 4 -gn-probes 4 runs/c8/epoch-000020.ckpt":                                   "TestStabilityCheckpoint runs it on a tiny checkpoint",
	"stability -out stability": "experiment.TestRunStabilityProgress runs the check on tiny runs (the full one trains for minutes)",
	"thermo -out thermo":       "TestThermoCommand runs the command on a small grid",
}

// readmeCommands returns the example commands in the README's indented
// code blocks: lines starting with "regimes " (or "go run ./cmd/regimes ")
// with the program name, trailing comments and line continuations removed.
// Synopsis lines (with [optional] parts, placeholders in capitals or
// "...") are not examples and are left out.
func readmeCommands(t *testing.T) []string {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var cmds []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "    ") {
			continue
		}
		l = strings.TrimSpace(l)
		for strings.HasSuffix(l, "\\") && i+1 < len(lines) {
			i++
			l = strings.TrimSpace(strings.TrimSuffix(l, "\\")) + " " + strings.TrimSpace(lines[i])
		}
		switch {
		case strings.HasPrefix(l, "regimes "):
			l = strings.TrimPrefix(l, "regimes ")
		case strings.HasPrefix(l, "go run ./cmd/regimes "):
			l = strings.TrimPrefix(l, "go run ./cmd/regimes ")
		default:
			continue
		}
		if c, _, ok := strings.Cut(l, " #"); ok {
			l = c
		}
		l = strings.Join(strings.Fields(l), " ")
		if strings.ContainsAny(l, "[") || strings.Contains(l, "...") || hasPlaceholder(l) {
			continue
		}
		cmds = append(cmds, l)
	}
	return cmds
}

// hasPlaceholder reports whether a command holds a word in capitals such
// as FILE or DIR (a synopsis, not an example).
func hasPlaceholder(l string) bool {
	for _, w := range strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == ',' || r == '=' || r == '/' }) {
		if len(w) >= 3 && strings.ToUpper(w) == w && strings.ToLower(w) != w {
			return true
		}
	}
	return false
}

// TestReadmeCommandsAreRun requires every example command of the README to
// be one of TestReadmeExamples' steps as written (with the test's folders
// removed), or a listed stand-in with its reason, and every stand-in to
// still be in the README: a command added to the README without a test,
// or edited so that the test no longer runs it, fails here.
func TestReadmeCommandsAreRun(t *testing.T) {
	steps := map[string]bool{}
	for _, s := range readmeSteps {
		s = strings.NewReplacer("$DIR/", "", "$ROOT/", "", "../../", "").Replace(s)
		steps[strings.Join(strings.Fields(s), " ")] = true
	}
	seen := map[string]bool{}
	cmds := readmeCommands(t)
	if len(cmds) < 20 {
		t.Fatalf("found %d README commands; the parser is broken", len(cmds))
	}
	for _, c := range cmds {
		seen[c] = true
		if steps[c] {
			continue
		}
		if _, ok := readmeStandIns[c]; ok {
			continue
		}
		t.Errorf("README command %q is not run by TestReadmeExamples (add it to readmeSteps, or to readmeStandIns with the reason)", c)
	}
	for c := range readmeStandIns {
		if !seen[c] {
			t.Errorf("stand-in %q: no such command in the README any more", c)
		}
	}
}
