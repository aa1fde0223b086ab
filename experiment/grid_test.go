package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/sweep"
)

// tinyGrid is a grid small enough for a test: the SI MLP of width 16 on
// 300 MNIST images, two PLRs, two FLRs, one seed, SWA over the last 2 of 3
// pre-training epochs, paths on 3 points.
func tinyGrid(out string) GridConfig {
	return GridConfig{Network: Network{Model: "mlp", Width: 16, Data: "mnist", Subset: 300, TestSubset: 200, Workers: 1},
		PLRs: []float64{1e-3, 3e-2}, FLRs: []float64{1e-4, 1e-3}, Seeds: []uint64{1},
		PreEpochs: 3, FineEpochs: 1, SWAKs: []int{1, 2}, PathPoints: 2, Out: out}
}

// TestGrid runs the tiny grid and checks its structure and the identities
// it must satisfy; then runs it as a sharded sweep (testGridSharded) and
// kills it with SIGKILL at several stages (testGridKill), both required to
// reach a grid.json byte-identical to the uninterrupted grid's.
func TestGrid(t *testing.T) {
	if dir := os.Getenv("REGIMES_GRID_CHILD"); dir != "" {
		if _, err := Grid(context.Background(), tinyGrid(dir)); err != nil {
			fmt.Fprintln(os.Stderr, "grid child:", err)
			os.Exit(2)
		}
		return
	}
	if testing.Short() {
		t.Skip("trains 6 small runs twice, once in a child process")
	}
	ref := t.TempDir()
	cfg := tinyGrid(ref)
	var log bytes.Buffer
	cfg.Progress = &log // not a terminal: a line per epoch, evaluation and cell
	res, err := Grid(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Per cell: 3 pre-training and 2 fine-tuning epochs, 5 solutions, 3
	// pairs of 2 paths, and the cell itself.
	checkGridLog(t, log.String(), 2*(5+5+6+1))
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

	t.Run("sharded", func(t *testing.T) { testGridSharded(t, ref) })
	t.Run("kill", func(t *testing.T) { testGridKill(t, ref) })
	t.Run("committed", func(t *testing.T) { testGridCommitted(t, ref) })
}

// testGridCommitted copies the grid in ref the way testdata/grid-mnist is
// committed (every file but the checkpoints and lock files) and requires a
// rerun to reuse every cell and write the same grid.json; without the
// point files the rerun needs the checkpoints and says which it misses.
func testGridCommitted(t *testing.T, ref string) {
	dir := t.TempDir()
	err := filepath.WalkDir(ref, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".ckpt") || strings.HasSuffix(path, ".lock") {
			return err
		}
		rel, _ := filepath.Rel(ref, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Grid(context.Background(), tinyGrid(dir)); err != nil {
		t.Fatalf("rerun on the committed files: %v", err)
	}
	want, _ := os.ReadFile(filepath.Join(ref, "grid.json"))
	if got, _ := os.ReadFile(filepath.Join(dir, "grid.json")); !bytes.Equal(got, want) {
		t.Error("the rerun on the committed files changed grid.json")
	}
	if err := os.RemoveAll(filepath.Join(dir, "points")); err != nil {
		t.Fatal(err)
	}
	_, err = Grid(context.Background(), tinyGrid(dir))
	if err == nil || !strings.Contains(err.Error(), "has no checkpoint epoch-") || !strings.Contains(err.Error(), "to retrain it") {
		t.Errorf("rerun without point files or checkpoints: %v, want the missing checkpoint named", err)
	}
}

// testGridSharded runs the tiny grid as a sharded sweep, its two shards
// taken from a Kubernetes and a Slurm array environment, with two trainer
// goroutines instead of one and into two point folders, and requires the
// merged grid.json to be byte-identical to the single-process grid's in
// ref; the merge refuses the grid while a cell is missing, and -partial
// summarises the cells there are.
func testGridSharded(t *testing.T, ref string) {
	dir := t.TempDir()
	cfg := tinyGrid(dir)
	cfg.Workers = 2
	p, err := NewGridPlan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !IsGridPlan(p) || IsNetPlan(p) || len(p.Points) != 2 {
		t.Fatalf("grid plan: IsGridPlan %v, IsNetPlan %v, %d points", IsGridPlan(p), IsNetPlan(p), len(p.Points))
	}
	if err := WriteGridPlan(dir, p); err != nil {
		t.Fatal(err)
	}
	// The file round trip of a cluster's shards.
	if p, err = sweep.ReadPlan(filepath.Join(dir, "plan.json")); err != nil {
		t.Fatal(err)
	}
	envs := []map[string]string{
		{"JOB_COMPLETION_INDEX": "1"},
		{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "2"},
	}
	var dirs []string
	for i, env := range envs {
		sh, err := sweep.ChooseShard("", func(k string) string { return env[k] }, 0)
		if i == 0 {
			sh, err = sweep.ChooseShard("", func(k string) string { return env[k] }, 2)
		}
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 - i; sh.Index != want || sh.Count != 2 {
			t.Fatalf("shard %v from %v, want %d/2", sh, env, want)
		}
		pts := filepath.Join(dir, fmt.Sprintf("points-%d", sh.Index))
		dirs = append(dirs, pts)
		n, err := sweep.RunShard(context.Background(), p, sh, pts, 1, GridRunner(dir, 2, nil), nil)
		if err != nil || n != 1 {
			t.Fatalf("shard %v: ran %d cells, %v; want 1", sh, n, err)
		}
		if i == 0 {
			var miss *MissingError
			if _, err := MergeGrid(p, dirs, dir, false, nil); !errors.As(err, &miss) || len(miss.Missing) != 1 || miss.Missing[0] != 0 {
				t.Fatalf("merging one of two shards: %v, want cell 0 missing", err)
			}
			res, err := MergeGrid(p, dirs, dir, true, nil)
			if err != nil || len(res.Cells) != 1 || res.Cells[0].PLR != 3e-2 {
				t.Fatalf("partial merge: %v", err)
			}
		}
	}
	if _, err := MergeGrid(p, dirs, dir, false, nil); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(ref, "grid.json"))
	b, _ := os.ReadFile(filepath.Join(dir, "grid.json"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the sharded grid's grid.json differs from the single-process grid's (%d and %d bytes)", len(b), len(a))
	}
	// Another grid in the same folder is refused, not mixed.
	cfg.PLRs = []float64{1e-3}
	q, _ := NewGridPlan(cfg)
	if err := WriteGridPlan(dir, q); err == nil || !strings.Contains(err.Error(), "another grid") {
		t.Errorf("writing another grid's plan over a grid: %v", err)
	}
}

// testGridKill kills the tiny grid, run by a child process, with SIGKILL
// at six stages in turn (each child resuming what the last left): while
// the first cell pre-trains, between its checkpoint epochs, while it
// fine-tunes, when the second cell starts, while that fine-tunes, and
// while it evaluates (or just after); then resumes it in this process and
// requires grid.json to be byte-identical to the uninterrupted grid's in
// ref, with no lock or temporary file left.
func testGridKill(t *testing.T, ref string) {
	dir := t.TempDir()
	stages := []string{
		"seed-1/plr-0.001/pre/config.json",
		"seed-1/plr-0.001/pre/epoch-000002.ckpt",
		"seed-1/plr-0.001/fine-0.001/config.json",
		"points/point-000000.json",
		"seed-1/plr-0.03/fine-0.0001/config.json",
		"seed-1/plr-0.03/fine-0.001/epoch-000001.ckpt",
	}
	killed := 0
	for i, stage := range stages {
		trigger := filepath.Join(dir, stage)
		if _, err := os.Stat(trigger); err == nil {
			t.Logf("stage %d (%s): already passed by the last child", i, stage)
			continue
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestGrid$")
		cmd.Env = append(os.Environ(), "REGIMES_GRID_CHILD="+dir)
		var childErr bytes.Buffer
		cmd.Stderr = &childErr
		if err := cmd.Start(); err != nil {
			t.Skipf("cannot start a child: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		deadline := time.After(120 * time.Second)
	wait:
		for {
			select {
			case <-exited:
				break wait
			case <-deadline:
				break wait
			default:
			}
			if _, err := os.Stat(trigger); err == nil {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			killed++
			continue
		}
		// Under load the child can finish between the trigger and the
		// kill; the count below still asks for nearly every stage killed.
		t.Logf("stage %d (%s): the child finished (%v) before the kill arrived %s", i, stage, cmd.ProcessState, childErr.Bytes())
	}
	if killed < len(stages)-2 {
		t.Fatalf("%d of %d stages killed a child", killed, len(stages))
	}
	if _, err := Grid(context.Background(), tinyGrid(dir)); err != nil {
		t.Fatalf("resuming the killed grid: %v", err)
	}
	a, _ := os.ReadFile(filepath.Join(ref, "grid.json"))
	b, _ := os.ReadFile(filepath.Join(dir, "grid.json"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("grid.json after %d kills (kill -9) and resumes differs from the uninterrupted grid's (%d and %d bytes)", killed, len(b), len(a))
	}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(path, ".lock") || strings.Contains(d.Name(), ".tmp")) {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
	t.Logf("%d kills at %d stages, resumed to the same grid.json", killed, len(stages))
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

// TestGridBands checks the bands of labelled PLRs: sorted, adjoining at
// the geometric midpoints, as wide beyond the ends as half a step, 2B pale,
// neighbours of one label merged.
func TestGridBands(t *testing.T) {
	bs := GridBands([]GridPLR{{PLR: 1e-1, Label: "3"}, {PLR: 1e-3, Label: "1"}, {PLR: 1e-2, Label: "2A"}, {PLR: 3e-2, Label: "2B"}})
	want := []struct {
		from, to float64
		label    string
		pale     bool
	}{
		{1e-3 / math.Sqrt(10), math.Sqrt(1e-5), "regime 1", false},
		{math.Sqrt(1e-5), math.Sqrt(3e-4), "regime 2A", false},
		{math.Sqrt(3e-4), math.Sqrt(3e-3), "regime 2B", true},
		{math.Sqrt(3e-3), 1e-1 * math.Sqrt(1e-1/3e-2), "regime 3", false},
	}
	if len(bs) != len(want) {
		t.Fatalf("%d bands, want %d", len(bs), len(want))
	}
	for i, w := range want {
		b := bs[i]
		if math.Abs(b.From/w.from-1) > 1e-12 || math.Abs(b.To/w.to-1) > 1e-12 || b.Label != w.label || b.Pale != w.pale {
			t.Errorf("band %d: %+v, want %+v", i, b, w)
		}
	}
	// Neighbours of one label make one band.
	if two := GridBands([]GridPLR{{PLR: 1e-3, Label: "1"}, {PLR: 1e-2, Label: "1"}, {PLR: 1e-1, Label: "3"}}); len(two) != 2 ||
		math.Abs(two[0].From/(1e-3/math.Sqrt(10))-1) > 1e-12 || math.Abs(two[0].To/math.Sqrt(1e-3)-1) > 1e-12 || two[1].Label != "regime 3" {
		t.Errorf("bands of 1, 1, 3: %+v, want regime 1 from 10^-3.5 to 10^-1.5, then regime 3", two)
	}
	if one := GridBands([]GridPLR{{PLR: 1e-2, Label: "2"}}); len(one) != 1 || math.Abs(one[0].To/one[0].From-2.25) > 1e-12 {
		t.Errorf("a single PLR's band %+v, want a factor 1.5 either side", one)
	}
}

// checkGridLog checks a grid's progress off a terminal: n lines, each with
// the cell, its share done, the elapsed time and an ETA, the share never
// decreasing and the last line the end.
func checkGridLog(t *testing.T, log string, n int) {
	t.Helper()
	line := regexp.MustCompile(`^grid: cell ([12])/2 \((\d+)%\), elapsed [0-9hms]+, ETA ([0-9hms]+|unknown), (done, seed 1, PLR 0\.0(01|3)|seed 1, PLR 0\.0(01|3): .+)$`)
	var kept []string
	for _, l := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		if !strings.HasPrefix(l, "grid: figure:") {
			kept = append(kept, l)
		}
	}
	if len(kept) != n {
		t.Errorf("%d progress lines, want %d:\n%s", len(kept), n, log)
	}
	last := -1
	for i, l := range kept {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line %d %q is not a progress line", i+1, l)
			continue
		}
		pct, _ := strconv.Atoi(m[2])
		if pct < last {
			t.Errorf("line %d %q: share down from %d%%", i+1, l, last)
		}
		last = pct
	}
	if end := kept[len(kept)-1]; !strings.HasPrefix(end, "grid: cell 2/2 (100%)") || !strings.Contains(end, "ETA 0s, done, seed 1, PLR 0.03") {
		t.Errorf("last line %q: want cell 2/2 done", end)
	}
	if !strings.Contains(log, "pre-training epoch 3/3, train loss") || !strings.Contains(log, "fine-tuning at FLR 0.001 epoch 1/1") || !strings.Contains(log, "great-circle path") {
		t.Errorf("the log lacks the epochs or the paths:\n%s", log)
	}
}

// TestGridHeld: a grid whose cells another runner holds (their point
// locks taken, here by this process) trains nothing and says which process
// holds which cell, instead of "no result yet".
func TestGridHeld(t *testing.T) {
	dir := t.TempDir()
	cfg := tinyGrid(dir)
	p, err := NewGridPlan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Points {
		name := strings.TrimSuffix(sweep.PointFile(filepath.Join(dir, "points"), i), ".json") + ".lock"
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		unlock, held, err := fileio.TryLock(name)
		if err != nil || !held {
			t.Fatal(held, err)
		}
		defer unlock()
	}
	_, err = Grid(context.Background(), cfg)
	want := fmt.Sprintf("grid cell 0 (seed 1, PLR 0.001) is being run by another process, pid %d (", os.Getpid())
	if err == nil || (runtime.GOOS == "linux" && !strings.Contains(err.Error(), want)) {
		t.Fatalf("a grid whose cells are held: %v, want %q...", err, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "seed-1")); err == nil {
		t.Errorf("trained a held cell")
	}
}

// TestGridFigureDodge checks that the series drawn at one PLR are spread
// sideways to distinct positions, all inside that PLR's band.
func TestGridFigureDodge(t *testing.T) {
	plrs := []GridPLR{{PLR: 1e-3, Label: "1"}, {PLR: 1e-2, Label: "2B"}, {PLR: 3e-2, Label: "3"}}
	step := gridDodge(plrs)
	if want := 0.6 * math.Log(3); math.Abs(step-want) > 1e-12 {
		t.Fatalf("spread %v, want %v (60%% of the narrowest band, a factor 3)", step, want)
	}
	bands := GridBands(plrs)
	for _, g := range plrs {
		for _, b := range bands {
			if g.PLR < b.From || g.PLR > b.To {
				continue
			}
			// The outermost series sit a factor exp(step/2) from the PLR.
			lo, hi := g.PLR*math.Exp(-step/2), g.PLR*math.Exp(step/2)
			if lo <= b.From || hi >= b.To {
				t.Errorf("PLR %g: series spread over [%g, %g], outside its band [%g, %g]", g.PLR, lo, hi, b.From, b.To)
			}
		}
	}
}
