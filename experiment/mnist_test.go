package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/regime"
	"github.com/regimes/regimes/sweep"
)

// TestReproduceQuick runs the tiny version of the MNIST reproduction twice:
// the second run finds every point done and only redraws.
func TestReproduceMNISTQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three small ConvNets, about 10 s")
	}
	dir := t.TempDir()
	sp, err := ReproduceMNIST(context.Background(), MNISTConfig{Out: dir, Quick: true})
	if err != nil {
		t.Fatal(err)
	}
	s := *sp
	// The quick grid: 3 ELRs, 1e-4 to 1 (log-spaced).
	if len(s.ELRs) != 3 || s.ELRs[0] != 1e-4 || s.ELRs[2] != 1 || len(s.Regimes) != 3 || s.Width != 4 {
		t.Fatalf("summary %+v", s)
	}
	// 3 epochs of 4 steps: too short for the classifier (200 rows), so no
	// regime and no boundary.
	for i, r := range s.Regimes {
		if r != regime.Undetermined || !strings.Contains(s.Reasons[i], "too short: 12 rows") {
			t.Errorf("ELR %g: %s (%s)", s.ELRs[i], r, s.Reasons[i])
		}
	}
	if s.ConvergenceMax != nil || s.ChaoticMin != nil || s.DivergenceMin != nil || !(s.WallTime > 0) || !(s.TrainTime > 0) {
		t.Errorf("summary %+v", s)
	}
	for _, f := range []string{"results.jsonl", "results.csv", "summary.json", "figures/panels.png", "figures/panels.svg",
		"figures/phase.png", "figures/phase.svg", "runs/point-000002/steps.csv"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// The folder is sealed by a final manifest over all its files, the
	// plan's id its run identity (issue 15).
	if m, err := fileio.VerifySet(dir); err != nil || m.RunID == "" || m.Files["summary.json"] == "" || m.Files["figures/phase.png"] == "" || m.Files["runs/point-000002/steps.csv"] == "" {
		t.Errorf("manifest: %v", err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "points", "point-000001.json"))
	var progress strings.Builder
	if _, err := ReproduceMNIST(context.Background(), MNISTConfig{Out: dir, Quick: true, Progress: &progress}); err != nil || !strings.Contains(progress.String(), "continuing the experiment") {
		t.Fatalf("second run: %v: %s", err, progress.String())
	}
	after, _ := os.ReadFile(filepath.Join(dir, "points", "point-000001.json"))
	if string(before) != string(after) {
		t.Error("the second run redid a finished point")
	}
	// Another experiment in the same folder is refused.
	if _, err := ReproduceMNIST(context.Background(), MNISTConfig{Out: dir}); err == nil || !strings.Contains(err.Error(), "holds another experiment") {
		t.Errorf("full run in the quick folder: %v", err)
	}
	if _, err := fileio.VerifySet(dir); err != nil {
		t.Errorf("the refused experiment unsealed the folder: %v", err)
	}
}

