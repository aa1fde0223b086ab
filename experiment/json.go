package experiment

import (
	"encoding/json"
	"io"

	"github.com/regimes/regimes/internal/fileio"
)

// encodeJSON writes v to w as indented JSON followed by a newline, with
// "->" and "<" as they are (reasons say "ELR -> infinity").
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSONFile writes v as indented JSON to name, atomically.
func writeJSONFile(name string, v any) error {
	return fileio.WriteFile(name, func(w io.Writer) error { return encodeJSON(w, v) })
}
