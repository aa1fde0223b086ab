package main

import (
	"embed"
	"encoding/json"
	"io"

	"github.com/regimes/regimes/internal/fileio"
)

// printJSON writes v to w as indented JSON followed by a newline.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // reasons say "ELR -> infinity", not "-\u003e"
	return enc.Encode(v)
}

// writeJSONFile writes v as indented JSON to name, atomically.
func writeJSONFile(name string, v any) error {
	return fileio.WriteFile(name, func(w io.Writer) error { return printJSON(w, v) })
}

// progressOut returns where long commands report progress: stderr, or
// nil (no report) when quiet.
func progressOut(quiet bool) io.Writer {
	if quiet {
		return nil
	}
	return stderr
}

// helpFiles holds the long documentation of each command, "regimes help
// NAME", in help/NAME.txt.
//
//go:embed help/*.txt
var helpFiles embed.FS

// helpText returns the documentation of the named command.
func helpText(name string) string {
	b, err := helpFiles.ReadFile("help/" + name + ".txt")
	if err != nil {
		panic("regimes: no help for " + name) // a missing file is a build error in effect
	}
	return string(b)
}
