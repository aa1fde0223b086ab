package toy

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/regimes/regimes/analysis"
)

// TestSLQLSQMinimum: at a minimum u of the lsq toy (A u = 0) every c_i
// vanishes, so Hess F(u) = H = A^T A / n with H u = 0 (SCIENCE.md section
// 6.1), and on the tangent space its spectrum is the r = rank(A) eigenvalues
// s_k^2/n of RangeBasis.HEigen and d-1-r zeros. A tangent probe's Krylov
// space is spanned by its components in the r eigenvectors and in the null
// space, so Lanczos stops after r+1 steps with exactly those nodes; the
// probe-averaged weight of the zero node estimates (d-1-r)/(d-1).
func TestSLQLSQMinimum(t *testing.T) {
	a, err := GenerateLSQ(8, 24, 1, NormsUnit)
	if err != nil {
		t.Fatal(err)
	}
	// Zero the first coordinate of every sample, so that x = 3 e_1 is a
	// minimum with every c_i exactly 0 (radius 3: the spectrum of the
	// effective Hessian ||x||^2 Hess F is H's).
	for i := range 8 {
		a.Set(i, 0, 0)
	}
	p, err := NewLSQ(a)
	if err != nil {
		t.Fatal(err)
	}
	rb := Range(a)
	x := make([]float64, 24)
	x[0] = 3
	if l := p.Loss(x, nil); l != 0 {
		t.Fatalf("not a minimum: loss %v", l)
	}
	r2 := floats.Dot(x, x)
	op := analysis.ScaledOperator{A: analysis.NewTangentOperator(Hessian{P: p, X: x}, x, 0), C: r2}
	want := append([]float64{0}, rb.HEigen()...)
	sort.Float64s(want)
	s := analysis.SLQ(op, analysis.SLQConfig{Probes: 200, Steps: 23, Seed: 9})
	if s.Dim != 23 {
		t.Fatalf("Dim = %d, want 23", s.Dim)
	}
	var zeroWeight float64
	for pi, q := range s.Probes {
		if len(q.Nodes) != len(want) {
			t.Fatalf("probe %d: %d nodes, want r+1 = %d", pi, len(q.Nodes), len(want))
		}
		for j, th := range q.Nodes {
			if math.Abs(th-want[j]) > 1e-10 {
				t.Fatalf("probe %d node %d = %v, want %v", pi, j, th, want[j])
			}
		}
		zeroWeight += q.Weights[0] / float64(len(s.Probes))
	}
	// (d-1-r)/(d-1) = 15/23; a probe's zero weight has a standard deviation
	// of about 0.1, so 200 probes give a standard error of about 0.007.
	if math.Abs(zeroWeight-15.0/23) > 0.03 {
		t.Errorf("mean weight of the zero node %v, want about 15/23 = %.4f", zeroWeight, 15.0/23)
	}
	// The effective trace tr(||x||^2 P H P) = tr H is the first moment times 23.
	trH := floats.Sum(rb.HEigen())
	if m1 := 23 * s.Moment(1); math.Abs(m1-trH) > 0.1*trH {
		t.Errorf("23 * first moment = %v, tr H = %v", m1, trH)
	}
}

// TestSLQLSQGeneric: at a generic point of the sphere the tangent Hessian
// of the lsq toy is not H; build it densely from Hessian-vector products
// (P Hess P e_j) and compare the Gauss rule of a tangent probe v with its
// exact spectral measure: every node an eigenvalue of the dense matrix on
// the tangent space, with weight the squared projection of v/||v|| on that
// eigenspace. (Hess f_B = low rank + c I, so Lanczos stops early, once the
// Krylov space is invariant.)
func TestSLQLSQGeneric(t *testing.T) {
	a, _ := GenerateLSQ(8, 24, 2, NormsUnit)
	p, _ := NewLSQ(a)
	rng := rand.New(rand.NewPCG(6, 0))
	x := make([]float64, 24)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	op := analysis.NewTangentOperator(Hessian{P: p, X: x}, x, 0)
	dense := mat.NewSymDense(24, nil)
	e, col := make([]float64, 24), make([]float64, 24)
	for j := range 24 {
		clear(e)
		e[j] = 1
		op.Apply(col, e)
		for i := 0; i <= j; i++ {
			dense.SetSym(i, j, col[i])
		}
	}
	var es mat.EigenSym
	es.Factorize(dense, true)
	vals := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	u := mat.NewVecDense(24, append([]float64(nil), x...))
	u.ScaleVec(1/mat.Norm(u, 2), u)
	v := make([]float64, 24)
	analysis.Rademacher(v, rng)
	op.Project(v)
	vv := mat.NewVecDense(24, v)
	nv2 := floats.Dot(v, v)
	q := analysis.LanczosQuadrature(op, v, 23)
	got := make([]float64, len(q.Nodes)) // exact weight of each node
	var total float64
	for j, l := range vals {
		if math.Abs(mat.Dot(vecs.ColView(j), u)) > 0.5 {
			continue // the eigenvector along x, eigenvalue 0, outside the tangent space
		}
		w := math.Pow(mat.Dot(vecs.ColView(j), vv), 2) / nv2
		total += w
		k := 0
		for i := range q.Nodes {
			if math.Abs(q.Nodes[i]-l) < math.Abs(q.Nodes[k]-l) {
				k = i
			}
		}
		if math.Abs(q.Nodes[k]-l) > 1e-9 {
			if w > 1e-20 {
				t.Errorf("eigenvalue %v (weight %.3g) has no node; nearest %v", l, w, q.Nodes[k])
			}
			continue
		}
		got[k] += w
	}
	if math.Abs(total-1) > 1e-12 {
		t.Fatalf("tangent weights sum to %v", total)
	}
	for k := range q.Nodes {
		if math.Abs(q.Weights[k]-got[k]) > 1e-9 {
			t.Errorf("node %v: weight %v, exact %v", q.Nodes[k], q.Weights[k], got[k])
		}
	}
}

