package run

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	"github.com/regimes/regimes/regime"
)

// TestStepsLog checks steps.csv of a 3-epoch run against independent
// computations: the first row against a forward pass of a freshly built
// model on the first mini-batch, each epoch's mean angle against
// angle_step_mean of metrics.jsonl, and the ELR column against the fixed ELR.
func TestStepsLog(t *testing.T) {
	mnist := smallMNIST(t, 300, 200)
	c := smallConfig(t.TempDir(), mnist)
	mustRun(t, c)
	steps, err := realnets.ReadSteps(filepath.Join(c.Out, realnets.StepsFile))
	if err != nil {
		t.Fatal(err)
	}
	const perEpoch = 5 // ceil(300/64)
	if len(steps) != 3*perEpoch {
		t.Fatalf("%d rows, want %d", len(steps), 3*perEpoch)
	}
	for i, s := range steps {
		if s.Step != i+1 || s.Epoch != i/perEpoch+1 {
			t.Errorf("row %d: step %d epoch %d, want %d and %d", i, s.Step, s.Epoch, i+1, i/perEpoch+1)
		}
		// The sphere step keeps the realised ELR at the fixed one up to
		// float32 rounding of the weights (1e-6 relative).
		if math.Abs(s.ELR-c.ELR) > 1e-6*c.ELR {
			t.Errorf("row %d: elr %v, want %v", i, s.ELR, c.ELR)
		}
	}

	// The first step, recomputed: the same model and batch as Run.
	cc := c
	cc = cc.WithDefaults()
	ds, err := data.Load(cc.Data)
	if err != nil {
		t.Fatal(err)
	}
	m, err := realnets.NewModel(cc, ds.Train)
	if err != nil {
		t.Fatal(err)
	}
	perm := make([]int, ds.Train.N)
	data.Permutation(perm, cc.Seed, 1)
	b := cc.Batch
	x := make([]float32, b*ds.Train.ImageSize())
	y := make([]int, b)
	ds.Train.Gather(x, y, perm[:b])
	loss, _ := m.Forward(x, y, b, realnets.Train, true)
	var gg float64
	for _, p := range m.Params() {
		if p.SI && !p.Frozen {
			for _, g := range p.Grad[:len(p.Data)] {
				gg += float64(g) * float64(g)
			}
		}
	}
	gn := math.Sqrt(gg) * realnets.SINorm(m.Params())
	if steps[0].BatchLoss != loss {
		t.Errorf("first batch loss %v, recomputed %v", steps[0].BatchLoss, loss)
	}
	// 1e-9 relative: the same float32 gradients summed in float64 in
	// another order.
	if math.Abs(steps[0].GradNorm-gn) > 1e-9*gn {
		t.Errorf("first grad norm %v, recomputed %v", steps[0].GradNorm, gn)
	}

	// Mean angle per epoch: the identity with metrics.jsonl (1e-12
	// relative: the same sum, rounded once more by the CSV's shortest
	// exact form, which is exact).
	recs := readRecords(t, c.Out)
	for e := 1; e <= 3; e++ {
		var sum float64
		for _, s := range steps[(e-1)*perEpoch : e*perEpoch] {
			sum += s.Angle
		}
		want := *recs[e].AngleStepMean
		if got := sum / perEpoch; math.Abs(got-want) > 1e-12*want {
			t.Errorf("epoch %d: mean step angle %v, metrics.jsonl %v", e, got, want)
		}
	}

	// LogEvery 2 keeps the even steps of the same run.
	c2 := c
	c2.Out, c2.LogEvery = t.TempDir(), 2
	mustRun(t, c2)
	thin, err := realnets.ReadSteps(filepath.Join(c2.Out, realnets.StepsFile))
	if err != nil {
		t.Fatal(err)
	}
	var want []realnets.StepRecord
	for _, s := range steps {
		if s.Step%2 == 0 {
			want = append(want, s)
		}
	}
	if len(thin) != len(want) {
		t.Fatalf("log every 2: %d rows, want %d", len(thin), len(want))
	}
	for i := range want {
		if thin[i] != want[i] {
			t.Errorf("log every 2: row %d is %+v, want %+v", i, thin[i], want[i])
		}
	}
}

