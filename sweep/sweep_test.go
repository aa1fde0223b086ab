package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regimes/regimes/internal/fileio"
)

// TestMain lets the sweep test re-execute this test binary as a child
// process that runs a shard, so that it can be killed with a real SIGKILL.
func TestMain(m *testing.M) {
	if plan := os.Getenv("REGIMES_SWEEP_CHILD_PLAN"); plan != "" {
		p, err := ReadPlan(plan)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		slow := func(ctx context.Context, base json.RawMessage, pt Point) (any, error) {
			time.Sleep(30 * time.Millisecond)
			return walkRunner(ctx, base, pt)
		}
		if _, err := RunShard(context.Background(), p, Shard{0, 1}, os.Getenv("REGIMES_SWEEP_CHILD_DIR"), 2, slow, nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// walkRunner is a deterministic stand-in for a simulation: a random walk
// seeded by the point, whose result depends only on the point.
func walkRunner(_ context.Context, base json.RawMessage, pt Point) (any, error) {
	var cfg struct{ Steps int }
	if err := json.Unmarshal(base, &cfg); err != nil {
		return nil, err
	}
	if pt.Value < 0 {
		return nil, fmt.Errorf("negative value %v", pt.Value)
	}
	rng := rand.New(rand.NewPCG(pt.Seed, uint64(pt.Index)))
	x, s := 1.0, 0.0
	for i := 0; i < cfg.Steps; i++ {
		x = x*(1-pt.ELR) + pt.ELR*rng.NormFloat64()
		s += x * x
	}
	return map[string]any{
		"summary": map[string]float64{"mean_square": s / float64(cfg.Steps)},
		"regime":  "undetermined",
	}, nil
}

func testPlan(t testing.TB, steps int) *Plan {
	p, err := NewPlan(struct{ Steps int }{steps}, LogSpace(1e-3, 1e-1, 5), "batch", []float64{1, 4}, []uint64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLogSpace(t *testing.T) {
	v := LogSpace(1e-5, 1, 6)
	// Six points from 1e-5 to 1 are the powers of ten.
	for i, x := range v {
		want := math.Pow(10, float64(i-5))
		if math.Abs(x-want) > 1e-12*want {
			t.Errorf("LogSpace[%d] = %v, want %v", i, x, want)
		}
	}
}

func TestPlanNumberingAndCheck(t *testing.T) {
	p := testPlan(t, 10)
	// 5 ELRs x 2 batch sizes x 2 seeds.
	if len(p.Points) != 20 {
		t.Fatalf("got %d points, want 20", len(p.Points))
	}
	if p.Points[6].ELR != p.ELR[1] || p.Points[6].Value != 4 || p.Points[6].Seed != 1 {
		t.Errorf("point 6 = %+v, want ELR[1], batch 4, seed 1", p.Points[6])
	}
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "plan.json")
	if err := WritePlan(name, p); err != nil {
		t.Fatal(err)
	}
	q, err := ReadPlan(name)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatal("plan does not survive a write and read")
	}
	// An edited plan is refused.
	b, _ := os.ReadFile(name)
	os.WriteFile(name, bytes.Replace(b, []byte(`"batch"`), []byte(`"n"`), 1), 0o644)
	if _, err := ReadPlan(name); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("edited plan: got %v, want an id mismatch error", err)
	}
	for _, bad := range []struct {
		elr   []float64
		seeds []uint64
	}{{nil, []uint64{1}}, {[]float64{-1}, []uint64{1}}, {[]float64{math.Inf(1)}, []uint64{1}}, {[]float64{1}, nil}} {
		if _, err := NewPlan(nil, bad.elr, "batch", nil, bad.seeds); err == nil {
			t.Errorf("NewPlan(%v, %v) gave no error", bad.elr, bad.seeds)
		}
	}
}

func TestShards(t *testing.T) {
	p := testPlan(t, 10)
	seen := map[int]int{}
	for i := 0; i < 3; i++ {
		for _, pt := range p.ShardPoints(Shard{i, 3}) {
			seen[pt.Index]++
		}
	}
	for i := range p.Points {
		if seen[i] != 1 {
			t.Errorf("point %d is in %d shards, want 1", i, seen[i])
		}
	}
	for _, s := range []string{"3/3", "-1/2", "1", "a/b", "0/0"} {
		if _, err := ParseShard(s); err == nil {
			t.Errorf("ParseShard(%q) gave no error", s)
		}
	}
	if s, err := ParseShard("2/5"); err != nil || s != (Shard{2, 5}) {
		t.Errorf("ParseShard(2/5) = %v, %v", s, err)
	}
}

func TestShardFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		env   func(string) string
		count int
		want  Shard
		ok    bool
		err   bool
	}{
		{env(), 0, Shard{}, false, false},
		{env("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "8"), 0, Shard{3, 8}, true, false},
		{env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "4"), 0, Shard{3, 4}, true, false},
		{env("JOB_COMPLETION_INDEX", "2"), 5, Shard{2, 5}, true, false},
		{env("JOB_COMPLETION_INDEX", "2"), 0, Shard{}, true, true},
		{env("JOB_COMPLETION_INDEX", "7"), 5, Shard{7, 5}, true, true},
		{env("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "8"), 0, Shard{}, true, true},
	}
	for i, tt := range tests {
		s, ok, err := ShardFromEnv(tt.env, tt.count)
		if ok != tt.ok || (err != nil) != tt.err || (!tt.err && s != tt.want) {
			t.Errorf("case %d: got %v %v %v, want %v %v err=%v", i, s, ok, err, tt.want, tt.ok, tt.err)
		}
	}
	// A Kubernetes index without a count says so with a sentinel, which a
	// command line maps to its flag.
	if _, _, err := ShardFromEnv(env("JOB_COMPLETION_INDEX", "2"), 0); !errors.Is(err, ErrNoShardCount) {
		t.Errorf("index without a count: %v, want ErrNoShardCount", err)
	}
}

func mergedRecords(t *testing.T, p *Plan, dirs ...string) []map[string]any {
	t.Helper()
	res, missing, err := Merge(p, dirs)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 0 {
		t.Fatalf("missing points %v", missing)
	}
	var recs []map[string]any
	for _, r := range res {
		rec, err := r.Record()
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	return recs
}

func TestRunShardDeterministicAndResumable(t *testing.T) {
	p := testPlan(t, 200)
	ctx := context.Background()
	one, four := t.TempDir(), t.TempDir()
	if n, err := RunShard(ctx, p, Shard{0, 1}, one, 1, walkRunner, nil); err != nil || n != 20 {
		t.Fatalf("ran %d points, %v; want 20", n, err)
	}
	// Two shards of two workers each, in one folder, give the same results.
	for i := 0; i < 2; i++ {
		if _, err := RunShard(ctx, p, Shard{i, 2}, four, 2, walkRunner, nil); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := mergedRecords(t, p, one), mergedRecords(t, p, four); !reflect.DeepEqual(a, b) {
		t.Fatal("results depend on the number of shards or workers")
	}
	// A finished shard reruns nothing.
	if n, err := RunShard(ctx, p, Shard{0, 1}, one, 2, walkRunner, nil); err != nil || n != 0 {
		t.Fatalf("rerun ran %d points, %v; want 0", n, err)
	}
	// Merging two folders with the same points does not duplicate them.
	if recs := mergedRecords(t, p, one, four); len(recs) != 20 {
		t.Fatalf("merge of two complete folders gave %d records, want 20", len(recs))
	}
	// A different plan refuses this folder.
	q := testPlan(t, 201)
	if _, err := RunShard(ctx, q, Shard{0, 1}, one, 1, walkRunner, nil); err == nil || !strings.Contains(err.Error(), "another sweep plan") {
		t.Errorf("run of another plan in the folder: got %v", err)
	}
	if _, _, err := Merge(q, []string{one}); err == nil || !strings.Contains(err.Error(), "refusing to mix") {
		t.Errorf("merge with another plan: got %v", err)
	}
}

func TestMergeConflictAndMissing(t *testing.T) {
	p := testPlan(t, 50)
	ctx := context.Background()
	a, b := t.TempDir(), t.TempDir()
	if _, err := RunShard(ctx, p, Shard{0, 2}, a, 1, walkRunner, nil); err != nil {
		t.Fatal(err)
	}
	_, missing, err := Merge(p, []string{a})
	if err != nil {
		t.Fatal(err)
	}
	// Shard 1/2 holds the 10 odd points.
	if len(missing) != 10 || missing[0] != 1 {
		t.Errorf("missing = %v, want the 10 odd indices", missing)
	}
	// Plant a different result for point 0 in another folder.
	pr := PointResult{Plan: p.ID, Point: p.Points[0], Result: json.RawMessage(`{"regime":"divergence"}`)}
	data, _ := json.Marshal(&pr)
	if err := os.WriteFile(PointFile(b, 0), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Merge(p, []string{a, b}); err == nil || !strings.Contains(err.Error(), "two different results") {
		t.Errorf("conflicting results: got %v", err)
	}
}

func TestFailedPointIsRecorded(t *testing.T) {
	p, err := NewPlan(struct{ Steps int }{10}, []float64{0.1}, "sigma", []float64{-1, 1}, []uint64{7})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := RunShard(context.Background(), p, Shard{0, 1}, dir, 1, walkRunner, nil); err != nil {
		t.Fatal(err)
	}
	recs := mergedRecords(t, p, dir)
	if recs[0]["error"] != "negative value -1" || recs[1]["error"] != nil {
		t.Errorf("errors = %v, %v; want the runner's error on point 0 only", recs[0]["error"], recs[1]["error"])
	}
	var buf bytes.Buffer
	if err := fileio.WriteFlatCSV(&buf, recs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if lines[0] != "index,elr,param,value,seed,error,regime,summary.mean_square" {
		t.Errorf("CSV header = %q", lines[0])
	}
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "0,0.1,sigma,-1,7,negative value -1,,") {
		t.Errorf("CSV = %q", buf.String())
	}
}

// TestSweepSurvivesSIGKILL kills a child process that runs a sweep, reruns
// the sweep, merges, and compares with an uninterrupted run.
func TestSweepSurvivesSIGKILL(t *testing.T) {
	p := testPlan(t, 1000)
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	if err := WritePlan(planFile, p); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "points")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "REGIMES_SWEEP_CHILD_PLAN="+planFile, "REGIMES_SWEEP_CHILD_DIR="+out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		names, _ := filepath.Glob(filepath.Join(out, "point-*.json"))
		if len(names) >= 4 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("child wrote no results in 20 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child was not killed by a signal: %v", err)
	}
	names, _ := filepath.Glob(filepath.Join(out, "point-*.json"))
	done := len(names)
	if done >= len(p.Points) {
		t.Skip("the child finished before it was killed; nothing to test")
	}
	// Every file the child left is complete: atomic writes leave no partial file.
	for _, name := range names {
		if _, err := readPointResult(name); err != nil {
			t.Fatalf("partial result after SIGKILL: %v", err)
		}
	}
	n, err := RunShard(context.Background(), p, Shard{0, 1}, out, 2, walkRunner, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(p.Points)-done {
		t.Errorf("rerun ran %d points, want only the %d unfinished", n, len(p.Points)-done)
	}
	clean := t.TempDir()
	if _, err := RunShard(context.Background(), p, Shard{0, 1}, clean, 1, walkRunner, nil); err != nil {
		t.Fatal(err)
	}
	if a, b := mergedRecords(t, p, out), mergedRecords(t, p, clean); !reflect.DeepEqual(a, b) {
		t.Fatal("a killed and resumed sweep differs from an uninterrupted one")
	}
}

func BenchmarkSweepWorkers1(b *testing.B) { benchmarkSweep(b, 1) }
func BenchmarkSweepWorkers2(b *testing.B) { benchmarkSweep(b, 2) }

// benchmarkSweep runs a 20-point CPU-bound sweep (about 10 ms a point);
// compare the two worker counts to measure the parallel speed-up.
func benchmarkSweep(b *testing.B, workers int) {
	p := testPlan(b, 2000000)
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		if _, err := RunShard(context.Background(), p, Shard{0, 1}, dir, workers, walkRunner, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Points)*b.N)/b.Elapsed().Seconds(), "points/s")
}
