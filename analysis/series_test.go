package analysis

import (
	"math"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	const in = "step, loss,grad_norm,note\n0,1.5,2,a\n# comment\n1,NaN,-Inf,b\n2,1e-3,+Inf,c\n"
	tb, err := ReadCSV(strings.NewReader(in), "run.csv")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 3 || !tb.Has("loss") || tb.Has("angle") {
		t.Fatalf("table %+v", tb)
	}
	loss, err := tb.Column("loss")
	if err != nil {
		t.Fatal(err)
	}
	if loss[0] != 1.5 || !math.IsNaN(loss[1]) || loss[2] != 1e-3 {
		t.Errorf("loss = %v", loss)
	}
	g, err := tb.Column("grad_norm")
	if err != nil || !math.IsInf(g[1], -1) || !math.IsInf(g[2], 1) {
		t.Errorf("grad_norm = %v, %v", g, err)
	}
}

func TestReadTableErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, col, want string
		jsonl               bool
	}{
		{"empty", "", "loss", "x: empty file (want a CSV header line and data rows)", false},
		{"header only", "step,loss\n", "loss", "x: no data rows after the header", false},
		{"missing column", "step,loss\n0,1\n", "angle", `x: no column "angle" (columns: step, loss)`, false},
		// The bad cell is on line 3 of the file (line 1 is the header).
		{"non-numeric", "step,loss\n0,1\n1,abc\n", "loss", `x:3: column "loss": "abc" is not a number`, false},
		{"empty cell", "step,loss\n0,1\n1,\n", "loss", `x:3: column "loss" is empty`, false},
		{"ragged", "step,loss\n0,1\n1\n", "loss", "x:3: wrong number of fields", false},
		{"jsonl empty", "\n\n", "loss", "x: empty file (want one JSON object a line)", true},
		{"jsonl bad line", "{\"loss\": 1}\n[1,2]\n", "loss", "x:2: not a JSON object", true},
		{"jsonl missing key", "{\"loss\": 1}\n{\"epoch\": 2}\n", "loss", `x:2: column "loss" is empty`, true},
		{"jsonl string", "{\"loss\": 1}\n{\"loss\": \"high\"}\n", "loss", `x:2: column "loss": "high" is not a number`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tb *Table
			var err error
			if tc.jsonl {
				tb, err = ReadJSONLines(strings.NewReader(tc.in), "x")
			} else {
				tb, err = ReadCSV(strings.NewReader(tc.in), "x")
			}
			if err == nil {
				_, err = tb.Column(tc.col)
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestReadJSONLines(t *testing.T) {
	const in = `{"epoch": 1, "train_loss": 2.3, "grad_norm_mean": null}

{"epoch": 2, "train_loss": 1.1e-1, "grad_norm_mean": 0.5, "extra": [1, 2]}
`
	tb, err := ReadJSONLines(strings.NewReader(in), "log.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tb.Header, ","); got != "epoch,train_loss,grad_norm_mean,extra" {
		t.Errorf("header %s", got)
	}
	l, _ := tb.Column("train_loss")
	// null is a missing value, not a NaN.
	g, missing, err := tb.Present("grad_norm_mean")
	if l[0] != 2.3 || l[1] != 0.11 || len(g) != 1 || g[0] != 0.5 || missing != 1 || err != nil {
		t.Errorf("train_loss %v grad_norm_mean %v (%d missing, %v)", l, g, missing, err)
	}
	if _, err := tb.Column("grad_norm_mean"); err == nil || err.Error() != `log.jsonl:1: column "grad_norm_mean" is empty` {
		t.Errorf("Column of a column with a null: %v", err)
	}
}

func TestPresent(t *testing.T) {
	// A PyTorch-style log: epoch 0 has no gradient key, epoch 2 a null
	// angle, epoch 3 a NaN loss written as text in CSV.
	const in = `{"epoch": 0, "loss": 2.3}
{"epoch": 1, "loss": 1.5, "grad_norm": 0.5, "angle": 1.5}
{"epoch": 2, "loss": 1.25, "grad_norm": 0.25, "angle": null}
`
	tb, err := ReadJSONLines(strings.NewReader(in), "log.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		col     string
		want    []float64
		missing int
	}{
		{"loss", []float64{2.3, 1.5, 1.25}, 0},
		{"grad_norm", []float64{0.5, 0.25}, 1},
		{"angle", []float64{1.5}, 2},
	} {
		x, missing, err := tb.Present(tc.col)
		if err != nil || missing != tc.missing || len(x) != len(tc.want) {
			t.Errorf("%s: %v, %d missing, %v; want %v, %d missing", tc.col, x, missing, err, tc.want, tc.missing)
			continue
		}
		for i := range x {
			if x[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", tc.col, x, tc.want)
			}
		}
	}
	c, err := ReadCSV(strings.NewReader("step,loss,angle\n0,NaN,\n1,1,2\n"), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	l, m, _ := c.Present("loss")
	a, ma, _ := c.Present("angle")
	if len(l) != 2 || !math.IsNaN(l[0]) || m != 0 || len(a) != 1 || ma != 1 {
		t.Errorf("CSV: loss %v (%d missing), angle %v (%d missing): a NaN is a value, an empty cell missing", l, m, a, ma)
	}
}

func TestReadEventTable(t *testing.T) {
	// testdata/tfevents/fixture.json lists the scalars of the fixture:
	// train/loss at steps 0-6 (NaN at 6), grad_norm, angle and lr at 1-5.
	tb, err := ReadTableFile("../testdata/tfevents/events.out.tfevents.1700000000.fixture")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tb.Header, ","); got != "step,train/loss,grad_norm,angle,lr" || tb.Len() != 7 {
		t.Fatalf("header %s, %d rows", got, tb.Len())
	}
	steps, _ := tb.Column("step")
	for i, s := range steps {
		if s != float64(i) {
			t.Fatalf("steps %v", steps)
		}
	}
	loss, _, _ := tb.Present("train/loss")
	g, gm, _ := tb.Present("grad_norm")
	// 2.302585 rounded to float32, as simple_value holds it.
	if len(loss) != 7 || loss[0] != float64(float32(2.302585)) || !math.IsNaN(loss[6]) || len(g) != 5 || gm != 2 || g[0] != 0.5 {
		t.Errorf("loss %v, grad_norm %v (%d missing)", loss, g, gm)
	}
	// The folder reads the same.
	tb2, err := ReadTableFile("../testdata/tfevents")
	if err != nil || tb2.Len() != 7 {
		t.Errorf("folder: %v", err)
	}
}