// TestRandomLevel checks that the random level of a run is its epoch-0 train
// loss, and that a run started from a checkpoint has none.
func TestRandomLevel(t *testing.T) {
	c := smallConfig(t.TempDir(), smallMNIST(t, 300, 200))
	c.Epochs = 1
	mustRun(t, c)
	rl, err := RandomLevel(c.Out)
	if err != nil {
		t.Fatal(err)
	}
	if r := readRecords(t, c.Out); rl != r[0].TrainLoss {
		t.Errorf("random level %v, want the epoch-0 train loss %v", rl, r[0].TrainLoss)
	}
	// The frozen head of norm 10 puts the random point far above
	// log(10) = 2.30, the loss of uniform predictions.
	if !(rl > math.Log(10)) {
		t.Errorf("random level %v, want more than log 10", rl)
	}
	f := realnets.TrainConfig{From: filepath.Join(c.Out, "last.ckpt"), ELR: 1e-3, Epochs: 1, Out: t.TempDir(), TestSubset: 200, Batch: 64}
	mustRun(t, f)
	if _, err := RandomLevel(f.Out); err == nil || !strings.Contains(err.Error(), "not a random point") {
		t.Errorf("run from a checkpoint: error %v, want one about the random point", err)
	}
	if _, err := RandomLevel(t.TempDir()); err == nil {
		t.Error("empty folder: no error")
	}
}

// TestClassifyRun classifies short real runs of the SI MLP (width 16, 300
// MNIST images, batches of 32, 50 epochs: 500 rows, the classifier needs
// 200) at three ELRs. Measured: at ELR 1 the loss stays at the random level
// (level 3.77 against 3.83) and every step turns by pi/2 (divergence); at 0.1 it fluctuates at about 0.6
// of it (chaotic equilibrium, level 2.59); at 1e-3 it falls to about 0.05 of
// it and is still falling
// (undetermined: the classifier asks for a run long enough to see log loss
// drop by a factor e over the stationary window, which the power-law
// decrease of a cross-entropy loss with a frozen head of norm 10 does not
// give in a short run).
func TestClassifyRun(t *testing.T) {
	if testing.Short() {
		t.Skip("three training runs, a few seconds")
	}
	mnist := smallMNIST(t, 300, 50)
	for _, tc := range []struct {
		elr    float64
		regime regime.Regime
		reason string
	}{
		// Both rules of regime 3 agree here; the angular cap is checked first.
		{1, regime.Divergence, "is at its cap pi/2"},
		{0.1, regime.Chaotic, "chaotic equilibrium"},
		{1e-3, regime.Undetermined, "still decreasing"},
	} {
		c := realnets.TrainConfig{Model: "mlp", Width: 16, Data: data.Config{Name: "mnist", Dir: mnist, Subset: 300},
			ELR: tc.elr, Epochs: 50, Batch: 32, Seed: 1, Out: t.TempDir(), TestSubset: 50, GradMetrics: "none"}
		mustRun(t, c)
		cl, err := ClassifyRun(c.Out, analysis.ClassifySettings{})
		if err != nil {
			t.Fatal(err)
		}
		ev := cl.Evidence
		t.Logf("ELR %g: %s, tail loss %.3g of the random level %.4g, level %.4g (ESS %.0f); %s", tc.elr, cl.Regime, ev.TailLossRel, ev.RandomLevel, ev.Level, ev.LevelESS, ev.Reasons[len(ev.Reasons)-1])
		if cl.Regime != tc.regime || !strings.Contains(strings.Join(ev.Reasons, "; "), tc.reason) {
			t.Errorf("ELR %g: %s (%v), want %s (%q)", tc.elr, cl.Regime, ev.Reasons, tc.regime, tc.reason)
		}
		if ev.Rows != 500 {
			t.Errorf("ELR %g: %d rows, want 50 epochs x 10 steps", tc.elr, ev.Rows)
		}
		if tc.regime == regime.Undetermined && !(ev.TailLossRel < 0.2 && ev.LogLossTrendSlope < 0) {
			t.Errorf("ELR %g: tail loss %.3g of the random level, log-loss slope %v: want a falling loss far below it", tc.elr, ev.TailLossRel, ev.LogLossTrendSlope)
		}
	}
}

