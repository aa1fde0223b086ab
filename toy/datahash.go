package toy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// DataHash returns the SHA-256 of the data file, or of the problem's data
// written as CSV (WriteCSV) when they were generated; "" for toys
// without data (circle, vmf).
func DataHash(p Problem, file string) (string, error) {
	h := sha256.New()
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		if _, err := io.Copy(h, f); err != nil {
			return "", fmt.Errorf("%s: %v", file, err)
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	var buf bytes.Buffer
	switch q := p.(type) {
	case *Circle, *VMF:
		return "", nil
	case *LSQ:
		if err := WriteCSV(&buf, q.A(), nil); err != nil {
			return "", err
		}
	case *Logistic:
		if err := WriteCSV(&buf, q.A(), q.Labels()); err != nil {
			return "", err
		}
	}
	h.Write(buf.Bytes())
	return hex.EncodeToString(h.Sum(nil)), nil
}
