package toy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// gaussData returns n x d data with standard normal entries; with unit set,
// every row is rescaled to norm sqrt(lambda) (equal norms).
func gaussData(n, d int, seed uint64, unit bool, lambda float64) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, 1))
	a := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		row := a.RawRowView(i)
		for j := range row {
			row[j] = rng.NormFloat64()
		}
		if unit {
			floats.Scale(math.Sqrt(lambda)/floats.Norm(row, 2), row)
		}
	}
	return a
}

// hMatrix returns H = A^T A / n as a dense d x d matrix, formed directly.
func hMatrix(a *mat.Dense) *mat.Dense {
	n, d := a.Dims()
	h := mat.NewDense(d, d, nil)
	h.Mul(a.T(), a)
	h.Scale(1/float64(n), h)
	return h
}

func TestGDThreshold(t *testing.T) {
	// Orthogonal rows with squared norms 1, 4, 9 in R^5: H = diag(1, 4, 9, 0, 0)/3,
	// so lambda_max = 3 and the threshold is 2/3 (hand calculation).
	orth := mat.NewDense(3, 5, []float64{
		1, 0, 0, 0, 0,
		0, 2, 0, 0, 0,
		0, 0, 3, 0, 0,
	})
	if got := GDThreshold(orth); !scalar.EqualWithinAbsOrRel(got, 2.0/3, 1e-15, 1e-14) {
		t.Errorf("orthogonal rows: GDThreshold = %v, want 2/3", got)
	}
	for _, tc := range []struct{ n, d int }{{8, 24}, {30, 10}, {5, 5}, {1, 3}} {
		a := gaussData(tc.n, tc.d, uint64(tc.n*100+tc.d), false, 0)
		// Independent path: the top eigenvalue of the d x d matrix H itself.
		var eig mat.Eigen
		if !eig.Factorize(hMatrix(a), mat.EigenNone) {
			t.Fatal("eigen failed")
		}
		var lmax float64
		for _, v := range eig.Values(nil) {
			lmax = math.Max(lmax, real(v))
		}
		if got := GDThreshold(a); !scalar.EqualWithinAbsOrRel(got, 2/lmax, 0, 1e-12) {
			t.Errorf("n=%d d=%d: GDThreshold = %v, want %v", tc.n, tc.d, got, 2/lmax)
		}
	}
}

func TestRange(t *testing.T) {
	a := gaussData(6, 10, 7, false, 0)
	// Make row 5 a combination of rows 0 and 1: the rank drops to 5.
	r5 := a.RawRowView(5)
	floats.AddScaledTo(r5, a.RawRowView(0), 2, a.RawRowView(1))
	rb := Range(a)
	if rb.Rank() != 5 {
		t.Fatalf("rank = %d, want 5 (6 rows, one dependent)", rb.Rank())
	}
	// Orthonormal columns: V^T V = I.
	var vtv mat.Dense
	vtv.Mul(rb.V.T(), rb.V)
	if !mat.EqualApprox(&vtv, eye(5), 1e-13) {
		t.Errorf("V^T V is not the identity")
	}
	// Projection onto range(A^T) reproduces A: A V V^T = A, and Coord = A V.
	var avvt mat.Dense
	avvt.Mul(rb.Coord, rb.V.T())
	if !mat.EqualApprox(&avvt, a, 1e-12) {
		t.Errorf("A V V^T differs from A")
	}
	// H is diagonal in the basis: V^T H V = diag(HEigen).
	var vhv, tmp mat.Dense
	tmp.Mul(hMatrix(a), rb.V)
	vhv.Mul(rb.V.T(), &tmp)
	want := mat.NewDiagDense(5, rb.HEigen())
	if !mat.EqualApprox(&vhv, want, 1e-12) {
		t.Errorf("V^T H V is not diag(HEigen)")
	}
}

func eye(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		m.Set(i, i, 1)
	}
	return m
}

