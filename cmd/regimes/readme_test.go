package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/regimes/regimes/plots"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite testdata/readme.golden from the current code")

// readmeSteps are the README's example commands, in order (later ones read
// what earlier ones wrote). $DIR is a fresh folder, $ROOT the repository.
// Where a README example trains for minutes, a tiny version of the same
// command stands in for it (marked "tiny"); the finetune and realised
// examples run on the committed results exactly as the README gives them.
var readmeSteps = []string{
	"help",
	"theory -toy lsq -batch 4",
	"theory -toy lsq -data $ROOT/testdata/lsq8x24.csv -batch 4",
	"theory -toy circle -lambda 1 -elr 2.5",
	"theory -toy vmf -d 3 -mu 1 -sigma 1 -elr 0.1",
	"simulate -toy lsq -batch 1 -elr 2.2 -steps 50000 -seed 1 -out $DIR/run1",
	"simulate -toy lsq -n 8 -d 24 -data-seed 7 -batch 4 -elr 6 -steps 20000 -out $DIR/run2",
	"simulate -toy lsq -lr 0.1 -wd 5e-4 -momentum 0.9 -steps 100000 -out $DIR/conv1",
	"analyze $DIR/run1/trajectory.csv",
	"analyze -loss train_loss -grad grad_norm -angle angular_update -random-level 2.302585 $DIR/mylog.csv",
	"sweep plan -out $DIR/sw -elr-min 0.5 -elr-max 50 -elr-points 12 -param batch -values 1,2,4,8 -seeds 2 -steps 20000 -lyapunov-steps 1000",
	"sweep run -plan $DIR/sw/plan.json",
	"sweep merge -plan $DIR/sw/plan.json",
	"plot phase -in $DIR/sw/results.jsonl -out $DIR/phase.png",
	"sweep plan -net -model convnet -width 8 -data mnist -subset 2000 -epochs 20 -elr-min 1e-5 -elr-max 1 -elr-points 13 -param none -seeds 1 -out $DIR/nsw",
	"compare $DIR/run1/trajectory.csv $ROOT/testdata/golden/regime2_lsq_elr2.2.json",
	"plot panels -in $DIR/run1/trajectory.csv,$DIR/run2/trajectory.csv -out $DIR/panels.svg -embed-fonts",
	"plot panels -in $ROOT/testdata/mnist/figures/data/elr-04.jsonl,$ROOT/testdata/mnist/figures/data/elr-06.jsonl -out $DIR/panels.png",
	"demo -out $DIR/regimes-demo -workers 2",
	"plot thresholds -in $DIR/regimes-demo/thresholds.csv -out $DIR/thresholds.pdf",
	"plot lyapunov -in $DIR/regimes-demo/lyapunov.csv -out $DIR/lyapunov.png",
	"plot stationary -in $DIR/regimes-demo/vmf.csv -out $DIR/vmf.png",
	"plot bifurcation -in $DIR/regimes-demo/bifurcation.csv -out $DIR/bifurcation.png",
	"conventional -lr 1 -wd 1e-3 -batch 4 -steps 40000 -out $DIR/conv-periodic",
	"conventional -lr 0.3 -wd 0.1 -batch 1 -steps 20000 -out $DIR/conv-stable",
	"reproduce mnist -out $DIR/mnist-repro -quick", // tiny
	"finetune -model convnet -width 8 -data mnist -subset 2000 -test-subset 2000 -pre-elr 1.4e-2 -fine-elr 3e-3 -pre-epochs 10 -fine-epochs 10 -baseline-elrs 1e-3,3e-3,1e-2 -seeds 3 -out $DIR/ft",
	"realised -in ../../testdata/conventional/metrics.jsonl -bands-from ../../testdata/mnist/summary.json -out $DIR/realised.png",        // relative: the figure names the file
	"train -model convnet -width 4 -data mnist -subset 256 -test-subset 100 -elr 1e-3 -epochs 2 -seed 1 -out $DIR/runs/c8",               // tiny
	"train -model mlp -width 32 -data mnist -subset 256 -test-subset 100 -lr 0.1 -wd 5e-4 -momentum 0.9 -epochs 2 -out $DIR/runs/mlp-wd", // tiny
	"train -resume -out $DIR/runs/c8 -epochs 3",
	"train -from $DIR/runs/c8/epoch-000002.ckpt -elr 1e-5 -epochs 1 -out $DIR/runs/c8-ft",
}

// readmeNoise are the parts of the output that change from run to run: wall
// times and elapsed seconds.
var readmeNoise = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`"(wall_time|train_time)": ?-?[0-9.e+-]+`), `"$1": T`},
	{regexp.MustCompile(`\[ *[0-9.]+s\]`), `[Ts]`},
	{regexp.MustCompile(`\([0-9.]+ s\)`), `(T s)`},
	{regexp.MustCompile(`<dt>(Creation Time|Machine)</dt><dd>[^<]*</dd>`), `<dt>$1</dt><dd>T</dd>`},
	{regexp.MustCompile(`elapsed [0-9hms]+, ETA [0-9a-z]+`), `elapsed T, ETA T`},
}

