package realnets

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/realnets/data"
)

// StepsFile is the name of the per-step log in a run folder.
const StepsFile = "steps.csv"

// StepsHeader is the header line of steps.csv.
const StepsHeader = "step,epoch,batch_loss,grad_norm,angle,elr"

// A StepRecord is one row of a run's steps.csv: one optimisation step.
type StepRecord struct {
	// Step is the number of steps done, this one included (1 for the first
	// step); Epoch the epoch the step belongs to (1 for the first).
	Step, Epoch int
	// BatchLoss is the mean cross-entropy of the step's mini-batch before
	// the update (BatchNorm with batch statistics).
	BatchLoss float64
	// GradNorm is the effective gradient norm of the mini-batch,
	// ||grad_x L_B|| * ||x|| over the SI parameters, before the update.
	GradNorm float64
	// Angle is the angle in radians between the SI vectors before and after
	// the step.
	Angle float64
	// ELR is the realised effective learning rate of the step.
	ELR float64
}

// WriteSteps writes recs as CSV with the header StepsHeader. Numbers are
// written in the shortest form that reads back exactly, so a file rewritten
// from the same records is byte-identical.
func WriteSteps(w io.Writer, recs []StepRecord) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(StepsHeader)
	bw.WriteByte('\n')
	var b []byte
	for _, r := range recs {
		b = strconv.AppendInt(b[:0], int64(r.Step), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.Epoch), 10)
		for _, v := range [...]float64{r.BatchLoss, r.GradNorm, r.Angle, r.ELR} {
			b = append(b, ',')
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadSteps reads a steps.csv written by WriteSteps. Errors name the file
// and line.
func ReadSteps(name string) ([]StepRecord, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	var out []StepRecord
	for sc.Scan() {
		line++
		s := sc.Text()
		if line == 1 {
			if s != StepsHeader {
				return nil, fmt.Errorf("%s:1: header %q, want %q", name, s, StepsHeader)
			}
			continue
		}
		if s == "" {
			continue
		}
		f := strings.Split(s, ",")
		if len(f) != 6 {
			return nil, fmt.Errorf("%s:%d: %d fields, want 6", name, line, len(f))
		}
		var r StepRecord
		var v [4]float64
		var e1, e2 error
		r.Step, e1 = strconv.Atoi(f[0])
		r.Epoch, e2 = strconv.Atoi(f[1])
		if err := errors.Join(e1, e2); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		for i := range v {
			if v[i], err = strconv.ParseFloat(f[2+i], 64); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", name, line, err)
			}
		}
		r.BatchLoss, r.GradNorm, r.Angle, r.ELR = v[0], v[1], v[2], v[3]
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if line == 0 {
		return nil, fmt.Errorf("%s: empty file, want the header %q", name, StepsHeader)
	}
	return out, nil
}

// A RandomLevelEstimate is the random level of a training configuration:
// the mean over K random initial points (SI weights drawn with K seeds, the
// last layer that of the configuration) of the train loss (TrainEval mode,
// as the train_loss of metrics.jsonl), with its standard error.
type RandomLevelEstimate struct {
	Level  float64   `json:"random_level"`
	StdErr float64   `json:"random_level_stderr"`
	Seeds  []uint64  `json:"seeds"`
	Losses []float64 `json:"losses"`
}

// randomLevelSeed0 is the first seed of the random points of
// EstimateRandomLevel, far from the small seeds used for training.
const randomLevelSeed0 = 1 << 40

// EstimateRandomLevel returns the random level of cfg (model, width, data,
// head seed) as the mean train loss of k >= 2 random initial points drawn
// with the seeds 2^40, 2^40+1, ... (k forward passes over the training set),
// with its standard error. The loss of one random point (a run's own epoch
// 0, RandomLevel) is a single draw of a widely spread quantity: for
// ConvNetSI c=8 on the first 2,000 MNIST images, 10 random points have
// losses from 9.4 to 13.4 (mean 11.09 +/- 0.38).
func EstimateRandomLevel(cfg TrainConfig, k int) (RandomLevelEstimate, error) {
	if k < 2 {
		panic("realnets: EstimateRandomLevel needs at least 2 points")
	}
	cfg.defaults()
	ds, err := data.Load(cfg.Data)
	if err != nil {
		return RandomLevelEstimate{}, err
	}
	t := ds.Train
	var est RandomLevelEstimate
	for i := range k {
		c := cfg
		c.Seed = randomLevelSeed0 + uint64(i)
		m, err := newModel(&c, t.C, t.H, t.W, t.Classes)
		if err != nil {
			return RandomLevelEstimate{}, err
		}
		l, _ := NewEvaluator(m).Loss(t, TrainEval)
		est.Seeds = append(est.Seeds, c.Seed)
		est.Losses = append(est.Losses, l)
	}
	mean, std := stat.MeanStdDev(est.Losses, nil)
	est.Level, est.StdErr = mean, std/math.Sqrt(float64(k))
	return est, nil
}

// RandomLevel returns the random level of the run in folder dir: the train
// loss of the epoch-0 record of DIR/metrics.jsonl, the loss of the run's own
// random initial point on the sphere.
//
// It is the loss of a random point, not log(classes): the frozen last layer
// has Frobenius norm 10 (SCIENCE.md section 9), so the logits of a random
// point are far from uniform and its cross-entropy is far above
// log(classes) (about 12 for ConvNetSI on MNIST, against log 10 = 2.3); a
// run wandering over the sphere without learning stays near that level, not
// near log(classes). It is one draw: EstimateRandomLevel gives the mean over
// several random points and its spread. A run started with -from has a
// trained point at epoch 0, so RandomLevel refuses it.
func RandomLevel(dir string) (float64, error) {
	name := filepath.Join(dir, "metrics.jsonl")
	f, err := os.Open(name)
	if err != nil {
		return math.NaN(), err
	}
	defer f.Close()
	if cfg, err := readConfig(filepath.Join(dir, "config.json")); err == nil && cfg.From != "" {
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

// ReadMetrics reads a run's metrics.jsonl: one Record per line, blank lines
// skipped. Errors name the file and line.
func ReadMetrics(name string) ([]Record, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var out []Record
	for line := 1; sc.Scan(); line++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return out, nil
}

// FinishedRun returns the records of the finished run in dir when its
// config.json describes want (SameRun) and its metrics.jsonl ends at
// want.Epochs; ok is false when dir holds no finished run of that
// configuration (missing, unfinished or another configuration: the caller
// decides). A finished run needs no checkpoint to be reused.
func FinishedRun(dir string, want TrainConfig) (recs []Record, ok bool) {
	have, err := readConfig(filepath.Join(dir, "config.json"))
	if err != nil || SameRun(*have, want) != nil {
		return nil, false
	}
	recs, err = ReadMetrics(filepath.Join(dir, "metrics.jsonl"))
	if err != nil || len(recs) == 0 || recs[len(recs)-1].Epoch != want.Epochs {
		return nil, false
	}
	return recs, true
}

// readConfig reads a run's config.json.
func readConfig(name string) (*TrainConfig, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var c TrainConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &c, nil
}

// ClassifyRun labels the run in folder dir with its regime
// (analysis.Classify, SCIENCE.md sections 4 and 8) from its per-step
// log: loss = batch_loss, gradient norm = grad_norm and angle = angle of
// DIR/steps.csv, and the random level of RandomLevel. settings may be the
// zero value (the classifier's defaults).
func ClassifyRun(dir string, settings analysis.ClassifySettings) (analysis.Classification, error) {
	steps, err := ReadSteps(filepath.Join(dir, StepsFile))
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
