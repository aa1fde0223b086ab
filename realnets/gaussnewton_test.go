package realnets

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/regimes/regimes/analysis"
)

// denseOf returns the matrix of op built column by column from its
// products with the unit vectors.
func denseOf(op analysis.SymOperator) *mat.Dense {
	d := op.Dim()
	a := mat.NewDense(d, d, nil)
	e, c := make([]float64, d), make([]float64, d)
	for j := range d {
		clear(e)
		e[j] = 1
		op.Apply(c, e)
		a.SetCol(j, c)
	}
	return a
}

// relDiff returns ||a - b||_F / ||b||_F.
func relDiff(a, b mat.Matrix) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, 2) / mat.Norm(b, 2)
}

// tangentProjector returns P = I - u u^T, u = x/||x||.
func tangentProjector(x []float64) *mat.Dense {
	d := len(x)
	u := mat.NewVecDense(d, append([]float64(nil), x...))
	u.ScaleVec(1/mat.Norm(u, 2), u)
	p := mat.NewDense(d, d, nil)
	p.Outer(-1, u, u)
	for i := range d {
		p.Set(i, i, p.At(i, i)+1)
	}
	return p
}

// TestGaussNewtonDense: on the tiny MLP the effective tangent Gauss-Newton
// operator (finite differences of float32 logits, float32 backward pass)
// equals ||x||^2 P J^T H_out J P built from the float64 reference (J by
// central differences of its logits, denseExact), is symmetric and
// positive semi-definite, has rank at most n (classes - 1), and SLQ on it
// matches the dense eigendecomposition.
func TestGaussNewtonDense(t *testing.T) {
	m, x, y, r := sharpMLP(3)
	l, err := NewLandscape(m, Batches{X: x, Y: y, N: len(y)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	w := l.Point()
	d := len(w)
	r2 := l.Norm() * l.Norm()
	eff, err := l.EffectiveGaussNewton()
	if err != nil {
		t.Fatal(err)
	}
	got := denseOf(eff)
	_, _, f := denseExact(r, w)
	p := tangentProjector(w)
	var want mat.Dense
	want.Mul(p, f)
	want.Mul(&want, p)
	want.Scale(r2, &want)
	if e := relDiff(got, &want); e > 1e-3 {
		t.Errorf("||G - ||x||^2 P J^T H J P|| / ||.|| = %.3g, want <= 1e-3", e)
	} else {
		t.Logf("relative distance to the dense reference %.2g", e)
	}
	// The unprojected operator annihilates x (J x = 0 for an SI loss) to
	// the finite-difference error.
	g, _ := l.GaussNewton()
	gx := make([]float64, d)
	g.Apply(gx, w)
	raw := denseOf(g)
	if e := floats.Norm(gx, 2) / (mat.Norm(raw, 2) * l.Norm()); e > 1e-3 {
		t.Errorf("||G x|| / (||G|| ||x||) = %.3g", e)
	}
	if e := relDiff(got.T(), got); e > 1e-3 {
		t.Errorf("asymmetry ||G - G^T|| / ||G|| = %.3g", e)
	}
	sym := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			sym.SetSym(i, j, (got.At(i, j)+got.At(j, i))/2)
		}
	}
	var es mat.EigenSym
	if !es.Factorize(sym, false) {
		t.Fatal("EigenSym failed")
	}
	vals := es.Values(nil)
	top := vals[d-1]
	rank := 0
	for _, v := range vals {
		if v < -1e-3*top {
			t.Errorf("negative eigenvalue %v (top %v)", v, top)
		}
		if v > 1e-3*top {
			rank++
		}
	}
	// n images of 3 classes: each J_i^T H_i J_i has rank <= 2.
	if rank > len(y)*2 {
		t.Errorf("rank %d > n (classes-1) = %d", rank, len(y)*2)
	}
	// SLQ against the dense eigendecomposition: with as many steps as the
	// rank plus the null space direction every probe's rule is exact, so
	// its moments are the probe's v^T A^k v / ||v||^2 of the dense matrix.
	s := analysis.SLQ(eff, analysis.SLQConfig{Probes: 6, Steps: 40, Seed: 2})
	lo, hi := s.Range()
	if math.Abs(hi-top) > 2e-3*top || lo < -2e-3*top {
		t.Errorf("Ritz range [%v, %v], dense top %v", lo, hi, top)
	}
	rng := rand.New(rand.NewPCG(2, 0))
	v := make([]float64, d)
	for pi, q := range s.Probes {
		analysis.Rademacher(v, rng)
		eff.Project(v)
		av := mat.NewVecDense(d, append([]float64(nil), v...))
		nv2 := mat.Dot(av, av)
		cur := mat.VecDenseCopyOf(av)
		for k := 1; k <= 4; k++ {
			cur.MulVec(sym, cur)
			want := mat.Dot(av, cur) / nv2
			if got := q.Moment(k); math.Abs(got-want) > 2e-3*math.Pow(top, float64(k)) {
				t.Errorf("probe %d moment %d: SLQ %v, dense %v", pi, k, got, want)
			}
		}
	}
	t.Logf("d=%d rank %d top %.4g, SLQ range [%.3g, %.4g]", d, rank, top, lo, hi)
}

