package regime

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Regime
		err  bool
	}{
		{"convergence", Convergence, false},
		{"conv", Convergence, false},
		{"1", Convergence, false},
		{"Chaotic equilibrium", Chaotic, false},
		{"chaotic_equilibrium", Chaotic, false},
		{" chaotic-equilibrium ", Chaotic, false},
		{"chaos", Chaotic, false},
		{"equilibrium", Chaotic, false},
		{"2", Chaotic, false},
		{"divergence", Divergence, false},
		{"DIV", Divergence, false},
		{"3", Divergence, false},
		{"", Undetermined, false},
		{"0", Undetermined, false},
		{"undetermined", Undetermined, false},
		{"banana", Undetermined, true},
		{"4", Undetermined, true},
		{"error", Undetermined, true},
	} {
		got, err := Parse(tc.in)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("Parse(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	// The names are the strings of every committed result file; they must
	// never change.
	want := map[Regime]string{Convergence: "convergence", Chaotic: "chaotic equilibrium",
		Divergence: "divergence", Undetermined: "undetermined"}
	for _, r := range All {
		if r.String() != want[r] {
			t.Errorf("%d.String() = %q, want %q", int(r), r.String(), want[r])
		}
		if back, err := Parse(r.String()); err != nil || back != r {
			t.Errorf("Parse(%q) = %v, %v", r.String(), back, err)
		}
		b, err := json.Marshal(struct {
			R Regime            `json:"regime"`
			M map[Regime]string `json:"m"`
		}{r, map[Regime]string{r: "x"}})
		wantJSON := `{"regime":"` + want[r] + `","m":{"` + want[r] + `":"x"}}`
		if err != nil || string(b) != wantJSON {
			t.Errorf("json of %v = %s, %v; want %s", r, b, err, wantJSON)
		}
		var back struct {
			R Regime `json:"regime"`
		}
		if err := json.Unmarshal(b, &back); err != nil || back.R != r {
			t.Errorf("json round trip of %v gives %v, %v", r, back.R, err)
		}
	}
	if _, err := json.Marshal(Regime(7)); err == nil {
		t.Errorf("an invalid regime marshals")
	}
	var r Regime
	if err := json.Unmarshal([]byte(`"nonsense"`), &r); err == nil {
		t.Errorf("an unknown name unmarshals")
	}
	if err := json.Unmarshal([]byte(`3`), &r); err == nil {
		t.Errorf("a JSON number unmarshals as a regime")
	}
}

func TestBoundariesOf(t *testing.T) {
	c, e, d, u := Convergence, Chaotic, Divergence, Undetermined
	nan := math.NaN()
	for _, tc := range []struct {
		regimes []Regime
		want    [4]float64 // convergence max, chaotic min, max, divergence min (NaN: none)
		str     string
	}{
		{[]Regime{c, c, e, e, d}, [4]float64{2, 3, 4, 5}, "convergence up to 2, chaotic 3-4, divergence from 5"},
		{[]Regime{u, c, e, u, d}, [4]float64{2, 3, 3, 5}, "convergence up to 2, chaotic 3, divergence from 5"},
		{[]Regime{u, u, u, u, u}, [4]float64{nan, nan, nan, nan}, "convergence up to none, chaotic none, divergence from none"},
		{[]Regime{c, d, c, e, u}, [4]float64{3, 4, 4, 2}, "convergence up to 3, chaotic 4, divergence from 2"},
	} {
		b := BoundariesOf([]float64{1, 2, 3, 4, 5}, tc.regimes)
		got := [4]float64{nan, nan, nan, nan}
		for i, p := range []*float64{b.ConvergenceMax, b.ChaoticMin, b.ChaoticMax, b.DivergenceMin} {
			if p != nil {
				got[i] = *p
			}
		}
		if !slices.EqualFunc(got[:], tc.want[:], func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }) {
			t.Errorf("%v: boundaries %v, want %v", tc.regimes, got, tc.want)
		}
		if b.String() != tc.str {
			t.Errorf("%v: String() = %q, want %q", tc.regimes, b.String(), tc.str)
		}
	}
}
