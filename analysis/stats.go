package analysis

import (
	"math"
	"strconv"

	"github.com/regimes/regimes/internal/fileio"
	"gonum.org/v1/gonum/dsp/fourier"
	"gonum.org/v1/gonum/stat/distuv"
)

// SokalC is the constant c of Sokal's automatic window used by IAT: the
// window M is the smallest lag with M >= SokalC * tau(M). The value 5 is
// Sokal's recommendation (Sokal 1989, section 3; also the default of emcee).
const SokalC = 5

// MSERBatch is the batch size of the MSER-5 truncation rule used by
// Stationary (White, Cobb and Spratt 2000).
const MSERBatch = 5

// BatchTauFactor sets the batch size of the batch-means estimators: a batch
// holds at least BatchTauFactor integrated autocorrelation times, so that
// neighbouring batch means are nearly uncorrelated (the correlation of
// adjacent batch means of an AR(1) series is about tau/(4m) for batches of
// m rows; at m = 10 tau it is 2.5%).
const BatchTauFactor = 10

// SeriesStats holds the equilibrium statistics of one series over its
// stationary window, as computed by Stationary. Row indices count from 0 in
// the input series. Undefined values (a window too short) are NaN and
// marshal to JSON null.
type SeriesStats struct {
	// N is the number of rows of the input series.
	N int `json:"n"`
	// TransientEnd is the first row of the stationary window (MSER-5).
	TransientEnd int `json:"transient_end"`
	// TransientAtLimit reports that the MSER rule hit its limit of half
	// the series: no stationary window was found, and the statistics of
	// the second half are reported (typical of a series that keeps
	// drifting, for example a converging loss).
	TransientAtLimit bool `json:"transient_at_limit"`
	// Window is the number of rows of the stationary window.
	Window int `json:"window"`
	// Mean is the mean over the stationary window.
	Mean float64 `json:"mean"`
	// StdErr is the standard error of Mean by non-overlapping batch means.
	StdErr float64 `json:"stderr"`
	// CI95 is the two-sided 95% confidence interval of the mean,
	// Mean -/+ t(0.975, Batches-1) * StdErr.
	CI95 [2]float64 `json:"ci95"`
	// Batches and BatchSize describe the batch means behind StdErr.
	Batches   int `json:"batches"`
	BatchSize int `json:"batch_size"`
	// StdDev is the sample standard deviation over the window.
	StdDev float64 `json:"std"`
	// IAT is the integrated autocorrelation time over the window, in rows
	// (Sokal's automatic window, c = SokalC), and IATWindow that window.
	IAT       float64 `json:"iat"`
	IATWindow int     `json:"iat_window"`
	// ESS is the effective sample size Window / IAT.
	ESS float64 `json:"ess"`
	// TrendSlope, TrendStat, TrendDF and TrendP are the result of
	// TrendTest over the stationary window: slope per row, t statistic,
	// its degrees of freedom and the two-sided p-value.
	TrendSlope float64 `json:"trend_slope"`
	TrendStat  float64 `json:"trend_stat"`
	TrendDF    int     `json:"trend_df"`
	TrendP     float64 `json:"trend_p"`
}

// MarshalJSON encodes s with NaN and infinite values as null.
func (s SeriesStats) MarshalJSON() ([]byte, error) { return fileio.MarshalFinite(s) }

// UnmarshalJSON decodes s; null numbers decode as NaN.
func (s *SeriesStats) UnmarshalJSON(data []byte) error {
	type plain SeriesStats
	var p plain
	if err := fileio.UnmarshalFinite(data, &p); err != nil {
		return err
	}
	*s = SeriesStats(p)
	return nil
}

func nanSeriesStats() SeriesStats {
	nan := math.NaN()
	return SeriesStats{
		Mean: nan, StdErr: nan, CI95: [2]float64{nan, nan}, StdDev: nan,
		IAT: nan, ESS: nan, TrendSlope: nan, TrendStat: nan, TrendP: nan,
	}
}

