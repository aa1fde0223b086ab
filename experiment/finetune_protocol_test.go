package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/regimes/regimes/realnets"
)

// ftJSON is the part of finetune.json the tests read.
type ftJSON struct {
	Arms []struct {
		Name    string
		Kind    string
		Epochs  int
		PerSeed []struct {
			Seed      uint64
			Runs      []string
			Epochs    int
			TestError float64 `json:"test_error"`
			TrainLoss float64 `json:"train_loss"`
		} `json:"per_seed"`
		TestError struct {
			N            int
			Mean, Lo, Hi float64
		} `json:"test_error"`
	}
	BestBaseline string `json:"best_baseline"`
	VsBest       struct {
		Against string
		PerSeed []float64 `json:"per_seed"`
		N       int
		Mean    float64
	} `json:"difference_vs_best_baseline"`
	VsBestSeed struct {
		PerSeed []float64 `json:"per_seed"`
	} `json:"difference_vs_best_per_seed"`
	VsEach []struct {
		Against string
		PerSeed []float64 `json:"per_seed"`
	} `json:"differences_vs_baselines"`
}

// TestFinetuneBookkeeping runs a tiny protocol (MLP of width 16 on 300 MNIST
// images, 2 seeds, 1+1 epochs, two baselines) and checks its bookkeeping.
func TestFinetuneBookkeeping(t *testing.T) {
	dir := t.TempDir()
	cfg := FinetuneConfig{Network: Network{Model: "mlp", Width: 16, Data: "mnist", Subset: 300, TestSubset: 200, Workers: 1}, Batch: 128,
		PreELR: 1e-2, FineELR: 1e-3, PreEpochs: 1, FineEpochs: 1, BaselineELRs: []float64{1e-3, 3e-3},
		Seeds: []uint64{1, 2}, Out: dir}
	ctx := context.Background()
	if _, _, err := Finetune(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "finetune.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res ftJSON
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Arms) != 3 {
		t.Fatalf("%d arms, want 3 (fine-tuned and two baselines)", len(res.Arms))
	}
	// Equal total epochs: every arm and seed ends at 1+1 = 2 epochs, and the
	// run folders hold the epochs the protocol asks for.
	for _, a := range res.Arms {
		if a.Epochs != 2 || len(a.PerSeed) != 2 {
			t.Errorf("arm %s: %d epochs and %d seeds, want 2 and 2", a.Name, a.Epochs, len(a.PerSeed))
		}
		for _, s := range a.PerSeed {
			if s.Epochs != 2 {
				t.Errorf("arm %s seed %d ends at epoch %d, want 2", a.Name, s.Seed, s.Epochs)
			}
			want := 1
			if a.Kind == "finetune" {
				want = 2 // pre and fine
			}
			if len(s.Runs) != want {
				t.Errorf("arm %s seed %d: runs %v", a.Name, s.Seed, s.Runs)
			}
			// The final test error is the last record of the last run.
			recs, err := realnets.ReadMetrics(filepath.Join(s.Runs[len(s.Runs)-1], "metrics.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			if last := recs[len(recs)-1]; last.TestError != s.TestError || last.TrainLoss != s.TrainLoss {
				t.Errorf("arm %s seed %d: test error %g train loss %g, run's last record %g %g", a.Name, s.Seed, s.TestError, s.TrainLoss, last.TestError, last.TrainLoss)
			}
		}
	}
	// The fine-tuned run starts from the pre-trained weights: its epoch-0
	// record has the pre-trained run's final losses and SI norm (the same
	// weights and BatchNorm statistics evaluated on the same data).
	for _, seed := range []string{"seed-1", "seed-2"} {
		pre, err := realnets.ReadMetrics(filepath.Join(dir, seed, "pre-0.01", "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		fine, err := realnets.ReadMetrics(filepath.Join(dir, seed, "fine-0.001-from-pre-0.01-e1", "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		p, f := pre[len(pre)-1], fine[0]
		if len(pre) != 2 || len(fine) != 2 || f.Epoch != 0 {
			t.Fatalf("%s: %d pre and %d fine records, fine starts at epoch %d", seed, len(pre), len(fine), f.Epoch)
		}
		if f.TrainLoss != p.TrainLoss || f.TestLoss != p.TestLoss || !scalar.EqualWithinRel(f.SINorm, p.SINorm, 1e-6) {
			t.Errorf("%s: fine-tuning starts at train loss %g test loss %g norm %g, pre-training ended at %g %g %g",
				seed, f.TrainLoss, f.TestLoss, f.SINorm, p.TrainLoss, p.TestLoss, p.SINorm)
		}
		// The realised ELR is eta/||x||^2 with the norm of float32 weights
		// (relative error about 1e-7 per coordinate sum).
		if !scalar.EqualWithinRel(f.ELR, 1e-3, 1e-6) || !scalar.EqualWithinRel(p.ELR, 1e-2, 1e-6) {
			t.Errorf("%s: ELRs pre %g fine %g, want 1e-2 and 1e-3", seed, p.ELR, f.ELR)
		}
	}
	// The best baseline has the lowest mean test error; the paired
	// differences are the per-seed differences of the final test errors.
	ft := res.Arms[0]
	best := res.Arms[1]
	if res.Arms[2].TestError.Mean < best.TestError.Mean {
		best = res.Arms[2]
	}
	if res.BestBaseline != best.Name || res.VsBest.Against != best.Name {
		t.Errorf("best baseline %q (against %q), want %q", res.BestBaseline, res.VsBest.Against, best.Name)
	}
	var mean float64
	for k := range ft.PerSeed {
		d := ft.PerSeed[k].TestError - best.PerSeed[k].TestError
		mean += d / 2
		if res.VsBest.PerSeed[k] != d {
			t.Errorf("seed %d: difference %g, want %g", k+1, res.VsBest.PerSeed[k], d)
		}
		for j, a := range res.Arms[1:] {
			if e := res.VsEach[j]; e.Against != a.Name || e.PerSeed[k] != ft.PerSeed[k].TestError-a.PerSeed[k].TestError {
				t.Errorf("seed %d: difference %+v against %s", k+1, e, a.Name)
			}
		}
		m := math.Min(res.Arms[1].PerSeed[k].TestError, res.Arms[2].PerSeed[k].TestError)
		if res.VsBestSeed.PerSeed[k] != ft.PerSeed[k].TestError-m {
			t.Errorf("seed %d: difference to the per-seed best %g, want %g", k+1, res.VsBestSeed.PerSeed[k], ft.PerSeed[k].TestError-m)
		}
	}
	if res.VsBest.N != 2 || !scalar.EqualWithinAbsOrRel(res.VsBest.Mean, mean, 1e-12, 1e-12) {
		t.Errorf("mean difference %g over %d seeds, want %g over 2", res.VsBest.Mean, res.VsBest.N, mean)
	}
	for _, ext := range []string{"png", "svg"} {
		if fi, err := os.Stat(filepath.Join(dir, "finetune."+ext)); err != nil || fi.Size() == 0 {
			t.Errorf("figure finetune.%s: %v", ext, err)
		}
	}

	// Rerunning reuses the finished runs, even with their checkpoints
	// removed (as in testdata/finetune): nothing is retrained (the metrics
	// files are untouched) and finetune.json comes out the same.
	ckpts, _ := filepath.Glob(filepath.Join(dir, "seed-*", "*", "*.ckpt"))
	if len(ckpts) == 0 {
		t.Fatal("no checkpoints written")
	}
	for _, c := range ckpts {
		os.Remove(c)
	}
	metrics := filepath.Join(dir, "seed-1", "base-0.003", "metrics.jsonl")
	before, _ := os.Stat(metrics)
	if _, _, err := Finetune(ctx, cfg); err != nil {
		t.Fatalf("second finetune: %v", err)
	}
	after, _ := os.Stat(metrics)
	raw2, _ := os.ReadFile(filepath.Join(dir, "finetune.json"))
	if !after.ModTime().Equal(before.ModTime()) || !bytes.Equal(raw, raw2) {
		t.Errorf("rerun retrained or changed finetune.json")
	}

	// A second variant (another -pre-elr) in the same folder trains its own
	// pre-training and fine-tuning runs and reuses the baselines.
	cfg2 := cfg
	cfg2.PreELR = 2e-2
	if _, _, err := Finetune(ctx, cfg2); err != nil {
		t.Fatalf("second variant: %v", err)
	}
	if after2, _ := os.Stat(metrics); !after2.ModTime().Equal(before.ModTime()) {
		t.Errorf("second variant retrained a baseline")
	}
	if _, err := os.Stat(filepath.Join(dir, "seed-2", "fine-0.001-from-pre-0.02-e1", "metrics.jsonl")); err != nil {
		t.Errorf("second variant: %v", err)
	}

	// A folder that holds another configuration is refused.
	cfg3 := cfg
	cfg3.Batch = 64
	if _, _, err := Finetune(ctx, cfg3); err == nil || !strings.Contains(err.Error(), "holds another run") || !strings.Contains(err.Error(), "64") {
		t.Errorf("changed batch: %v", err)
	}
}

// TestFinetuneCommitted redraws the committed MNIST comparison from its
// committed run metrics (nothing is trained) and checks that the numbers of
// testdata/finetune/pre-*/finetune.json come out again.
func TestFinetuneCommitted(t *testing.T) {
	src := filepath.Join("..", "testdata", "finetune")
	dir := t.TempDir()
	runs, _ := filepath.Glob(filepath.Join(src, "seed-*", "*", "*"))
	if len(runs) == 0 {
		t.Skip("no committed comparison")
	}
	for _, f := range runs {
		rel, _ := filepath.Rel(src, f)
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, rel), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []struct {
		pre    float64
		folder string
	}{{2e-2, "pre-0.02"}, {1.4e-2, "pre-0.014"}} {
		// The flags of testdata/finetune/README.md.
		cfg := FinetuneConfig{Network: Network{Model: "convnet", Width: 8, Data: "mnist", Subset: 2000, TestSubset: 2000}, Batch: 128,
			PreELR: v.pre, FineELR: 3e-3, PreEpochs: 10, FineEpochs: 10, BaselineELRs: []float64{1e-3, 3e-3, 1e-2},
			Seeds: []uint64{1, 2, 3}, Out: dir}
		if _, _, err := Finetune(context.Background(), cfg); err != nil {
			t.Fatalf("%s: %v", v.folder, err)
		}
		var got, want map[string]any
		for _, x := range []struct {
			name string
			m    *map[string]any
		}{{filepath.Join(dir, "finetune.json"), &got}, {filepath.Join(src, v.folder, "finetune.json"), &want}} {
			b, err := os.ReadFile(x.name)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, x.m); err != nil {
				t.Fatal(err)
			}
		}
		// Run folders are named relative to -out; everything else is equal.
		for _, m := range []map[string]any{got, want} {
			for _, a := range m["arms"].([]any) {
				for _, s := range a.(map[string]any)["per_seed"].([]any) {
					delete(s.(map[string]any), "runs")
				}
			}
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if !bytes.Equal(gb, wb) {
			t.Errorf("%s: redrawn finetune.json differs from the committed one:\n%s\n%s", v.folder, gb, wb)
		}
	}
}
