package tfevents

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maskDelta is the constant added to a rotated CRC by TensorFlow's record
// format (tensorflow/core/lib/hash/crc32c.h, Mask).
const maskDelta = 0xa282ead8

// MaskedCRC returns the masked CRC-32C of b as stored in a record.
func MaskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return ((c >> 15) | (c << 17)) + maskDelta
}

// MaxRecord is the largest record data Reader accepts (64 MiB): a length
// beyond it is taken for corruption rather than allocated.
const MaxRecord = 64 << 20

// ErrTruncated is returned (wrapped in a *FormatError) when a file ends in
// the middle of a record: a writer still writing, or a file cut short.
var ErrTruncated = errors.New("truncated record")

// ErrChecksum is returned (wrapped in a *FormatError) when a record's
// length or data does not match its CRC.
var ErrChecksum = errors.New("CRC mismatch")

// A FormatError reports a damaged record or event: where it starts in the
// file and what is wrong. Err is ErrTruncated, ErrChecksum or a
// description of the bad content.
type FormatError struct {
	Offset int64 // byte offset of the record in the file
	Record int   // 0-based index of the record
	Err    error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("record %d at byte %d: %v", e.Record, e.Offset, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// A RecordReader reads the records of a TFRecord stream, checking both
// CRCs of each.
type RecordReader struct {
	r      io.Reader
	off    int64
	n      int
	header [12]byte
	buf    []byte
}

// NewRecordReader returns a RecordReader reading from r.
func NewRecordReader(r io.Reader) *RecordReader { return &RecordReader{r: r} }

// Next returns the data of the next record, valid until the next call. It
// returns io.EOF at a clean end of the stream, and a *FormatError for a
// record cut short or failing its CRC.
func (rr *RecordReader) Next() ([]byte, error) {
	start := rr.off
	fail := func(err error) ([]byte, error) {
		return nil, &FormatError{Offset: start, Record: rr.n, Err: err}
	}
	n, err := io.ReadFull(rr.r, rr.header[:])
	rr.off += int64(n)
	switch {
	case err == io.EOF:
		return nil, io.EOF
	case err == io.ErrUnexpectedEOF:
		return fail(fmt.Errorf("%w: %d of 12 header bytes", ErrTruncated, n))
	case err != nil:
		return nil, err
	}
	length := binary.LittleEndian.Uint64(rr.header[:8])
	if got, want := MaskedCRC(rr.header[:8]), binary.LittleEndian.Uint32(rr.header[8:]); got != want {
		return fail(fmt.Errorf("%w in the length (stored %#08x, computed %#08x): not an event file, or damaged", ErrChecksum, want, got))
	}
	if length > MaxRecord {
		return fail(fmt.Errorf("length %d exceeds %d bytes", length, MaxRecord))
	}
	need := int(length) + 4
	if cap(rr.buf) < need {
		rr.buf = make([]byte, need)
	}
	rr.buf = rr.buf[:need]
	n, err = io.ReadFull(rr.r, rr.buf)
	rr.off += int64(n)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return fail(fmt.Errorf("%w: %d of %d data and CRC bytes", ErrTruncated, n, need))
	case err != nil:
		return nil, err
	}
	data := rr.buf[:length]
	if got, want := MaskedCRC(data), binary.LittleEndian.Uint32(rr.buf[length:]); got != want {
		return fail(fmt.Errorf("%w in the data (stored %#08x, computed %#08x)", ErrChecksum, want, got))
	}
	rr.n++
	return data, nil
}

// AppendRecord appends the framed record holding data to dst.
func AppendRecord(dst, data []byte) []byte {
	var h [12]byte
	binary.LittleEndian.PutUint64(h[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(h[8:], MaskedCRC(h[:8]))
	dst = append(dst, h[:]...)
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, MaskedCRC(data))
}
