package memguard

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Fraction is the share of the machine's memory one request may plan for.
const Fraction = 0.75

// EnvLimit names the environment variable that overrides the limit, in
// bytes with an optional suffix k, M, G, T (powers of 1024): for example
// REGIMES_MEMORY_LIMIT=2G.
const EnvLimit = "REGIMES_MEMORY_LIMIT"

var (
	once     sync.Once
	limit    float64
	totalMem float64
	source   string
)

// Limit returns the number of bytes one request may need: Fraction of the
// smaller of the physical memory (MemTotal of /proc/meminfo) and the cgroup
// limit (memory.max), or the value of EnvLimit when it is set. Where neither
// can be read it assumes 8 GiB of memory.
func Limit() float64 {
	once.Do(initLimit)
	return limit
}

func initLimit() {
	totalMem, source = 8<<30, "an assumed 8 GiB of memory"
	if m, ok := memTotal(); ok {
		totalMem, source = m, "this machine's "+Bytes(m)+" of memory"
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64); err == nil && v < totalMem {
			totalMem, source = v, "the cgroup's "+Bytes(v)+" memory limit"
		}
	}
	limit = Fraction * totalMem
	source = fmt.Sprintf("%.0f%% of %s", 100*Fraction, source)
	if s := os.Getenv(EnvLimit); s != "" {
		if v, err := ParseBytes(s); err == nil {
			limit, source = v, EnvLimit+"="+s
		}
	}
}

// memTotal reads MemTotal from /proc/meminfo.
func memTotal() (float64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 2 && fs[0] == "MemTotal:" {
			kb, err := strconv.ParseFloat(fs[1], 64)
			return kb * 1024, err == nil && kb > 0
		}
	}
	return 0, false
}

// Check returns nil when need bytes fit in Limit, else an error of the form
// "what would need 7.5 GiB, more than the limit of 17.6 GiB (75% of this
// machine's 23.5 GiB of memory)". need is a float64 so that the products of
// absurd sizes do not overflow; a NaN or negative need is refused too.
func Check(what string, need float64) error {
	l := Limit()
	if need >= 0 && need <= l {
		return nil
	}
	return fmt.Errorf("%s would need %s of memory, more than the limit of %s (%s; set %s to change it)", what, Bytes(need), Bytes(l), source, EnvLimit)
}

// Bytes formats a byte count with a binary prefix: 512 B, 1.5 KiB, 7.5 GiB.
func Bytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.3g %s", b, units[i])
}

// ParseBytes reads a byte count with an optional suffix k, M, G or T (also
// KiB, MiB, GiB, TiB; all powers of 1024).
func ParseBytes(s string) (float64, error) {
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"k", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v > 0) || v*mult > 1e30 {
		return 0, fmt.Errorf("memory size %q: want a positive number of bytes with an optional suffix K, M, G or T", s)
	}
	return v * mult, nil
}
