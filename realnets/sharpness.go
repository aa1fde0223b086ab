package realnets

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/regimes/regimes/analysis"
)

// SharpnessConfig configures Sharpness. The zero value of a field means its
// documented default.
type SharpnessConfig struct {
	// Probes is the number of Rademacher probes of the Hutchinson estimate
	// of the Hessian trace (default 20; 2 gradient evaluations each).
	Probes int `json:"probes"`
	// TopK is the number of largest eigenvalues reported (default 3).
	TopK int `json:"top_k"`
	// LanczosSteps is the number of Lanczos steps for the Euclidean and for
	// the Riemannian Hessian (default max(20, 2*TopK+10); 2 gradient
	// evaluations each).
	LanczosSteps int `json:"lanczos_steps"`
	// FisherSamples is the number of label vectors sampled from the model
	// for the Fisher (default 32; 1 gradient evaluation each).
	FisherSamples int `json:"fisher_samples"`
	// FDStep is the finite-difference step of the Hessian-vector product
	// relative to the SI norm: the SI vector x moves by FDStep*||x|| along
	// the unit direction, that is by an angle of about FDStep radians
	// (default 3e-4; see Sharpness for the error this gives).
	FDStep float64 `json:"fd_step"`
	// ELR, when positive, adds EffectiveTraceTimesELR to the result.
	ELR float64 `json:"elr,omitempty"`
	// Level is the confidence level of the trace intervals (default 0.95).
	Level float64 `json:"level"`
	// Seed seeds the probes, the Lanczos starting vectors and the sampled
	// labels (streams 0, 1 and 2 of rand.NewPCG(Seed, stream)).
	Seed uint64 `json:"seed"`
	// SkipHessian and SkipFisher leave out the Hessian or the Fisher part.
	SkipHessian bool `json:"skip_hessian,omitempty"`
	SkipFisher  bool `json:"skip_fisher,omitempty"`
}

func (c SharpnessConfig) withDefaults() SharpnessConfig {
	if c.Probes == 0 {
		c.Probes = 20
	}
	if c.TopK == 0 {
		c.TopK = 3
	}
	if c.LanczosSteps == 0 {
		c.LanczosSteps = max(20, 2*c.TopK+10)
	}
	if c.FisherSamples == 0 {
		c.FisherSamples = 32
	}
	if c.FDStep == 0 {
		c.FDStep = 3e-4
	}
	if c.Level == 0 {
		c.Level = 0.95
	}
	return c
}

// SharpnessResult holds sharpness measures of the loss restricted to the SI
// parameters (SCIENCE.md section 5). Traces carry the standard error
// and the confidence interval of their stochastic estimate; eigenvalues the
// Ritz residual bound of their Lanczos estimate (an eigenvalue of the
// finite-difference operator lies within it).
type SharpnessResult struct {
	// SINorm is ||x||, the norm of the joint SI vector.
	SINorm float64 `json:"si_norm"`
	// Loss and GradNorm are the batch loss and ||grad_x L|| at x.
	Loss     float64 `json:"loss"`
	GradNorm float64 `json:"grad_norm"`

	// HessianTrace is the Hutchinson estimate of tr H, H the Euclidean
	// Hessian of the batch loss in the SI vector. For an SI loss it equals
	// the trace of the Riemannian Hessian P H P.
	HessianTrace       float64    `json:"hessian_trace"`
	HessianTraceStdErr float64    `json:"hessian_trace_stderr"`
	HessianTraceCI     [2]float64 `json:"hessian_trace_ci"`
	// HessianTop are the largest eigenvalues of H, RiemannianTop those of
	// P H P with P = I - x x^T/||x||^2 (which has the extra eigenvalue 0
	// along x); they differ where the gradient is not zero, because
	// H = P H P - (x g^T + g x^T)/||x||^2 for an SI loss.
	HessianTop            []float64 `json:"hessian_top"`
	HessianTopResidual    []float64 `json:"hessian_top_residual"`
	RiemannianTop         []float64 `json:"riemannian_top"`
	RiemannianTopResidual []float64 `json:"riemannian_top_residual"`

	// FisherTrace is the Monte Carlo estimate of tr F, F the Gauss-Newton
	// matrix (the Fisher with labels drawn from the model) of the batch
	// loss; see Sharpness for the definition with BatchNorm.
	FisherTrace       float64    `json:"fisher_trace"`
	FisherTraceStdErr float64    `json:"fisher_trace_stderr"`
	FisherTraceCI     [2]float64 `json:"fisher_trace_ci"`
	// FisherTop are the largest eigenvalues of the sampled Fisher
	// (n/S) sum_s g_s g_s^T of the S label draws: exact for that matrix,
	// biased upwards as estimates of the eigenvalues of F.
	FisherTop []float64 `json:"fisher_top"`

	// The effective values are the ones above times ||x||^2: the values of
	// the loss as a function on the unit sphere, unchanged when x is
	// rescaled.
	EffectiveHessianTrace       float64   `json:"effective_hessian_trace"`
	EffectiveHessianTraceStdErr float64   `json:"effective_hessian_trace_stderr"`
	EffectiveHessianTop         []float64 `json:"effective_hessian_top"`
	EffectiveRiemannianTop      []float64 `json:"effective_riemannian_top"`
	EffectiveFisherTrace        float64   `json:"effective_fisher_trace"`
	EffectiveFisherTraceStdErr  float64   `json:"effective_fisher_trace_stderr"`
	EffectiveFisherTop          []float64 `json:"effective_fisher_top"`
	// EffectiveTraceTimesELR is ELR times the effective Hessian trace (and
	// EffectiveFisherTraceTimesELR the same for the Fisher), when an ELR is
	// given.
	EffectiveTraceTimesELR       float64 `json:"effective_trace_times_elr,omitempty"`
	EffectiveFisherTraceTimesELR float64 `json:"effective_fisher_trace_times_elr,omitempty"`

	// Passes is the number of forward-backward passes over the batch used.
	Passes int `json:"passes"`
}