// TestSliceCircle: on the circle toy (SCIENCE.md section 6.2) the point
// at angle a from u = (cos phi0, sin phi0) towards increasing phi is
// phi0 + a, so the 1-D slice is (lambda/2) sin^2(phi0 + a) exactly, and the
// great circle from phi0 to phi1 at fraction t is phi0 + t (phi1 - phi0).
func TestSliceCircle(t *testing.T) {
	const lambda = 2.5
	c, err := NewCircle(lambda)
	if err != nil {
		t.Fatal(err)
	}
	f := func(x []float64) float64 { return c.Loss(x, nil) }
	angles := analysis.Grid(-math.Pi, math.Pi, 73)
	for _, phi0 := range []float64{0, 0.3, -2} {
		for _, r := range []float64{1, 1e-3, 40} {
			x := []float64{r * math.Cos(phi0), r * math.Sin(phi0)}
			d := []float64{-math.Sin(phi0) + 0.7*math.Cos(phi0), math.Cos(phi0) + 0.7*math.Sin(phi0)} // tangent + radial part
			s, err := analysis.Slice1D(f, x, d, angles)
			if err != nil {
				t.Fatal(err)
			}
			for j, a := range angles {
				want := lambda / 2 * math.Pow(math.Sin(phi0+a), 2)
				if math.Abs(s.Loss[0][j]-want) > 1e-9 {
					t.Errorf("phi0=%v r=%v a=%v: slice %v, closed form %v", phi0, r, a, s.Loss[0][j], want)
				}
			}
		}
	}
	ts := analysis.Grid(-0.5, 1.5, 21)
	x0, x1 := []float64{math.Cos(0.2), math.Sin(0.2)}, []float64{3 * math.Cos(1.1), 3 * math.Sin(1.1)}
	s, w, err := analysis.GreatCircle(f, x0, x1, ts)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(w-0.9) > 1e-12 {
		t.Errorf("angle between the points %v, want 0.9", w)
	}
	for j, tj := range ts {
		want := lambda / 2 * math.Pow(math.Sin(0.2+0.9*tj), 2)
		if math.Abs(s.Loss[0][j]-want) > 1e-9 {
			t.Errorf("t=%v: great-circle slice %v, closed form %v", tj, s.Loss[0][j], want)
		}
	}
}

// TestMSThresholdBatches: with the batch matrices H_i = b_i b_i^T of the
// lsq toy's samples (b_i its range coordinates), drawn uniformly, the map
// E_i[(I - e H_i) S (I - e H_i)] is the toy's second-moment map at batch
// size 1 with replacement, so analysis.MSThresholdBatches must give
// toy.MSThreshold(a, 1, toy.IID); and its GD threshold 2/lambda_max(H).
func TestMSThresholdBatches(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		a, _ := GenerateLSQ(8, 24, seed, NormsUnit)
		rb := Range(a)
		r := rb.Rank()
		hs := make([]*mat.SymDense, 8)
		for i := range hs {
			bi := mat.NewVecDense(r, append([]float64(nil), rb.Coord.RawRowView(i)...))
			hs[i] = mat.NewSymDense(r, nil)
			hs[i].SymOuterK(1, bi)
		}
		ms, gd, err := analysis.MSThresholdBatches(hs)
		if err != nil {
			t.Fatal(err)
		}
		want, err := MSThreshold(a, 1, IID)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(ms-want) > 1e-9*want || math.Abs(gd-GDThreshold(a)) > 1e-9*gd {
			t.Errorf("seed %d: MS %v GD %v, toy %v and %v", seed, ms, gd, want, GDThreshold(a))
		}
	}
}

