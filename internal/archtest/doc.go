// Package archtest holds the test that enforces the toolkit's import
// rules (what each package may depend on, as the packages' doc.go files
// state). It has no code of its own and imports nothing.
package archtest