// logitModel is a Model that exposes the logits of its last Forward call,
// as MLP and ConvNet do.
type logitModel interface {
	Model
	Logits() []float32
}

// siOperator evaluates gradients of a model's batch loss in its SI vector at
// x0 + h v, and Hessian-vector products by central differences of them.
type siOperator struct {
	m      Model
	si     []*Param
	x      []float32 // n images
	y      []int
	n      int
	x0     []float32 // the SI vector at entry, restored on exit
	x64    []float64
	norm   float64
	u      []float64 // x0 / ||x0||
	step   float64   // FDStep
	gp, gm []float64
	w      []float64
	riem   bool // project onto the tangent space before and after
	passes int
}

func (o *siOperator) Dim() int { return len(o.x64) }

// set writes x0 + h v (v nil: x0) into the SI parameters.
func (o *siOperator) set(h float64, v []float64) {
	k := 0
	for _, p := range o.si {
		for j := range p.Data {
			if v == nil {
				p.Data[j] = o.x0[k]
			} else {
				p.Data[j] = float32(o.x64[k] + h*v[k])
			}
			k++
		}
	}
}

// grad sets dst to the gradient of the batch loss in the SI vector at the
// current parameters, evaluated in TrainEval mode, and returns the loss.
func (o *siOperator) grad(dst []float64, y []int) float64 {
	loss, _ := o.m.Forward(o.x, y, o.n, TrainEval, true)
	o.passes++
	k := 0
	for _, p := range o.si {
		for _, g := range p.Grad {
			dst[k] = float64(g)
			k++
		}
	}
	return loss
}

// project sets v to P v = v - u (u^T v).
func (o *siOperator) project(v []float64) {
	floats.AddScaled(v, -floats.Dot(o.u, v), o.u)
}

// Apply sets dst to (g(x0 + h v) - g(x0 - h v)) / (2h) with h chosen so that
// h ||v|| = FDStep ||x0||, or to the same with v and dst projected onto the
// tangent space when riem is set.
func (o *siOperator) Apply(dst, v []float64) {
	w := v
	if o.riem {
		copy(o.w, v)
		o.project(o.w)
		w = o.w
	}
	nv := floats.Norm(w, 2)
	if nv == 0 {
		clear(dst)
		return
	}
	h := o.step * o.norm / nv
	o.set(h, w)
	o.grad(o.gp, o.y)
	o.set(-h, w)
	o.grad(o.gm, o.y)
	o.set(0, nil)
	for i := range dst {
		dst[i] = (o.gp[i] - o.gm[i]) / (2 * h)
	}
	if o.riem {
		o.project(dst)
	}
}

