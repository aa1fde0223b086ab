package toy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// ReadCSV reads toy data from r: one sample per line, comma-separated
// numbers, no header; blank lines are skipped. If labelled is true the last
// column is the label, which must be -1 or +1, and is returned separately.
// Ragged rows, values that are not numbers, NaN or infinite values, bad
// labels and inputs without rows are rejected with an error of the form
// "name:line:column: problem". The check n < d of lsq is made by the
// problem's constructor (see Config.Build), not here.
func ReadCSV(name string, r io.Reader, labelled bool) (*mat.Dense, []float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<30)
	var (
		data   []float64
		labels []float64
		cols   = -1
		rows   int
	)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // a UTF-8 byte-order mark, as analyze accepts
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		fields := strings.Split(text, ",")
		if cols < 0 {
			cols = len(fields)
			min := 1
			if labelled {
				min = 3 // at least d = 2 coordinates and a label
			}
			if cols < min {
				return nil, nil, fmt.Errorf("%s:%d: have %d columns, need at least %d", name, line, cols, min)
			}
		} else if len(fields) != cols {
			return nil, nil, fmt.Errorf("%s:%d: ragged row: have %d columns, the first row has %d", name, line, len(fields), cols)
		}
		for j, f := range fields {
			f = strings.TrimSpace(f)
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, nil, fmt.Errorf("%s:%d:%d: %q is not a number", name, line, j+1, f)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("%s:%d:%d: non-finite value %q", name, line, j+1, f)
			}
			if labelled && j == cols-1 {
				if v != 1 && v != -1 {
					return nil, nil, fmt.Errorf("%s:%d:%d: label %q is not -1 or +1", name, line, j+1, f)
				}
				labels = append(labels, v)
				continue
			}
			data = append(data, v)
		}
		rows++
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if rows == 0 {
		return nil, nil, fmt.Errorf("%s: no data rows (empty file)", name)
	}
	d := cols
	if labelled {
		d--
	}
	return mat.NewDense(rows, d, data), labels, nil
}

// LoadCSV opens the file name and reads it with ReadCSV.
func LoadCSV(name string, labelled bool) (*mat.Dense, []float64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return ReadCSV(name, f, labelled)
}

// WriteCSV writes a (and the labels y, if not nil, as a last column) in the
// format ReadCSV reads, with full float64 precision.
func WriteCSV(w io.Writer, a *mat.Dense, y []float64) error {
	bw := bufio.NewWriter(w)
	n, d := a.Dims()
	if y != nil && len(y) != n {
		panic("toy: label count does not match the row count")
	}
	var buf []byte
	for i := range n {
		buf = buf[:0]
		for j := range d {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendFloat(buf, a.At(i, j), 'g', -1, 64)
		}
		if y != nil {
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, y[i], 'g', -1, 64)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Norms is a row-norm distribution of GenerateLSQ. Its JSON is the name.
type Norms string

// Row-norm distributions of GenerateLSQ.
const (
	// NormsUnit normalises every Gaussian row to unit norm (lambda_i = 1).
	NormsUnit Norms = "unit"
	// NormsGaussian keeps the Gaussian rows, scaled by 1/sqrt(d) so that
	// E[lambda_i] = 1; the lambda_i then vary (chi-squared with d degrees of
	// freedom over d).
	NormsGaussian Norms = "gaussian"
)

// Random streams of the data generators; the data seed is the PCG seed.
const (
	streamLSQ      = 0x6c7371
	streamLogistic = 0x6c6f67
)

// GenerateLSQ returns n rows in R^d drawn i.i.d. from N(0, I_d) with the PCG
// generator seeded by seed and normalised according to norms (NormsUnit or
// "", or NormsGaussian). The default (n = 8, d = 24, unit norms) is the
// reference data set of SCIENCE.md section 6.1.
func GenerateLSQ(n, d int, seed uint64, norms Norms) (*mat.Dense, error) {
	if n < 1 || d < 1 {
		return nil, fmt.Errorf("lsq: need n >= 1 and d >= 1, have n=%d, d=%d", n, d)
	}
	rng := rand.New(rand.NewPCG(seed, streamLSQ))
	a := mat.NewDense(n, d, nil)
	row := make([]float64, d)
	for i := range n {
		for j := range row {
			row[j] = rng.NormFloat64()
		}
		switch norms {
		case "", NormsUnit:
			floats.Scale(1/floats.Norm(row, 2), row)
		case NormsGaussian:
			floats.Scale(1/math.Sqrt(float64(d)), row)
		default:
			return nil, fmt.Errorf("lsq: unknown norms %q (want %q or %q)", norms, NormsUnit, NormsGaussian)
		}
		a.SetRow(i, row)
	}
	return a, nil
}

// GenerateLogistic returns n unit-norm rows in R^d (Gaussian rows normalised,
// as in GenerateLSQ) and labels y_i = sign(<a_i, w>) from a teacher direction
// w ~ N(0, I_d), all drawn from the PCG generator seeded by seed; the data are
// linearly separable through the origin.
func GenerateLogistic(n, d int, seed uint64) (*mat.Dense, []float64, error) {
	if n < 1 || d < 2 {
		return nil, nil, fmt.Errorf("logistic: need n >= 1 and d >= 2, have n=%d, d=%d", n, d)
	}
	rng := rand.New(rand.NewPCG(seed, streamLogistic))
	teacher := make([]float64, d)
	for j := range teacher {
		teacher[j] = rng.NormFloat64()
	}
	a := mat.NewDense(n, d, nil)
	y := make([]float64, n)
	row := make([]float64, d)
	for i := range n {
		for j := range row {
			row[j] = rng.NormFloat64()
		}
		floats.Scale(1/floats.Norm(row, 2), row)
		a.SetRow(i, row)
		y[i] = 1
		if floats.Dot(row, teacher) < 0 {
			y[i] = -1
		}
	}
	return a, y, nil
}

var errNoData = errors.New("has no data file")
