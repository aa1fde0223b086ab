// Package toy implements scale-invariant (SI) toy problems with exact theory
// and a fast simulator of projected SGD on the unit sphere at a fixed
// effective learning rate (ELR), plus conventional SGD with weight decay.
//
// The toy family (lsq, circle, vmf, logistic) is this project's own
// reconstruction, specified in SCIENCE.md section 6; it is not the
// toy example of Kodryan et al. (2022).
//
// Package toy owns the toy problems, their theory, the simulators and the
// toy sweep point runner. It imports analysis, sweep and the internal
// packages only; never realnets, plots or experiment.
package toy
