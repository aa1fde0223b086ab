package toy

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		labelled bool
		want     string // substring of the error: file, line, column, problem
	}{
		{"empty", "", false, "f.csv: no data rows"},
		{"blank", "\n\n", false, "f.csv: no data rows"},
		{"ragged", "1,2,3\n4,5\n", false, "f.csv:2: ragged row"},
		{"nan", "1,2,3\n4,NaN,6\n", false, "f.csv:2:2: non-finite"},
		{"inf", "1,2,3\n4,5,-Inf\n", false, "f.csv:2:3: non-finite"},
		{"word", "1,x,3\n", false, `f.csv:1:2: "x" is not a number`},
		{"emptyfield", "1,,3\n", false, `f.csv:1:2: "" is not a number`},
		{"label", "1,2,0\n", true, "f.csv:1:3: label"},
		{"label2", "1,2,1\n1,2,2\n", true, "f.csv:2:3: label"},
		{"fewcols", "1,1\n", true, "f.csv:1: have 2 columns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadCSV("f.csv", strings.NewReader(tc.in), tc.labelled)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestCSVRoundTrip(t *testing.T) {
	a, y, err := GenerateLogistic(5, 4, 9)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, a, y); err != nil {
		t.Fatal(err)
	}
	b, z, err := ReadCSV("x", strings.NewReader(" \n"+buf.String()+"\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(a, b) || !floats.Equal(y, z) {
		t.Errorf("round trip changed the data")
	}
}

func TestGenerate(t *testing.T) {
	a, err := GenerateLSQ(8, 24, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if n := floats.Norm(a.RawRowView(i), 2); math.Abs(n-1) > 1e-15 {
			t.Errorf("row %d has norm %v, want 1", i, n)
		}
	}
	b, _ := GenerateLSQ(8, 24, 3, "")
	if !mat.Equal(a, b) {
		t.Error("same seed gave different data")
	}
	c, _ := GenerateLSQ(8, 24, 4, "")
	if mat.Equal(a, c) {
		t.Error("different seeds gave the same data")
	}
	// Gaussian norms: lambda_i = ||z||^2/d has mean 1 and variance 2/d; over
	// 400 rows of d = 50 the mean is 1 ± 0.01 (one standard error).
	g, _ := GenerateLSQ(400, 50, 1, NormsGaussian)
	var s, minL, maxL float64 = 0, math.Inf(1), 0
	for i := range 400 {
		l := floats.Dot(g.RawRowView(i), g.RawRowView(i))
		s += l
		minL, maxL = math.Min(minL, l), math.Max(maxL, l)
	}
	if m := s / 400; math.Abs(m-1) > 0.04 || maxL-minL < 0.3 {
		t.Errorf("gaussian norms: mean lambda %v (want 1 ± 0.04), range %v..%v (want unequal)", m, minL, maxL)
	}
	if _, err := GenerateLSQ(2, 3, 0, "bad"); err == nil {
		t.Error("unknown norms accepted")
	}
	la, y, _ := GenerateLogistic(64, 24, 0)
	var pos int
	for i := range 64 {
		if y[i] > 0 {
			pos++
		}
		if n := floats.Norm(la.RawRowView(i), 2); math.Abs(n-1) > 1e-15 {
			t.Errorf("logistic row %d has norm %v", i, n)
		}
	}
	if pos == 0 || pos == 64 {
		t.Errorf("labels all equal (%d positive)", pos)
	}
}

func TestConfigBuild(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	square := write("square.csv", "1,0\n0,1\n")
	good := write("good.csv", "1,0,0\n")
	labelled := write("lab.csv", "1,0,0,1\n0,1,0,-1\n")
	for _, tc := range []struct {
		c               Config
		name            string
		n, d            int
		random, errWant string
	}{
		{c: Config{}, name: "lsq", n: 8, d: 24},
		{c: Config{Toy: "lsq", N: 3, D: 5, Norms: NormsGaussian}, name: "lsq", n: 3, d: 5},
		{c: Config{Toy: "lsq", Data: good}, name: "lsq", n: 1, d: 3},
		{c: Config{Toy: "circle"}, name: "circle", n: 1, d: 2},
		{c: Config{Toy: "vmf"}, name: "vmf", n: 0, d: 24},
		{c: Config{Toy: "logistic"}, name: "logistic", n: 64, d: 24},
		{c: Config{Toy: "logistic", Data: labelled}, name: "logistic", n: 2, d: 3},
		{c: Config{Toy: "lsq", Data: square}, errWant: "square.csv: lsq: need fewer samples"},
		{c: Config{Toy: "lsq", Data: filepath.Join(dir, "missing.csv")}, errWant: "missing.csv"},
		{c: Config{Toy: "lsq", N: 24, D: 24}, errWant: "n=24 >= d=24"},
		{c: Config{Toy: "nope"}, errWant: `unknown toy "nope"`},
		{c: Config{Toy: "circle", Lambda: -1}, errWant: "lambda"},
		{c: Config{Toy: "circle", Data: good}, errWant: "no data file"},
		{c: Config{Toy: "vmf", D: 1}, errWant: "d >= 2"},
		{c: Config{Toy: "logistic", Data: good}, errWant: "label"},
	} {
		p, err := tc.c.Build()
		if tc.errWant != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errWant) {
				t.Errorf("%+v: error %v, want %q", tc.c, err, tc.errWant)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", tc.c, err)
			continue
		}
		if p.Name() != tc.name || p.Len() != tc.n || p.Dim() != tc.d {
			t.Errorf("%+v: built %s n=%d d=%d, want %s n=%d d=%d", tc.c, p.Name(), p.Len(), p.Dim(), tc.name, tc.n, tc.d)
		}
	}
	// The default lsq is the reference set of SCIENCE.md 6.1: unit rows, so
	// the random level is 1/(2d) = 1/48.
	p, _ := Config{}.Build()
	if got := p.RandomLevel(); math.Abs(got-1.0/48) > 1e-15 {
		t.Errorf("default lsq random level %v, want 1/48", got)
	}
	d := Config{Toy: "logistic"}.Defaults()
	if d.Alpha != 10 || d.N != 64 || d.D != 24 {
		t.Errorf("logistic defaults %+v", d)
	}
}
