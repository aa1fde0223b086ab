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
	g, _ := tb.Column("grad_norm_mean")
	if l[0] != 2.3 || l[1] != 0.11 || !math.IsNaN(g[0]) || g[1] != 0.5 {
		t.Errorf("train_loss %v grad_norm_mean %v", l, g)
	}
}
