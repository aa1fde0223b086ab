// Package archtest holds the tests that enforce the toolkit's
// architecture: the import rules (what each package may depend on,
// directly and through others, as the packages' doc.go files state; every
// package has a doc.go that says it) and that library errors speak of
// configuration fields, never of command-line flags (cmd/regimes maps
// them to its flags). It has no code of its own and imports nothing.
package archtest
