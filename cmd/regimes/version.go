package main

import (
	"fmt"

	"github.com/regimes/regimes/internal/buildinfo"
)

var cmdVersion = &Command{
	UsageLine: "version",
	Short:     "print the build: module version, VCS revision, Go version and platform",
	Long: `
Version prints which build of regimes is running on one line: the module
version ("(devel)" inside a work tree), the VCS revision and commit time it
was built from and whether the tree had local changes (when the go command
recorded them), the Go version and the platform. "regimes -version" is the
same.
`,
	Run: func(args []string) error {
		if len(args) > 0 {
			return usagef("unexpected argument %q", args[0])
		}
		_, err := fmt.Fprintf(stdout, "regimes %s\n", buildinfo.Read())
		return err
	},
}
