package analysis

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/regimes/regimes/tfevents"
)

// A Table is a rectangular data file read by ReadTableFile (or by ReadCSV
// and ReadJSONLines from a reader): named columns of cells kept as text
// until a column is asked for, so that a log may carry columns that are not
// numbers (dates, names) as long as they are not analysed.
type Table struct {
	// Name is the file name used in error messages.
	Name string
	// Header holds the column names in file order.
	Header []string
	// rows holds the cells; line[i] is the 1-based file line of rows[i].
	rows [][]string
	line []int
	// str marks the cells of JSON Lines that were JSON strings, by row
	// and column: a quoted number in a numeric column is an error.
	str map[[2]int]bool
}

// Len returns the number of data rows.
func (t *Table) Len() int { return len(t.rows) }

// Has reports whether the table has a column of that name.
func (t *Table) Has(col string) bool { return t.index(col) >= 0 }

func (t *Table) index(col string) int {
	for i, h := range t.Header {
		if h == col {
			return i
		}
	}
	return -1
}

// Column returns the values of the named column parsed as float64. NaN and
// infinities written as NaN, Inf, +Inf or -Inf are accepted (a diverged
// run logs them); a missing value (an empty cell, a JSON null or a key
// absent from a line) or a non-numeric cell is an error naming the file,
// line and column. Present skips missing values instead, and Values makes
// them NaN. In JSON Lines a number must be a JSON number: a string such as
// "0.5" is an error (a column of text, or a logger that quotes its
// numbers), except the strings of NaN and the infinities ("NaN",
// "Infinity", "-Infinity", "inf", ...), which JSON has no number for.
func (t *Table) Column(col string) ([]float64, error) {
	x, _, err := t.values(col, missingError)
	return x, err
}

// Values returns the named column as Column does, except that an empty cell
// is NaN: the small CSV files of figures leave a cell empty for "no value".
func (t *Table) Values(col string) ([]float64, error) {
	x, _, err := t.values(col, missingNaN)
	return x, err
}

// Present returns the values of the named column that are present, in row
// order, and the number of rows where the value is missing (an empty cell,
// a JSON null, or a key absent from a line of JSON Lines, as a PyTorch log
// leaves the gradient keys out of epoch 0). A missing value is not a NaN:
// NaN and infinities written as such are values (a diverged run logs
// them). A non-numeric cell is an error naming the file, line and column.
func (t *Table) Present(col string) (x []float64, missing int, err error) {
	return t.values(col, missingSkip)
}

// Text returns the cells of the named column as text, trimmed.
func (t *Table) Text(col string) ([]string, error) {
	j := t.index(col)
	if j < 0 {
		return nil, fmt.Errorf("%s: no column %q (columns: %s)", t.Name, col, strings.Join(t.Header, ", "))
	}
	x := make([]string, len(t.rows))
	for i, r := range t.rows {
		if j < len(r) {
			x[i] = strings.TrimSpace(r[j])
		}
	}
	return x, nil
}

// Line returns the 1-based line of the file that holds data row i (for a
// table of TensorBoard scalars, its step).
func (t *Table) Line(i int) int { return t.line[i] }

// What values does with a missing value.
const (
	missingError = iota
	missingNaN
	missingSkip
)

func (t *Table) values(col string, missingMode int) ([]float64, int, error) {
	j := t.index(col)
	if j < 0 {
		return nil, 0, fmt.Errorf("%s: no column %q (columns: %s)", t.Name, col, strings.Join(t.Header, ", "))
	}
	x := make([]float64, 0, len(t.rows))
	missing := 0
	for i, r := range t.rows {
		cell := ""
		if j < len(r) {
			cell = strings.TrimSpace(r[j])
		}
		if cell == "" {
			switch missingMode {
			case missingError:
				return nil, 0, fmt.Errorf("%s:%d: column %q is empty", t.Name, t.line[i], col)
			case missingNaN:
				x = append(x, math.NaN())
			}
			missing++
			continue
		}
		v, err := strconv.ParseFloat(cell, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, 0, fmt.Errorf("%s:%d: column %q: %q is not a number", t.Name, t.line[i], col, cell)
		}
		if t.str[[2]int{i, j}] && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return nil, 0, fmt.Errorf("%s:%d: column %q: the JSON string %q is not a number (write numbers unquoted)", t.Name, t.line[i], col, cell)
		}
		x = append(x, v)
	}
	return x, missing, nil
}

// ReadTableFile reads a table from the named file: TensorBoard scalars
// (ReadEventTable) when the name contains "tfevents" or is a folder, JSON
// Lines when it ends in .jsonl or .ndjson, CSV with a header line
// otherwise.
func ReadTableFile(name string) (*Table, error) {
	if fi, err := os.Stat(name); err == nil && fi.IsDir() || tfevents.IsEventFile(name) {
		return ReadEventTable(name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		return ReadJSONLines(f, name)
	}
	return ReadCSV(f, name)
}

// ReadCSV reads a CSV file whose first line is a header of column names.
// Every row must have as many fields as the header. name is used in error
// messages. A file with no header or no data rows is an error.
func ReadCSV(r io.Reader, name string) (*Table, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file (want a CSV header line and data rows)", name)
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	seen := make(map[string]int, len(header))
	for i, h := range header {
		if j, dup := seen[h]; dup {
			return nil, fmt.Errorf("%s:1: column %q appears twice (columns %d and %d)", name, h, j+1, i+1)
		}
		seen[h] = i
	}
	t := &Table{Name: name, Header: header}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		t.rows = append(t.rows, rec)
		t.line = append(t.line, line)
	}
	if len(t.rows) == 0 {
		return nil, fmt.Errorf("%s: no data rows after the header", name)
	}
	return t, nil
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %v", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %v", name, err)
}

