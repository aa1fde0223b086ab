// Package regime names the training regimes of scale-invariant networks on
// the sphere (Kodryan et al., NeurIPS 2022): convergence, chaotic
// equilibrium and divergence, and undetermined when the evidence does not
// decide. It owns the one vocabulary that analysis, plots, sweep and the
// command line share: the Regime type with its names in JSON and CSV, Parse
// for the names and short forms people type, and Boundaries, the regime
// boundaries of an ELR sweep.
//
// Package regime imports only the standard library.
package regime
