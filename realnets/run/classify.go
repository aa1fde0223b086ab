package run

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets"
)

// RandomLevel returns the random level of the run in folder dir: the train
// loss of the epoch-0 record of DIR/metrics.jsonl, the loss of the run's own
// random initial point on the sphere.
//
// It is the loss of a random point, not log(classes): the frozen last layer
// has Frobenius norm 10 (SCIENCE.md section 9), so the logits of a random
// point are far from uniform and its cross-entropy is far above
// log(classes) (about 12 for ConvNetSI on MNIST, against log 10 = 2.3); a
// run wandering over the sphere without learning stays near that level, not
// near log(classes). It is one draw: realnets.EstimateRandomLevel gives the mean over
// several random points and its spread. A run started with -from has a
// trained point at epoch 0, so RandomLevel refuses it.
func RandomLevel(dir string) (float64, error) {
	name := filepath.Join(dir, MetricsFile)
	f, err := os.Open(name)
	if err != nil {
		return math.NaN(), err
	}
	defer f.Close()
	if cfg, err := readConfig(filepath.Join(dir, ConfigFile)); err == nil && cfg.From != "" {
		return math.NaN(), fmt.Errorf("%s: the run starts from checkpoint %s, so its epoch 0 is not a random point", dir, cfg.From)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return math.NaN(), fmt.Errorf("%s: %v", name, err)
		}
		return math.NaN(), fmt.Errorf("%s: no records", name)
	}
	var rec struct {
		Epoch     *int     `json:"epoch"`
		TrainLoss *float64 `json:"train_loss"`
	}
	if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
		return math.NaN(), fmt.Errorf("%s:1: %v", name, err)
	}
	if rec.Epoch == nil || *rec.Epoch != 0 || rec.TrainLoss == nil || !(*rec.TrainLoss > 0) {
		return math.NaN(), fmt.Errorf("%s:1: want the epoch-0 record with a positive train_loss", name)
	}
	return *rec.TrainLoss, nil
}

// ClassifyRun labels the run in folder dir with its regime
// (analysis.Classify, SCIENCE.md sections 4 and 8) from its per-step
// log: loss = batch_loss, gradient norm = grad_norm and angle = angle of
// DIR/steps.csv, and the random level of RandomLevel. settings may be the
// zero value (the classifier's defaults).
func ClassifyRun(dir string, settings analysis.ClassifySettings) (analysis.Classification, error) {
	steps, err := realnets.ReadSteps(filepath.Join(dir, realnets.StepsFile))
	if err != nil {
		return analysis.Classification{}, err
	}
	rl, err := RandomLevel(dir)
	if err != nil {
		return analysis.Classification{}, err
	}
	in := analysis.RegimeInput{RandomLevel: rl, Settings: settings,
		Loss:     make([]float64, len(steps)),
		GradNorm: make([]float64, len(steps)),
		Angle:    make([]float64, len(steps)),
	}
	for i, s := range steps {
		in.Loss[i], in.GradNorm[i], in.Angle[i] = s.BatchLoss, s.GradNorm, s.Angle
	}
	return analysis.Classify(in), nil
}