// Sharpness computes the sharpness measures of SCIENCE.md section 5
// for the batch loss L(x) = (1/n) sum_i CE(z_i(x), y_i) of the n images x
// with labels y, as a function of the joint SI vector x (the SI parameters
// concatenated in Params order), with BatchNorm in TrainEval mode: batch
// statistics of these n images, running statistics left unchanged. Pass a
// fixed subset (for example the first 512 training images) so that values
// at different checkpoints are comparable.
//
// Hessian. H v is the central difference (g(x + h v) - g(x - h v)) / (2h)
// of float32 backward passes with h ||v|| = FDStep ||x||. Its error is the
// truncation O(FDStep^2) relative (larger along directions where ReLU units
// flip sign within the step, which are exactly the sharpest ones) plus
// float32 rounding of about 1e-7/FDStep relative. Against the exact float64
// Hessian of a tiny MLP (TestSharpnessDense) the relative error of H v is
// 2e-3, 2e-4, 7e-5, 3e-4, 1e-3 at FDStep 1e-2, 3e-3, 1e-3, 3e-4, 1e-4 for a
// random v, and 1e-1, 9e-2, 2e-3, 1e-4, 2e-5 for the Rayleigh quotient at
// the top eigenvector; the default 3e-4 keeps both at about 3e-4. The trace is
// Hutchinson's estimate over Probes Rademacher probes, the top eigenvalues
// come from Lanczos (analysis.Hutchinson, analysis.Lanczos).
//
// Fisher. With BatchNorm in batch-statistics mode the logits z_i of one
// image depend on the whole batch, so per-sample gradients are not defined
// on their own. The Fisher here is the generalised Gauss-Newton matrix of
// the batch loss, F = (1/n) sum_i J_i^T (diag p_i - p_i p_i^T) J_i with J_i
// the Jacobian of z_i(x) through the batch (BatchNorm coupling included)
// and p_i = softmax(z_i): the Fisher of the joint model prod_i p(y_i | x_i,
// batch) divided by n. It is estimated without per-sample gradients: with
// labels ỹ_i drawn independently from p_i, the batch gradient
// g = (1/n) sum_i J_i^T (p_i - e_ỹi) has E[g g^T] = F/n, because the terms
// of different images are independent with mean zero. So n ||g||^2 is an
// unbiased sample of tr F (a Hutchinson estimate with probes of covariance
// diag p - p p^T in logit space), one backward pass each. Without BatchNorm
// coupling F is the usual Fisher (1/n) sum_i E_y[∇log p ∇log p^T].
//
// For an SI loss J x = 0, so F x = 0 and F is its own Riemannian version;
// the traces of H and P H P agree exactly (x^T H x = -x^T g = 0).
//
// Sharpness leaves the parameters as they were and the running statistics
// untouched but overwrites every Param.Grad. It returns an error when the
// model has no SI parameters, or no Logits method for the Fisher.
func Sharpness(m Model, x []float32, y []int, n int, cfg SharpnessConfig) (SharpnessResult, error) {
	cfg = cfg.withDefaults()
	if cfg.FDStep <= 0 || cfg.Probes < 2 || cfg.TopK < 1 || cfg.LanczosSteps < cfg.TopK || cfg.FisherSamples < 2 {
		return SharpnessResult{}, fmt.Errorf("realnets: bad sharpness config (probes %d >= 2, top_k %d >= 1, lanczos_steps %d >= top_k, fisher_samples %d >= 2, fd_step %v > 0 needed)",
			cfg.Probes, cfg.TopK, cfg.LanczosSteps, cfg.FisherSamples, cfg.FDStep)
	}
	if n < 2 {
		return SharpnessResult{}, fmt.Errorf("realnets: sharpness needs a batch of at least 2 images (BatchNorm statistics), got %d", n)
	}
	o := &siOperator{m: m, x: x, y: y, n: n, step: cfg.FDStep}
	for _, p := range m.Params() {
		if p.SI {
			if p.Grad == nil {
				return SharpnessResult{}, fmt.Errorf("realnets: SI parameter %s has no gradient (frozen)", p.Name)
			}
			o.si = append(o.si, p)
			o.x0 = append(o.x0, p.Data...)
		}
	}
	if len(o.si) == 0 {
		return SharpnessResult{}, errors.New("realnets: the model has no SI parameters")
	}
	var lm logitModel
	if !cfg.SkipFisher {
		var ok bool
		if lm, ok = m.(logitModel); !ok {
			return SharpnessResult{}, fmt.Errorf("realnets: model %T has no Logits method for the Fisher (set SkipFisher)", m)
		}
	}
	defer o.set(0, nil)
	d := len(o.x0)
	o.x64 = make([]float64, d)
	for i, v := range o.x0 {
		o.x64[i] = float64(v)
	}
	o.norm = floats.Norm(o.x64, 2)
	o.u = make([]float64, d)
	floats.ScaleTo(o.u, 1/o.norm, o.x64)
	o.gp, o.gm, o.w = make([]float64, d), make([]float64, d), make([]float64, d)

	var s SharpnessResult
	s.SINorm = o.norm
	r2 := o.norm * o.norm
	g := make([]float64, d)
	s.Loss = o.grad(g, y)
	s.GradNorm = floats.Norm(g, 2)

	if !cfg.SkipHessian {
		tr := analysis.Hutchinson(o, analysis.HutchinsonConfig{Probes: cfg.Probes, Level: cfg.Level, Seed: cfg.Seed, Stream: 0})
		s.HessianTrace, s.HessianTraceStdErr, s.HessianTraceCI = tr.Trace, tr.StdErr, [2]float64{tr.Lo, tr.Hi}
		lc := analysis.LanczosConfig{K: cfg.TopK, Steps: cfg.LanczosSteps, Seed: cfg.Seed, Stream: 1}
		e := analysis.Lanczos(o, lc)
		s.HessianTop, s.HessianTopResidual = e.Values, e.Residuals
		o.riem = true
		e = analysis.Lanczos(o, lc)
		o.riem = false
		s.RiemannianTop, s.RiemannianTopResidual = e.Values, e.Residuals
		s.EffectiveHessianTrace = r2 * s.HessianTrace
		s.EffectiveHessianTraceStdErr = r2 * s.HessianTraceStdErr
		s.EffectiveHessianTop = scaled(s.HessianTop, r2)
		s.EffectiveRiemannianTop = scaled(s.RiemannianTop, r2)
		if cfg.ELR > 0 {
			s.EffectiveTraceTimesELR = cfg.ELR * s.EffectiveHessianTrace
		}
	}

	if !cfg.SkipFisher {
		if err := fisher(&s, o, lm, cfg); err != nil {
			return SharpnessResult{}, err
		}
		s.EffectiveFisherTrace = r2 * s.FisherTrace
		s.EffectiveFisherTraceStdErr = r2 * s.FisherTraceStdErr
		s.EffectiveFisherTop = scaled(s.FisherTop, r2)
		if cfg.ELR > 0 {
			s.EffectiveFisherTraceTimesELR = cfg.ELR * s.EffectiveFisherTrace
		}
	}
	s.Passes = o.passes
	return s, nil
}

