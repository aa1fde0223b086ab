package toy

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
)

// spiral is a synthetic SI problem in R^2 with a constant effective gradient
// norm: f_i(x) = k_i theta(x), theta the polar angle, so grad f_i(x) =
// k_i (-x2, x1)/||x||^2 and ||grad f_i(u)|| = k_i on the unit circle.
type spiral struct{ k []float64 }

func (s spiral) Name() string         { return "spiral" }
func (s spiral) Dim() int             { return 2 }
func (s spiral) Len() int             { return len(s.k) }
func (s spiral) RandomLevel() float64 { return 0 }
func (s spiral) kbar(b *Batch) float64 {
	m := batchLen(b, len(s.k))
	var k float64
	for j := range m {
		k += s.k[sample(b, j)]
	}
	return k / float64(m)
}
func (s spiral) Loss(x []float64, b *Batch) float64 { return s.kbar(b) * math.Atan2(x[1], x[0]) }
func (s spiral) Grad(dst, x []float64, b *Batch) {
	k := s.kbar(b) / (x[0]*x[0] + x[1]*x[1])
	dst[0], dst[1] = -k*x[1], k*x[0]
}
func (s spiral) HessVec(dst, x, v []float64, b *Batch) {
	r2 := x[0]*x[0] + x[1]*x[1]
	k := s.kbar(b)
	c := 2 * (x[0]*v[0] + x[1]*v[1]) / r2
	dst[0] = k * (-v[1] + c*x[1]) / r2
	dst[1] = k * (v[0] - c*x[0]) / r2
}

// TestConvNormRecursion checks the exact recursions of SCIENCE.md
// section 3 without momentum, step by step:
// ||w'||^2 = (1 - eta wd)^2 ||w||^2 + eta^2 ||g~||^2/||w||^2 and
// 1/ELR' = (1 - eta wd)^2/ELR + ELR ||g~||^2 with ELR = eta/||w||^2.
func TestConvNormRecursion(t *testing.T) {
	p, _ := Config{N: 5, D: 12}.Build()
	const eta, wd = 0.3, 0.05
	tr, err := SimulateConventional(p, ConvConfig{LR: eta, WD: wd, Batch: 2, Steps: 500, Every: 1, Seed: 4, InitNorm: 2})
	if err != nil {
		t.Fatal(err)
	}
	q := 1 - eta*wd
	for k := 1; k < len(tr.Records); k++ {
		r0, r1 := tr.Records[k-1], tr.Records[k]
		g := r1.BatchGradNorm
		want := q*q*r0.Norm*r0.Norm + eta*eta*g*g/(r0.Norm*r0.Norm)
		if got := r1.Norm * r1.Norm; !scalar.EqualWithinRel(got, want, 1e-12) {
			t.Fatalf("step %d: ||w||^2 = %v, recursion %v", r1.Step, got, want)
		}
		e0, e1 := eta/(r0.Norm*r0.Norm), eta/(r1.Norm*r1.Norm)
		if got, want := 1/e1, q*q/e0+e0*g*g; !scalar.EqualWithinRel(got, want, 1e-12) {
			t.Fatalf("step %d: 1/ELR = %v, recursion %v", r1.Step, got, want)
		}
		if want := e0 / q; !scalar.EqualWithinRel(r1.ELR, want, 1e-14) {
			t.Fatalf("step %d: realised ELR %v, want eta/((1-eta wd)||w||^2) = %v", r1.Step, r1.ELR, want)
		}
	}
}

// TestConvDirection checks that a conventional step (no momentum) moves the
// direction exactly as a projected step at the realised ELR.
func TestConvDirection(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, tc := range testProblems(t) {
		p, b := tc.p, tc.b
		for _, wd := range []float64{0, 0.1} {
			w := randVec(rng, p.Dim(), 3)
			u := append([]float64(nil), w...)
			floats.Scale(1/floats.Norm(u, 2), u)
			old := append([]float64(nil), u...)
			angle, elr := NewConvStepper(p, 0.8, wd, 0).Step(w, b)
			want := NewStepper(p, elr).Step(u, b)
			floats.Scale(1/floats.Norm(w, 2), w)
			if !floats.EqualApprox(w, u, 1e-13) {
				t.Errorf("%s wd=%v: direction %v, projected step %v", p.Name(), wd, w, u)
			}
			if !scalar.EqualWithinAbsOrRel(angle, want, 1e-14, 1e-12) || !scalar.EqualWithinAbsOrRel(angle, exactAngle(old, w), 1e-14, 1e-7) {
				t.Errorf("%s wd=%v: angle %v, projected %v, measured %v", p.Name(), wd, angle, want, exactAngle(old, w))
			}
		}
	}
}