// TestMSThresholdEqualNorms checks the closed form of SCIENCE.md
// section 6.1: b = 1 with all ||a_i||^2 = lambda gives exactly 2/lambda.
func TestMSThresholdEqualNorms(t *testing.T) {
	for _, tc := range []struct {
		n, d   int
		lambda float64
	}{
		{8, 24, 1}, {8, 24, 2.5}, {20, 30, 1}, {3, 4, 0.7}, {50, 60, 1},
	} {
		a := gaussData(tc.n, tc.d, uint64(tc.n+tc.d), true, tc.lambda)
		got, err := MSThreshold(a, 1, IID)
		if err != nil {
			t.Fatal(err)
		}
		if want := 2 / tc.lambda; math.Abs(got-want) > 1e-6*want {
			t.Errorf("n=%d d=%d lambda=%v: MSThreshold = %.12g, want %.12g", tc.n, tc.d, tc.lambda, got, want)
		}
	}
}

// TestMSThresholdFullBatch checks that the full batch (b = 0, or b >= n
// without replacement) gives the GD threshold 2/lambda_max(H).
func TestMSThresholdFullBatch(t *testing.T) {
	a := gaussData(8, 24, 3, false, 0)
	want := GDThreshold(a)
	for _, tc := range []struct {
		b       int
		replace bool
	}{{0, true}, {0, false}, {8, false}, {12, false}} {
		got, err := MSThreshold(a, tc.b, samplingOf(tc.replace))
		if err != nil {
			t.Fatal(err)
		}
		if !scalar.EqualWithinAbsOrRel(got, want, 0, 1e-9) {
			t.Errorf("b=%d replace=%v: MSThreshold = %v, want GD threshold %v", tc.b, tc.replace, got, want)
		}
	}
}

// TestMSThresholdBounds checks the bracket of SCIENCE.md section 6.1 on
// random instances with unequal norms, and that rho(T_e) = 1 at the threshold
// and is below 1 just under it and above 1 just over it.
func TestMSThresholdBounds(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		a := gaussData(8, 24, seed, false, 0)
		for _, b := range []int{1, 2, 4} {
			for _, replace := range []bool{true, false} {
				op, _ := NewMSOperator(a, b, samplingOf(replace))
				e, err := op.Threshold()
				if err != nil {
					t.Fatal(err)
				}
				bounds := MSBounds(a, b, samplingOf(replace))
				if e < bounds[0]*(1-1e-12) || e > bounds[1]*(1+1e-12) {
					t.Errorf("seed %d b=%d replace=%v: threshold %v outside bounds %v", seed, b, replace, e, bounds)
				}
				for _, tc := range []struct {
					f        float64
					lo, hi   float64
					relation string
				}{
					{1, 1 - 1e-9, 1 + 1e-9, "= 1"},
					{0.99, 0, 1 - 1e-9, "< 1"},
					{1.01, 1 + 1e-9, math.Inf(1), "> 1"},
				} {
					rho, err := op.SpectralRadius(tc.f * e)
					if err != nil {
						t.Fatal(err)
					}
					if rho < tc.lo || rho > tc.hi {
						t.Errorf("seed %d b=%d replace=%v: rho(T at %v x threshold) = %.12g, want %s", seed, b, replace, tc.f, rho, tc.relation)
					}
				}
			}
		}
	}
}

