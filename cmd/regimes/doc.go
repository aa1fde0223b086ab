// Command regimes is the command-line program of the regimes toolkit: exact
// theory and simulation of scale-invariant toy problems, trajectory analysis,
// sweeps, figures and a trainer for scale-invariant networks.
//
// Usage:
//
//	regimes <command> [arguments]
//
// Run "regimes help" for the list of commands and "regimes help <command>"
// for the documentation of one.
//
// Each command is one file holding a *Command with its documentation and
// its flags, which parse into the command's own configuration and call the
// library (packages experiment, toy, analysis, realnets, plots/figdata);
// the command table in main.go lists them. Adding a command is one file
// and one line in the table.
//
// Package main owns the command line only: flags, their defaults and
// wording, and printing. It holds no statistics, no protocol and no
// figure-data code (TestCmdSize keeps it under 2,000 lines and its
// functions under 60); it may import every package of the module, and
// none imports it.
package main
