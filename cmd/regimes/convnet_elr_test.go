package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/realnets"
)

// writeConventionalRun writes config.json and metrics.jsonl of a synthetic
// conventional run: the norm recursion of SCIENCE.md section 3,
// ||w'||^2 = (1-a)^2 ||w||^2 + lr^2 G^2/||w||^2, iterated step by step with a
// constant effective gradient norm G = 5 (full 3, noise 4: RMS^2 = 9 + 16),
// logged like the trainer every 16 steps as the realised ELR
// lr/((1-a)||w||^2).
func writeConventionalRun(t *testing.T, dir string, lr, wd float64, epochs int) {
	t.Helper()
	const (
		full, noise, mean = 3.0, 4.0, 4.8 // RMS 5; mean norm below the RMS
		stepsPerEpoch     = 16            // 2000 images in batches of 128
		norm2             = 40.0          // ||w||^2 at the start (ConvNetSI c=8: si_norm 6.32)
	)
	a := lr * wd
	w2 := norm2
	var recs []map[string]any
	for e := 0; e <= epochs; e++ {
		if e > 0 {
			for k := 0; k < stepsPerEpoch; k++ {
				w2 = (1-a)*(1-a)*w2 + lr*lr*(full*full+noise*noise)/w2
			}
		}
		recs = append(recs, map[string]any{"epoch": e, "step": e * stepsPerEpoch,
			"train_loss": 1 / float64(e+1), "test_error": 10.0,
			"grad_norm_mean": mean, "grad_norm_full": full, "grad_noise": noise,
			"angle_step_mean": math.Sqrt(2 * a), "elr": lr / ((1 - a) * w2), "si_norm": math.Sqrt(w2)})
	}
	cfg := realnets.TrainConfig{Model: "convnet", Width: 8, LR: lr, WD: wd, Epochs: epochs, Batch: 128, Out: dir}
	if err := writeJSONFile(filepath.Join(dir, "config.json"), cfg); err != nil {
		t.Fatal(err)
	}
	if err := fileio.WriteFile(filepath.Join(dir, "metrics.jsonl"), func(w io.Writer) error {
		return fileio.WriteJSONL(w, recs)
	}); err != nil {
		t.Fatal(err)
	}
}