// fisher fills the Fisher part of s from cfg.FisherSamples batch gradients
// with labels sampled from the model at x0.
func fisher(s *SharpnessResult, o *siOperator, lm logitModel, cfg SharpnessConfig) error {
	n, d := o.n, o.Dim()
	o.set(0, nil)
	lm.Forward(o.x, o.y, n, TrainEval, false)
	o.passes++
	logits := lm.Logits()
	nc := lm.Classes()
	cum := make([]float64, n*nc) // cumulative softmax probabilities per image
	for i := range n {
		z := logits[i*nc : (i+1)*nc]
		mx := math.Inf(-1)
		for _, v := range z {
			mx = max(mx, float64(v))
		}
		var t float64
		for k, v := range z {
			t += math.Exp(float64(v) - mx)
			cum[i*nc+k] = t
		}
		for k := range nc {
			cum[i*nc+k] /= t
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 2))
	S := cfg.FisherSamples
	ys := make([]int, n)
	gs := make([][]float32, S) // float32 copies: S*d*4 bytes
	g := make([]float64, d)
	samples := make([]float64, S)
	for sidx := range S {
		for i := range n {
			u := rng.Float64()
			k := 0
			for k < nc-1 && u >= cum[i*nc+k] {
				k++
			}
			ys[i] = k
		}
		o.grad(g, ys)
		samples[sidx] = float64(n) * floats.Dot(g, g)
		gs[sidx] = make([]float32, d)
		for j, v := range g {
			gs[sidx][j] = float32(v)
		}
	}
	tr := analysis.TraceFromSamples(samples, cfg.Level)
	s.FisherTrace, s.FisherTraceStdErr, s.FisherTraceCI = tr.Trace, tr.StdErr, [2]float64{tr.Lo, tr.Hi}
	// The nonzero eigenvalues of (n/S) G^T G (G the S×d matrix of sampled
	// gradients) are those of the S×S Gram matrix (n/S) G G^T.
	gram := mat.NewSymDense(S, nil)
	for a := range S {
		for b := a; b < S; b++ {
			var t float64
			for j, v := range gs[a] {
				t += float64(v) * float64(gs[b][j])
			}
			gram.SetSym(a, b, float64(n)/float64(S)*t)
		}
	}
	var es mat.EigenSym
	if !es.Factorize(gram, false) {
		return errors.New("realnets: eigendecomposition of the sampled Fisher failed")
	}
	vals := es.Values(nil)
	k := min(cfg.TopK, S)
	s.FisherTop = make([]float64, k)
	for i := range k {
		s.FisherTop[i] = vals[S-1-i]
	}
	return nil
}

func scaled(v []float64, a float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = a * x
	}
	return out
}