// ReadJSONLines reads a JSON Lines file (one JSON object a line, blank
// lines skipped), such as the per-epoch log of "regimes train". The columns
// are the keys of the first object in order of appearance plus any key
// first seen later; numbers are kept, and a null or a key absent from a
// line is a missing value (see Present). Our own writers write NaN as
// null, so a NaN in JSON Lines reads as missing; the bare NaN, Infinity
// and -Infinity of Python's json module read as those values. A key that
// appears twice in one object is an error naming the line.
func ReadJSONLines(r io.Reader, name string) (*Table, error) {
	t := &Table{Name: name}
	col := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		keys, vals, strs, err := decodeObject(quoteNonFinite(line))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, lineNo, err)
		}
		row := make([]string, len(t.Header))
		for i, k := range keys {
			j, ok := col[k]
			if !ok {
				j = len(t.Header)
				col[k] = j
				t.Header = append(t.Header, k)
				for r := range t.rows {
					t.rows[r] = append(t.rows[r], "")
				}
				row = append(row, "")
			}
			row[j] = vals[i]
			if strs[i] {
				if t.str == nil {
					t.str = map[[2]int]bool{}
				}
				t.str[[2]int{len(t.rows), j}] = true
			}
		}
		t.rows = append(t.rows, row)
		t.line = append(t.line, lineNo)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(t.rows) == 0 {
		return nil, fmt.Errorf("%s: empty file (want one JSON object a line)", name)
	}
	return t, nil
}

// quoteNonFinite returns line with the bare tokens NaN, Infinity and
// -Infinity outside strings, which Python's json module writes for a
// diverged run's loss (not JSON), quoted as the strings that Column reads
// as those values. A line without them is returned as it is.
func quoteNonFinite(line []byte) []byte {
	if !bytes.Contains(line, []byte("NaN")) && !bytes.Contains(line, []byte("Infinity")) {
		return line
	}
	var out []byte
	in, esc := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case in:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				in = false
			}
		case c == '"':
			in = true
		default:
			for _, tok := range []string{"NaN", "Infinity", "-Infinity"} {
				if bytes.HasPrefix(line[i:], []byte(tok)) {
					out = append(out, '"')
					out = append(out, tok...)
					c = '"'
					i += len(tok) - 1
					break
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// decodeObject returns the keys of one JSON object in order and their
// values as cells: numbers as written, null as an empty (missing) cell,
// strings as they are (marked in strs), other values as their JSON text. A
// key that appears twice is an error: which value would be meant?
func decodeObject(line []byte) (keys, vals []string, strs []bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil, nil, fmt.Errorf("not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, nil, err
		}
		k, _ := tok.(string)
		if seen[k] {
			return nil, nil, nil, fmt.Errorf("key %q appears twice", k)
		}
		seen[k] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, nil, err
		}
		var v any
		d2 := json.NewDecoder(bytes.NewReader(raw))
		d2.UseNumber()
		if err := d2.Decode(&v); err != nil {
			return nil, nil, nil, err
		}
		var cell string
		isStr := false
		switch v := v.(type) {
		case nil:
			cell = ""
		case json.Number:
			cell = v.String()
		case string:
			cell, isStr = v, true
		default:
			cell = string(raw)
		}
		keys = append(keys, k)
		vals = append(vals, cell)
		strs = append(strs, isStr)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, nil, err
	}
	return keys, vals, strs, nil
}

// ReadEventTable reads the scalars of TensorBoard event files (a file, or
// a folder whose event files are read in name order; see package
// tfevents) as a table: a column "step" and one column per tag, in the
// order the tags first appear, one row per step in increasing order. A
// tag without a value at a step leaves a missing cell; a tag logged twice
// at one step (a resumed run re-logging it) keeps the later value, as the
// later write is the one a resumed run stands by. A record cut short at the
// end of the last file (a writer still running) ends the reading.
func ReadEventTable(path string) (*Table, error) {
	scalars, err := tfevents.ReadScalars(path, true)
	if err != nil {
		return nil, err
	}
	if len(scalars) == 0 {
		return nil, fmt.Errorf("%s: no scalars in the event files", path)
	}
	t := &Table{Name: path, Header: []string{"step"}}
	col := map[string]int{}
	row := map[int64]int{}
	var steps []int64
	for _, s := range scalars {
		if _, ok := col[s.Tag]; !ok {
			if s.Tag == "step" {
				return nil, fmt.Errorf("%s: a tag named \"step\" clashes with the step column", path)
			}
			col[s.Tag] = len(t.Header)
			t.Header = append(t.Header, s.Tag)
		}
		if _, ok := row[s.Step]; !ok {
			row[s.Step] = len(steps)
			steps = append(steps, s.Step)
		}
	}
	cells := make([][]string, len(steps))
	for i, st := range steps {
		cells[i] = make([]string, len(t.Header))
		cells[i][0] = strconv.FormatInt(st, 10)
	}
	for _, s := range scalars {
		cells[row[s.Step]][col[s.Tag]] = strconv.FormatFloat(s.X, 'g', -1, 64)
	}
	order := make([]int, len(steps))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return steps[order[a]] < steps[order[b]] })
	for _, i := range order {
		t.rows = append(t.rows, cells[i])
		// Event files have no lines: the "line" of a row is its step.
		t.line = append(t.line, int(steps[i]))
	}
	return t, nil
}
