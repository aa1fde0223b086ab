package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/regimes/regimes/plots"
)

// commandLine is the command being run, as "regimes NAME ARGS...", set by
// run for the provenance of the figures and files it writes.
var commandLine []string

// provenance returns what figures and pages record about the run that made
// them: the command line and the build (module version and, when the go
// command stamped it, the VCS revision). With page, also the date and the
// machine, which a page lists but a figure leaves out so that the same
// command on the same build writes the same figure bytes.
//
// The version is read here with runtime/debug.ReadBuildInfo until
// internal/buildinfo (the version and provenance package of "regimes
// version") is on main.
func provenance(page bool) []plots.Meta {
	cmd := strings.Join(commandLine, " ")
	version := "unknown"
	revision := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Path + " " + bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					revision += " (modified)"
				}
			}
		}
	}
	m := []plots.Meta{{Key: "Source", Value: cmd}, {Key: "Software", Value: version}}
	if revision != "" {
		m = append(m, plots.Meta{Key: "Commit", Value: revision})
	}
	if page {
		m = append(m,
			plots.Meta{Key: "Creation Time", Value: time.Now().UTC().Format(time.RFC3339)},
			plots.Meta{Key: "Machine", Value: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())})
	}
	return m
}