// explicitT returns the r^2 x r^2 matrix of the second-moment map in the
// coordinates coord (n x r), computed by enumerating every mini-batch:
// all n^b ordered draws with replacement, or all b-subsets without, and
// averaging C_B (x) C_B with C_B = I - e H_B. It shares no code with
// MSOperator and checks its noise factors.
func explicitT(coord *mat.Dense, b int, replace bool, elr float64) *mat.Dense {
	n, r := coord.Dims()
	t := mat.NewDense(r*r, r*r, nil)
	var count int
	add := func(batch []int) {
		c := eye(r)
		for _, i := range batch {
			bi := coord.RawRowView(i)
			for j := 0; j < r; j++ {
				for k := 0; k < r; k++ {
					c.Set(j, k, c.At(j, k)-elr*bi[j]*bi[k]/float64(len(batch)))
				}
			}
		}
		var kron mat.Dense
		kron.Kronecker(c, c)
		t.Add(t, &kron)
		count++
	}
	batch := make([]int, b)
	var rec func(pos, start int)
	rec = func(pos, start int) {
		if pos == b {
			add(batch)
			return
		}
		for i := start; i < n; i++ {
			batch[pos] = i
			if replace {
				rec(pos+1, 0)
			} else {
				rec(pos+1, i+1)
			}
		}
	}
	rec(0, 0)
	t.Scale(1/float64(count), t)
	return t
}

func TestMSOperatorExplicit(t *testing.T) {
	a := gaussData(5, 7, 11, false, 0)
	for _, tc := range []struct {
		b       int
		replace bool
	}{{1, true}, {2, true}, {3, true}, {2, false}, {3, false}, {4, false}} {
		op, rb := NewMSOperator(a, tc.b, samplingOf(tc.replace))
		r := rb.Rank()
		e := 0.8 * GDThreshold(a)
		tm := explicitT(rb.Coord, tc.b, tc.replace, e)
		// Apply to a random symmetric matrix and compare with the explicit map
		// (vec is row-major, and C S C = (C (x) C) vec(S) for symmetric C).
		rng := rand.New(rand.NewPCG(5, 6))
		s := mat.NewDense(r, r, nil)
		for j := 0; j < r; j++ {
			for k := 0; k <= j; k++ {
				v := rng.NormFloat64()
				s.Set(j, k, v)
				s.Set(k, j, v)
			}
		}
		got := mat.NewDense(r, r, nil)
		op.Apply(got, s, e)
		var want mat.VecDense
		want.MulVec(tm, mat.NewVecDense(r*r, mat.DenseCopyOf(s).RawMatrix().Data))
		if !floats.EqualApprox(got.RawMatrix().Data, want.RawVector().Data, 1e-12) {
			t.Errorf("b=%d replace=%v: operator differs from the explicit matrix", tc.b, tc.replace)
		}
		// Spectral radius against the explicit eigenvalues, at the threshold
		// (where it must be 1) and at 1.3 x the GD threshold.
		th, err := op.Threshold()
		if err != nil {
			t.Fatal(err)
		}
		for _, elr := range []float64{th, 1.3 * GDThreshold(a)} {
			var eig mat.Eigen
			if !eig.Factorize(explicitT(rb.Coord, tc.b, tc.replace, elr), mat.EigenNone) {
				t.Fatal("eigen failed")
			}
			var rho float64
			for _, v := range eig.Values(nil) {
				rho = math.Max(rho, math.Hypot(real(v), imag(v)))
			}
			got, err := op.SpectralRadius(elr)
			if err != nil {
				t.Fatal(err)
			}
			if !scalar.EqualWithinAbsOrRel(got, rho, 0, 1e-9) {
				t.Errorf("b=%d replace=%v elr=%v: SpectralRadius = %v, explicit %v", tc.b, tc.replace, elr, got, rho)
			}
			if elr == th && math.Abs(rho-1) > 1e-9 {
				t.Errorf("b=%d replace=%v: explicit rho at the threshold = %v, want 1", tc.b, tc.replace, rho)
			}
		}
	}
}

