package toy

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
)

// exactAngle returns the angle between unit vectors u and v as
// 2 asin(||u - v||/2), which is accurate for tiny angles.
func exactAngle(u, v []float64) float64 {
	var s float64
	for j := range u {
		e := u[j] - v[j]
		s += e * e
	}
	return 2 * math.Asin(math.Sqrt(s)/2)
}

func unit(rng *rand.Rand, d int) []float64 {
	u := randVec(rng, d, 1)
	floats.Scale(1/floats.Norm(u, 2), u)
	return u
}

// TestStepIdentities checks the exact facts of one projected step
// (SCIENCE.md section 2) for every toy and batch.
func TestStepIdentities(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range testProblems(t) {
		p, b := tc.p, tc.b
		t.Run(p.Name()+"/"+batchName(b), func(t *testing.T) {
			d := p.Dim()
			for _, elr := range []float64{1e-9, 0.3, 4, 1e4} {
				u := unit(rng, d)
				old := append([]float64(nil), u...)
				g := make([]float64, d)
				p.Grad(g, u, b)
				st := NewStepper(p, elr)
				angle := st.Step(u, b)
				if !floats.EqualApprox(st.Grad(), g, 1e-13*(floats.Norm(g, 2)+1e-300)) {
					t.Errorf("ELR %g: stepper gradient %v, Grad %v", elr, st.Grad(), g)
				}
				gn := floats.Norm(g, 2)
				// Unprojected point v = u - ELR g.
				v := make([]float64, d)
				floats.AddScaledTo(v, old, -elr, g)
				if got, want := floats.Dot(v, v), 1+elr*elr*gn*gn; !scalar.EqualWithinAbsOrRel(got, want, 1e-12, 1e-12) {
					t.Errorf("ELR %g: ||u - ELR g||^2 = %v, want 1 + ELR^2 ||g||^2 = %v", elr, got, want)
				}
				if f1, f2 := p.Loss(u, nil), p.Loss(v, nil); !scalar.EqualWithinAbsOrRel(f1, f2, 1e-13, 1e-12) {
					t.Errorf("ELR %g: F(u') = %v, F(u - ELR g) = %v", elr, f1, f2)
				}
				if n := floats.Norm(u, 2); math.Abs(n-1) > 1e-15 {
					t.Errorf("ELR %g: ||u'|| = %v", elr, n)
				}
				// tan(Delta) = ELR ||g||, and Delta is the true angle.
				if want := math.Atan(elr * gn); !scalar.EqualWithinAbsOrRel(angle, want, 1e-14, 1e-10) {
					t.Errorf("ELR %g: angle %v, atan(ELR ||g||) = %v", elr, angle, want)
				}
				if want := exactAngle(old, u); !scalar.EqualWithinAbsOrRel(angle, want, 1e-14, 1e-7) {
					t.Errorf("ELR %g: angle %v, measured %v", elr, angle, want)
				}
			}
		})
	}
}

// TestLSQOneStep checks the one-step identity of SCIENCE.md 6.1:
// F(u') = [F(u) - ELR <grad F(u), g> + 0.5 ELR^2 g^T H g] / (1 + ELR^2 ||g||^2),
// with g^T H g = (1/n) sum_i <a_i,g>^2 computed from the data directly.
func TestLSQOneStep(t *testing.T) {
	a, _ := GenerateLSQ(5, 9, 2, NormsGaussian)
	p, _ := NewLSQ(a)
	rng := rand.New(rand.NewPCG(13, 14))
	for _, b := range []*Batch{nil, {Index: []int{3}}, {Index: []int{0, 4, 4}}} {
		for _, elr := range []float64{0.01, 1, 7, 300} {
			u := unit(rng, 9)
			F := p.Loss(u, nil)
			gF := make([]float64, 9)
			p.Grad(gF, u, nil)
			st := NewStepper(p, elr)
			st.Step(u, b)
			g := st.Grad()
			var gHg float64
			for i := range 5 {
				c := floats.Dot(a.RawRowView(i), g)
				gHg += c * c / 5
			}
			want := (F - elr*floats.Dot(gF, g) + 0.5*elr*elr*gHg) / (1 + elr*elr*floats.Dot(g, g))
			if got := p.Loss(u, nil); !scalar.EqualWithinAbsOrRel(got, want, 1e-14, 1e-11) {
				t.Errorf("batch %v ELR %g: F(u') = %v, one-step identity %v", b, elr, got, want)
			}
		}
	}
}

