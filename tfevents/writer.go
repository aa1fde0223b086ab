package tfevents

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// A Writer writes events to an event file.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer writing to w. The caller writes the
// file-version event first (see Create).
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes one event as one record.
func (w *Writer) Write(ev Event) error {
	w.buf = AppendEvent(w.buf[:0], ev)
	rec := AppendRecord(nil, w.buf)
	_, err := w.w.Write(rec)
	return err
}

// WriteScalars writes one event holding the named scalars at a step.
func (w *Writer) WriteScalars(step int64, wall time.Time, tags []string, xs []float64) error {
	if len(tags) != len(xs) {
		panic("tfevents: tags and values differ in length")
	}
	ev := Event{WallTime: wallTime(wall), Step: step, Values: make([]Value, len(tags))}
	for i := range tags {
		ev.Values[i] = Value{Tag: tags[i], Scalar: true, X: xs[i]}
	}
	return w.Write(ev)
}

func wallTime(t time.Time) float64 { return float64(t.Unix()) + float64(t.Nanosecond())/1e9 }

// A File is an event file being written by Create.
type File struct {
	*Writer
	f *os.File
}

// FileName returns the name TensorBoard's writers give an event file
// created at t on host: events.out.tfevents.SECONDS.HOST.
func FileName(t time.Time, host string) string {
	return fmt.Sprintf("events.out.tfevents.%d.%s", t.Unix(), host)
}

// Create creates a new event file in dir (made if missing), named by
// FileName, and writes its file-version event. It never overwrites an
// existing file: a name taken gets a numeric suffix.
func Create(dir string, now time.Time) (*File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	base := filepath.Join(dir, FileName(now, host))
	name := base
	var f *os.File
	for i := 1; ; i++ {
		f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil || !os.IsExist(err) || i > 1000 {
			break
		}
		name = fmt.Sprintf("%s.%d", base, i)
	}
	if err != nil {
		return nil, err
	}
	ef := &File{Writer: NewWriter(f), f: f}
	if err := ef.Write(Event{WallTime: wallTime(now), FileVersion: FileVersion}); err != nil {
		f.Close()
		return nil, err
	}
	return ef, nil
}

// Name returns the file's name.
func (f *File) Name() string { return f.f.Name() }

// Sync commits the events written so far to stable storage, so that a
// reader (TensorBoard, or a crash) sees every complete record.
func (f *File) Sync() error { return f.f.Sync() }

// Close syncs and closes the file.
func (f *File) Close() error {
	err := f.f.Sync()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	return err
}
