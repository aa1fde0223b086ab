package memguard

import (
	"math"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	if Limit() <= 0 {
		t.Fatalf("Limit() = %v", Limit())
	}
	if err := Check("a small thing", 1<<20); err != nil {
		t.Errorf("1 MiB refused: %v", err)
	}
	for _, need := range []float64{Limit() * 1.01, 1e30, math.Inf(1), math.NaN(), -1} {
		err := Check("toy -d 1e12", need)
		if err == nil {
			t.Errorf("need %v accepted", need)
			continue
		}
		for _, w := range []string{"toy -d 1e12", "would need", "limit of", EnvLimit} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("need %v: %q lacks %q", need, err, w)
			}
		}
	}
}

func TestBytes(t *testing.T) {
	for _, c := range []struct {
		b    float64
		want string
	}{{512, "512 B"}, {1536, "1.5 KiB"}, {7.5 * (1 << 30), "7.5 GiB"}, {8e12, "7.28 TiB"}} {
		if got := Bytes(c.b); got != c.want {
			t.Errorf("Bytes(%v) = %q, want %q", c.b, got, c.want)
		}
	}
	for _, c := range []struct {
		s    string
		want float64
	}{{"2G", 2 << 30}, {"512M", 512 << 20}, {"1.5GiB", 1.5 * (1 << 30)}, {"1000", 1000}} {
		if got, err := ParseBytes(c.s); err != nil || got != c.want {
			t.Errorf("ParseBytes(%q) = %v, %v; want %v", c.s, got, err, c.want)
		}
	}
	for _, s := range []string{"", "x", "-1G", "0", "NaN"} {
		if _, err := ParseBytes(s); err == nil {
			t.Errorf("ParseBytes(%q): no error", s)
		}
	}
}
