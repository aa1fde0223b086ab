package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tinyGrid is a grid small enough for a test: the SI MLP of width 16 on
// 300 MNIST images, two PLRs, two FLRs, one seed, SWA over the last 2 of 3
// pre-training epochs, paths on 3 points.
func tinyGrid(out string) GridConfig {
	return GridConfig{Model: "mlp", Width: 16, Data: "mnist", Subset: 300, TestSubset: 200,
		PLRs: []float64{1e-3, 3e-2}, FLRs: []float64{1e-4, 1e-3}, Seeds: []uint64{1},
		PreEpochs: 3, FineEpochs: 1, SWAKs: []int{1, 2}, PathPoints: 2, Workers: 1, Out: out}
}

// TestGrid runs the tiny grid and checks its structure and the identities
// it must satisfy, then kills the same grid in a child process with SIGKILL
// while it fine-tunes, resumes it in this process, and requires grid.json
// to be byte-identical to the uninterrupted grid's.
func TestGrid(t *testing.T) {
	if dir := os.Getenv("REGIMES_GRID_CHILD"); dir != "" {
		Grid(context.Background(), tinyGrid(dir))
		return
	}
	if testing.Short() {
		t.Skip("trains 6 small runs twice, once in a child process")
	}
	ref := t.TempDir()
	res, err := Grid(context.Background(), tinyGrid(ref))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cells) != 2 || len(res.PLRs) != 2 {
		t.Fatalf("%d cells and %d PLR summaries, want 2 and 2", len(res.Cells), len(res.PLRs))
	}
	for _, c := range res.Cells {
		var names []string
		for _, s := range c.Solutions {
			names = append(names, s.Name)
			if !(s.TestErr >= 0 && s.TestErr <= 100) || !(s.TrainLoss > 0) {
				t.Errorf("PLR %g %s: metrics %+v", c.PLR, s.Name, s.PointMetrics)
			}
		}
		if got := fmt.Sprint(names); got != "[pre fine-0.0001 fine-0.001 swa-1 swa-2]" {
			t.Errorf("PLR %g: solutions %s", c.PLR, got)
		}
		// SWA over one checkpoint is the pre-training end point itself.
		if a, b := c.solution("pre"), c.solution("swa-1"); a.TestErr != b.TestErr || math.Abs(a.TrainLoss-b.TrainLoss) > 1e-6*a.TrainLoss {
			t.Errorf("PLR %g: swa-1 %+v differs from pre %+v", c.PLR, b, a)
		}
		if len(c.Pairs) != 3 {
			t.Fatalf("PLR %g: %d pairs, want 3", c.PLR, len(c.Pairs))
		}
		for _, p := range c.Pairs {
			if !(p.Angle > 0 && p.Angle < math.Pi) || p.Linear.TestErr < 0 || p.GreatCircle.TestErr < 0 || len(p.Linear.Points) != 3 {
				t.Errorf("PLR %g pair %s|%s: angle %v, barriers %v %v", c.PLR, p.A, p.B, p.Angle, p.Linear.TestErr, p.GreatCircle.TestErr)
			}
			// The ends of both paths are the solutions themselves.
			if e := p.Linear.Points[0].TestErr; e != c.solution(p.A).TestErr || p.GreatCircle.Points[2].TestErr != c.solution(p.B).TestErr {
				t.Errorf("PLR %g pair %s|%s: path ends %v, %v differ from the solutions'", c.PLR, p.A, p.B, e, p.GreatCircle.Points[2].TestErr)
			}
		}
	}
	for _, ext := range []string{".png", ".svg"} {
		if st, err := os.Stat(filepath.Join(ref, "grid"+ext)); err != nil || st.Size() == 0 {
			t.Errorf("no figure grid%s: %v", ext, err)
		}
	}
	for _, g := range res.PLRs {
		if g.Label == "" || g.Why == "" {
			t.Errorf("PLR %g: no label", g.PLR)
		}
		t.Logf("PLR %g: %s (%s)", g.PLR, g.Label, g.Why)
	}

	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestGrid$")
	cmd.Env = append(os.Environ(), "REGIMES_GRID_CHILD="+dir)
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a child: %v", err)
	}
	// Kill while the second cell's first fine-tuning run is training.
	trigger := filepath.Join(dir, "seed-1", "plr-0.03", "fine-0.0001", "config.json")
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(trigger); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child was not killed: %v", cmd.ProcessState)
	}
	if _, err := os.Stat(filepath.Join(dir, "grid.json")); err == nil {
		t.Fatal("the child finished before it was killed")
	}
	if _, err := Grid(context.Background(), tinyGrid(dir)); err != nil {
		t.Fatalf("resuming the killed grid: %v", err)
	}
	a, _ := os.ReadFile(filepath.Join(ref, "grid.json"))
	b, _ := os.ReadFile(filepath.Join(dir, "grid.json"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("grid.json after kill -9 and resume differs from the uninterrupted grid's (%d and %d bytes)", len(b), len(a))
	}
}

// ExampleGrid runs the grid protocol on a tiny configuration (the SI MLP of
// width 16 on 300 MNIST images): one PLR, two FLRs, SWA over the last two
// of three pre-training epochs, paths evaluated at alpha = 0, 1/2, 1.
func ExampleGrid() {
	dir, err := os.MkdirTemp("", "grid")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	cfg := tinyGrid(dir)
	cfg.PLRs, cfg.SWAKs = []float64{3e-2}, []int{2}
	res, err := Grid(context.Background(), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := res.Cells[0]
	var names []string
	for _, s := range c.Solutions {
		names = append(names, s.Name)
	}
	fmt.Println(strings.Join(names, " "))
	for _, p := range c.Pairs {
		fmt.Printf("%s | %s: %d points on each path\n", p.A, p.B, len(p.Linear.Points))
	}
	fmt.Println("label of PLR 0.03:", res.PLRs[0].Label)
	// Output:
	// pre fine-0.0001 fine-0.001 swa-2
	// fine-0.0001 | fine-0.001: 3 points on each path
	// fine-0.0001 | swa-2: 3 points on each path
	// fine-0.001 | swa-2: 3 points on each path
	// label of PLR 0.03: 2
}

// TestGridCommitted re-reads the committed MNIST grid (testdata/grid-mnist,
// README "The grid protocol on MNIST") and requires its labels and their
// reasons to follow from its cells by the rule of SCIENCE.md section 11.5.
func TestGridCommitted(t *testing.T) {
	b, err := os.ReadFile("../testdata/grid-mnist/grid.json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Config GridConfig `json:"config"`
		Cells  []GridCell `json:"cells"`
		PLRs   []struct {
			PLR   float64 `json:"plr"`
			Label string  `json:"label"`
			Why   string  `json:"why"`
		} `json:"by_plr"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	got := summariseGrid(res.Config, res.Cells)
	var labels []string
	for i, g := range got {
		labels = append(labels, g.Label)
		if g.Label != res.PLRs[i].Label || g.Why != res.PLRs[i].Why {
			t.Errorf("PLR %g: %s (%s) from the cells, committed %s (%s)", g.PLR, g.Label, g.Why, res.PLRs[i].Label, res.PLRs[i].Why)
		}
	}
	if s := strings.Join(labels, " "); s != "1 1 2B 2B 3" {
		t.Errorf("labels %s, the README says 1 1 2B 2B 3", s)
	}
}