// pdfDates are the creation and modification dates of a PDF.
var pdfDates = regexp.MustCompile(`\(D:[0-9]+\)`)

func readmeNormalize(s, dir, root string) string {
	s = strings.ReplaceAll(s, dir, "$DIR")
	s = strings.ReplaceAll(s, root, "$ROOT")
	for _, n := range readmeNoise {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

// TestReadmeExamples runs the README's example commands and compares their
// exit codes, standard output and error and the files they write with
// testdata/readme.golden, written by the code before the redesign moved the
// science out of this package (go test -run TestReadmeExamples
// -update-readme rewrites it).
func TestReadmeExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every README example: about a minute")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The finetune example runs on the committed comparison; the copied
	// files are inputs, listed below only if a command changed them.
	if err := os.CopyFS(filepath.Join(dir, "ft"), os.DirFS(filepath.Join(root, "testdata", "finetune"))); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][32]byte{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if b, rerr := os.ReadFile(path); err == nil && !d.IsDir() && rerr == nil {
			inputs[path] = sha256.Sum256(b)
		}
		return nil
	})
	var golden bytes.Buffer
	for _, step := range readmeSteps {
		if strings.HasPrefix(step, "analyze -loss") {
			// The README's own line makes the log with other column names.
			sh := exec.Command("sh", "-c", readmeShellLine(t, "sed "))
			sh.Dir = dir
			if out, err := sh.CombinedOutput(); err != nil {
				t.Fatalf("the README's sed line: %v %s", err, out)
			}
		}
		args := strings.Fields(strings.NewReplacer("$DIR", dir, "$ROOT", root).Replace(step))
		code, out, e := runCmd(t, args...)
		fmt.Fprintf(&golden, "$ regimes %s\nexit %d\n%s", step, code, readmeNormalize(out, dir, root))
		if e != "" {
			fmt.Fprintf(&golden, "stderr:\n%s", readmeNormalize(e, dir, root))
		}
		golden.WriteString("\n")
	}
	for _, c := range commands {
		_, out, _ := runCmd(t, "help", c.Name())
		fmt.Fprintf(&golden, "$ regimes help %s\n%s\n", c.Name(), out)
	}
	golden.WriteString("files:\n")
	var names []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return nil
	})
	sort.Strings(names)
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, name)
		if h, ok := inputs[name]; ok && h == sha256.Sum256(b) {
			continue // a committed input, unchanged
		}
		if filepath.Base(name) == "manifest.json" {
			// A run folder's manifest holds the hashes of files with wall
			// times; the files themselves are compared.
			fmt.Fprintf(&golden, "manifest %s\n", rel)
			continue
		}
		switch filepath.Ext(name) {
		case ".ckpt":
			// Checkpoints hold the wall time of the run; the metrics
			// beside them hold the numbers.
			fmt.Fprintf(&golden, "checkpoint %s\n", rel)
			continue
		case ".pdf":
			b = pdfDates.ReplaceAll(b, []byte("(D:T)"))
		case ".png", ".svg":
			// Figures record the command line that made them, with this
			// run's temporary folder: compare them without it.
			b = plots.StripProvenance(b)
		case ".csv":
			b = []byte(readmeNormalize(blankTimeColumns(string(b)), dir, root))
		case ".json", ".jsonl", ".html":
			b = []byte(readmeNormalize(string(b), dir, root))
		}
		h := sha256.Sum256(b)
		fmt.Fprintf(&golden, "%s %s\n", hex.EncodeToString(h[:8]), rel)
	}
	name := filepath.Join("testdata", "readme.golden")
	if *updateReadme {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, golden.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if got := golden.String(); got != string(want) {
		os.WriteFile(filepath.Join(os.TempDir(), "readme.got"), golden.Bytes(), 0o644)
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		n := 0
		for i := 0; (i < len(gl) || i < len(wl)) && n < 20; i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("line %d differs from %s:\n got: %s\nwant: %s", i+1, name, g, w)
				n++
			}
		}
	}
}

// blankTimeColumns blanks the cells of CSV columns whose name ends in
// wall_time or train_time.
func blankTimeColumns(s string) string {
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil || len(recs) == 0 {
		return s
	}
	var cols []int
	for i, h := range recs[0] {
		if strings.HasSuffix(h, "wall_time") || strings.HasSuffix(h, "train_time") {
			cols = append(cols, i)
		}
	}
	if len(cols) == 0 {
		return s
	}
	for _, r := range recs[1:] {
		for _, i := range cols {
			if i < len(r) {
				r[i] = "T"
			}
		}
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.WriteAll(recs)
	return b.String()
}

// readmeShellLine returns the README's code line that starts with prefix
// (a shell command the examples need).
func readmeShellLine(t *testing.T, prefix string) string {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no README line starts with %q", prefix)
	return ""
}
