package realnets

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"

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
