// Package buildinfo says which build of the program is running: the
// module version, the VCS revision and time the binary was built from
// (when the go command recorded them), whether the work tree had local
// changes, and the Go version and platform. Commands print it for
// "regimes version"; figures and result files can record it as
// provenance.
//
// Package buildinfo owns the reading of the build information only and
// imports only the standard library.
package buildinfo
