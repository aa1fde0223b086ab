package data

import (
	"bytes"
	"testing"
)

// FuzzIDX checks that ReadIDX never panics and that what it accepts is
// consistent with its header. Run: go test -fuzz=FuzzIDX ./realnets/data/
func FuzzIDX(f *testing.F) {
	f.Add(idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(idxBytes([]int{1, 28, 28}, make([]byte, 784)))
	f.Add(idxBytes([]int{3}, []byte{1, 2}))
	f.Add([]byte{0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, err := ReadIDX(bytes.NewReader(b), "fuzz")
		if err != nil {
			return
		}
		n := 1
		for _, d := range idx.Dims {
			n *= d
		}
		if n != len(idx.Data) || 4+4*len(idx.Dims)+n != len(b) {
			t.Fatalf("accepted %d bytes with dims %v and %d data bytes", len(b), idx.Dims, len(idx.Data))
		}
	})
}

// FuzzCIFAR checks that ReadCIFAR never panics and that what it accepts has
// one label in range per record. Run: go test -fuzz=FuzzCIFAR ./realnets/data/
func FuzzCIFAR(f *testing.F) {
	f.Add(cifarRecords(1, 10, 0), false)
	f.Add(cifarRecords(2, 100, 3), true)
	f.Add([]byte{1, 2, 3}, false)
	f.Fuzz(func(t *testing.T, b []byte, hundred bool) {
		classes := 10
		if hundred {
			classes = 100
		}
		pix, y, err := ReadCIFAR(bytes.NewReader(b), "fuzz", classes)
		if err != nil {
			return
		}
		if len(pix) != len(y)*cifarPixels || len(y) == 0 {
			t.Fatalf("%d pixels for %d labels", len(pix), len(y))
		}
		for _, l := range y {
			if l < 0 || l >= classes {
				t.Fatalf("label %d", l)
			}
		}
	})
}