func TestRealisedPrediction(t *testing.T) {
	dir := t.TempDir()
	// lr 0.5, wd 0.01: a = 5e-3, relaxation time about 1/(2a) = 100 steps;
	// 100 epochs of 16 steps, tail from step 816 on: the start's deviation
	// (ELR 0.0125 against 0.02) has decayed by exp(-8), below 1e-4.
	writeConventionalRun(t, dir, 0.5, 0.01, 100)
	var out, errb bytes.Buffer
	stdout, stderr = &out, &errb
	defer func() { stdout, stderr = os.Stdout, os.Stderr }()
	fig := filepath.Join(dir, "realised.svg")
	sumFile := filepath.Join(dir, "realised.json")
	if code := run([]string{"realised", "-in", filepath.Join(dir, "metrics.jsonl"), "-bands", "1e-5:conv,1e-2:chaos,1e-1:div",
		"-out", fig, "-summary", sumFile}); code != 0 {
		t.Fatalf("realised exit %d: %s", code, errb.String())
	}
	var s struct {
		A, C, Ratio float64
		ELRStar     float64 `json:"elr_star"`
		ELRTail     float64 `json:"elr_tail"`
		GRMSTail    float64 `json:"g_rms_tail"`
		ELRStarMean float64 `json:"elr_star_mean_norm"`
		TailEpochs  [2]int  `json:"tail_epochs"`
		Bands       []struct {
			From   float64
			To     *float64
			Regime string
		}
	}
	b, err := os.ReadFile(sumFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	// a = 0.5*0.01; c = sqrt(2a - a^2) = sqrt(0.009975) = 0.09987492;
	// realised ELR* = c/((1-a) G) = 0.09987492/(0.995*5) = 0.02007536.
	const wantStar = 0.020075361
	if s.A != 0.005 || !scalar.EqualWithinRel(s.C, 0.0998749218, 1e-9) || s.GRMSTail != 5 ||
		!scalar.EqualWithinRel(s.ELRStar, wantStar, 1e-7) || s.TailEpochs != [2]int{51, 100} {
		t.Errorf("summary %s", b)
	}
	// The recursion settles at the closed form: the measured tail ELR agrees
	// with it to 1e-4 (the decayed transient, see above).
	if !scalar.EqualWithinRel(s.ELRTail, s.ELRStar, 1e-4) || math.Abs(s.Ratio-1) > 1e-4 {
		t.Errorf("tail ELR %g, predicted %g (ratio %g)", s.ELRTail, s.ELRStar, s.Ratio)
	}
	// With the mean norm 4.8 in place of the RMS 5 the prediction is 5/4.8
	// times larger: the wrong G.
	if !scalar.EqualWithinRel(s.ELRStarMean, wantStar*5/4.8, 1e-7) {
		t.Errorf("prediction from the mean norm %g, want %g", s.ELRStarMean, wantStar*5/4.8)
	}
	if len(s.Bands) != 3 || s.Bands[0].Regime != "convergence" || *s.Bands[0].To != 1e-2 || s.Bands[2].To != nil || s.Bands[2].Regime != "divergence" {
		t.Errorf("bands %s", b)
	}
	if fi, err := os.Stat(fig); err != nil || fi.Size() == 0 {
		t.Errorf("figure: %v", err)
	}
	if !bytes.Equal(bytes.TrimSpace(out.Bytes()), bytes.TrimSpace(b)) {
		t.Errorf("printed summary differs from the file")
	}
}

func TestRealisedErrors(t *testing.T) {
	dir := t.TempDir()
	writeConventionalRun(t, dir, 0.5, 0.01, 4)
	sphere := t.TempDir()
	if err := writeJSONFile(filepath.Join(sphere, "config.json"), realnets.TrainConfig{ELR: 1e-3, Epochs: 1}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(sphere, "metrics.jsonl"), []byte("{\"epoch\":0,\"elr\":0.001}\n{\"epoch\":1,\"elr\":0.001}\n"), 0o644)
	in := filepath.Join(dir, "metrics.jsonl")
	out := filepath.Join(dir, "x.png")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-in", in}, "both -in and -out are required"},
		{[]string{"-in", in, "-out", out, "-bands", "1e-3"}, `"1e-3": want START:REGIME`},
		{[]string{"-in", in, "-out", out, "-bands", "1e-3:fast"}, `unknown regime "fast"`},
		{[]string{"-in", in, "-out", out, "-bands", "1e-3:1,1e-3:2"}, "two bands start at 0.001"},
		{[]string{"-in", in, "-out", out, "-tail", "0"}, "-tail 0"},
		{[]string{"-in", filepath.Join(sphere, "metrics.jsonl"), "-out", out}, "fixed ELR 0.001 on the sphere"},
		{[]string{"-in", filepath.Join(dir, "none.jsonl"), "-out", out}, "none.jsonl"},
	} {
		var errb bytes.Buffer
		stderr, stdout = &errb, &bytes.Buffer{}
		code := run(append([]string{"realised"}, tc.args...))
		stderr, stdout = os.Stderr, os.Stdout
		if code != wantExit(tc.want) || !strings.Contains(errb.String(), tc.want) || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("realised %v: exit %d, stderr %q, want one line with %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

// TestRealisedCommitted recomputes the summaries in testdata/conventional
// from the committed run metrics with the flags of its README.
func TestRealisedCommitted(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "conventional")
	if _, err := os.Stat(filepath.Join(src, "metrics.jsonl")); err != nil {
		t.Skip("no committed run")
	}
	dir := t.TempDir()
	for _, f := range []string{"config.json", "metrics.jsonl"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	defer func() { stdout, stderr = os.Stdout, os.Stderr }()
	for _, tc := range []struct{ summary, flag, bands string }{
		{"realised.json", "-bands-from", filepath.Join("..", "..", "testdata", "mnist", "summary.json")},
		{"realised-probe.json", "-bands", "1e-5:conv,1.4e-2:chaos,2.4e-2:div"},
	} {
		want, err := os.ReadFile(filepath.Join(src, tc.summary))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		stdout = &out
		if code := run([]string{"realised", "-in", filepath.Join(dir, "metrics.jsonl"), tc.flag, tc.bands,
			"-out", filepath.Join(dir, "r.svg")}); code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.summary, code, stderr.(*bytes.Buffer).String())
		}
		var g, w map[string]any
		json.Unmarshal(out.Bytes(), &g)
		json.Unmarshal(want, &w)
		delete(g, "in")
		delete(w, "in")
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		if len(w) == 0 || !bytes.Equal(gb, wb) {
			t.Errorf("%s: recomputed summary differs from the committed one:\n%s\n%s", tc.summary, gb, wb)
		}
	}
}