// TestMSOperatorMonteCarlo runs the linear recursion delta' = (I - e H_B) delta
// with random batches and compares E[delta delta^T] after a few steps with
// T^k applied to the initial second moment.
func TestMSOperatorMonteCarlo(t *testing.T) {
	const (
		n, d  = 6, 10
		b     = 2
		steps = 4
		reps  = 200000 // standard error of each entry about 1/sqrt(reps) relative
	)
	a := gaussData(n, d, 21, false, 0)
	op, rb := NewMSOperator(a, b, IID)
	r := rb.Rank()
	e := 1.1 * MSBounds(a, b, IID)[1] // above the GD threshold: the noise matters
	// Initial delta = first coordinate vector: Sigma0 = e1 e1^T.
	sig := mat.NewDense(r, r, nil)
	sig.Set(0, 0, 1)
	next := mat.NewDense(r, r, nil)
	for k := 0; k < steps; k++ {
		op.Apply(next, sig, e)
		sig, next = next, sig
	}
	rng := rand.New(rand.NewPCG(99, 100))
	mc := mat.NewDense(r, r, nil)
	delta := make([]float64, r)
	hd := make([]float64, r)
	for rep := 0; rep < reps; rep++ {
		for j := range delta {
			delta[j] = 0
		}
		delta[0] = 1
		for k := 0; k < steps; k++ {
			for j := range hd {
				hd[j] = 0
			}
			for s := 0; s < b; s++ {
				bi := rb.Coord.RawRowView(rng.IntN(n))
				floats.AddScaled(hd, floats.Dot(bi, delta)/b, bi)
			}
			floats.AddScaled(delta, -e, hd)
		}
		for j := 0; j < r; j++ {
			floats.AddScaled(mc.RawRowView(j), delta[j]/reps, delta)
		}
	}
	// Tolerance: 5 standard errors of a second moment of a heavy-tailed
	// product, estimated generously as 5 * max|Sigma| * 3 / sqrt(reps).
	tol := 5 * mat.Max(sig) * 3 / math.Sqrt(reps)
	for j := 0; j < r; j++ {
		for k := 0; k < r; k++ {
			if math.Abs(mc.At(j, k)-sig.At(j, k)) > tol {
				t.Errorf("E[delta delta^T][%d,%d]: Monte Carlo %v, operator %v (tol %v)", j, k, mc.At(j, k), sig.At(j, k), tol)
			}
		}
	}
}

