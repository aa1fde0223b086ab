package experiment

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/regimes/regimes/realnets"
)

// TestMNISTReadme checks the numbers testdata/mnist/README.md gives for the
// metastable run at 2.15e-2 against its committed files: the quartiles of
// the end-of-epoch train loss and train accuracy over the records of
// epochs 30 to 240, the median step angle over those epochs' steps, the
// first epoch from which every record has 100% train accuracy, and the
// train loss at epochs 275 and 400.
func TestMNISTReadme(t *testing.T) {
	src := filepath.Join("..", "testdata", "mnist")
	readme, err := os.ReadFile(filepath.Join(src, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	run := filepath.Join(src, "long", "point-000008", "e400", "runs", "point-000000")
	recs, err := realnets.ReadMetrics(filepath.Join(run, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var loss, acc []float64
	first, at := -1, map[int]float64{}
	for _, r := range recs {
		if r.Epoch >= 30 && r.Epoch <= 240 {
			loss = append(loss, r.TrainLoss)
			acc = append(acc, r.TrainAcc)
		}
		switch {
		case r.TrainAcc == 100 && first < 0:
			first = r.Epoch
		case r.TrainAcc != 100:
			first = -1
		}
		at[r.Epoch] = r.TrainLoss
	}
	steps, err := realnets.ReadSteps(filepath.Join(run, realnets.StepsFile))
	if err != nil {
		t.Fatal(err)
	}
	var angle []float64
	for _, s := range steps {
		if s.Epoch >= 30 && s.Epoch <= 240 {
			angle = append(angle, s.Angle)
		}
	}
	q := func(x []float64, p float64) float64 {
		sort.Float64s(x)
		return stat.Quantile(p, stat.Empirical, x, nil)
	}
	want := []string{
		fmt.Sprintf("over the %d records from epoch 30 to 240", len(loss)),
		fmt.Sprintf("quartiles %.2g, %.2g and %.2g", q(loss, 0.25), q(loss, 0.5), q(loss, 0.75)),
		fmt.Sprintf("train accuracy %.3g%%, %.3g%% and %.3g%%", q(acc, 0.25), q(acc, 0.5), q(acc, 0.75)),
		fmt.Sprintf("median step angle %.2f rad", q(angle, 0.5)),
		fmt.Sprintf("100%% train accuracy at every record from epoch %d on", first),
		fmt.Sprintf("train loss %.1e at epoch 275 and %.1e at 400", at[275], at[400]),
	}
	for _, w := range want {
		w = strings.ReplaceAll(w, "e-0", "e-")
		if !strings.Contains(text, w) {
			t.Errorf("testdata/mnist/README.md does not say %q (computed from the files)", w)
		}
	}
}
