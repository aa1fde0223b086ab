package main

import (
	"strings"

	"github.com/regimes/regimes/plots"
)

// commandLine is the command being run, as "regimes NAME ARGS...", set by
// run for the provenance of the figures and files it writes.
var commandLine []string

// provenance returns what figures (page false) and pages (page true)
// record about the command being run: plots.RunProvenance of its command
// line.
func provenance(page bool) []plots.Meta {
	return plots.RunProvenance(strings.Join(commandLine, " "), page)
}