// TestLSQDescentCondition checks the b = 1 descent condition of
// SCIENCE.md 6.1: f_i decreases iff f_i(u) > lambda_i/4 - 1/(2 ELR),
// and never increases for ELR <= 2/lambda_i.
func TestLSQDescentCondition(t *testing.T) {
	a, _ := GenerateLSQ(4, 7, 5, NormsGaussian)
	p, _ := NewLSQ(a)
	rng := rand.New(rand.NewPCG(15, 16))
	var up, down int
	for range 4000 {
		i := rng.IntN(4)
		b := &Batch{Index: []int{i}}
		elr := math.Exp(rng.Float64()*8 - 3) // log-uniform in [e^-3, e^5]
		u := unit(rng, 7)
		f0 := p.Loss(u, b)
		NewStepper(p, elr).Step(u, b)
		f1 := p.Loss(u, b)
		margin := f0 - (p.Lambda(i)/4 - 1/(2*elr))
		if math.Abs(margin) < 1e-9 || math.Abs(f1-f0) < 1e-12 {
			continue // too close to the boundary to decide in floating point
		}
		if (f1 < f0) != (margin > 0) {
			t.Errorf("ELR %g, f_i %v -> %v, margin %v: descent condition violated", elr, f0, f1, margin)
		}
		if elr <= 2/p.Lambda(i) && f1 > f0 {
			t.Errorf("ELR %g <= 2/lambda_i = %g, yet f_i rose %v -> %v", elr, 2/p.Lambda(i), f0, f1)
		}
		if f1 < f0 {
			down++
		} else {
			up++
		}
	}
	if up < 100 || down < 100 {
		t.Errorf("the test saw %d increases and %d decreases; both cases need coverage", up, down)
	}
}

// TestCircleSimulation compares the simulated circle with its exact 2-cycle
// (SCIENCE.md 6.2): lambda = 1, ELR = 2.5 gives loss 0.05, gradient
// norm 0.3 and angle arccos(0.8) = 0.643501 rad.
func TestCircleSimulation(t *testing.T) {
	p, _ := NewCircle(1)
	tr, err := Simulate(p, SimConfig{ELR: 2.5, Steps: 2000, Init: []float64{math.Cos(0.3), math.Sin(0.3)}})
	if err != nil {
		t.Fatal(err)
	}
	s := tr.Summary
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"final loss", s.FinalLoss, 0.05},
		{"tail loss", s.TailLossMean, 0.05},
		{"grad norm", s.FinalGrad, 0.3},
		{"batch grad norm", s.TailBatchGradNormMean, 0.3},
		{"angle", s.TailAngleMean, math.Acos(0.8)},
	} {
		if math.Abs(c.got-c.want) > 1e-6 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// Below the flip (ELR lambda < 2) the fixed point phi = 0 attracts.
	tr, _ = Simulate(p, SimConfig{ELR: 1.5, Steps: 200, Init: []float64{math.Cos(0.3), math.Sin(0.3)}})
	if tr.Summary.FinalLoss > 1e-30 {
		t.Errorf("ELR 1.5: final loss %v, want convergence", tr.Summary.FinalLoss)
	}
}

