// Package analysis provides model-agnostic tools over trajectories and maps:
// equilibrium statistics, Lyapunov exponents, thresholds, regime
// classification with evidence, and parameter sweeps.
//
// Package analysis does not import toy or realnets; it works on plain slices
// and on small interfaces that both implement.
package analysis
