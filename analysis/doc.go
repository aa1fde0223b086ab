// Package analysis provides model-agnostic tools over trajectories and maps:
// equilibrium statistics (Stationary, MeanCI, Median), Lyapunov exponents,
// sharpness and Hessian spectra, thresholds, regime classification with
// evidence (Classify, labels of type regime.Regime), the comparison of runs
// (Compare) and tables of results (Table).
//
// Package analysis imports regime, tfevents (TensorBoard logs read as
// tables) and the internal packages only, never toy, realnets, plots or
// sweep: it works on plain slices and on small interfaces that both the
// toys and the networks implement. Parameter
// sweeps are package sweep; file writing is internal/fileio.
package analysis
