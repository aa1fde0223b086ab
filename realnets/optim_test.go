package realnets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sphereParams returns two SI parameter tensors with random values (joint
// norm about sqrt(n/3)), a trainable non-SI head and a frozen one.
func sphereParams(seed uint64) []*Param {
	rng := rand.New(rand.NewPCG(seed, 1))
	ps := []*Param{
		newParam("a", true, false, 7, 5),
		newParam("b", true, false, 40),
		newParam("head", false, false, 3),
		newParam("frozen", false, true, 4),
	}
	for _, p := range ps {
		initUniform(p.Data, 1, rng)
	}
	return ps
}

// setTangentGrad fills the SI gradients with a random vector of norm gnorm
// orthogonal (in float64, before rounding) to the SI vector, as the gradient
// of an SI loss is (Euler's identity, SCIENCE.md section 1), and the
// head gradient with random values.
func setTangentGrad(ps []*Param, gnorm float64, rng *rand.Rand) {
	var x, g []float64
	for _, p := range ps {
		if p.SI {
			for _, v := range p.Data {
				x = append(x, float64(v))
				g = append(g, rng.NormFloat64())
			}
		}
	}
	var xg, xx float64
	for i := range x {
		xg += x[i] * g[i]
		xx += x[i] * x[i]
	}
	var gg float64
	for i := range g {
		g[i] -= xg / xx * x[i]
		gg += g[i] * g[i]
	}
	k := 0
	for _, p := range ps {
		switch {
		case p.SI:
			for i := range p.Grad {
				p.Grad[i] = float32(g[k] * gnorm / math.Sqrt(gg))
				k++
			}
		case !p.Frozen:
			for i := range p.Grad {
				p.Grad[i] = float32(rng.NormFloat64())
			}
		}
	}
}

// siVec returns the SI vector in float64.
func siVec(ps []*Param) []float64 {
	var x []float64
	for _, p := range ps {
		if p.SI {
			for _, v := range p.Data {
				x = append(x, float64(v))
			}
		}
	}
	return x
}

func siGrad(ps []*Param) []float64 {
	var g []float64
	for _, p := range ps {
		if p.SI {
			for _, v := range p.Grad {
				g = append(g, float64(v))
			}
		}
	}
	return g
}

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// TestSphereNormStays checks that the SI norm stays rho0 over many large steps.
func TestSphereNormStays(t *testing.T) {
	ps := sphereParams(1)
	o := NewSphereSGD(ps, 0.3, 0)
	rho0 := norm(siVec(ps))
	if o.Rho0 != rho0 {
		t.Fatalf("Rho0 %v, want the initial norm %v", o.Rho0, rho0)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	for step := 0; step < 1000; step++ {
		setTangentGrad(ps, 1/rho0, rng)
		o.Step()
		// 1e-6 relative: about 8 float32 ulps; the norm is restored from
		// float64 every step, so rounding does not accumulate.
		if n := SINorm(ps); math.Abs(n-rho0) > 1e-6*rho0 {
			t.Fatalf("step %d: norm %v, want %v", step, n, rho0)
		}
	}
}

// TestSphereStep checks one step against SCIENCE.md section 2: the new
// point is rho0*y/||y|| with y = x - ELR*rho0^2*g, ||u - ELR g~||^2 = 1 +
// ELR^2 ||g~||^2 on the unit vector, and tan(angle) = ELR*||g~||.
func TestSphereStep(t *testing.T) {
	for _, tc := range []struct{ elr, gnorm float64 }{
		{1e-4, 1}, {1e-2, 3}, {1, 1}, {100, 0.5},
	} {
		ps := sphereParams(3)
		o := NewSphereSGD(ps, tc.elr, 0)
		rng := rand.New(rand.NewPCG(4, 4))
		x := siVec(ps)
		rho0 := norm(x)
		setTangentGrad(ps, tc.gnorm/rho0, rng)
		g := siGrad(ps)
		geff := norm(g) * rho0 // ||g~||, the gradient at the unit point
		// Unit-vector identity, on u = x/rho0 and g~ = rho0*g.
		var uu float64
		for i := range x {
			d := x[i]/rho0 - tc.elr*rho0*g[i]
			uu += d * d
		}
		// 1e-9 relative: float64 sums of float32 data; the float32-rounded
		// gradient is tangent only to about 1e-8 relative.
		if want := 1 + tc.elr*tc.elr*geff*geff; math.Abs(uu-want) > 1e-7*want {
			t.Errorf("ELR %g: ||u - ELR g||^2 = %v, want %v", tc.elr, uu, want)
		}
		st := o.Step()
		xn := siVec(ps)
		eta := tc.elr * rho0 * rho0
		var ys float64
		for i := range x {
			y := x[i] - eta*g[i]
			ys += y * y
		}
		for i := range x {
			want := rho0 * (x[i] - eta*g[i]) / math.Sqrt(ys)
			if math.Abs(xn[i]-want) > 1e-6*math.Abs(want)+1e-9 {
				t.Fatalf("ELR %g: coordinate %d = %v, want %v", tc.elr, i, xn[i], want)
			}
		}
		// Angle between stored iterates, independently: arccos is fine at
		// these angles with a 1e-6 rad tolerance (float32 rounding of x).
		var dot float64
		for i := range x {
			dot += x[i] * xn[i]
		}
		angle := math.Acos(math.Min(1, dot/(norm(x)*norm(xn))))
		if want := math.Atan(tc.elr * geff); math.Abs(st.Angle-want) > 1e-6 || math.Abs(angle-want) > 1e-3*want+1e-6 {
			t.Errorf("ELR %g: angle %v (arccos %v), want atan(ELR ||g||) = %v", tc.elr, st.Angle, angle, want)
		}
		if math.Abs(st.ELR-tc.elr) > 1e-12*tc.elr || math.Abs(st.GradNorm-geff) > 1e-12*geff {
			t.Errorf("ELR %g: stats %+v, want ELR %g and grad norm %g", tc.elr, st, tc.elr, geff)
		}
	}
}

// TestSphereHead checks the "trained non-SI parameters" variant: the head
// takes plain SGD steps with its own rate and the frozen tensor never moves.
func TestSphereHead(t *testing.T) {
	ps := sphereParams(5)
	head, frozen := slices.Clone(ps[2].Data), slices.Clone(ps[3].Data)
	o := NewSphereSGD(ps, 0.01, 0.5)
	setTangentGrad(ps, 1, rand.New(rand.NewPCG(6, 6)))
	o.Step()
	for i, v := range ps[2].Data {
		if want := head[i] - 0.5*ps[2].Grad[i]; v != want {
			t.Errorf("head %d = %v, want %v", i, v, want)
		}
	}
	if !slices.Equal(frozen, ps[3].Data) {
		t.Errorf("frozen tensor moved")
	}
}

// TestSGDNormRecursion checks SCIENCE.md section 3 on stored float32
// iterates without momentum:
//
//	||w'||^2 = (1 - eta wd)^2 ||w||^2 + eta^2 ||g~||^2 / ||w||^2
//	1/ELR'   = (1 - eta wd)^2 / ELR + ELR ||g~||^2          (ELR = eta/||w||^2)
func TestSGDNormRecursion(t *testing.T) {
	const eta, wd = 0.5, 5e-3
	ps := sphereParams(7)
	o := NewSGD(ps, eta, wd, 0, 0)
	rng := rand.New(rand.NewPCG(8, 8))
	for step := 0; step < 50; step++ {
		w := norm(siVec(ps))
		setTangentGrad(ps, 0.3/w, rng)
		geff := norm(siGrad(ps)) * w
		st := o.Step()
		wn := norm(siVec(ps))
		q := (1 - eta*wd) * (1 - eta*wd)
		want := q*w*w + eta*eta*geff*geff/(w*w)
		// 1e-6 relative: float32 rounding of the stored w (about 6e-8 per
		// value) and the tangency of the rounded gradient.
		if math.Abs(wn*wn-want) > 1e-6*want {
			t.Fatalf("step %d: ||w'||^2 = %v, want %v", step, wn*wn, want)
		}
		elr, elrNext := eta/(w*w), eta/(wn*wn)
		if want := q/elr + elr*geff*geff; math.Abs(1/elrNext-want) > 1e-6*want {
			t.Fatalf("step %d: 1/ELR' = %v, want %v", step, 1/elrNext, want)
		}
		if want := eta / ((1 - eta*wd) * w * w); math.Abs(st.ELR-want) > 1e-12*want {
			t.Fatalf("step %d: realised ELR %v, want %v", step, st.ELR, want)
		}
	}
}

// TestSGDDirection checks that an SGD step with weight decay moves the
// direction exactly as a projected step at the realised ELR
// eta/((1 - eta wd)||w||^2) does (SCIENCE.md section 3).
func TestSGDDirection(t *testing.T) {
	a, b := sphereParams(9), sphereParams(9)
	setTangentGrad(a, 0.7, rand.New(rand.NewPCG(10, 10)))
	for i := range a {
		if a[i].Grad != nil {
			copy(b[i].Grad, a[i].Grad)
		}
	}
	st := NewSGD(a, 0.2, 0.01, 0, 0).Step()
	NewSphereSGD(b, st.ELR, 0).Step()
	ua, ub := siVec(a), siVec(b)
	na, nb := norm(ua), norm(ub)
	for i := range ua {
		// 1e-6: float32 rounding of both results, relative to unit vectors
		// whose coordinates are about 0.15.
		if math.Abs(ua[i]/na-ub[i]/nb) > 1e-6 {
			t.Fatalf("direction differs at %d: %v vs %v", i, ua[i]/na, ub[i]/nb)
		}
	}
}

// TestSGDMomentum checks PyTorch's momentum convention on a hand calculation:
// w = 1, constant gradient 1, lr 0.1, momentum 0.9, no weight decay gives
// buf = 1, 1.9, 2.71 and w = 0.9, 0.71, 0.439.
func TestSGDMomentum(t *testing.T) {
	p := newParam("w", true, false, 1)
	p.Data[0] = 1
	o := NewSGD([]*Param{p}, 0.1, 0, 0.9, 0)
	for i, want := range []float64{0.9, 0.71, 0.439} {
		p.Grad[0] = 1
		o.Step()
		if math.Abs(float64(p.Data[0])-want) > 1e-6 {
			t.Errorf("step %d: w = %v, want %v", i+1, p.Data[0], want)
		}
	}
}

// TestSGDState checks that restoring the state continues bitwise.
func TestSGDState(t *testing.T) {
	a := sphereParams(11)
	o := NewSGD(a, 0.1, 1e-3, 0.9, 0.05)
	rng := rand.New(rand.NewPCG(12, 12))
	for i := 0; i < 3; i++ {
		setTangentGrad(a, 1, rng)
		o.Step()
	}
	b := sphereParams(11)
	for i := range a {
		copy(b[i].Data, a[i].Data)
	}
	o2 := NewSGD(b, 0.1, 1e-3, 0.9, 0.05)
	if err := o2.SetState(o.State()); err != nil {
		t.Fatal(err)
	}
	setTangentGrad(a, 1, rng)
	for i := range a {
		if a[i].Grad != nil {
			copy(b[i].Grad, a[i].Grad)
		}
	}
	o.Step()
	o2.Step()
	for i := range a {
		if !slices.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s differs after restoring the state", a[i].Name)
		}
	}
	if err := NewSphereSGD(b, 0.1, 0).SetState(o.State()); err == nil {
		t.Errorf("sphere accepted an SGD state")
	}
}

func TestStepNoAlloc(t *testing.T) {
	ps := sphereParams(13)
	setTangentGrad(ps, 1, rand.New(rand.NewPCG(14, 14)))
	for _, o := range []Optimizer{NewSphereSGD(ps, 1e-3, 0.1), NewSGD(ps, 1e-3, 1e-4, 0.9, 0)} {
		if n := testing.AllocsPerRun(10, func() { o.Step() }); n != 0 {
			t.Errorf("%T.Step allocates %v times", o, n)
		}
	}
}

// TestSphereOnModel steps an SI MLP with its own gradients: the norm stays
// rho0 and every step turns by atan(ELR ||g~||) (SCIENCE.md section 2),
// which holds because the model's SI gradient is tangent (Euler's identity).
func TestSphereOnModel(t *testing.T) {
	s := tinySet(32, 3)
	m := tinyMLP()
	o := NewSphereSGD(m.Params(), 0.05, 0)
	for step := 0; step < 20; step++ {
		m.Forward(s.X, s.Y, s.N, Train, true)
		st := o.Step()
		// 1e-4: the float32 gradient is tangent only to about 1e-6 relative
		// and the stored iterate is rounded to float32.
		if want := math.Atan(0.05 * st.GradNorm); math.Abs(st.Angle-want) > 1e-4*want {
			t.Errorf("step %d: angle %v, want atan(ELR ||g||) = %v", step, st.Angle, want)
		}
		if n := SINorm(m.Params()); math.Abs(n-o.Rho0) > 1e-6*o.Rho0 {
			t.Errorf("step %d: norm %v, want %v", step, n, o.Rho0)
		}
	}
}

// BenchmarkSphereStep measures the fixed-ELR step on the SI weights of the
// MLP 784-256-256-10 (266,240 values) with the default number of workers.
func BenchmarkSphereStep(b *testing.B) {
	m := NewMLP(MLPConfig{Seed: 1})
	rng := rand.New(rand.NewPCG(1, 1))
	setTangentGrad(m.Params(), 1, rng)
	o := NewSphereSGD(m.Params(), 1e-3, 0)
	b.ReportAllocs()
	for b.Loop() {
		o.Step()
	}
}

// TestSphereWorkers checks that the sphere step's results do not depend on
// the number of goroutines: its sums run over fixed blocks added in block
// order.
func TestSphereWorkers(t *testing.T) {
	var ref []float32
	var refStats StepStats
	for _, k := range []int{1, 2, 3, 7} {
		m := NewMLP(MLPConfig{Sizes: []int{300, 200, 150, 10}, Seed: 3})
		setTangentGrad(m.Params(), 2, rand.New(rand.NewPCG(5, 5)))
		o := NewSphereSGD(m.Params(), 0.07, 0)
		o.SetWorkers(k)
		var st StepStats
		for range 3 {
			st = o.Step()
		}
		x := siVec(m.Params())
		got := make([]float32, len(x))
		for i, v := range x {
			got[i] = float32(v)
		}
		if ref == nil {
			ref, refStats = got, st
			continue
		}
		if !slices.Equal(got, ref) || st != refStats {
			t.Errorf("%d workers: weights or stats %+v differ from 1 worker's %+v", k, st, refStats)
		}
	}
}

// BenchmarkSGDStep measures the conventional step (momentum 0.9, weight
// decay) on the same weights as BenchmarkSphereStep.
func BenchmarkSGDStep(b *testing.B) {
	m := NewMLP(MLPConfig{Seed: 1})
	setTangentGrad(m.Params(), 1, rand.New(rand.NewPCG(1, 1)))
	o := NewSGD(m.Params(), 1e-3, 5e-4, 0.9, 0)
	b.ReportAllocs()
	for b.Loop() {
		o.Step()
	}
}
