package analysis

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// ar1 returns n rows of the stationary AR(1) process
// x_t = phi x_{t-1} + e_t, e_t ~ N(0, 1), started from its stationary law
// N(0, 1/(1-phi^2)), plus the constant mean.
func ar1(n int, phi, mean float64, rng *rand.Rand) []float64 {
	x := make([]float64, n)
	v := rng.NormFloat64() / math.Sqrt(1-phi*phi)
	for i := range x {
		x[i] = mean + v
		v = phi*v + rng.NormFloat64()
	}
	return x
}

// ar1Tau is the integrated autocorrelation time of AR(1):
// 1 + 2 sum_t phi^t = (1+phi)/(1-phi).
func ar1Tau(phi float64) float64 { return (1 + phi) / (1 - phi) }

func TestAutocorrelationDirect(t *testing.T) {
	// The FFT autocorrelation must equal the direct O(N^2) sum.
	rng := rand.New(rand.NewPCG(1, 1))
	x := ar1(257, 0.7, 3, rng)
	got := Autocorrelation(nil, x)
	mean, _ := meanStd(x)
	g := func(lag int) float64 {
		var s float64
		for i := 0; i+lag < len(x); i++ {
			s += (x[i] - mean) * (x[i+lag] - mean)
		}
		return s / float64(len(x))
	}
	g0 := g(0)
	for lag := range x {
		want := g(lag) / g0
		if math.Abs(got[lag]-want) > 1e-12 {
			t.Fatalf("rho(%d) = %v, direct sum %v", lag, got[lag], want)
		}
	}
}

func TestIATAndStdErrAR1(t *testing.T) {
	// Known answers for AR(1): tau = (1+phi)/(1-phi); the variance of the
	// mean of N rows is sigma_x^2 tau / N with sigma_x^2 = 1/(1-phi^2)
	// (to leading order in 1/N).
	const n = 1 << 17
	for i, tc := range []struct {
		phi float64
		// tol is the relative tolerance on tau and on the standard
		// error: Sokal's estimator has relative standard deviation
		// sqrt(2(2M+1)/N) (Sokal 1989 eq. 3.19), M = 5 tau, which is
		// 2% at phi = 0.5 and 6% at phi = 0.9; batch means with k
		// batches have relative sd 1/sqrt(2(k-1)): 3.7% at k = 362
		// (phi = 0 and 0.5), 2.7% at k = 689 (phi = 0.9, batches of
		// 10 tau = 190). Tolerances are about 3 sd.
		tol float64
	}{
		{0, 0.12},
		{0.5, 0.12},
		{0.9, 0.2},
	} {
		rng := rand.New(rand.NewPCG(2, uint64(i)))
		x := ar1(n, tc.phi, 0, rng)
		tau, _ := IAT(x)
		want := ar1Tau(tc.phi)
		if math.Abs(tau/want-1) > tc.tol {
			t.Errorf("phi=%v: tau = %.3f, want %.3f", tc.phi, tau, want)
		}
		s := Stationary(x)
		wantSE := math.Sqrt(want / (1 - tc.phi*tc.phi) / float64(s.Window))
		if math.Abs(s.StdErr/wantSE-1) > tc.tol {
			t.Errorf("phi=%v: stderr = %.4g, want %.4g (batches %d of %d)", tc.phi, s.StdErr, wantSE, s.Batches, s.BatchSize)
		}
		// The mean is 0; allow 4 standard errors.
		if math.Abs(s.Mean) > 4*wantSE {
			t.Errorf("phi=%v: mean = %.4g, more than 4 se from 0", tc.phi, s.Mean)
		}
		if math.Abs(s.ESS-float64(s.Window)/s.IAT) > 1e-9 {
			t.Errorf("ESS %v != Window/IAT", s.ESS)
		}
	}
}

func TestWhiteNoise(t *testing.T) {
	// White noise N(5, 2^2): tau = 1 and stderr = sigma/sqrt(N).
	const n, sigma = 40000, 2.0
	rng := rand.New(rand.NewPCG(3, 0))
	x := make([]float64, n)
	for i := range x {
		x[i] = 5 + sigma*rng.NormFloat64()
	}
	s := Stationary(x)
	// For white noise Sokal's window stops at M = 5 with rho(t) of sd
	// 1/sqrt(N) = 0.005 each: tau within 1 +/- 2*5*3*0.005.
	if math.Abs(s.IAT-1) > 0.15 {
		t.Errorf("tau = %v, want 1", s.IAT)
	}
	want := sigma / math.Sqrt(float64(s.Window))
	// k = 200 batches: relative sd of the batch-means stderr is 5%.
	if math.Abs(s.StdErr/want-1) > 0.15 {
		t.Errorf("stderr = %v, want %v", s.StdErr, want)
	}
	// White noise has no transient: MSER should cut little (less than 10%).
	if s.TransientEnd > n/10 || s.TransientAtLimit {
		t.Errorf("transient end %d (at limit %v) on white noise", s.TransientEnd, s.TransientAtLimit)
	}
}

