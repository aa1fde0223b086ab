package experiment

import (
	"crypto/sha256"
	"encoding/hex"
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

// runID is the run identity of a folder's manifest (fileio.WriteSet): the
// first 8 bytes, in hex, of the SHA-256 of v's JSON, v being what
// determines the folder's results.
func runID(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8]), nil
}
