package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxIDXBytes bounds the payload an idx header may declare (1 GiB), so that a
// corrupt header cannot make the reader allocate without limit.
const maxIDXBytes = 1 << 30

// An IDX is the content of an idx file of unsigned bytes (the format of the
// MNIST files, http://yann.lecun.com/exdb/mnist/): the dimension sizes and the
// data in row-major order.
type IDX struct {
	Dims []int
	Data []byte
}

// ReadIDX parses an uncompressed idx file of unsigned bytes (type code 0x08)
// from r. The name is used in error messages only. The payload must have
// exactly the size the header declares.
func ReadIDX(r io.Reader, name string) (*IDX, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("%s: truncated idx header: %v", name, noEOF(err))
	}
	if hdr[0] != 0 || hdr[1] != 0 {
		return nil, fmt.Errorf("%s: not an idx file: magic %#02x%02x%02x%02x does not start with two zero bytes", name, hdr[0], hdr[1], hdr[2], hdr[3])
	}
	if hdr[2] != 0x08 {
		return nil, fmt.Errorf("%s: idx element type %#02x is not supported (want 0x08, unsigned byte)", name, hdr[2])
	}
	nd := int(hdr[3])
	if nd < 1 || nd > 4 {
		return nil, fmt.Errorf("%s: idx file has %d dimensions (want 1 to 4)", name, nd)
	}
	dims := make([]int, nd)
	size := 1
	for i := range dims {
		var d uint32
		if err := binary.Read(r, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("%s: truncated idx header (dimension %d): %v", name, i, noEOF(err))
		}
		dims[i] = int(d)
		if d == 0 {
			size = 0
			continue
		}
		if size != 0 && size > maxIDXBytes/int(d) {
			return nil, fmt.Errorf("%s: idx dimensions %v declare more than %d bytes", name, dims[:i+1], maxIDXBytes)
		}
		size *= int(d)
	}
	// Read through a limit so that a short file with a large declared size
	// does not allocate the declared size up front.
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, int64(size)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading idx data: %v", name, err)
	}
	if n < int64(size) {
		return nil, fmt.Errorf("%s: truncated idx data: header %v declares %d bytes, file has %d", name, dims, size, n)
	}
	if n > int64(size) {
		return nil, fmt.Errorf("%s: trailing data after the %d bytes declared by idx header %v", name, size, dims)
	}
	return &IDX{Dims: dims, Data: buf.Bytes()}, nil
}

// ReadIDXFile reads the named idx file, decompressing it when the name ends in
// ".gz".
func ReadIDXFile(name string) (*IDX, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(name, ".gz") {
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: not a valid gzip file: %v", name, err)
		}
		defer z.Close()
		r = z
	}
	idx, err := ReadIDX(r, name)
	if err != nil {
		return nil, err
	}
	return idx, nil
}

// noEOF turns io.EOF into io.ErrUnexpectedEOF for messages about truncation.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