func TestLimitStep(t *testing.T) {
	const (
		n, d = 8, 24
		elr  = 1e8 // "ELR -> infinity"; the step differs from the limit by O(1/(elr ||g||))
	)
	a := gaussData(n, d, 5, true, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	u := make([]float64, d)
	for j := range u {
		u[j] = rng.NormFloat64()
	}
	floats.Scale(1/floats.Norm(u, 2), u)
	for _, batch := range [][]int{{3}, {0, 5}, {1, 1, 6, 7}} {
		// Mini-batch gradient on the sphere: mean_i c_i (a_i - c_i u).
		g := make([]float64, d)
		for _, i := range batch {
			ai := a.RawRowView(i)
			c := floats.Dot(ai, u)
			floats.AddScaled(g, c/float64(len(batch)), ai)
			floats.AddScaled(g, -c*c/float64(len(batch)), u)
		}
		lim := make([]float64, d)
		LimitStep(lim, u, g)
		step := make([]float64, d)
		floats.AddScaledTo(step, u, -elr, g)
		floats.Scale(1/floats.Norm(step, 2), step)
		// u' = (u - e g)/sqrt(1 + e^2 ||g||^2) differs from -g/||g|| by about
		// u/(e ||g||): allow twice that.
		tol := 2 / (elr * floats.Norm(g, 2))
		if floats.Distance(step, lim, 2) > tol {
			t.Errorf("batch %v: step at ELR 1e8 differs from LimitStep by %g (norm g %g)", batch, floats.Distance(step, lim, 2), floats.Norm(g, 2))
		}
		// The mini-batch loss at the real step against LimitLoss.
		var f float64
		for _, i := range batch {
			c := floats.Dot(a.RawRowView(i), step)
			f += 0.5 * c * c / float64(len(batch))
		}
		// f_B is Lipschitz with constant lambda* = 1 on the unit sphere (grad f_B = H_B u - ...),
		// so the losses differ by at most 2 * tol.
		if got := LimitLoss(a, batch, g); math.Abs(got-f) > 2*tol {
			t.Errorf("batch %v: LimitLoss = %v, loss after the step %v", batch, got, f)
		}
		if len(batch) == 1 {
			// b = 1 closed form 0.5 (lambda_i - c_i^2) with lambda_i = 1.
			c := floats.Dot(a.RawRowView(batch[0]), u)
			if got := LimitLoss(a, batch, g); !scalar.EqualWithinAbsOrRel(got, 0.5*(1-c*c), 1e-14, 1e-12) {
				t.Errorf("b=1: LimitLoss = %v, want 0.5(1-c^2) = %v", got, 0.5*(1-c*c))
			}
		}
	}
}

func ExampleMSThreshold() {
	// Four orthogonal unit rows in R^6: H = I/4 on their span, so the GD
	// threshold is 2/(1/4) = 8, and with b = 1 and equal norms lambda = 1
	// the mean-square threshold is 2/lambda = 2.
	a := mat.NewDense(4, 6, []float64{
		1, 0, 0, 0, 0, 0,
		0, 1, 0, 0, 0, 0,
		0, 0, 1, 0, 0, 0,
		0, 0, 0, 1, 0, 0,
	})
	ms, err := MSThreshold(a, 1, IID)
	if err != nil {
		panic(err)
	}
	fmt.Printf("GD %.6f, mean-square (b=1) %.6f\n", GDThreshold(a), ms)
	// Output:
	// GD 8.000000, mean-square (b=1) 2.000000
}

func BenchmarkMSThreshold(b *testing.B) {
	for _, sz := range []struct{ n, d, batch int }{{8, 24, 4}, {50, 100, 4}, {200, 400, 10}} {
		b.Run(fmt.Sprintf("n=%d,d=%d,b=%d", sz.n, sz.d, sz.batch), func(b *testing.B) {
			a := gaussData(sz.n, sz.d, 1, false, 0)
			for i := 0; i < b.N; i++ {
				if _, err := MSThreshold(a, sz.batch, IID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestNewLSQTheory(t *testing.T) {
	a := gaussData(8, 24, 17, false, 0) // unequal norms
	th, err := NewLSQTheory(a, 2, IID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if th.N != 8 || th.D != 24 || th.Rank != 8 || th.Batch != 2 || !th.Replace {
		t.Errorf("sizes %+v", th)
	}
	if !scalar.EqualWithinRel(th.GDThreshold, 2/th.LambdaMax, 1e-15) {
		t.Errorf("gd_threshold %v, 2/lambda_max %v", th.GDThreshold, 2/th.LambdaMax)
	}
	if th.MSThreshold < th.MSBounds[0] || th.MSThreshold > th.MSBounds[1] {
		t.Errorf("ms_threshold %v outside ms_bounds %v", th.MSThreshold, th.MSBounds)
	}
	// Jensen: the almost-sure threshold is not below the mean-square one.
	if th.ASThresholdCI[1] < th.MSThreshold || th.ASThreshold < th.ASThresholdCI[0] || th.ASThreshold > th.ASThresholdCI[1] {
		t.Errorf("as_threshold %v (CI %v) against ms_threshold %v", th.ASThreshold, th.ASThresholdCI, th.MSThreshold)
	}
	// The random level tr(H)/(2d) from the direct trace of H.
	if want := mat.Trace(hMatrix(a)) / 48; !scalar.EqualWithinRel(th.RandomLevel, want, 1e-13) {
		t.Errorf("random_level %v, want %v", th.RandomLevel, want)
	}
	if _, err := NewLSQTheory(a, -1, IID, 1); err == nil {
		t.Error("negative batch: no error")
	}
	if _, err := NewLSQTheory(mat.NewDense(2, 3, nil), 1, IID, 1); err == nil {
		t.Error("zero data: no error")
	}
}

// samplingOf returns IID for sampling with replacement and Shuffle for
// distinct samples, the two cases the theory tests loop over.
func samplingOf(replace bool) Sampling {
	if replace {
		return IID
	}
	return Shuffle
}
