package realnets

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteReadSteps(t *testing.T) {
	recs := []StepRecord{
		{Step: 1, Epoch: 1, BatchLoss: 11.862530034102207, GradNorm: 394.9, Angle: 0.1 + 0.2, ELR: 1e-3},
		{Step: 2, Epoch: 1, BatchLoss: math.SmallestNonzeroFloat64, GradNorm: math.MaxFloat64, Angle: 0, ELR: 1.0000000000000002},
	}
	var buf bytes.Buffer
	if err := WriteSteps(&buf, recs); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), StepsFile)
	os.WriteFile(name, buf.Bytes(), 0o644)
	got, err := ReadSteps(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(recs) || got[0] != recs[0] || got[1] != recs[1] {
		t.Errorf("round trip: %+v, want %+v", got, recs)
	}
	for _, tc := range []struct{ text, want string }{
		{"", "empty file"},
		{"step,loss\n", ":1: header"},
		{StepsHeader + "\n1,1,2,3,4\n", ":2: 5 fields"},
		{StepsHeader + "\n1,1,2,3,4,5\nx,1,2,3,4,5\n", `:3: strconv.Atoi: parsing "x"`},
		{StepsHeader + "\n1,1,2,3,four,5\n", `:2: strconv.ParseFloat: parsing "four"`},
	} {
		os.WriteFile(name, []byte(tc.text), 0o644)
		if _, err := ReadSteps(name); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.text, err, tc.want)
		}
	}
}