// TestConvMomentum checks two momentum steps against the PyTorch recursion
// v_1 = g_0 + wd w_0, w_1 = w_0 - eta v_1, v_2 = mu v_1 + g_1 + wd w_1, written out.
func TestConvMomentum(t *testing.T) {
	p, _ := Config{N: 3, D: 5}.Build()
	const eta, wd, mu = 0.5, 0.01, 0.9
	w := randVec(rand.New(rand.NewPCG(1, 1)), 5, 1)
	w0 := append([]float64(nil), w...)
	g0, g1 := make([]float64, 5), make([]float64, 5)
	p.Grad(g0, w0, nil)
	v1, w1 := make([]float64, 5), make([]float64, 5)
	floats.AddScaledTo(v1, g0, wd, w0)
	floats.AddScaledTo(w1, w0, -eta, v1)
	p.Grad(g1, w1, nil)
	v2, w2 := make([]float64, 5), make([]float64, 5)
	for j := range v2 {
		v2[j] = mu*v1[j] + g1[j] + wd*w1[j]
		w2[j] = w1[j] - eta*v2[j]
	}
	st := NewConvStepper(p, eta, wd, mu)
	st.Step(w, nil)
	st.Step(w, nil)
	if !floats.EqualApprox(w, w2, 1e-14) {
		t.Errorf("w_2 = %v, want %v", w, w2)
	}
}

// TestConvFixedPoint checks the fixed point of section 3 with a constant
// gradient norm k = 1.3: ELR* = sqrt(2 eta wd - (eta wd)^2)/k and
// cos(Delta) = 1 - eta wd. The recursion contracts by about 1 - 4 eta wd per
// step, so 20000 steps at eta wd = 1e-3 leave an error near e^-80.
func TestConvFixedPoint(t *testing.T) {
	const eta, wd, k = 0.1, 0.01, 1.3
	tr, err := SimulateConventional(spiral{[]float64{k}}, ConvConfig{LR: eta, WD: wd, Batch: 1, Steps: 20000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	last := tr.Records[len(tr.Records)-1]
	ew := eta * wd
	elrStar := math.Sqrt(2*ew-ew*ew) / k
	if got := eta / (last.Norm * last.Norm); !scalar.EqualWithinRel(got, elrStar, 1e-9) {
		t.Errorf("eta/||w||^2 = %v, want ELR* = %v", got, elrStar)
	}
	if got := math.Cos(last.Angle); !scalar.EqualWithinRel(got, 1-ew, 1e-12) {
		t.Errorf("cos(angle) = %v, want 1 - eta wd = %v", got, 1-ew)
	}
}

// TestConvRMS checks the stochastic version of section 3: with effective
// gradient norms 0.5 or 1.5 at random (mean 1, RMS sqrt(1.25)), the ELR
// settles near sqrt(2 eta wd - (eta wd)^2)/RMS and the RMS angle near
// sqrt(2 eta wd), while the mean-norm prediction is 12% off. The tail holds
// about 8 relaxation times 1/(4 eta wd), so its mean is within about 0.5%;
// the tolerance is 2%.
func TestConvRMS(t *testing.T) {
	const eta, wd = 0.1, 1e-3
	tr, err := SimulateConventional(spiral{[]float64{0.5, 1.5}}, ConvConfig{LR: eta, WD: wd, Batch: 1, Steps: 100000, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	s := tr.Summary
	ew := eta * wd
	elr := s.TailELRMean * (1 - ew) // back from the realised ELR to eta/||w||^2
	rmsPred := math.Sqrt(2*ew-ew*ew) / math.Sqrt(1.25)
	meanPred := math.Sqrt(2*ew-ew*ew) / 1
	if math.Abs(elr/rmsPred-1) > 0.02 {
		t.Errorf("tail ELR %v, RMS prediction %v", elr, rmsPred)
	}
	if math.Abs(elr/meanPred-1) < 0.08 {
		t.Errorf("tail ELR %v is close to the mean-norm prediction %v; the test cannot tell them apart", elr, meanPred)
	}
	if got := s.TailAngleRMS; math.Abs(got/math.Sqrt(2*ew)-1) > 0.02 {
		t.Errorf("RMS angle %v, want sqrt(2 eta wd) = %v", got, math.Sqrt(2*ew))
	}
	if got := s.TailBatchGradNormRMS; math.Abs(got/math.Sqrt(1.25)-1) > 0.02 {
		t.Errorf("RMS gradient norm %v, want sqrt(1.25)", got)
	}
}

func TestConvErrors(t *testing.T) {
	p, _ := Config{N: 4, D: 10}.Build()
	for _, cfg := range []ConvConfig{
		{LR: 0}, {LR: 1, WD: -1}, {LR: 1, WD: 1}, {LR: 1, Momentum: 1}, {LR: 1, InitNorm: -1},
		{LR: 1, Batch: 9, Sampling: Shuffle},
	} {
		if _, err := SimulateConventional(p, cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestConvStepAllocs(t *testing.T) {
	p, _ := Config{}.Build()
	st := NewConvStepper(p, 0.1, 0.01, 0.9)
	w := randVec(rand.New(rand.NewPCG(1, 1)), 24, 1)
	b := &Batch{Index: []int{3}}
	if a := testing.AllocsPerRun(100, func() { st.Step(w, b) }); a != 0 {
		t.Errorf("%v allocations per step", a)
	}
}
