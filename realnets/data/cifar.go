package data

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
)

// cifarPixels is the number of bytes of one CIFAR image: 3 channels of 32x32,
// stored channel by channel (https://www.cs.toronto.edu/~kriz/cifar.html).
const cifarPixels = 3 * 32 * 32

// maxCIFARBytes bounds the size of one CIFAR binary file (the real ones are
// 30 MB for the CIFAR-10 batches and 150 MB for CIFAR-100's train.bin).
const maxCIFARBytes = 1 << 30

// ReadCIFAR parses a CIFAR binary file from r and returns its images (uint8,
// CHW per image) and labels. For CIFAR-10 (classes = 10) a record is one label
// byte and 3072 pixel bytes; for CIFAR-100 (classes = 100) it is a coarse and
// a fine label byte and the pixels, and the fine label is returned. The name
// is used in error messages only.
func ReadCIFAR(r io.Reader, name string, classes int) (pix []byte, labels []int, err error) {
	var nlab int
	switch classes {
	case 10:
		nlab = 1
	case 100:
		nlab = 2
	default:
		panic(fmt.Sprintf("data: ReadCIFAR with %d classes (want 10 or 100)", classes))
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, maxCIFARBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	if n > maxCIFARBytes {
		return nil, nil, fmt.Errorf("%s: larger than %d bytes; not a CIFAR binary file", name, maxCIFARBytes)
	}
	rec := nlab + cifarPixels
	b := buf.Bytes()
	if len(b) == 0 {
		return nil, nil, fmt.Errorf("%s: empty file", name)
	}
	if len(b)%rec != 0 {
		return nil, nil, fmt.Errorf("%s: size %d bytes is not a multiple of the CIFAR-%d record size %d (truncated or not CIFAR-%d)", name, len(b), classes, rec, classes)
	}
	m := len(b) / rec
	pix = make([]byte, m*cifarPixels)
	labels = make([]int, m)
	for i := 0; i < m; i++ {
		r := b[i*rec : (i+1)*rec]
		l := int(r[nlab-1])
		if l >= classes {
			return nil, nil, fmt.Errorf("%s: record %d has label %d, outside 0..%d", name, i, l, classes-1)
		}
		if nlab == 2 && int(r[0]) >= 20 {
			return nil, nil, fmt.Errorf("%s: record %d has coarse label %d, outside 0..19", name, i, r[0])
		}
		labels[i] = l
		copy(pix[i*cifarPixels:], r[nlab:])
	}
	return pix, labels, nil
}

// readCIFARFile reads the named CIFAR binary file.
func readCIFARFile(name string, classes int) ([]byte, []int, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return ReadCIFAR(bufio.NewReader(f), name, classes)
}
