package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A Rule is what every number of a list must be.
type Rule int

// The rules of Floats.
const (
	Finite      Rule = iota // a finite number
	Positive                // a finite number > 0
	NonNegative             // a finite number >= 0
)

// String names the rule as Floats's errors do: "a positive number".
func (r Rule) String() string {
	return [...]string{"a finite number", "a positive number", "a non-negative number"}[r]
}

func (r Rule) holds(x float64) bool {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return false
	case r == Positive:
		return x > 0
	case r == NonNegative:
		return x >= 0
	}
	return true
}

// Floats parses a comma-separated list of numbers that each follow the
// rule r. Blank items are skipped; a blank list gives an empty, non-nil
// slice. The error names the first item that is not a number of the rule.
func Floats(s string, r Rule) ([]float64, error) {
	v := []float64{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		x, err := strconv.ParseFloat(f, 64)
		if err != nil || !r.holds(x) {
			return nil, fmt.Errorf("%q is not %v", f, r)
		}
		v = append(v, x)
	}
	return v, nil
}

// FormatFloats writes v as a comma-separated list that Floats reads back
// exactly (the shortest decimal form of each number).
func FormatFloats(v []float64) string {
	p := make([]string, len(v))
	for i, x := range v {
		p[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strings.Join(p, ",")
}

// PositiveInts parses a comma-separated list of whole numbers >= 1,
// skipping blank items.
func PositiveInts(s string) ([]int, error) {
	var v []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		k, err := strconv.Atoi(f)
		if err != nil || k < 1 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		v = append(v, k)
	}
	return v, nil
}

// MaxSeeds is the largest seed count Seeds accepts.
const MaxSeeds = 1_000_000

// Seeds parses a comma-separated list of seeds (whole numbers >= 0), or a
// count N without a comma, which means the seeds 1, ..., N (1 <= N <=
// MaxSeeds).
func Seeds(s string) ([]uint64, error) {
	if !strings.Contains(s, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil || n == 0 || n > MaxSeeds {
			return nil, fmt.Errorf("%q is neither a seed list nor a count >= 1", s)
		}
		return SeedsUpTo(int(n)), nil
	}
	var v []uint64
	for _, f := range strings.Split(s, ",") {
		x, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a seed (a whole number >= 0)", f)
		}
		v = append(v, x)
	}
	return v, nil
}

// SeedsUpTo returns the seeds 1, ..., n.
func SeedsUpTo(n int) []uint64 {
	v := make([]uint64, n)
	for i := range v {
		v[i] = uint64(i + 1)
	}
	return v
}
