package cli

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

func newFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("loss", "", "")
	fs.String("angle", "", "")
	fs.Bool("quiet", false, "")
	fs.Int("epochs", 0, "")
	return fs
}

// ExampleParseAnywhere parses flags that follow, precede and surround the
// positional arguments, and stops at "--".
func ExampleParseAnywhere() {
	fs := newFlags()
	pos, err := ParseAnywhere(fs, []string{"run.csv", "-loss", "train_loss", "golden.csv", "-quiet", "--", "-not-a-flag"})
	fmt.Println(pos, err, fs.Lookup("loss").Value, fs.Lookup("quiet").Value)
	// Output: [run.csv golden.csv -not-a-flag] <nil> train_loss true
}

// ExampleExplain suggests the nearest flag for a misspelt one.
func ExampleExplain() {
	_, err := ParseAnywhere(newFlags(), []string{"x.csv", "-anlge", "a"})
	fmt.Println(err)
	// Output: flag provided but not defined: -anlge; did you mean -angle?
}

// ExampleFloats parses the lists of numbers that flags take.
func ExampleFloats() {
	fmt.Println(Floats("1e-3, 3e-3,,1e-2", Positive))
	fmt.Println(Floats("0.5,0", Positive))
	fmt.Println(Floats("0.5,0", NonNegative))
	fmt.Println(Floats("", Finite))
	// Output:
	// [0.001 0.003 0.01] <nil>
	// [] "0" is not a positive number
	// [0.5 0] <nil>
	// [] <nil>
}

// ExampleSeeds reads a seed list or a count.
func ExampleSeeds() {
	fmt.Println(Seeds("3"))
	fmt.Println(Seeds("7,11"))
	// Output:
	// [1 2 3] <nil>
	// [7 11] <nil>
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{
		{"", "", 0}, {"loss", "loss", 0}, {"los", "loss", 1}, {"anlge", "angle", 1}, // a swap is one edit
		{"kitten", "sitting", 3}, {"epoch", "epochs", 1}, {"ab", "", 2}, {"ca", "abc", 3}, // OSA, not Damerau: 3
	} {
		if got := editDistance(tc.a, tc.b); got != tc.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
		if got := editDistance(tc.b, tc.a); got != tc.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d (symmetric)", tc.b, tc.a, got, tc.d)
		}
	}
}

func TestSuggest(t *testing.T) {
	fs := newFlags()
	for name, want := range map[string]string{"los": "loss", "EPOCH": "epochs", "zzzzzzzz": "", "q": ""} {
		if got := Suggest(fs, name); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", name, got, want)
		}
	}
	// A flag set without flags returns its arguments as they are.
	empty := flag.NewFlagSet("sweep", flag.ContinueOnError)
	if pos, err := ParseAnywhere(empty, []string{"plan", "-net"}); err != nil || !slices.Equal(pos, []string{"plan", "-net"}) {
		t.Errorf("ParseAnywhere without flags: %q, %v", pos, err)
	}
}

func TestHasBool(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"-net", "-out", "x"}, true},
		{[]string{"-out", "x", "--net"}, true},
		{[]string{"-net=true"}, true},
		{[]string{"-net=false"}, false},
		{[]string{"-out", "x"}, false},
		{[]string{"-netty"}, false},
		{[]string{"net"}, false},
	} {
		if got := HasBool(tc.args, "net"); got != tc.want {
			t.Errorf("HasBool(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

func TestLists(t *testing.T) {
	for _, tc := range []struct {
		s    string
		r    Rule
		want string
	}{
		{"1,-2.5, 3e2", Finite, "[1 -2.5 300]"},
		{"1,NaN", Finite, `"NaN" is not a finite number`},
		{"Inf", Positive, `"Inf" is not a positive number`},
		{"1,x", Positive, `"x" is not a positive number`},
		{"-1", NonNegative, `"-1" is not a non-negative number`},
		{" , ", NonNegative, "[]"},
	} {
		v, err := Floats(tc.s, tc.r)
		got := fmt.Sprint(v)
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("Floats(%q, %v) = %s, want %s", tc.s, tc.r, got, tc.want)
		}
	}
	if v, err := Floats(FormatFloats([]float64{0.1, 1.0 / 3, 2e-17}), Positive); err != nil || !slices.Equal(v, []float64{0.1, 1.0 / 3, 2e-17}) {
		t.Errorf("FormatFloats does not read back: %v, %v", v, err)
	}
	if v, err := PositiveInts("2, 5,"); err != nil || !slices.Equal(v, []int{2, 5}) {
		t.Errorf("PositiveInts: %v, %v", v, err)
	}
	for _, s := range []string{"0", "1.5", "x"} {
		if _, err := PositiveInts(s); err == nil || !strings.Contains(err.Error(), "positive whole number") {
			t.Errorf("PositiveInts(%q): %v", s, err)
		}
	}
	for _, s := range []string{"0", "1000001", "x", "1,-1"} {
		if _, err := Seeds(s); err == nil {
			t.Errorf("Seeds(%q) accepted", s)
		}
	}
}