// TestHessianDecomposition: for an SI loss, H x = -g and x^T H x = 0
// (SCIENCE.md section 1), so H = P H P - (g x^T + x g^T)/||x||^2 exactly
// (SCIENCE.md section 10.1); checked on the lsq toy at a generic point,
// with the dense matrices built from Hessian-vector products.
func TestHessianDecomposition(t *testing.T) {
	a, _ := GenerateLSQ(8, 24, 3, NormsUnit)
	p, _ := NewLSQ(a)
	rng := rand.New(rand.NewPCG(8, 0))
	x := make([]float64, 24)
	for i := range x {
		x[i] = 2 * rng.NormFloat64()
	}
	g := make([]float64, 24)
	p.Grad(g, x, nil)
	r2 := floats.Dot(x, x)
	full, tang := Hessian{P: p, X: x}, analysis.NewTangentOperator(Hessian{P: p, X: x}, x, 0)
	e, hc, pc := make([]float64, 24), make([]float64, 24), make([]float64, 24)
	var worst, scale float64
	for j := range 24 {
		clear(e)
		e[j] = 1
		full.Apply(hc, e)
		tang.Apply(pc, e)
		for i := range 24 {
			want := pc[i] - (g[i]*x[j]+x[i]*g[j])/r2
			worst = max(worst, math.Abs(hc[i]-want))
			scale = max(scale, math.Abs(hc[i]))
		}
	}
	if worst > 1e-13*scale {
		t.Errorf("H - (PHP - (g x^T + x g^T)/|x|^2) = %.3g (scale %.3g)", worst, scale)
	}
}

// TestSLQLSQMoments is the moment acceptance on the lsq toy's
// Hessian: at a generic point of the sphere the Gauss rule of m Lanczos
// steps on the tangent Hessian P Hess F P reproduces the probe's moments
// v^T A^k v / ||v||^2 (by repeated products) to 1e-8 for every degree
// k < 2m, about the centre of the spectrum as well as about 0 (so that
// both ends count), and misses the centred moment of degree 2m (at m = 4).
func TestSLQLSQMoments(t *testing.T) {
	const n, d = 30, 80
	a, err := GenerateLSQ(n, d, 4, NormsUnit)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewLSQ(a)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 0))
	x := make([]float64, d)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	op := analysis.NewTangentOperator(Hessian{P: p, X: x}, x, 0)
	v := make([]float64, d)
	analysis.Rademacher(v, rng)
	op.Project(v)
	// moments of the measure of v for the operator A - c I, k = 0..kmax.
	moments := func(c float64, kmax int) []float64 {
		out := make([]float64, kmax+1)
		w := append([]float64(nil), v...)
		pow := [][]float64{w}
		for range kmax/2 + 1 {
			nw := make([]float64, d)
			op.Apply(nw, pow[len(pow)-1])
			floats.AddScaled(nw, -c, pow[len(pow)-1])
			pow = append(pow, nw)
		}
		nv2 := floats.Dot(v, v)
		for k := range out {
			out[k] = floats.Dot(pow[k/2], pow[k-k/2]) / nv2
		}
		return out
	}
	for _, m := range []int{4, 8, 12} {
		q := analysis.LanczosQuadrature(op, v, m)
		if len(q.Nodes) != m {
			t.Fatalf("m=%d: %d nodes (the Krylov space is smaller than m: the test would be trivial)", m, len(q.Nodes))
		}
		lo, hi := q.Nodes[0], q.Nodes[m-1]
		c := (lo + hi) / 2
		for _, shift := range []float64{0, c} {
			exact := moments(shift, 2*m)
			for k := 0; k < 2*m; k++ {
				var got float64
				for j, th := range q.Nodes {
					got += q.Weights[j] * math.Pow(th-shift, float64(k))
				}
				scale := math.Max(math.Abs(exact[k]), 1e-8*math.Pow((hi-lo)/2, float64(k)))
				if math.Abs(got-exact[k]) > 1e-8*scale {
					t.Errorf("m=%d shift %.3g: moment %d = %.15g, exact %.15g", m, shift, k, got, exact[k])
				}
			}
			// The degree-2m remainder shrinks like 4^-m relative (see
			// analysis.TestQuadratureMoments), so it is checked at m = 4.
			if shift == c && m == 4 {
				var got float64
				for j, th := range q.Nodes {
					got += q.Weights[j] * math.Pow(th-shift, float64(2*m))
				}
				if rel := math.Abs(got/exact[2*m] - 1); rel < 1e-6 {
					t.Errorf("m=%d: centred moment of degree 2m integrated to %.2g: the test cannot tell exactness from accident", m, rel)
				}
			}
		}
	}
}
