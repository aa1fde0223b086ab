package realnets

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/regimes/regimes/realnets/data"
)

// sphereLoss is a Model whose loss is a known function f of the direction
// u = x/|x| of its one SI parameter x, for testing the geometry of
// SCIENCE.md section 11 on closed forms. It has no buffers and ignores its
// input; it counts no prediction as correct.
type sphereLoss struct {
	x *Param
	f func(u []float64) float64
}

func newSphereLoss(d int, f func(u []float64) float64) *sphereLoss {
	return &sphereLoss{x: newParam("x", true, false, d), f: f}
}

func (m *sphereLoss) Params() []*Param          { return []*Param{m.x} }
func (m *sphereLoss) Buffers() []*Param         { return nil }
func (m *sphereLoss) InputShape() (c, h, w int) { return 1, 1, 1 }
func (m *sphereLoss) Classes() int              { return 1 }
func (m *sphereLoss) SetWorkers(int)            {}
func (m *sphereLoss) Forward(x []float32, y []int, n int, mode Mode, grad bool) (float64, int) {
	u := make([]float64, len(m.x.Data))
	var s float64
	for i, v := range m.x.Data {
		u[i] = float64(v)
		s += u[i] * u[i]
	}
	for i := range u {
		u[i] /= math.Sqrt(s)
	}
	return m.f(u), 0
}

// dummySet is a data set of n one-pixel images.
func dummySet(n int) *data.Set {
	return &data.Set{N: n, C: 1, H: 1, W: 1, X: make([]float32, n), Y: make([]int, n)}
}

func solution(x ...float64) []Tensor {
	v := make([]float32, len(x))
	for i, a := range x {
		v[i] = float32(a)
	}
	return []Tensor{{Name: "x", Shape: []int{len(x)}, Data: v}}
}

// TestSWARing checks AverageSolutions on solutions with a closed-form
// average: K points of the sphere of radius 2 on a ring at angle beta
// around e3 average, after projection, to 2 e3 exactly (the unprojected
// mean has norm 2 cos beta), at the angle beta from each; and K points on a
// great circle at angles theta_k average to the direction
// atan2(sum sin theta_k, sum cos theta_k).
func TestSWARing(t *testing.T) {
	m := newSphereLoss(3, func(u []float64) float64 { return 1 - u[2] })
	const beta, rho = 0.3, 2.0
	for _, k := range []int{2, 5, 10, 50} {
		var sols [][]Tensor
		for j := range k {
			phi := 2*math.Pi*float64(j)/float64(k) + 0.1
			sols = append(sols, solution(rho*math.Sin(beta)*math.Cos(phi), rho*math.Sin(beta)*math.Sin(phi), rho*math.Cos(beta)))
		}
		avg, err := AverageSolutions(m, sols...)
		if err != nil {
			t.Fatal(err)
		}
		got := avg[0].Data
		if math.Abs(float64(got[0])) > 1e-6 || math.Abs(float64(got[1])) > 1e-6 || math.Abs(float64(got[2])-rho) > 1e-6 {
			t.Errorf("K=%d: SWA of the ring is %v, want (0, 0, %v)", k, got, rho)
		}
		for _, s := range sols {
			if a, _ := SolutionAngle(m, avg, s); math.Abs(a-beta) > 1e-6 {
				t.Errorf("K=%d: angle from the SWA point to a solution %v, want %v", k, a, beta)
			}
		}
		pm, err := EvaluatePoint(m, avg, dummySet(3), nil, 0)
		if err != nil || math.Abs(pm.TrainLoss) > 1e-6 || pm.TrainErr != 100 || !math.IsNaN(pm.TestErr) {
			t.Errorf("K=%d: SWA point metrics %+v, %v: want loss 1 - cos 0 = 0", k, pm, err)
		}
	}
	thetas := []float64{0.1, 0.5, 0.6, 1.9}
	var sols [][]Tensor
	var ss, sc float64
	for j, th := range thetas {
		r := 1 + float64(j) // the radii differ: the average's radius is their mean, 2.5
		sols = append(sols, solution(r*math.Cos(th), r*math.Sin(th), 0))
		ss += r * math.Sin(th)
		sc += r * math.Cos(th)
	}
	avg, _ := AverageSolutions(m, sols...)
	want := math.Atan2(ss, sc)
	g := avg[0].Data
	if a := math.Atan2(float64(g[1]), float64(g[0])); math.Abs(a-want) > 1e-6 || math.Abs(math.Hypot(float64(g[0]), float64(g[1]))-2.5) > 1e-6 {
		t.Errorf("SWA on a great circle: angle %v radius %v, want %v and 2.5", a, math.Hypot(float64(g[0]), float64(g[1])), want)
	}
}

