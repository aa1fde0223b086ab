// Package memguard checks the sizes that drive allocations against a limit
// derived from the machine's memory, so that an oversized request (a toy of
// dimension 1e9, a network of width 1e5, a sweep of 1e8 points) is refused
// in one line that says what was asked, what it would need and what the
// limit is, instead of dying with "fatal error: out of memory".
//
// Package memguard owns the memory limit and the refusal's wording; it
// imports only the standard library.
package memguard
