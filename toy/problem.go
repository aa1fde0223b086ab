package toy

import "math/rand/v2"

// A Batch selects the stochastic part of a loss: the sample indices of a
// mini-batch (lsq, circle, logistic) or the noise vector of a draw (vmf).
type Batch struct {
	// Index holds the indices of the samples in the mini-batch, with
	// repetitions when sampling is with replacement.
	Index []int
	// Noise holds the standard normal vector z of a vmf draw, of length Dim.
	Noise []float64
}

// A Problem is a scale-invariant loss on R^d \ {0}: F(a x) = F(x) for a > 0.
//
// The methods take any nonzero x, not only unit vectors. A nil *Batch means
// the full problem (every sample, no noise). Gradients and Hessian-vector
// products are Euclidean (not projected on the tangent space), so the SI
// identities of SCIENCE.md section 1 hold for them.
type Problem interface {
	// Name returns the toy's name as used by the tools: lsq, circle, vmf or logistic.
	Name() string
	// Dim returns the dimension d of the ambient space.
	Dim() int
	// Len returns the number of samples n, or 0 where data are unlimited (vmf).
	Len() int
	// Loss returns f_B(x), or F(x) when b is nil.
	Loss(x []float64, b *Batch) float64
	// Grad stores the gradient of f_B at x in dst.
	Grad(dst, x []float64, b *Batch)
	// HessVec stores the Hessian of f_B at x times v in dst.
	HessVec(dst, x, v []float64, b *Batch)
	// RandomLevel returns the average of F over the uniform distribution on the sphere.
	RandomLevel() float64
}

// A NoiseSampler is a Problem whose stochasticity is a noise draw rather than
// a choice of samples. DrawNoise fills b.Noise for a batch of the given size.
type NoiseSampler interface {
	Problem
	DrawNoise(b *Batch, size int, rng *rand.Rand)
}