// TestPathsClosedForm checks Interpolate, Path and Barrier on two losses
// on the great circle from e1 to e2 (angle W = pi/2), where the point at
// alpha has the direction (cos theta, sin theta) with theta = alpha pi/2 on
// the great-circle path and tan theta = alpha/(1-alpha) on the linear path
// (SCIENCE.md section 11):
//
//   - L = (u1 u2)^2, equal ends: great circle sin^2(pi alpha)/4, linear
//     (alpha(1-alpha))^2/(alpha^2+(1-alpha)^2)^2; both barriers 1/4 at 1/2.
//   - L = u2^2, ends 0 and 1: great circle sin^2(pi alpha/2), barrier
//     (1 + sqrt(1 - 4/pi^2))/2 - 1 + asin(2/pi)/pi = 0.10526 at
//     1 - asin(2/pi)/pi; linear alpha^2/(2alpha^2-2alpha+1), barrier
//     a*^2/D - a* = 0.15016 at a* = (1 + sqrt(sqrt5 - 2))/2, D = (sqrt5-1)/2.
func TestPathsClosedForm(t *testing.T) {
	a, b := solution(3, 0), solution(0, 3)
	const n = 2000
	alphas := make([]float64, n+1)
	for i := range alphas {
		alphas[i] = float64(i) / n
	}
	s5 := math.Sqrt(5)
	as := (1 + math.Sqrt(s5-2)) / 2
	for _, tc := range []struct {
		name        string
		f           func(u []float64) float64
		gc, lin     func(al float64) float64
		bGC, atGC   float64
		bLin, atLin float64
	}{
		{"(u1u2)^2", func(u []float64) float64 { return u[0] * u[0] * u[1] * u[1] },
			func(al float64) float64 { return math.Pow(math.Sin(math.Pi*al), 2) / 4 },
			func(al float64) float64 {
				return math.Pow(al*(1-al), 2) / math.Pow(al*al+(1-al)*(1-al), 2)
			}, 0.25, 0.5, 0.25, 0.5},
		{"u2^2", func(u []float64) float64 { return u[1] * u[1] },
			func(al float64) float64 { return math.Pow(math.Sin(math.Pi*al/2), 2) },
			func(al float64) float64 { return al * al / (2*al*al - 2*al + 1) },
			(1+math.Sqrt(1-4/(math.Pi*math.Pi)))/2 - 1 + math.Asin(2/math.Pi)/math.Pi, 1 - math.Asin(2/math.Pi)/math.Pi,
			as*as/((s5-1)/2) - as, as},
	} {
		m := newSphereLoss(2, tc.f)
		for _, kind := range []PathKind{GreatCirclePath, LinearPath} {
			pts, err := Path(m, a, b, kind, alphas, dummySet(2), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			want, wb, wat := tc.gc, tc.bGC, tc.atGC
			if kind == LinearPath {
				want, wb, wat = tc.lin, tc.bLin, tc.atLin
			}
			v := make([]float64, len(pts))
			for i, p := range pts {
				v[i] = p.TrainLoss
				if math.Abs(p.TrainLoss-want(p.Alpha)) > 1e-6 {
					t.Fatalf("%s %v at %v: loss %v, closed form %v", tc.name, kind, p.Alpha, p.TrainLoss, want(p.Alpha))
				}
			}
			bar, at, err := Barrier(alphas, v)
			// The grid step 1/2000 puts the maximum within 2.5e-4 of the
			// true position, and the value within O(step^2).
			if err != nil || math.Abs(bar-wb) > 1e-5 || math.Abs(at-wat) > 5e-4 {
				t.Errorf("%s %v: barrier %v at %v (%v), closed form %v at %v", tc.name, kind, bar, at, err, wb, wat)
			}
		}
	}
}

// TestPathReparametrisation checks, on ResNet-18-SI with its frozen last
// layer, that the linear and the great-circle paths visit the same
// networks: the linear point at alpha has the loss of the great-circle
// point at t(alpha) = atan2(r sin W, 1 + r cos W)/W, r = alpha|b|/((1-alpha)|a|),
// with the BatchNorm statistics recomputed at each; and that the ends of
// both paths are the solutions themselves.
func TestPathReparametrisation(t *testing.T) {
	tm := testModels[2]
	m := tm.new(2, false)
	rng := rand.New(rand.NewPCG(3, 3))
	x := randSlice(rng, 40*tm.in, 1)
	set := &data.Set{N: 40, C: 2, H: 16, W: 16, X: x, Y: make([]int, 40)}
	for i := range set.Y {
		set.Y[i] = rng.IntN(10)
	}
	a := tensors(m.Params())
	m2 := NewResNetSI(ResNetConfig{Width: 2, InChannels: 2, Size: 16, Seed: 9, HeadSeed: 2})
	b := tensors(m2.Params())
	for i := range b[0].Data { // another radius for b
		b[0].Data[i] *= 2
	}
	w, err := SolutionAngle(m, a, b)
	if err != nil {
		t.Fatal(err)
	}
	na, nb := siNorm(m, a), siNorm(m, b)
	for _, al := range []float64{0, 0.3, 0.7, 1} {
		r := al * nb / ((1 - al) * na)
		tt := 1.0
		if al < 1 {
			tt = math.Atan2(r*math.Sin(w), 1+r*math.Cos(w)) / w
		}
		lin, err := Path(m, a, b, LinearPath, []float64{al}, set, set, 20)
		if err != nil {
			t.Fatal(err)
		}
		gc, err := Path(m, a, b, GreatCirclePath, []float64{tt}, set, set, 20)
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(lin[0].TrainLoss - gc[0].TrainLoss); d > 1e-5*lin[0].TrainLoss || lin[0].TrainErr != gc[0].TrainErr {
			t.Errorf("alpha %v: linear path %+v, great circle at t=%v %+v", al, lin[0], tt, gc[0])
		}
	}
	end, _ := Interpolate(m, a, b, GreatCirclePath, 1)
	if ang, _ := SolutionAngle(m, end, b); ang > 1e-6 {
		t.Errorf("great circle at 1 is %v from b", ang)
	}
}

// TestRecomputeBN checks RecomputeBN on the MLP against the definition: the
// first BatchNorm's statistics are the average over the batches of the
// batch mean and the unbiased batch variance of W x, computed directly.
func TestRecomputeBN(t *testing.T) {
	m := NewMLP(MLPConfig{Sizes: []int{6, 5, 4, 3}, Seed: 1, Workers: 2})
	rng := rand.New(rand.NewPCG(4, 4))
	const n, batch = 23, 10 // batches of 10, 10 and 3
	set := &data.Set{N: n, C: 1, H: 1, W: 6, X: randSlice(rng, n*6, 1), Y: make([]int, n)}
	for _, b := range m.Buffers() {
		for i := range b.Data {
			b.Data[i] = 7 // stale statistics must not matter
		}
	}
	if err := RecomputeBN(m, set, batch); err != nil {
		t.Fatal(err)
	}
	w := m.Params()[0]
	for o := 0; o < 5; o++ {
		var mean, vr float64
		nb := 0
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			var s, ss float64
			for i := lo; i < hi; i++ {
				var z float64
				for j := 0; j < 6; j++ {
					z += float64(w.Data[o*6+j]) * float64(set.X[i*6+j])
				}
				s += z
				ss += z * z
			}
			c := float64(hi - lo)
			mean += s / c
			vr += (ss - s*s/c) / (c - 1)
			nb++
		}
		mean /= float64(nb)
		vr /= float64(nb)
		gm, gv := float64(m.Buffers()[0].Data[o]), float64(m.Buffers()[1].Data[o])
		if math.Abs(gm-mean) > 1e-6*(1+math.Abs(mean)) || math.Abs(gv-vr) > 1e-5*vr {
			t.Errorf("feature %d: recomputed mean, var %v %v, want %v %v", o, gm, gv, mean, vr)
		}
	}
}