// linSoftmax is multinomial logistic regression on fixed inputs, z = W a,
// with W flagged SI: its loss is not SI, but its Hessian in W is exactly
// its Gauss-Newton matrix (the logits are linear in W), closed form
// (1/n) sum_i (diag p_i - p_i p_i^T) ⊗ a_i a_i^T.
type linSoftmax struct {
	batchCore
	w    *Param
	feat int
}

func newLinSoftmax(classes, feat int, seed uint64) *linSoftmax {
	m := &linSoftmax{batchCore: newBatchCore(1, classes, 1), feat: feat}
	m.w = &Param{Name: "w", Shape: []int{classes, feat}, Data: make([]float32, classes*feat), Grad: make([]float32, classes*feat), SI: true}
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range m.w.Data {
		m.w.Data[i] = float32(rng.NormFloat64())
	}
	return m
}

func (m *linSoftmax) Params() []*Param          { return []*Param{m.w} }
func (m *linSoftmax) Buffers() []*Param         { return nil }
func (m *linSoftmax) InputShape() (c, h, w int) { return 1, 1, m.feat }

func (m *linSoftmax) Forward(x []float32, y []int, n int, mode Mode, grad bool) (float64, int) {
	m.begin(x, y, n, m.feat, mode, grad, 1, 0)
	defer m.end()
	if len(m.logits) < n*m.classes {
		m.logits = make([]float32, n*m.classes)
	}
	dlog, dfeat := make([]float32, m.classes), make([]float32, m.feat)
	var gw []float32
	if grad {
		gw = m.w.Grad
		clear(gw)
	}
	var loss float64
	var correct int
	for i := range n {
		l, right := m.lastLayer(i, x[i*m.feat:(i+1)*m.feat], m.w.Data, nil, dlog, dfeat, gw, nil)
		loss += l
		if right {
			correct++
		}
	}
	return loss / float64(n), correct
}

// TestGaussNewtonLinearSoftmax: for a model whose logits are linear in the
// weights the Gauss-Newton operator equals the Hessian operator (both by
// finite differences) and the closed form.
func TestGaussNewtonLinearSoftmax(t *testing.T) {
	const classes, feat, n = 4, 5, 12
	m := newLinSoftmax(classes, feat, 1)
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*feat)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(classes)
	}
	l, err := NewLandscape(m, Batches{X: x, Y: y, N: n}, 0)
	if err != nil {
		t.Fatal(err)
	}
	g, err := l.GaussNewton()
	if err != nil {
		t.Fatal(err)
	}
	gn, hess := denseOf(g), denseOf(l)
	// Closed form.
	d := classes * feat
	want := mat.NewDense(d, d, nil)
	m.Forward(x, y, n, TrainEval, false)
	lg := m.Logits()
	for i := range n {
		z := make([]float64, classes)
		for k := range z {
			z[k] = float64(lg[i*classes+k])
		}
		p := softmax64(z)
		for a := range classes {
			for b := range classes {
				h := -p[a] * p[b]
				if a == b {
					h += p[a]
				}
				for j := range feat {
					for k := range feat {
						want.Set(a*feat+j, b*feat+k, want.At(a*feat+j, b*feat+k)+h*float64(x[i*feat+j])*float64(x[i*feat+k])/n)
					}
				}
			}
		}
	}
	if e := relDiff(gn, want); e > 1e-3 {
		t.Errorf("Gauss-Newton against the closed form: relative distance %.3g", e)
	}
	if e := relDiff(hess, want); e > 1e-3 {
		t.Errorf("Hessian against the closed form: relative distance %.3g", e)
	}
	if e := relDiff(gn, hess); e > 1e-3 {
		t.Errorf("Gauss-Newton against the Hessian: relative distance %.3g", e)
	}
	t.Logf("relative distances: GN-closed %.2g, H-closed %.2g, GN-H %.2g", relDiff(gn, want), relDiff(hess, want), relDiff(gn, hess))
}

// TestGaussNewtonNoLogits: a model without the logit-gradient backward
// pass gets an error, not a wrong operator.
func TestGaussNewtonNoLogits(t *testing.T) {
	m := newSphereLoss(3, func(u []float64) float64 { return u[0] })
	copy(m.x.Data, []float32{1, 2, 3})
	l, err := NewLandscape(m, Batches{X: make([]float32, 2), Y: make([]int, 2), N: 2}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.GaussNewton(); err == nil {
		t.Error("no error for a model without Logits")
	}
}
