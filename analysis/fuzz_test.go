package analysis

import (
	"bytes"
	"testing"
)

// The fuzz targets of the analysis readers (issue 15, item 10): every input
// is refused with an error or analysed without a panic.

func fuzzAnalyze(t *testing.T, tb *Table) {
	if len(tb.Header) == 0 {
		return
	}
	opt := AnalyzeOptions{Loss: tb.Header[0], RandomLevel: 1}
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
