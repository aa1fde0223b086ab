package regime

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommittedResults reads every regime label of the committed results
// under the repository's testdata (summaries, sweep records, CSV tables)
// with Regime and checks that it writes them back as the same bytes.
func TestCommittedResults(t *testing.T) {
	seen := map[Regime]int{}
	check := func(where string, s string) {
		var r Regime
		if err := json.Unmarshal([]byte(`"`+s+`"`), &r); err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		b, err := json.Marshal(r)
		if err != nil || string(b) != `"`+s+`"` {
			t.Errorf("%s: %q writes back as %s, %v", where, s, b, err)
		}
		seen[r]++
	}
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				switch x := x.(type) {
				case string:
					if k == "regime" {
						check(where, x)
					}
				case []any:
					if k == "regimes" || strings.HasSuffix(k, "_regimes") {
						for _, s := range x {
							if s, ok := s.(string); ok {
								check(where, s)
							}
						}
						continue
					}
				}
				walk(where, x)
			}
		case []any:
			for _, x := range v {
				walk(where, x)
			}
		}
	}
	files := 0
	err := filepath.WalkDir(filepath.Join("..", "testdata"), func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(name) {
		case ".json", ".jsonl":
			b, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			for {
				var v any
				if err := dec.Decode(&v); err != nil {
					if err.Error() != "EOF" {
						t.Errorf("%s: %v", name, err)
					}
					break
				}
				walk(name, v)
			}
			files++
		case ".csv":
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			r := csv.NewReader(bufio.NewReader(f))
			r.Comment = '#'
			r.FieldsPerRecord = -1
			recs, err := r.ReadAll()
			if err != nil || len(recs) == 0 {
				return err
			}
			for i, h := range recs[0] {
				if h != "regime" {
					continue
				}
				for _, rec := range recs[1:] {
					if i < len(rec) && rec[i] != "" {
						check(name, rec[i])
					}
				}
			}
			files++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range All {
		if seen[r] == 0 {
			t.Errorf("no committed result is labelled %v (read %d files)", r, files)
		}
	}
	t.Logf("labels in %d files: %v", files, seen)
}