// Stationary computes the equilibrium statistics of x (SCIENCE.md section 8):
// the end of the transient by MSER-5, then over the stationary window
// x[TransientEnd:] the mean, its standard error by batch means, the
// integrated autocorrelation time, the effective sample size and a trend
// test valid for autocorrelated data. Stationary panics if x holds a NaN.
func Stationary(x []float64) SeriesStats {
	for i, v := range x {
		if math.IsNaN(v) {
			panic("analysis: NaN in series at row " + itoa(i))
		}
	}
	s := nanSeriesStats()
	s.N = len(x)
	end, atLimit := MSER(x, MSERBatch)
	s.TransientEnd, s.TransientAtLimit = end, atLimit
	w := x[end:]
	s.Window = len(w)
	if len(w) == 0 {
		return s
	}
	mean, sd := meanStd(w)
	s.Mean, s.StdDev = mean, sd
	if len(w) < 2 {
		return s
	}
	s.IAT, s.IATWindow = IAT(w)
	s.ESS = float64(len(w)) / s.IAT
	s.BatchSize = BatchSize(len(w), s.IAT)
	_, s.StdErr, s.Batches = BatchMeans(w, s.BatchSize)
	if s.Batches >= 2 {
		q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(s.Batches - 1)}.Quantile(0.975)
		s.CI95 = [2]float64{mean - q*s.StdErr, mean + q*s.StdErr}
	}
	tr := TrendTest(w)
	s.TrendSlope, s.TrendStat, s.TrendDF, s.TrendP = tr.Slope, tr.Stat, tr.DF, tr.P
	return s
}

// MSER returns the end of the initial transient of x by the marginal
// standard error rule (White 1997, "An effective truncation heuristic for
// bias reduction in simulation output", Simulation 69(6); the batched
// variant MSER-5 of White, Cobb and Spratt 2000, Proc. Winter Simulation
// Conference). The series is cut into batches of batch rows (the last
// incomplete batch is dropped); with Z_j the batch means, k their number,
// the truncation d in batches minimises
//
//	MSER(d) = sum_{j>=d} (Z_j - mean(Z_d..Z_{k-1}))^2 / (k-d)^2
//
// over 0 <= d <= k/2, the usual limit. The returned end is the first row of
// the stationary window, d*batch. atLimit reports that the minimum lies on
// that limit: the rule found no stationary window in the first half (the
// series is still drifting or too short). MSER panics if batch < 1.
func MSER(x []float64, batch int) (end int, atLimit bool) {
	if batch < 1 {
		panic("analysis: MSER batch size < 1")
	}
	k := len(x) / batch
	if k < 4 {
		return 0, false
	}
	z := make([]float64, k)
	for j := range z {
		var s float64
		for _, v := range x[j*batch : (j+1)*batch] {
			s += v
		}
		z[j] = s / float64(batch)
	}
	// Backward sums give MSER(d) for every d in O(k); the squared
	// deviations are accumulated by Welford's update for accuracy.
	limit := k / 2
	var mean, m2 float64
	var n float64
	best, bestD := math.Inf(1), 0
	for d := k - 1; d >= 0; d-- {
		n++
		delta := z[d] - mean
		mean += delta / n
		m2 += delta * (z[d] - mean)
		if n < 2 {
			continue
		}
		if d > limit {
			continue
		}
		if v := m2 / (n * n); v <= best {
			best, bestD = v, d
		}
	}
	return bestD * batch, bestD == limit
}

// Autocorrelation stores in dst the normalised sample autocorrelation
// rho(t) = gamma(t)/gamma(0), t = 0..len(x)-1, of x with
// gamma(t) = (1/N) sum_i (x_i - mean)(x_{i+t} - mean), computed by FFT with
// zero padding to a length >= 2N (Wiener-Khinchin; O(N log N)). If dst is
// nil a new slice is allocated; otherwise it must have length len(x). A
// constant series has rho(0) = 1 and rho(t) = 0 for t > 0.
func Autocorrelation(dst, x []float64) []float64 {
	n := len(x)
	if dst == nil {
		dst = make([]float64, n)
	} else if len(dst) != n {
		panic("analysis: Autocorrelation length mismatch")
	}
	if n == 0 {
		return dst
	}
	m := 1
	for m < 2*n {
		m <<= 1
	}
	mean, _ := meanStd(x)
	buf := make([]float64, m)
	for i, v := range x {
		buf[i] = v - mean
	}
	fft := fourier.NewFFT(m)
	c := fft.Coefficients(nil, buf)
	for i, v := range c {
		c[i] = complex(real(v)*real(v)+imag(v)*imag(v), 0)
	}
	fft.Sequence(buf, c)
	g0 := buf[0]
	if g0 <= 0 {
		clear(dst)
		dst[0] = 1
		return dst
	}
	for t := range dst {
		dst[t] = buf[t] / g0
	}
	return dst
}