func TestPlantedTransient(t *testing.T) {
	// x_t = A exp(-t/T) + AR(1) noise with phi = 0.5 (sd sigma_x = 1.155).
	// The deterministic part falls below 10% of sigma_x at
	// t* = T ln(A / (0.1 sigma_x)) = 200 ln(86.6) = 892. The end found by
	// MSER must lie in [t*/3, 2 t*] (the rule balances bias against
	// variance, so it may stop a little before t*), and the stationary
	// mean must then be within 4 standard errors of 0.
	const (
		n    = 20000
		amp  = 10.0
		decT = 200.0
		phi  = 0.5
	)
	sx := 1 / math.Sqrt(1-phi*phi)
	tStar := decT * math.Log(amp/(0.1*sx))
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(4, seed))
		x := ar1(n, phi, 0, rng)
		for i := range x {
			x[i] += amp * math.Exp(-float64(i)/decT)
		}
		s := Stationary(x)
		t.Logf("seed %d: transient end %d (t* = %.0f)", seed, s.TransientEnd, tStar)
		if float64(s.TransientEnd) < tStar/3 || float64(s.TransientEnd) > 2*tStar {
			t.Errorf("seed %d: transient end %d, want in [%.0f, %.0f]", seed, s.TransientEnd, tStar/3, 2*tStar)
		}
		if math.Abs(s.Mean) > 4*s.StdErr {
			t.Errorf("seed %d: stationary mean %v, more than 4 se (%v) from 0", seed, s.Mean, s.StdErr)
		}
	}
}

func TestTrendFalsePositiveRate(t *testing.T) {
	// Under no trend, the full Stationary pipeline (MSER truncation then
	// the batch-means trend test) must reject at about the nominal level
	// on autocorrelated noise. 300 repetitions of AR(1), phi = 0.8,
	// tau = 9: at alpha = 0.05 the expected count is 15 with binomial sd
	// 3.8; accept 4..30 (a rate in [1.3%, 10%]).
	const reps, alpha = 300, 0.05
	var rejected int
	for r := range uint64(reps) {
		rng := rand.New(rand.NewPCG(5, r))
		x := ar1(3000, 0.8, 1, rng)
		if Stationary(x).TrendP < alpha {
			rejected++
		}
	}
	t.Logf("false positives: %d of %d at alpha = %v", rejected, reps, alpha)
	if rejected < 4 || rejected > 30 {
		t.Errorf("%d of %d stationary series rejected at alpha = %v; want about %v", rejected, reps, alpha, alpha*reps)
	}
}

func TestTrendPower(t *testing.T) {
	// AR(1), phi = 0.8: long-run variance sigma_x^2 tau = 2.78*9 = 25, so
	// the OLS slope of N rows has sd sqrt(12*25/N^3); for N = 3000 that
	// is 1.05e-4. A slope of 5 sd must be found nearly always (power of a
	// 5-sd effect at alpha = 0.05 with ~30 df is about 0.99); accept 85%.
	const n, reps, alpha = 3000, 100, 0.05
	slope := 5 * math.Sqrt(12*25/math.Pow(n, 3))
	var found int
	for r := range uint64(reps) {
		rng := rand.New(rand.NewPCG(6, r))
		x := ar1(n, 0.8, 0, rng)
		for i := range x {
			x[i] += slope * float64(i)
		}
		tr := TrendTest(x)
		if tr.P < alpha && tr.Slope > 0 {
			found++
		}
		// The slope estimate must be unbiased to within its sd.
		if r == 0 && math.Abs(tr.Slope-slope) > slope {
			t.Errorf("slope estimate %v, planted %v", tr.Slope, slope)
		}
	}
	t.Logf("power: %d of %d", found, reps)
	if found < 85 {
		t.Errorf("trend found in %d of %d series; want >= 85", found, reps)
	}
}

func TestMSERLimit(t *testing.T) {
	// A straight line never becomes stationary: MSER must report the limit.
	x := make([]float64, 1000)
	for i := range x {
		x[i] = -float64(i)
	}
	end, atLimit := MSER(x, 5)
	if !atLimit || end != 500 {
		t.Errorf("MSER on a line: end %d, atLimit %v; want 500, true", end, atLimit)
	}
}

func TestStationaryShortAndJSON(t *testing.T) {
	// One row: mean defined, everything else NaN, and JSON carries null.
	s := Stationary([]float64{3})
	if s.Mean != 3 || !math.IsNaN(s.StdErr) || !math.IsNaN(s.TrendP) {
		t.Fatalf("Stationary([3]) = %+v", s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back SeriesStats
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Mean != 3 || !math.IsNaN(back.StdErr) || !math.IsNaN(back.CI95[0]) {
		t.Errorf("round trip of %s gave %+v", b, back)
	}
}

func TestDriftTest(t *testing.T) {
	// A random walk with drift -0.05 and steps of sd 0.2 over 400 rows:
	// the mean increment has sd 0.2/sqrt(399) = 0.01, so the drift is
	// 5 sd and must be found nearly always (accept 90 of 100).
	// On stationary AR(1) noise the test is conservative (the batch-means
	// standard error of increments overestimates): at alpha = 0.05
	// expect fewer than the nominal 5% rejections; accept at most 10 of
	// 100.
	const reps, alpha = 100, 0.05
	var found, false1 int
	for r := range uint64(reps) {
		rng := rand.New(rand.NewPCG(8, r))
		x := make([]float64, 400)
		for i := 1; i < len(x); i++ {
			x[i] = x[i-1] - 0.05 + 0.2*rng.NormFloat64()
		}
		if tr := DriftTest(x); tr.P < alpha && tr.Slope < 0 {
			found++
		}
		if DriftTest(ar1(400, 0.8, 0, rng)).P < alpha {
			false1++
		}
	}
	t.Logf("drift found %d/%d, false positives %d/%d", found, reps, false1, reps)
	if found < 90 || false1 > 10 {
		t.Errorf("drift found in %d of %d walks (want >= 90), false positives %d (want <= 10)", found, reps, false1)
	}
}

func BenchmarkStationary1e4(b *testing.B) { benchmarkStationary(b, 10000) }
func BenchmarkStationary1e5(b *testing.B) { benchmarkStationary(b, 100000) }
func BenchmarkStationary1e6(b *testing.B) { benchmarkStationary(b, 1000000) }

func benchmarkStationary(b *testing.B, n int) {
	x := ar1(n, 0.9, 0, rand.New(rand.NewPCG(9, 0)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		Stationary(x)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
