// Package cli holds the command-line helpers of the regimes program that
// know nothing of its science: parsing a command's flags wherever they
// stand among its arguments, suggesting the nearest flag for a misspelt
// one, and parsing the comma-separated lists that flags take (numbers,
// seeds, whole numbers).
//
// It owns only these helpers and imports nothing of the module;
// cmd/regimes is its one user.
package cli
