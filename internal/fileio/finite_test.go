package fileio

import (
	"encoding/json"
	"math"
	"testing"
)

type inner struct {
	X float64 `json:"x"`
	S string  `json:"s,omitempty"`
}

type Embedded struct {
	E float64 `json:"e"`
}

type sample struct {
	N    int                `json:"n"`
	F    float64            `json:"f"`
	A    [2]float64         `json:"a"`
	L    []float64          `json:"l"`
	P    *float64           `json:"p"`
	In   inner              `json:"in"`
	Ptr  *inner             `json:"ptr,omitempty"`
	M    map[string]float64 `json:"m"`
	Skip float64            `json:"-"`
	Strs []string           `json:"strs"`
	Raw  json.RawMessage    `json:"raw,omitempty"`
	Embedded
	hidden float64
}

// TestMarshalFiniteLikeJSON checks that on finite values MarshalFinite
// writes exactly the bytes of encoding/json.
func TestMarshalFiniteLikeJSON(t *testing.T) {
	p := 2.5
	for _, v := range []sample{
		{},
		{N: 3, F: 0.1, A: [2]float64{1e-300, -2}, L: []float64{}, P: &p, In: inner{1, "<a&b>"}, Ptr: &inner{X: 3},
			M: map[string]float64{"b": 1, "a": 2}, Strs: []string{"x -> y"}, Raw: json.RawMessage(`{"k":1}`), Embedded: Embedded{7}},
	} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := MarshalFinite(v)
		if err != nil || string(got) != string(want) {
			t.Errorf("MarshalFinite = %s, %v\nencoding/json = %s", got, err, want)
		}
	}
}

func TestMarshalFiniteNull(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	v := sample{F: nan, A: [2]float64{inf, 1}, L: []float64{-inf}, P: &nan, In: inner{X: nan},
		M: map[string]float64{"k": nan}}
	got, err := MarshalFinite(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"n":0,"f":null,"a":[null,1],"l":[null],"p":null,"in":{"x":null},"m":{"k":null},"strs":null,"e":0}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

type flat struct {
	N int        `json:"n"`
	F float64    `json:"f"`
	A [2]float64 `json:"a"`
	G float64    `json:"g"`
}

func (f flat) MarshalJSON() ([]byte, error) { return MarshalFinite(f) }

func (f *flat) UnmarshalJSON(data []byte) error {
	type plain flat
	var p plain
	if err := UnmarshalFinite(data, &p); err != nil {
		return err
	}
	*f = flat(p)
	return nil
}

func TestFiniteRoundTrip(t *testing.T) {
	in := flat{N: 2, F: math.NaN(), A: [2]float64{1, math.Inf(-1)}, G: 0.5}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"n":2,"f":null,"a":[1,null],"g":0.5}`; string(b) != want {
		t.Fatalf("marshal = %s, want %s", b, want)
	}
	var out flat
	if err := json.Unmarshal([]byte(`{"n":2,"f":null,"a":[1,null]}`), &out); err != nil {
		t.Fatal(err)
	}
	// null and a missing key both read as NaN.
	if out.N != 2 || !math.IsNaN(out.F) || out.A[0] != 1 || !math.IsNaN(out.A[1]) || !math.IsNaN(out.G) {
		t.Errorf("unmarshal = %+v", out)
	}
	if Finite(math.NaN()) != nil || *Finite(3) != 3 || !math.IsNaN(OrNaN(nil)) || OrNaN(Finite(4)) != 4 {
		t.Errorf("Finite/OrNaN disagree with the rule")
	}
}
