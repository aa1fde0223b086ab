package analysis

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
)

// The fuzz targets of the analysis readers (issue 15, item 10): every input
// is refused with an error or analysed without a panic.

func fuzzAnalyze(t *testing.T, tb *Table) {
	if len(tb.Header) == 0 {
		return
	}
	opt := AnalyzeOptions{Loss: tb.Header[0], RandomLevel: 1, Step: ChooseColumns(tb.Header)[RoleStep]}
	if len(tb.Header) > 1 {
		opt.Grad = tb.Header[1]
	}
	if len(tb.Header) > 2 {
		opt.Angle = tb.Header[2]
	}
	r, err := Analyze(tb, opt)
	if err != nil {
		return
	}
	_ = Compare(r, r, Tolerance{})
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"loss,grad_norm,angle\n1,2,0.1\n0.5,1,0.1\n0.25,0.5,0.1\n",
		"\ufeffstep,loss\n0,1\n1,0.5\n",
		"loss,loss\n1,2\n",
		"loss\nNaN\n\"0.5\"\n",
		"a,b\n1\n",
		"loss,step\n1,0\n0.5,2\n0.25,1\n",
		"# comment\nloss\n1e308\n-1e308\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, err := ReadCSV(bytes.NewReader(b), "fuzz.csv")
		if err != nil {
			return
		}
		fuzzAnalyze(t, tb)
	})
}

func FuzzReadJSONLines(f *testing.F) {
	for _, s := range []string{
		`{"epoch":0,"train_loss":2.3,"grad_norm_mean":null,"angle_step_mean":0.1}` + "\n" + `{"epoch":1,"train_loss":1.2,"grad_norm_mean":1,"angle_step_mean":0.1}` + "\n",
		`{"a":"0.5"}` + "\n",
		`{"a":1,"a":2}` + "\n",
		`{"a":NaN,"b":"x\"NaN","c":-Infinity}` + "\n",
		`{"step":2,"loss":"NaN"}` + "\n" + `{"step":1,"loss":"0.5"}` + "\n",
		`[1,2]` + "\n",
		`{"a":{"b":1}}` + "\n",
		"\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, err := ReadJSONLines(bytes.NewReader(b), "fuzz.jsonl")
		if err != nil {
			return
		}
		fuzzAnalyze(t, tb)
	})
}

// FuzzReadReport fuzzes the golden-file reader of regimes compare.
func FuzzReadReport(f *testing.F) {
	for _, s := range []string{
		`{"rows":10,"roles":{"loss":"loss"},"columns":{"loss":{"n":10,"mean":1}},"regime":"convergence","evidence":{},"theory":{"gd_threshold":2}}`,
		`{"regime":"nonsense"}`,
		`{"rows":-1,"regime":"chaotic","columns":{"loss":null}}`,
		`{}`,
		`null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ReadReport(b, "fuzz.json")
		if err != nil {
			return
		}
		_ = Compare(r, r, Tolerance{})
	})
}

// Defect 9 of issue 15: a duplicated column was accepted silently (the
// second one was never read).
func TestReadCSVDuplicateColumn(t *testing.T) {
	_, err := ReadCSV(bytes.NewReader([]byte("step,loss,loss\n0,1,2\n")), "dup.csv")
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(`dup.csv:1: column "loss" appears twice (columns 2 and 3)`)) {
		t.Errorf("duplicated column: %v", err)
	}
}

// Defect 9 of issue 15: analyze silently accepted a key given twice in a
// line of JSON Lines (the second value won), numbers written as JSON
// strings ("0.5"), and steps that go back or repeat. Each is now an error
// naming the file and line; the strings of NaN and the infinities, which
// JSON has no number for, still read as those values.
func TestAnalyzeRefusesAmbiguousLogs(t *testing.T) {
	rows := func(f func(i int) string) string {
		var b bytes.Buffer
		for i := 0; i < 30; i++ {
			b.WriteString(f(i) + "\n")
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, data, want string
	}{
		{"dup.jsonl", `{"epoch":0,"train_loss":1}` + "\n" + `{"epoch":1,"train_loss":1,"train_loss":2}` + "\n",
			`dup.jsonl:2: key "train_loss" appears twice`},
		{"quoted.jsonl", rows(func(i int) string {
			if i == 7 {
				return `{"epoch":7,"train_loss":"0.5"}`
			}
			return fmt.Sprintf(`{"epoch":%d,"train_loss":%g}`, i, 1/float64(i+1))
		}), `quoted.jsonl:8: column "train_loss": the JSON string "0.5" is not a number (write numbers unquoted)`},
		{"back.csv", "step,loss\n" + rows(func(i int) string {
			if i == 12 {
				return "5,0.5"
			}
			return fmt.Sprintf("%d,%g", i, 1/float64(i+1))
		}), `back.csv:14: column "step": step 5 after 11 (line 13); the steps of a log must increase`},
		{"repeat.jsonl", rows(func(i int) string {
			return fmt.Sprintf(`{"epoch":%d,"train_loss":%g}`, i-i%20/19, 1/float64(i+1))
		}), `repeat.jsonl:20: column "epoch": step 18 after 18 (line 19)`},
	} {
		var tb *Table
		var err error
		if strings.HasSuffix(tc.name, ".csv") {
			tb, err = ReadCSV(strings.NewReader(tc.data), tc.name)
		} else {
			tb, err = ReadJSONLines(strings.NewReader(tc.data), tc.name)
		}
		if err == nil {
			step := "step"
			if !tb.Has(step) {
				step = "epoch"
			}
			_, err = Analyze(tb, AnalyzeOptions{Loss: tb.Header[1], Step: step})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.name, err, tc.want)
		}
	}
	// JSON has no NaN: its string reads as NaN, as a diverged run's logger
	// writes it.
	tb, err := ReadJSONLines(strings.NewReader(`{"epoch":0,"train_loss":"NaN"}`+"\n"+`{"epoch":1,"train_loss":"Infinity"}`+"\n"), "nan.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if x, err := tb.Column("train_loss"); err != nil || !math.IsNaN(x[0]) || !math.IsInf(x[1], 1) {
		t.Errorf("the strings NaN and Infinity: %v, %v", x, err)
	}
}

// Python's json module writes a diverged loss as the bare tokens NaN,
// Infinity and -Infinity (not JSON); they read as those values, and the same
// words inside strings are left alone.
func TestReadJSONLinesPythonNonFinite(t *testing.T) {
	tb, err := ReadJSONLines(strings.NewReader(`{"epoch": 0, "loss": NaN, "note": "NaN \"Infinity\""}`+"\n"+`{"epoch": 1, "loss": -Infinity}`+"\n"+`{"epoch": 2, "loss": Infinity}`+"\n"), "py.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	x, err := tb.Column("loss")
	if err != nil || !math.IsNaN(x[0]) || !math.IsInf(x[1], -1) || !math.IsInf(x[2], 1) {
		t.Errorf("loss %v, %v", x, err)
	}
	if n, _ := tb.Text("note"); n[0] != `NaN "Infinity"` {
		t.Errorf("note %q", n[0])
	}
}
