package tfevents

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A Reader reads the events of one event file.
type Reader struct {
	rr *RecordReader
}

// NewReader returns a Reader reading an event file from r.
func NewReader(r io.Reader) *Reader { return &Reader{rr: NewRecordReader(r)} }

// Next returns the next event. It returns io.EOF at a clean end of the
// file and a *FormatError for a truncated record, a CRC mismatch or a
// record that is not a valid Event.
func (r *Reader) Next() (Event, error) {
	start, n := r.rr.off, r.rr.n
	data, err := r.rr.Next()
	if err != nil {
		return Event{}, err
	}
	ev, err := UnmarshalEvent(data)
	if err != nil {
		return Event{}, &FormatError{Offset: start, Record: n, Err: err}
	}
	return ev, nil
}

// IsEventFile reports whether a file name is that of an event file:
// TensorBoard reads the files of a folder whose names contain "tfevents".
func IsEventFile(name string) bool {
	return strings.Contains(filepath.Base(name), "tfevents")
}

// Files returns the event files at path: path itself if it is a file, or
// the event files directly inside it, sorted by name (TensorBoard's names
// begin with the creation time, so this is the order they were written),
// if it is a folder. A folder without event files is an error.
func Files(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && IsEventFile(e.Name()) {
			names = append(names, filepath.Join(path, e.Name()))
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no event files (names containing \"tfevents\")", path)
	}
	sort.Strings(names)
	return names, nil
}

// A Scalar is one scalar of an event file.
type Scalar struct {
	Tag      string
	Step     int64
	WallTime float64
	X        float64
}

// ReadScalars returns every scalar in the event files at path (a file, or
// a folder whose event files are read in name order), in file order. An
// error names the file; a record cut short at the very end of the last
// file, as a writer that is still running leaves it, ends the reading
// without error only if allowPartial is true.
func ReadScalars(path string, allowPartial bool) ([]Scalar, error) {
	names, err := Files(path)
	if err != nil {
		return nil, err
	}
	var out []Scalar
	for i, name := range names {
		out, err = appendFileScalars(out, name, allowPartial && i == len(names)-1)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func appendFileScalars(out []Scalar, name string, allowPartial bool) ([]Scalar, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := NewReader(f)
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			if allowPartial && isTruncated(err) {
				return out, nil
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, v := range ev.Values {
			if v.Scalar {
				out = append(out, Scalar{Tag: v.Tag, Step: ev.Step, WallTime: ev.WallTime, X: v.X})
			}
		}
	}
}

func isTruncated(err error) bool { return errors.Is(err, ErrTruncated) }
