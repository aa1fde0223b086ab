package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/regimes/regimes/regime"
)

// tableOf returns a table with the columns loss, grad_norm and angle.
func tableOf(t *testing.T, loss, grad, angle []float64) *Table {
	t.Helper()
	var b strings.Builder
	b.WriteString("step,loss,grad_norm,angle\n")
	for i := range loss {
		fmt.Fprintf(&b, "%d,%.17g,%.17g,%.17g\n", i, loss[i], grad[i], angle[i])
	}
	tb, err := ReadCSV(strings.NewReader(b.String()), "synthetic.csv")
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// syntheticReport analyses a stationary synthetic run at the given loss
// level; grad and angle are tied to the loss as in lsq (grad ~ sqrt(loss)).
func syntheticReport(t *testing.T, level float64, seed uint64, theory map[string]float64) Report {
	t.Helper()
	const n = 4000
	loss := lognormalAR(n, level, 0.1, 0.8, seed)
	grad := make([]float64, n)
	angle := make([]float64, n)
	for i, v := range loss {
		grad[i] = math.Sqrt(2 * v)
		angle[i] = math.Atan(2.2 * grad[i])
	}
	r, err := Analyze(tableOf(t, loss, grad, angle), AnalyzeOptions{
		Loss: "loss", Grad: "grad_norm", Angle: "angle", RandomLevel: 1.0 / 48, Theory: theory,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCompare(t *testing.T) {
	th := map[string]float64{"gd_threshold": 8.3, "ms_threshold": 2}
	golden := syntheticReport(t, 0.011, 1, th)
	if golden.Regime != regime.Chaotic {
		t.Fatalf("golden regime %s: %v", golden.Regime, golden.Evidence.Reasons)
	}
	// The golden must survive a JSON round trip unchanged in what
	// Compare reads.
	b, err := json.Marshal(golden)
	if err != nil {
		t.Fatal(err)
	}
	golden, err = ReadReport(b, "golden.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		run   Report
		agree bool
		// reason is a phrase that must appear in the reasons.
		reason string
	}{
		{"same statistics, other seed", syntheticReport(t, 0.011, 2, th), true, ""},
		// A level 30% higher: the loss se is about 0.1*0.011*sqrt(9/4000)
		// = 5e-5, so the difference is about 50 joint standard errors.
		{"other level", syntheticReport(t, 0.0143, 3, th), false, "loss level"},
		{"other regime", syntheticReport(t, 0.03, 4, th), false, `regime "divergence" differs`},
		{"other theory", syntheticReport(t, 0.011, 5, map[string]float64{"gd_threshold": 8.3 * (1 + 1e-5), "ms_threshold": 2}), false, "theory gd_threshold"},
		{"missing theory", syntheticReport(t, 0.011, 6, map[string]float64{"gd_threshold": 8.3}), false, "theory ms_threshold missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Compare(tc.run, golden, Tolerance{})
			if c.Agree != tc.agree {
				t.Fatalf("agree = %v, want %v; reasons %v", c.Agree, tc.agree, c.Reasons)
			}
			if !strings.Contains(strings.Join(c.Reasons, "; "), tc.reason) {
				t.Errorf("reasons %v lack %q", c.Reasons, tc.reason)
			}
		})
	}
}

func TestCompareFalseAlarms(t *testing.T) {
	// Runs with the same statistics must agree: three z-tests at
	// Alpha = 0.001 each, so in 40 pairs a false alarm has probability
	// about 40*0.003 = 12% if the standard errors are right; allow 1.
	golden := syntheticReport(t, 0.011, 100, nil)
	var alarms int
	for s := range uint64(40) {
		if c := Compare(syntheticReport(t, 0.011, 200+s, nil), golden, Tolerance{}); !c.Agree {
			alarms++
			t.Logf("seed %d: %v", s, c.Reasons)
		}
	}
	if alarms > 1 {
		t.Errorf("%d false alarms in 40 agreeing pairs", alarms)
	}
}