// IAT returns the integrated autocorrelation time of x,
// tau = 1 + 2 sum_{t=1}^{M} rho(t), with Sokal's automatic window: M is the
// smallest lag with M >= SokalC * tau(M) (A. D. Sokal, "Monte Carlo methods
// in statistical mechanics: foundations and new algorithms", 1989 Cargese
// lectures, section 3; the same convention as emcee's autocorr.integrated_time
// with c = 5). If no such lag exists below len(x) the series is too short
// for a reliable estimate and the sum up to len(x)-1 is returned with
// window len(x)-1. For an anticorrelated series tau can fall below 1; it is
// clamped at 1/len(x). A series shorter than 2 rows has tau NaN.
func IAT(x []float64) (tau float64, window int) {
	n := len(x)
	if n < 2 {
		return math.NaN(), 0
	}
	rho := Autocorrelation(nil, x)
	tau = 1
	for m := 1; m < n; m++ {
		tau += 2 * rho[m]
		if float64(m) >= SokalC*tau {
			return math.Max(tau, 1/float64(n)), m
		}
	}
	return math.Max(tau, 1/float64(n)), n - 1
}

// BatchSize returns the batch size that Stationary and TrendTest use for n
// rows with integrated autocorrelation time tau:
// max(floor(sqrt(n)), ceil(BatchTauFactor * tau)), at most n. The sqrt(n)
// rule is that of Flegal and Jones 2010 ("Batch means and spectral variance
// estimators in Markov chain Monte Carlo", Ann. Statist. 38(2)); the tau
// floor keeps batch means nearly independent for slowly mixing series.
func BatchSize(n int, tau float64) int {
	m := int(math.Sqrt(float64(n)))
	if !math.IsNaN(tau) {
		if t := math.Ceil(BatchTauFactor * tau); t > float64(m) {
			m = int(math.Min(t, float64(n)))
		}
	}
	return max(1, min(m, n))
}

// BatchMeans returns the mean of x and its standard error by the method of
// non-overlapping batch means (Schmeiser 1982, "Batch size effects in the
// analysis of simulation output", Oper. Res. 30(3)): the last
// batches*size rows of x are cut into batches = len(x)/size batches of size
// rows (the incomplete remainder at the start is dropped), and
// stderr = sd(batch means)/sqrt(batches). The mean is over all of x. With
// fewer than 2 batches stderr is NaN. BatchMeans panics if size < 1.
func BatchMeans(x []float64, size int) (mean, stderr float64, batches int) {
	if size < 1 {
		panic("analysis: batch size < 1")
	}
	mean, _ = meanStd(x)
	batches = len(x) / size
	if batches < 2 {
		return mean, math.NaN(), batches
	}
	z := batchMeans(x, size)
	_, sd := meanStd(z)
	return mean, sd / math.Sqrt(float64(batches)), batches
}

// batchMeans returns the means of the len(x)/size batches of the last
// rows of x.
func batchMeans(x []float64, size int) []float64 {
	k := len(x) / size
	off := len(x) - k*size
	z := make([]float64, k)
	for j := range z {
		var s float64
		for _, v := range x[off+j*size : off+(j+1)*size] {
			s += v
		}
		z[j] = s / float64(size)
	}
	return z
}

// A Trend is the result of TrendTest.
type Trend struct {
	// Slope is the least-squares slope per row.
	Slope float64
	// Stat is the t statistic of the slope and DF its degrees of freedom.
	Stat float64
	DF   int
	// P is the two-sided p-value of the null hypothesis of no trend.
	P float64
	// Batches and BatchSize describe the batch means regressed.
	Batches, BatchSize int
}

