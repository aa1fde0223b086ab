// Package figdata reads the files the toolkit writes into the typed data of
// the figure builders of package plots: sweep results (JSON Lines) into
// phase-diagram data, toy trajectories and network metrics into the paper's
// panels, and the small CSV formats of the thresholds, Lyapunov,
// stationary-loss and bifurcation figures.
//
// It owns the rules by which a file becomes figure data (how seeds of one
// cell combine, which rows a curve goes through, how a regime column
// becomes bands); plots owns how the data are drawn. figdata imports
// analysis (its Table reader), plots, regime and tfevents (metrics logged
// as TensorBoard scalars); like plots, it imports neither toy nor
// realnets.
package figdata