// TestLSQRegimes checks the reference simulations of SCIENCE.md 6.1
// on the default data set (n = 8, d = 24, unit norms, b = 1): convergence at
// ELR 1.8 (0.9 x 2/lambda) and a stationary loss in the published band at
// 2.2 and 3.
func TestLSQRegimes(t *testing.T) {
	p, _ := Config{}.Build()
	tr, err := Simulate(p, SimConfig{ELR: 1.8, Batch: 1, Steps: 20000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Summary.FinalLoss > 1e-12 {
		t.Errorf("ELR 1.8: final loss %v, want < 1e-12", tr.Summary.FinalLoss)
	}
	for _, c := range []struct{ elr, lo, hi float64 }{
		{2.2, 0.008, 0.014}, // SCIENCE.md 6.1: 0.010-0.012 over instances, widened for tail noise
		{3, 0.048, 0.064},   // SCIENCE.md 6.1: 0.052-0.060
	} {
		tr, err := Simulate(p, SimConfig{ELR: c.elr, Batch: 1, Steps: 50000, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		if m := tr.Summary.TailLossMean; m < c.lo || m > c.hi {
			t.Errorf("ELR %g: tail loss %v, want in [%v, %v]", c.elr, m, c.lo, c.hi)
		}
	}
}

func TestSimulateOutput(t *testing.T) {
	p, _ := Config{N: 4, D: 10}.Build()
	cfg := SimConfig{ELR: 0.7, Batch: 2, Sampling: Shuffle, Steps: 1000, Every: 1, Seed: 3}
	tr, err := Simulate(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr2, _ := Simulate(p, cfg)
	if !floats.Equal(tr.Final, tr2.Final) {
		t.Error("same seed gave different runs")
	}
	var buf bytes.Buffer
	if err := tr.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != CSVHeader || len(rows) != 1002 {
		t.Fatalf("header %v, %d rows; want %s and 1002", rows[0], len(rows), CSVHeader)
	}
	// With Every = 1 the summary's tail means are the CSV's tail means
	// (steps 801..1000).
	var loss, angle float64
	for _, r := range rows[802:] {
		l, _ := strconv.ParseFloat(r[1], 64)
		a, _ := strconv.ParseFloat(r[5], 64)
		loss += l / 200
		angle += a / 200
	}
	s := tr.Summary
	if math.Abs(loss-s.TailLossMean) > 1e-12 || math.Abs(angle-s.TailAngleMean) > 1e-12 || s.TailRecords != 200 {
		t.Errorf("CSV tail means %v %v, summary %v %v (%d records)", loss, angle, s.TailLossMean, s.TailAngleMean, s.TailRecords)
	}
	// Every record's loss is F at the recorded point: check the last one.
	if got := p.Loss(tr.Final, nil); got != s.FinalLoss {
		t.Errorf("final loss %v, F(final) %v", s.FinalLoss, got)
	}
	// Default Every gives about 1000 records.
	tr, _ = Simulate(p, SimConfig{ELR: 0.7, Batch: 1, Steps: 23456})
	if n := len(tr.Records); n < 1000 || n > 1050 {
		t.Errorf("default Every: %d records", n)
	}
}

func TestSimulateErrors(t *testing.T) {
	p, _ := Config{N: 4, D: 10}.Build()
	for _, cfg := range []SimConfig{
		{ELR: 0}, {ELR: -1}, {ELR: math.Inf(1)}, {ELR: 1, Batch: -1},
		{ELR: 1, Batch: 5, Sampling: Shuffle}, {ELR: 1, Init: []float64{1}},
		{ELR: 1, Init: make([]float64, 10)}, {ELR: 1, Steps: -3},
		{ELR: 1e308, Batch: 1, Steps: 10}, // the iterate overflows
	} {
		if _, err := Simulate(p, cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// TestStepAllocs proves that the inner loop (sampler and step) allocates nothing.
func TestStepAllocs(t *testing.T) {
	for _, tc := range testProblems(t) {
		p := tc.p
		for _, batch := range []int{0, 1, 3} {
			smp := NewSampler(p, batch, IID, rand.New(rand.NewPCG(1, 2)))
			st := NewStepper(p, 0.5)
			u := unit(rand.New(rand.NewPCG(3, 4)), p.Dim())
			var b Batch
			smp.Next(&b)
			if a := testing.AllocsPerRun(200, func() { smp.Next(&b); st.Step(u, &b) }); a != 0 {
				t.Errorf("%s b=%d: %v allocations per step", p.Name(), batch, a)
			}
		}
	}
}

// ExampleSimulate runs the circle of SCIENCE.md 6.2 at lambda = 1 and
// ELR = 2.5, where the iterates settle on the 2-cycle phi <-> -phi with loss
// lambda/4 - 1/(2 ELR) = 0.05 and angle arccos(2/(ELR lambda)) = 0.643501.
func ExampleSimulate() {
	p, _ := NewCircle(1)
	tr, _ := Simulate(p, SimConfig{ELR: 2.5, Steps: 2000, Init: []float64{1, 0.3}})
	s := tr.Summary
	fmt.Printf("tail loss %.6f, angle %.6f rad\n", s.TailLossMean, s.TailAngleMean)
	// Output: tail loss 0.050000, angle 0.643501 rad
}
