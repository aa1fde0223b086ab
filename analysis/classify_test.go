package analysis

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/regimes/regimes/regime"
)

// lognormalAR returns a positive stationary series level*exp(s*z_t) with
// z an AR(1) process of coefficient phi and unit stationary variance.
func lognormalAR(n int, level, s, phi float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(7, seed))
	z := ar1(n, phi, 0, rng)
	sd := 1 / math.Sqrt(1-phi*phi)
	x := make([]float64, n)
	for i, v := range z {
		x[i] = level * math.Exp(s*v/sd)
	}
	return x
}

func TestClassifySynthetic(t *testing.T) {
	const n = 4000
	nan := math.NaN()
	// A geometric decay with multiplicative noise: log loss falls by
	// n/400 = 10 over the run (rule 4).
	decay := lognormalAR(n, 1, 0.3, 0.5, 1)
	for i := range decay {
		decay[i] *= math.Exp(-float64(i) / 400)
	}
	// A decay to machine zero (rule 2): exp(-i/20) reaches 1e-87.
	floor := make([]float64, n)
	for i := range floor {
		floor[i] = 0.02 * math.Exp(-float64(i)/20)
	}
	// A slow sustained decrease: log loss falls by 0.3 in all, less than
	// MinLogDrop = 1, but steadily, so significantly in each half of the
	// window on its own (rule 4: it keeps falling).
	slow := lognormalAR(n, 0.01, 0.05, 0.5, 2)
	for i := range slow {
		slow[i] *= math.Exp(-0.3 * float64(i) / n)
	}
	// A late decrease: flat for 60% of the run, then log loss falls by 0.3.
	// Not sustained (the first half of the window is flat), so not
	// convergence; its batch means are too few and too correlated for any
	// verdict (rule 5: the classifier asks for a longer run).
	late := lognormalAR(n, 0.01, 0.05, 0.5, 11)
	for i := range late {
		if f := float64(i)/n - 0.6; f > 0 {
			late[i] *= math.Exp(-0.3 * f / 0.4)
		}
	}
	// Stationary at 0.01 (sd 10%) against the lsq random level
	// 1/(2d) = 1/48 = 0.0208: chaotic equilibrium. At 0.021 with the same
	// random level: divergence (not significantly below); at 0.03: above.
	chaos := lognormalAR(n, 0.01, 0.1, 0.8, 3)
	near := lognormalAR(n, 0.021, 0.1, 0.8, 4)
	above := lognormalAR(n, 0.03, 0.1, 0.8, 5)
	// A gradient that collapses by 1e-8 while the loss stays noisy.
	gradCollapse := make([]float64, n)
	for i := range gradCollapse {
		gradCollapse[i] = math.Exp(-float64(i) / 200)
	}
	// Angular updates (radians) with 5% noise: near the cap pi/2 (1.55,
	// the level of the MNIST regime-3 runs of testdata/mnist) and well
	// below it (0.5, a regime-2 level), and just under the default cap
	// 0.9 pi/2 = 1.414 (1.35).
	angles := func(level float64, seed uint64) []float64 { return lognormalAR(n, level, 0.05, 0.5, seed) }
	withNaN := append([]float64(nil), chaos...)
	withNaN[100] = nan
	rl := 1.0 / 48 // lsq random level 1/(2d) at d = 24 (SCIENCE.md 6.1)
	for _, tc := range []struct {
		name string
		in   RegimeInput
		want regime.Regime
		// reason is a word that must appear in the reasons.
		reason string
	}{
		{"decay", RegimeInput{Loss: decay, RandomLevel: rl}, regime.Convergence, "log loss decreases"},
		{"decay unknown level", RegimeInput{Loss: decay}, regime.Convergence, "log loss decreases"},
		{"floor", RegimeInput{Loss: floor, RandomLevel: rl}, regime.Convergence, "at most 1e-10"},
		{"grad collapse", RegimeInput{Loss: chaos, GradNorm: gradCollapse, RandomLevel: rl}, regime.Convergence, "gradient norm"},
		{"slow", RegimeInput{Loss: slow, RandomLevel: rl}, regime.Convergence, "keeps falling"},
		{"late", RegimeInput{Loss: late, RandomLevel: rl}, regime.Undetermined, "too short"},
		{"chaotic", RegimeInput{Loss: chaos, RandomLevel: rl}, regime.Chaotic, "below the random level"},
		{"near random", RegimeInput{Loss: near, RandomLevel: rl}, regime.Divergence, "not significantly below"},
		{"above random", RegimeInput{Loss: above, RandomLevel: rl}, regime.Divergence, "not significantly below"},
		{"unknown level", RegimeInput{Loss: chaos}, regime.Undetermined, "random level unknown"},
		{"NaN level", RegimeInput{Loss: chaos, RandomLevel: nan}, regime.Undetermined, "random level unknown"},
		{"too short", RegimeInput{Loss: chaos[:50], RandomLevel: rl}, regime.Undetermined, "too short"},
		// 300 rows of a series with tau = 9 (phi = 0.8): ESS about 30 < 100.
		{"few effective samples", RegimeInput{Loss: chaos[:300], RandomLevel: rl}, regime.Undetermined, "effective sample size"},
		{"NaN loss", RegimeInput{Loss: withNaN, RandomLevel: rl}, regime.Undetermined, "blew up"},
		{"contradiction", RegimeInput{Loss: decay, RandomLevel: rl, Lyapunov: &LyapunovEvidence{Exponent: 0.1, CI: [2]float64{0.05, 0.15}}}, regime.Undetermined, "contradicts"},
		{"angle at the cap", RegimeInput{Loss: chaos, Angle: angles(1.55, 6), RandomLevel: rl}, regime.Divergence, "at its cap"},
		{"angle at the cap, level unknown", RegimeInput{Loss: chaos, Angle: angles(1.55, 7)}, regime.Divergence, "at its cap"},
		{"angle below the cap", RegimeInput{Loss: chaos, Angle: angles(0.5, 8), RandomLevel: rl}, regime.Chaotic, "below the random level"},
		{"angle just under the cap", RegimeInput{Loss: chaos, Angle: angles(1.35, 9), RandomLevel: rl}, regime.Chaotic, "below the random level"},
		{"angle at the cap but converging", RegimeInput{Loss: decay, Angle: angles(1.55, 10), RandomLevel: rl}, regime.Convergence, "log loss decreases"},
		{"negative exponent noted", RegimeInput{Loss: chaos, RandomLevel: rl, Lyapunov: &LyapunovEvidence{Exponent: -0.1, CI: [2]float64{-0.15, -0.05}}}, regime.Chaotic, "noise-driven"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Classify(tc.in)
			reasons := strings.Join(c.Evidence.Reasons, "; ")
			if c.Regime != tc.want {
				t.Fatalf("regime %q, want %q; reasons: %s", c.Regime, tc.want, reasons)
			}
			if !strings.Contains(reasons, tc.reason) {
				t.Errorf("reasons %q lack %q", reasons, tc.reason)
			}
			if _, err := json.Marshal(c); err != nil {
				t.Errorf("JSON: %v", err)
			}
		})
	}
}

func TestClassifyFalseLabels(t *testing.T) {
	// Stationary series clearly below the random level must not be
	// called convergence or divergence more often than the tests' levels
	// allow: two trend tests at alpha = 0.01 give at most about 2%
	// "undetermined" and essentially no wrong label. 50 repetitions;
	// accept at most 4 undetermined (P(X >= 5) = 0.3% for a binomial of
	// 50 trials at 2%) and no wrong label.
	const reps = 50
	var undetermined int
	for r := range uint64(reps) {
		c := Classify(RegimeInput{Loss: lognormalAR(3000, 0.01, 0.1, 0.8, 100+r), RandomLevel: 1.0 / 48})
		switch c.Regime {
		case regime.Chaotic:
		case regime.Undetermined:
			undetermined++
		default:
			t.Errorf("rep %d: %s; %v", r, c.Regime, c.Evidence.Reasons)
		}
	}
	t.Logf("%d of %d undetermined", undetermined, reps)
	if undetermined > 4 {
		t.Errorf("%d of %d stationary series undetermined", undetermined, reps)
	}
}
