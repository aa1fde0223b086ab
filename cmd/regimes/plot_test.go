package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plotCmd runs "regimes plot ARGS" with captured output.
func plotCmd(t *testing.T, args ...string) (code int, out, errOut string) {
	t.Helper()
	return runCmd(t, append([]string{"plot"}, args...)...)
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// decodePNG checks that name is a PNG of the size implied by 5 x 3 inches
// at dpi (or the panels' 6.5 x 4.5 inches when wide).
func decodePNG(t *testing.T, name string, w, h int) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if cfg.Width != w || cfg.Height != h {
		t.Errorf("%s: %dx%d pixels, want %dx%d", name, cfg.Width, cfg.Height, w, h)
	}
}

func TestPlotKinds(t *testing.T) {
	dir := t.TempDir()
	toyA := writeFile(t, dir, "a.csv", "step,loss,batch_loss,grad_norm,batch_grad_norm,angle,elr,norm\n"+
		"0,0.5,0.5,0.3,0.3,0.1,0.01,1\n1,0.2,0.2,0.2,0.2,0.1,0.01,1\n2,0,0,0.1,0.1,0.1,0.01,1\n")
	toyB := writeFile(t, dir, "b.csv", "step,loss,batch_loss,grad_norm,batch_grad_norm,angle,elr,norm\n"+
		"0,0.5,0.5,0.3,0.3,0.1,0.1,1\n1,0.4,0.4,0.3,0.3,0.1,0.1,1\n2,0.4,0.4,0.3,0.3,0.1,0.1,1\n")
	net := writeFile(t, dir, "n.jsonl", `{"epoch":1,"train_loss":2.0,"test_error":80,"grad_norm_mean":1.0,"elr":0.001}
{"epoch":2,"train_loss":1.0,"test_error":50,"grad_norm_mean":0.8,"elr":0.001}
`)
	// A run whose gradient pass was skipped at epoch 2 (-grad-metrics log).
	netLog := writeFile(t, dir, "nl.jsonl", `{"epoch":1,"train_loss":2.0,"test_error":80,"grad_norm_mean":1.0,"elr":0.001}
{"epoch":2,"train_loss":1.5,"test_error":60,"grad_norm_mean":null,"elr":0.001}
{"epoch":3,"train_loss":1.0,"test_error":50,"grad_norm_mean":0.8,"elr":0.001}
`)
	sweep := writeFile(t, dir, "s.jsonl", `{"index":0,"elr":0.5,"param":"b","value":1,"seed":1,"summary":{"loss_mean":0.01},"regime":"convergence","lyapunov":-0.1,"theory":{"gd_threshold":2,"ms_threshold":1}}
{"index":1,"elr":5,"param":"b","value":1,"seed":1,"summary":{"loss_mean":0.05},"regime":"chaotic equilibrium","lyapunov":0.01,"theory":{"gd_threshold":2,"ms_threshold":1}}
{"index":2,"elr":0.5,"param":"b","value":4,"seed":1,"summary":{"loss_mean":0.001},"regime":"convergence","lyapunov":-0.2,"theory":{"gd_threshold":2,"ms_threshold":1.6}}
{"index":3,"elr":5,"param":"b","value":4,"seed":1,"error":"diverged to NaN"}
`)
	// Two seeds of one cell that disagree on the regime.
	seeds := writeFile(t, dir, "seeds.jsonl", `{"index":0,"elr":0.5,"param":"b","value":1,"seed":1,"summary":{"loss_mean":0.01},"regime":"convergence"}
{"index":1,"elr":0.5,"param":"b","value":1,"seed":2,"summary":{"loss_mean":0.03},"regime":"divergence"}
{"index":2,"elr":5,"param":"b","value":1,"seed":1,"summary":{"loss_mean":0.05},"regime":"divergence"}
{"index":3,"elr":5,"param":"b","value":1,"seed":2,"summary":{"loss_mean":0.05},"regime":"divergence"}
`)
	thr := writeFile(t, dir, "t.csv", "b,gd,ms,as,as_lo,as_hi,converged,diverged\n1,2,1,1,0.9,1.1,,1.2\n4,2,1.6,1.8,1.7,1.9,1.5,2\n")
	lya := writeFile(t, dir, "l.csv", "elr,exponent,lo,hi,regime\n0.5,-0.1,-0.12,-0.08,convergence\n2,-0.01,-0.02,0,convergence\n5,0.01,0.005,0.015,chaotic equilibrium\n50,0.02,0.01,0.03,divergence\n")
	sta := writeFile(t, dir, "st.csv", "elr,mean,lo,hi,two_cycle\n2.5,0.05,0.045,0.055,0.05\n3,,,,0.0833\n5,0.15,0.14,0.16,0.15\n")
	bif := writeFile(t, dir, "bi.csv", "x,y,branch\n1,0,\n3,0.42,0.42\n3,-0.42,\n")
	for _, tc := range []struct {
		kind, in   string
		extra      []string
		w, h       int    // pixels at -dpi 40
		wantStderr string // a substring of the skip report, if any
	}{
		{"panels", toyA + "," + toyB, nil, 260, 180, "x <= 0 on a log axis"},
		{"panels", net, nil, 260, 180, ""},
		{"panels", netLog, nil, 260, 180, "point 1 (x=2, y=NaN) skipped: non-finite y"},
		{"phase", sweep, nil, 200, 120, "run failed"},
		{"phase", sweep, []string{"-metric", "lyapunov"}, 200, 120, "run failed"},
		{"phase", seeds, nil, 200, 120, "cell (elr 0.5, b 1): seeds disagree on the regime; drawn undetermined"},
		{"phase", sweep, []string{"-metric", "loss_mean", "-log-color"}, 200, 120, "run failed"},
		{"thresholds", thr, nil, 200, 120, ""},
		{"lyapunov", lya, nil, 200, 120, ""},
		{"stationary", sta, []string{"-random", "0.25"}, 200, 120, ""},
		{"bifurcation", bif, nil, 200, 120, ""},
	} {
		out := filepath.Join(dir, tc.kind+".png")
		os.Remove(out)
		args := append([]string{tc.kind, "-in", tc.in, "-out", out, "-dpi", "40"}, tc.extra...)
		code, _, errOut := plotCmd(t, args...)
		if code != 0 {
			t.Errorf("plot %v: exit %d: %s", args, code, errOut)
			continue
		}
		if tc.wantStderr != "" && !strings.Contains(errOut, tc.wantStderr) {
			t.Errorf("plot %v: stderr %q lacks %q", args, errOut, tc.wantStderr)
		}
		if tc.wantStderr == "" && errOut != "" {
			t.Errorf("plot %v: unexpected stderr %q", args, errOut)
		}
		decodePNG(t, out, tc.w, tc.h)
	}
	// SVG with embedded fonts.
	out := filepath.Join(dir, "t.svg")
	if code, _, e := plotCmd(t, "thresholds", "-in", thr, "-out", out, "-embed-fonts"); code != 0 {
		t.Fatalf("svg: exit %d: %s", code, e)
	}
	if b, _ := os.ReadFile(out); !bytes.Contains(b, []byte("@font-face")) {
		t.Errorf("SVG with -embed-fonts has no @font-face")
	}
}

func TestPlotBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.csv", "elr,mean\n1,0.1\n2,abc\n")
	noCol := writeFile(t, dir, "nocol.csv", "elr,avg\n1,0.1\n")
	badRegime := writeFile(t, dir, "r.csv", "elr,exponent,regime\n1,0.1,banana\n")
	out := filepath.Join(dir, "x.png")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"stationary", "-in", bad, "-out", out}, "bad.csv:3: column \"mean\": \"abc\" is not a number"},
		{[]string{"stationary", "-in", noCol, "-out", out}, "missing column \"mean\""},
		{[]string{"lyapunov", "-in", badRegime, "-out", out}, "r.csv:2: unknown regime \"banana\""},
		{[]string{"stationary", "-in", bad, "-out", filepath.Join(dir, "x.jpg")}, "want a .png, .svg or .pdf file"},
		{[]string{"pie", "-in", bad, "-out", out}, "unknown KIND \"pie\""},
		{[]string{"stationary", "-out", out}, "-in and -out are required"},
		{[]string{"stationary", "-in", filepath.Join(dir, "missing.csv"), "-out", out}, "missing.csv"},
	} {
		code, _, errOut := plotCmd(t, tc.args...)
		if code != wantExit(tc.want) {
			t.Errorf("%v: exit %d, want %d", tc.args, code, wantExit(tc.want))
		}
		if !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: stderr %q, want one line containing %q", tc.args, errOut, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%v: output written despite the error", tc.args)
		}
	}
}