// ExampleReproduceMNIST runs the quick form of the MNIST reproduction:
// three small ConvNets for three epochs each, too short for the classifier
// to label.
func ExampleReproduceMNIST() {
	dir, err := os.MkdirTemp("", "mnist")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	s, err := ReproduceMNIST(context.Background(), MNISTConfig{Out: dir, Quick: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ConvNetSI c=%d on %d MNIST images, %d epochs\n", s.Width, s.Subset, s.Epochs)
	for i, e := range s.ELRs {
		fmt.Printf("ELR %.3g: %s (%s)\n", e, s.Regimes[i], s.Reasons[i])
	}
	fmt.Println(s.Boundaries)
	// Output:
	// ConvNetSI c=4 on 256 MNIST images, 3 epochs
	// ELR 0.0001: undetermined (too short: 12 rows, fewer than the 20 needed)
	// ELR 0.01: undetermined (too short: 12 rows, fewer than the 20 needed)
	// ELR 1: undetermined (too short: 12 rows, fewer than the 20 needed)
	// convergence up to none, chaotic none, divergence from none
}

// TestReproduceMNISTCommitted reruns the MNIST reproduction on the
// committed runs of testdata/mnist (their checkpoints removed: every run is
// finished, so nothing trains): the classifier's records, the merged
// results and summary.json come out byte for byte as committed, except the
// command's own wall time.
func TestReproduceMNISTCommitted(t *testing.T) {
	if testing.Short() {
		t.Skip("re-classifies the 16 committed runs and estimates the random level: about 10 s")
	}
	src := filepath.Join("..", "testdata", "mnist")
	dir := t.TempDir()
	for _, f := range []string{"runs", "long"} {
		if err := os.CopyFS(filepath.Join(dir, f), os.DirFS(filepath.Join(src, f))); err != nil {
			t.Fatal(err)
		}
	}
	plan, err := os.ReadFile(filepath.Join(src, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plan.json"), plan, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReproduceMNIST(context.Background(), MNISTConfig{Out: dir}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"results.jsonl", "results.csv", "results-final.jsonl"} {
		got, _ := os.ReadFile(filepath.Join(dir, f))
		want, err := os.ReadFile(filepath.Join(src, f))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from the committed one (%v)", f, err)
		}
	}
	var got, want map[string]any
	for _, x := range []struct {
		name string
		m    *map[string]any
	}{{filepath.Join(dir, "summary.json"), &got}, {filepath.Join(src, "summary.json"), &want}} {
		b, err := os.ReadFile(x.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, x.m); err != nil {
			t.Fatal(err)
		}
		delete(*x.m, "wall_time")
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if !bytes.Equal(gb, wb) {
		t.Errorf("summary.json differs from the committed one:\n%s\n%s", gb, wb)
	}
}

// TestLongRunContinuesGrid checks that a longer run of a grid point, which
// continues the grid's run from its last checkpoint, and the next length,
// which continues that, give bitwise the steps and records of one run
// trained straight to the longest length, also when the run's goroutines
// change from epoch to epoch (realnets.TrainConfig.WorkersNow).
func TestLongRunContinuesGrid(t *testing.T) {
	if testing.Short() {
		t.Skip("trains small ConvNets for 3 + 12 + 12 epochs, about 10 s")
	}
	dir := t.TempDir()
	m := &mnistRun{cfg: MNISTConfig{Out: dir, Quick: true}, a: MNISTPlan(true)}
	m.a.ELRMin, m.a.ELRMax, m.a.ELRPoints = 1e-2, 1e-2, 1
	results, err := m.grid(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	grid := filepath.Join(dir, "runs", "point-000000")
	var log bytes.Buffer
	m.cfg.Progress = &log
	// The goroutines change from epoch to epoch (1, 2, 1, ...): the
	// numbers must not.
	var calls atomic.Int64
	alternate := func() int { return 1 + int(calls.Add(1)%2) }
	_, lrun, _, err := m.longRunAt(context.Background(), results[0].Point.ELR, "point-000000", grid, "is tested", alternate)
	if err != nil {
		t.Fatal(err)
	}
	// Off a terminal the longer runs report every tenth epoch and the
	// last, each with the elapsed time and an ETA, counting from the
	// length they continue (3, then 6).
	var epochLines []string
	for _, l := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		if strings.HasPrefix(l, "reproduce: ELR 0.01: epoch ") {
			epochLines = append(epochLines, l)
			if !strings.Contains(l, "elapsed ") || !strings.Contains(l, "ETA ") || !strings.Contains(l, "train loss ") {
				t.Errorf("progress line %q lacks the elapsed time, the ETA or the loss", l)
			}
		}
	}
	t.Logf("%s", strings.Join(epochLines, "\n"))
	if len(epochLines) != 3 || !strings.Contains(epochLines[0], "epoch 6/6") || !strings.Contains(epochLines[1], "epoch 10/12") || !strings.Contains(epochLines[2], "epoch 12/12") {
		t.Errorf("epoch progress %q: want epochs 6/6, 10/12 and 12/12", epochLines)
	}
	// Too short at every length of the quick ladder (6 and 12 epochs).
	if lrun.Epochs != 12 || lrun.Run != "long/point-000000/e12/runs/point-000000" {
		t.Fatalf("long run %+v", lrun)
	}
	// The first length continued the grid's run: its first records are
	// the grid's, wall times included.
	g, _ := os.ReadFile(filepath.Join(grid, "metrics.jsonl"))
	l6, _ := os.ReadFile(filepath.Join(dir, "long", "point-000000", "e6", "runs", "point-000000", "metrics.jsonl"))
	if len(g) == 0 || !bytes.HasPrefix(l6, g) {
		t.Errorf("the 6-epoch run did not continue the grid's:\n%s\n%s", g, l6)
	}
	straight := filepath.Join(t.TempDir(), "straight")
	sa := m.a
	sa.Train.Epochs = 12
	if _, err := runNetPlan(context.Background(), sa, straight, func() int { return 2 }, nil); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"steps.csv", "metrics.jsonl"} {
		a, err := os.ReadFile(filepath.Join(dir, lrun.Run, f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(straight, "runs", "point-000000", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "metrics.jsonl" {
			a, b = dropWallTimes(t, a), dropWallTimes(t, b)
		}
		if !bytes.Equal(a, b) || len(a) == 0 {
			t.Errorf("%s of the continued run differs from the straight run's:\n%s\n%s", f, a, b)
		}
	}
}

// dropWallTimes returns the JSON Lines b with every record's wall_time
// removed.
func dropWallTimes(t *testing.T, b []byte) []byte {
	t.Helper()
	var out []byte
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "wall_time")
		l, _ := json.Marshal(m)
		out = append(append(out, l...), '\n')
	}
	return out
}

// TestLaterStagesSpeculate checks the side-by-side later stages with a
// stub trainer: the third stage's ELRs are chosen from the grid's labels
// and trained beside the second stage; when a longer run changes the 2|3
// bracket (here the too-short grid point turns out divergent), those runs
// are removed and the right ELRs trained, so that the summary is the one of
// running the stages one after the other; when it does not, nothing is
// trained twice.
func TestLaterStagesSpeculate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		longLabel regime.Regime
		want      []float64 // the refinement's ELRs
		trained   int       // chains trained
	}{
		{"bracket kept", regime.Undetermined, sweep.LogSpace(1e-2, 1e-1, refinePoints+2)[1 : refinePoints+1], 1 + refinePoints},
		{"bracket moved", regime.Divergence, sweep.LogSpace(1e-3, 1e-2, refinePoints+2)[1 : refinePoints+1], 1 + 2*refinePoints},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			m := &mnistRun{cfg: MNISTConfig{Out: dir, Workers: 2}}
			// The grid: convergence at 1e-3, too short at 1e-2, divergence
			// at 1e-1.
			m.s.ELRs = []float64{1e-3, 1e-2, 1e-1}
			m.s.Regimes = []regime.Regime{regime.Convergence, regime.Undetermined, regime.Divergence}
			m.s.Reasons = []string{"", "too short", ""}
			short, _ := json.Marshal(map[string]any{"regime": regime.Undetermined,
				"evidence": map[string]any{"level_ess": 5.0, "settings": map[string]any{"min_ess": 100.0}}})
			other, _ := json.Marshal(map[string]any{"regime": regime.Convergence})
			results := []sweep.PointResult{
				{Point: sweep.Point{Index: 0, ELR: 1e-3}, Result: other},
				{Point: sweep.Point{Index: 1, ELR: 1e-2}, Result: short},
				{Point: sweep.Point{Index: 2, ELR: 1e-1}, Result: other},
			}
			var mu sync.Mutex
			var trained []string
			m.trainChain = func(ctx context.Context, e float64, name, from, why string, workers func() int) (map[string]any, LongRun, float64, error) {
				if w := workers(); w < 1 || w > 2 {
					t.Errorf("chain %s: %d goroutines", name, w)
				}
				if err := os.MkdirAll(filepath.Join(dir, "long", name), 0o755); err != nil {
					return nil, LongRun{}, 0, err
				}
				mu.Lock()
				trained = append(trained, fmt.Sprintf("%s %.4g", name, e))
				mu.Unlock()
				label := regime.Chaotic
				if name == "point-000001" {
					label = tc.longLabel
				}
				return map[string]any{"elr": e}, LongRun{ELR: e, Epochs: 50, Regime: label, Reason: "stub"}, 1, nil
			}
			if err := m.later(context.Background(), results); err != nil {
				t.Fatal(err)
			}
			if len(trained) != tc.trained {
				t.Errorf("trained %q: want %d chains", trained, tc.trained)
			}
			var got []float64
			for _, r := range m.s.Refine {
				got = append(got, r.ELR)
			}
			if !slices.Equal(got, tc.want) || !slices.Equal(m.s.ELRs[3:], tc.want) {
				t.Errorf("refinement at %v (ELRs %v), want %v", got, m.s.ELRs, tc.want)
			}
			if m.s.Regimes[1] != tc.longLabel || len(m.final) != 3+refinePoints || m.s.TrainTime != float64(1+refinePoints) {
				t.Errorf("summary: regimes %v, %d final records, train time %v", m.s.Regimes, len(m.final), m.s.TrainTime)
			}
			// The speculative folders of a moved bracket are gone: only
			// the chains that count are on disk.
			ents, _ := os.ReadDir(filepath.Join(dir, "long"))
			if len(ents) != 1+refinePoints {
				t.Errorf("long/ holds %d folders, want %d", len(ents), 1+refinePoints)
			}
		})
	}
}

// TestRunChainsError checks that a failed chain stops the others and that
// its error, not the cancellation it caused in an earlier chain, is
// returned.
func TestRunChainsError(t *testing.T) {
	m := &mnistRun{cfg: MNISTConfig{Out: t.TempDir(), Workers: 2}}
	m.trainChain = func(ctx context.Context, e float64, name, from, why string, workers func() int) (map[string]any, LongRun, float64, error) {
		if name == "b" {
			return nil, LongRun{}, 0, errors.New("boom")
		}
		<-ctx.Done() // "a" runs until b's failure stops it
		return nil, LongRun{}, 0, ctx.Err()
	}
	err := m.runChains(context.Background(), []*chain{{name: "a"}, {name: "b"}})
	if err == nil || err.Error() != "boom" {
		t.Errorf("error %v, want boom", err)
	}
}