// TestSharpnessLog checks DIR/sharpness.jsonl: records at epoch 0 and the
// checkpoint epochs, the same training as without it, a resumed run with the
// same file, and the sharpness of the last record equal to a direct call of
// Sharpness on the final checkpoint's weights.
func TestSharpnessLog(t *testing.T) {
	if testing.Short() {
		t.Skip("sharpness passes, a few seconds")
	}
	mnist := smallMNIST(t, 300, 200)
	plain := smallConfig(t.TempDir(), mnist)
	mustRun(t, plain)
	c := smallConfig(t.TempDir(), mnist)
	c.Sharpness = 64
	mustRun(t, c)
	if recordsJSON(readRecords(t, c.Out)) != recordsJSON(readRecords(t, plain.Out)) {
		t.Error("computing the sharpness changed the training")
	}
	b, err := os.ReadFile(filepath.Join(c.Out, "sharpness.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	// Epoch 0 and the checkpoint epochs 1, 2 and 3 (the last).
	if len(lines) != 4 {
		t.Fatalf("%d sharpness records, want 4:\n%s", len(lines), b)
	}
	var last realnets.SharpnessRecord
	for i, l := range lines {
		var r realnets.SharpnessRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.Epoch != i || !(r.EffectiveHessianTrace != 0) || !(r.EffectiveFisherTrace > 0) || len(r.HessianTop) != 3 {
			t.Errorf("record %d: %s", i, l)
		}
		last = r
	}
	// Recompute at the final weights: the model of the run, restored from
	// its last checkpoint, on the same subset with the same seed.
	cc := c
	cc = cc.WithDefaults()
	ds, err := data.Load(cc.Data)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := realnets.NewModel(cc, ds.Train)
	ck, err := realnets.LoadCheckpoint(filepath.Join(c.Out, "last.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := ck.Restore(m); err != nil {
		t.Fatal(err)
	}
	idx := data.SubsetIndices(ds.Train.N, 64, true, cc.Seed)
	x := make([]float32, 64*ds.Train.ImageSize())
	y := make([]int, 64)
	ds.Train.Gather(x, y, idx)
	want, err := realnets.Sharpness(m, x, y, 64, realnets.SharpnessConfig{ELR: cc.ELR, Seed: cc.Seed})
	if err != nil {
		t.Fatal(err)
	}
	if want.EffectiveHessianTrace != last.EffectiveHessianTrace || want.Loss != last.Loss {
		t.Errorf("last record: trace %v loss %v; direct call: %v %v", last.EffectiveHessianTrace, last.Loss, want.EffectiveHessianTrace, want.Loss)
	}
	// Resumed: 2 epochs, then 1 more.
	r := smallConfig(t.TempDir(), mnist)
	r.Sharpness, r.Epochs = 64, 2
	mustRun(t, r)
	mustRun(t, realnets.TrainConfig{Out: r.Out, Resume: true, Epochs: 3})
	rb, _ := os.ReadFile(filepath.Join(r.Out, "sharpness.jsonl"))
	// The resumed run's epoch 2 was its last epoch, as in the straight run.
	if !bytes.Equal(rb, b) {
		t.Errorf("resumed sharpness.jsonl differs:\n%s\n%s", rb, b)
	}
}

// TestEstimateRandomLevel checks each random point's loss against the
// epoch-0 train loss of a run with that seed, and the mean and standard
// error against a direct computation.
func TestEstimateRandomLevel(t *testing.T) {
	c := smallConfig(t.TempDir(), smallMNIST(t, 300, 200))
	est, err := realnets.EstimateRandomLevel(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(est.Losses) != 3 || len(est.Seeds) != 3 {
		t.Fatalf("estimate %+v", est)
	}
	var sum, sq float64
	for i, l := range est.Losses {
		r := c
		r.Seed, r.Epochs, r.Out = est.Seeds[i], 0, t.TempDir()
		mustRun(t, r)
		if want := readRecords(t, r.Out)[0].TrainLoss; l != want {
			t.Errorf("seed %d: loss %v, epoch-0 train loss of a run %v", est.Seeds[i], l, want)
		}
		sum += l
	}
	mean := sum / 3
	for _, l := range est.Losses {
		sq += (l - mean) * (l - mean)
	}
	se := math.Sqrt(sq/2) / math.Sqrt(3) // sample standard deviation / sqrt(k)
	// 1e-12 relative: the same sums in another order.
	if math.Abs(est.Level-mean) > 1e-12*mean || math.Abs(est.StdErr-se) > 1e-9*se {
		t.Errorf("level %v +/- %v, want %v +/- %v", est.Level, est.StdErr, mean, se)
	}
	if est.Seeds[0] != 1<<40 || est.Losses[0] == est.Losses[1] {
		t.Errorf("seeds %v losses %v: want distinct random points from 2^40", est.Seeds, est.Losses)
	}
}