// TrendTest tests x for a linear trend in a way that is valid for
// autocorrelated data: the regression of non-overlapping batch means on
// the batch centres. The series is detrended by least squares, the
// integrated autocorrelation time tau of the residuals is measured (IAT),
// and x is cut into batches of BatchSize(len(x), tau) rows. Batch means
// far longer than the correlation time are nearly independent and normal
// (Schmeiser 1982; Law and Kelton, Simulation Modeling and Analysis,
// section 9.5.3), so the ordinary least-squares slope of the k batch means
// on their centres has a Student t statistic with k-2 degrees of freedom
// under the null hypothesis. Slope is that regression's slope per row (it
// equals the raw-data OLS slope up to the dropped remainder and the
// within-batch averaging). With fewer than 3 batches the statistic and
// p-value are NaN.
func TrendTest(x []float64) Trend {
	nan := math.NaN()
	tr := Trend{Slope: nan, Stat: nan, P: nan}
	n := len(x)
	if n < 3 {
		return tr
	}
	// Detrend for the correlation time.
	a, b := olsLine(x)
	res := make([]float64, n)
	for i, v := range x {
		res[i] = v - a - b*float64(i)
	}
	tau, _ := IAT(res)
	size := BatchSize(n, tau)
	tr.BatchSize = size
	z := batchMeans(x, size)
	k := len(z)
	tr.Batches = k
	if k < 3 {
		tr.Slope = b
		return tr
	}
	za, zb := olsLine(z)
	var sse, sxx float64
	tm := float64(k-1) / 2
	for j, v := range z {
		r := v - za - zb*float64(j)
		sse += r * r
		d := float64(j) - tm
		sxx += d * d
	}
	tr.DF = k - 2
	tr.Slope = zb / float64(size)
	se := math.Sqrt(sse / float64(k-2) / sxx)
	switch {
	case se > 0:
		tr.Stat = zb / se
	case zb == 0:
		tr.Stat = 0
	default:
		tr.Stat = math.Copysign(math.Inf(1), zb)
	}
	tr.P = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(tr.DF)}.Survival(math.Abs(tr.Stat))
	return tr
}

// olsLine returns the least-squares line a + b*i through x_i, i = 0..n-1.
func olsLine(x []float64) (a, b float64) {
	n := float64(len(x))
	tm := (n - 1) / 2
	mean, _ := meanStd(x)
	var sxy, sxx float64
	for i, v := range x {
		d := float64(i) - tm
		sxy += d * (v - mean)
		sxx += d * d
	}
	if sxx == 0 {
		return mean, 0
	}
	b = sxy / sxx
	return mean - b*tm, b
}

// meanStd returns the mean and the sample standard deviation (n-1
// denominator; NaN for one value) of x, by two passes.
func meanStd(x []float64) (mean, sd float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, v := range x {
		d := v - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}

// itoa formats i in decimal.
func itoa(i int) string { return strconv.Itoa(i) }

// DriftTest tests whether the increments x[t+1]-x[t] have a nonzero mean,
// the drift of a random walk with drift, such as the log loss of SGD
// converging at a random linear rate (log L_t is a sum of random log
// factors). The mean increment is compared with its batch-means standard
// error (batches of BatchSize(len(x)-1, IAT of the increments)) by a Student
// t test with batches-1 degrees of freedom. For a stationary series the
// increments are strongly anticorrelated, the batch-means standard error
// overestimates the true one, and the test is conservative. Slope is the
// mean increment per row; with fewer than 2 batches the statistic and
// p-value are NaN.
func DriftTest(x []float64) Trend {
	nan := math.NaN()
	tr := Trend{Slope: nan, Stat: nan, P: nan}
	if len(x) < 3 {
		return tr
	}
	d := make([]float64, len(x)-1)
	for i := range d {
		d[i] = x[i+1] - x[i]
	}
	tau, _ := IAT(d)
	size := BatchSize(len(d), tau)
	mean, se, k := BatchMeans(d, size)
	tr.Slope, tr.Batches, tr.BatchSize = mean, k, size
	if k < 2 {
		return tr
	}
	tr.DF = k - 1
	switch {
	case se > 0:
		tr.Stat = mean / se
	case mean == 0:
		tr.Stat = 0
	default:
		tr.Stat = math.Copysign(math.Inf(1), mean)
	}
	tr.P = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(tr.DF)}.Survival(math.Abs(tr.Stat))
	return tr
}
