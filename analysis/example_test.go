package analysis_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/regimes/regimes/analysis"
)

// ExampleStationary measures an AR(1) series x_t = 0.5 x_{t-1} + e_t after
// an exponential transient. Its integrated autocorrelation time is
// (1+phi)/(1-phi) = 3 and its stationary mean 0.
func ExampleStationary() {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 20000)
	var v float64
	for i := range x {
		v = 0.5*v + rng.NormFloat64()
		x[i] = v + 10*math.Exp(-float64(i)/200)
	}
	s := analysis.Stationary(x)
	fmt.Printf("transient ends near row %d00\n", (s.TransientEnd+50)/100)
	fmt.Printf("iat %.1f\n", s.IAT)
	fmt.Printf("mean within 3 stderr of 0: %v\n", math.Abs(s.Mean) < 3*s.StdErr)
	fmt.Printf("trend p > 0.01: %v\n", s.TrendP > 0.01)
	// Output:
	// transient ends near row 500
	// iat 3.0
	// mean within 3 stderr of 0: true
	// trend p > 0.01: true
}

// ExampleClassify labels a stationary loss series at 0.012 against the lsq
// random level 1/48, as in regime 2 of lsq at ELR 2.2.
func ExampleClassify() {
	rng := rand.New(rand.NewPCG(3, 4))
	loss := make([]float64, 5000)
	var z float64
	for i := range loss {
		z = 0.8*z + 0.6*rng.NormFloat64()
		loss[i] = 0.012 * math.Exp(0.1*z)
	}
	c := analysis.Classify(analysis.RegimeInput{Loss: loss, RandomLevel: 1.0 / 48})
	fmt.Println(c.Regime)
	fmt.Printf("level %.3f < upper bound %.4f < random level %.4f\n", c.Evidence.Level, c.Evidence.LevelUpper, c.Evidence.RandomLevel)

	c = analysis.Classify(analysis.RegimeInput{Loss: loss[:50], RandomLevel: 1.0 / 48})
	fmt.Printf("%v: %s\n", c.Regime, c.Evidence.Reasons[0])
	// Output:
	// chaotic equilibrium
	// level 0.012 < upper bound 0.0122 < random level 0.0208
	// undetermined: too short: the stationary window of the loss (rows 0-49) has an effective sample size of 41.7, fewer than the 100 a stationary verdict needs; at its integrated autocorrelation time of 1.2 rows it needs a window of 120 rows: about 70 more rows (if the transient stays 0 rows long)
}

// ExampleSphereEntropyKL estimates the entropy of 4000 exact von Mises-Fisher
// samples on S^2 (kappa = 10) with geodesic nearest neighbours.
func ExampleSphereEntropyKL() {
	rng := rand.New(rand.NewPCG(1, 2))
	mean := []float64{0, 0, 1}
	x := make([][]float64, 4000)
	for i := range x {
		x[i] = make([]float64, 3)
		analysis.VMFSample(x[i], mean, 10, rng)
	}
	e := analysis.SphereEntropyKL(x, 1)
	fmt.Printf("exact %.3f, k-NN %.2f +- %.2f\n", analysis.VMFEntropy(3, 10), e.Entropy, e.StdErr)
	// Output:
	// exact 0.535, k-NN 0.46 +- 0.03
}

func ExampleMeanCI() {
	// Final test errors (%) of five seeds: by hand, sd = sqrt(0.212/4) =
	// 0.2302 and t(0.975, 4) = 2.776, so the half-width is 0.286.
	m := analysis.MeanCI([]float64{7.1, 6.8, 7.4, 7.0, 6.9}, 0.95)
	fmt.Printf("%.2f [%.2f, %.2f] (n = %d, t = %.3f)\n", m.Mean, m.Lo, m.Hi, m.N, m.T)
	fmt.Println(analysis.Median([]float64{7.1, math.NaN(), 6.8, 7.4}))
	// Output:
	// 7.04 [6.75, 7.33] (n = 5, t = 2.776)
	// 7.1
}
