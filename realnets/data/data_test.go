package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// idxBytes builds an idx file of unsigned bytes with the given dimensions.
func idxBytes(dims []int, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

func writeGz(t *testing.T, name string, b []byte) {
	t.Helper()
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(b)
	w.Close()
	if err := os.WriteFile(name, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadIDX(t *testing.T) {
	good := idxBytes([]int{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	for _, tc := range []struct {
		name    string
		in      []byte
		dims    []int
		wantErr string // substring of the error; "" means success
	}{
		{"good", good, []int{2, 3}, ""},
		{"empty", nil, nil, "truncated idx header"},
		{"bad magic", append([]byte{1}, good[1:]...), nil, "not an idx file"},
		{"float type", append([]byte{0, 0, 0x0d}, good[3:]...), nil, "element type 0x0d"},
		{"no dims", []byte{0, 0, 8, 0}, nil, "0 dimensions"},
		{"short header", good[:6], nil, "truncated idx header (dimension 0)"},
		{"short data", good[:len(good)-1], nil, "declares 6 bytes, file has 5"},
		{"trailing", append(slices.Clone(good), 7), nil, "trailing data"},
		{"huge", idxBytes([]int{1 << 20, 1 << 20}, nil), nil, "declare more than"},
		{"zero size", idxBytes([]int{0, 28}, nil), []int{0, 28}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := ReadIDX(bytes.NewReader(tc.in), "f.idx")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "f.idx: ") {
					t.Fatalf("error %v, want one naming f.idx and containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(idx.Dims, tc.dims) {
				t.Errorf("dims %v, want %v", idx.Dims, tc.dims)
			}
		})
	}
}

func TestReadIDXFileGzip(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "x.gz")
	writeGz(t, name, idxBytes([]int{3}, []byte{7, 8, 9}))
	idx, err := ReadIDXFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(idx.Data, []byte{7, 8, 9}) {
		t.Errorf("data %v", idx.Data)
	}
	// A gzip file cut short must give an error naming the file.
	b, _ := os.ReadFile(name)
	os.WriteFile(name, b[:len(b)-6], 0o644)
	if _, err := ReadIDXFile(name); err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("truncated gzip: error %v, want one naming %s", err, name)
	}
	os.WriteFile(name, []byte("not gzip"), 0o644)
	if _, err := ReadIDXFile(name); err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("not gzip: error %v", err)
	}
}

// cifarRecords builds n CIFAR records; record i has label i%classes (fine
// label for 100, coarse label i%20) and every pixel equal to byte(i+ch).
func cifarRecords(n, classes, offset int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		if classes == 100 {
			b.WriteByte(byte((i + offset) % 20))
		}
		b.WriteByte(byte((i + offset) % classes))
		for ch := 0; ch < 3; ch++ {
			b.Write(bytes.Repeat([]byte{byte(i + offset + 50*ch)}, 1024))
		}
	}
	return b.Bytes()
}

func TestReadCIFAR(t *testing.T) {
	for _, classes := range []int{10, 100} {
		b := cifarRecords(3, classes, 5)
		pix, y, err := ReadCIFAR(bytes.NewReader(b), "c.bin", classes)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(y, []int{5, 6, 7}) {
			t.Errorf("CIFAR-%d labels %v, want [5 6 7]", classes, y)
		}
		if pix[0] != 5 || pix[1024] != 55 || pix[cifarPixels+2048] != 106 {
			t.Errorf("CIFAR-%d pixels in wrong places", classes)
		}
		if _, _, err := ReadCIFAR(bytes.NewReader(b[:len(b)-1]), "c.bin", classes); err == nil || !strings.Contains(err.Error(), "not a multiple") {
			t.Errorf("truncated CIFAR-%d: error %v", classes, err)
		}
		bad := slices.Clone(b)
		bad[len(b)-cifarPixels-1] = byte(classes) // fine label of the last record
		if _, _, err := ReadCIFAR(bytes.NewReader(bad), "c.bin", classes); err == nil || !strings.Contains(err.Error(), "record 2 has label") {
			t.Errorf("bad label CIFAR-%d: error %v", classes, err)
		}
	}
	if _, _, err := ReadCIFAR(bytes.NewReader(nil), "c.bin", 10); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: error %v", err)
	}
}

// fakeMNIST writes a small MNIST-format folder: ntrain training and ntest
// test images; pixel (y, x) of image i is (i*7 + y*28 + x) % 256 and the label
// is i % 10.
func fakeMNIST(t *testing.T, ntrain, ntest int) string {
	dir := t.TempDir()
	for _, p := range []struct {
		prefix string
		n      int
	}{{"train", ntrain}, {"t10k", ntest}} {
		pix := make([]byte, p.n*784)
		lab := make([]byte, p.n)
		for i := 0; i < p.n; i++ {
			for k := 0; k < 784; k++ {
				pix[i*784+k] = byte(i*7 + k)
			}
			lab[i] = byte(i % 10)
		}
		writeGz(t, filepath.Join(dir, p.prefix+"-images-idx3-ubyte.gz"), idxBytes([]int{p.n, 28, 28}, pix))
		writeGz(t, filepath.Join(dir, p.prefix+"-labels-idx1-ubyte.gz"), idxBytes([]int{p.n}, lab))
	}
	return dir
}

// meanStd returns the mean and population standard deviation of the values
// of channel c of s, in float64.
func meanStd(s *Set, c int) (mean, std float64) {
	hw := s.H * s.W
	var sum, sum2 float64
	for i := 0; i < s.N; i++ {
		for _, v := range s.X[(i*s.C+c)*hw : (i*s.C+c+1)*hw] {
			sum += float64(v)
			sum2 += float64(v) * float64(v)
		}
	}
	cnt := float64(s.N * hw)
	mean = sum / cnt
	return mean, math.Sqrt(sum2/cnt - mean*mean)
}

func TestLoadMNISTFake(t *testing.T) {
	dir := fakeMNIST(t, 50, 20)
	ds, err := Load(Config{Name: "mnist", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.N != 50 || ds.Test.N != 20 || ds.Train.H != 28 || ds.Train.C != 1 || ds.Train.Classes != 10 {
		t.Fatalf("shape %+v", ds.Train)
	}
	// Normalised with its own statistics, the training set has mean 0 and
	// standard deviation 1 (definition of the normalisation).
	m, s := meanStd(ds.Train, 0)
	if math.Abs(m) > 1e-5 || math.Abs(s-1) > 1e-5 {
		t.Errorf("normalised training set mean %g std %g, want 0 and 1", m, s)
	}
	// Pixel (3, 4) of training image 2 is (2*7 + 3*28 + 4) % 256 = 102.
	want := float32((102.0/255 - ds.Mean[0]) / ds.Std[0])
	if got := ds.Train.Image(2)[3*28+4]; math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("pixel %g, want %g", got, want)
	}
	if ds.Train.Y[13] != 3 {
		t.Errorf("label %d, want 3", ds.Train.Y[13])
	}

	// Padded: 32x32, same statistics, the old pixel moved by (2, 2) and the
	// border at raw value 0.
	pd, err := Load(Config{Name: "mnist", Dir: dir, Pad: true})
	if err != nil {
		t.Fatal(err)
	}
	if pd.Train.H != 32 || pd.Train.W != 32 || pd.Mean[0] != ds.Mean[0] {
		t.Fatalf("padded shape %dx%d mean %g", pd.Train.H, pd.Train.W, pd.Mean[0])
	}
	if got := pd.Train.Image(2)[5*32+6]; got != ds.Train.Image(2)[3*28+4] {
		t.Errorf("padded pixel %g, want %g", got, ds.Train.Image(2)[3*28+4])
	}
	zero := float32(-ds.Mean[0] / ds.Std[0])
	for _, k := range []int{0, 31, 32*31 + 5, 32*10 + 1} {
		if got := pd.Test.Image(0)[k]; got != zero {
			t.Errorf("border pixel %d = %g, want %g", k, got, zero)
		}
	}

	// Subsets: the first N, or a seeded random sample in the original order.
	first, err := Load(Config{Name: "mnist", Dir: dir, Subset: 7})
	if err != nil {
		t.Fatal(err)
	}
	if first.Train.N != 7 || !slices.Equal(first.Train.X, ds.Train.X[:7*784]) || first.Test.N != 20 {
		t.Errorf("first-7 subset differs from the first 7 images")
	}
	rnd, err := Load(Config{Name: "mnist", Dir: dir, Subset: 7, SubsetRandom: true, SubsetSeed: 3})
	if err != nil {
		t.Fatal(err)
	}
	idx := SubsetIndices(50, 7, true, 3)
	for j, i := range idx {
		if !slices.Equal(rnd.Train.Image(j), ds.Train.Image(i)) {
			t.Errorf("random subset image %d is not training image %d", j, i)
		}
	}
	if _, err := Load(Config{Name: "mnist", Dir: dir, Subset: 51}); err == nil || !strings.Contains(err.Error(), "larger than the 50") {
		t.Errorf("oversized subset: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := fakeMNIST(t, 5, 5)
	// Labels that do not match the images in count.
	writeGz(t, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), idxBytes([]int{4}, make([]byte, 4)))
	if _, err := Load(Config{Name: "mnist", Dir: dir}); err == nil || !strings.Contains(err.Error(), "has 4 labels but") {
		t.Errorf("label count mismatch: %v", err)
	}
	writeGz(t, filepath.Join(dir, "t10k-labels-idx1-ubyte.gz"), idxBytes([]int{5}, []byte{0, 1, 2, 10, 3}))
	if _, err := Load(Config{Name: "mnist", Dir: dir}); err == nil || !strings.Contains(err.Error(), "label 10 of item 3") {
		t.Errorf("bad label: %v", err)
	}
	os.Remove(filepath.Join(dir, "train-images-idx3-ubyte.gz"))
	if _, err := Load(Config{Name: "mnist", Dir: dir}); err == nil || !strings.Contains(err.Error(), "no train-images-idx3-ubyte.gz") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(Config{Name: "svhn"}); err == nil || !strings.Contains(err.Error(), `"svhn"`) {
		t.Errorf("unknown set: %v", err)
	}
	if _, err := Load(Config{Name: "cifar10"}); !errors.Is(err, ErrNeedDir) || !strings.Contains(err.Error(), "cifar10") {
		t.Errorf("cifar without folder: %v", err)
	}
}

func TestLoadCIFAR(t *testing.T) {
	for _, classes := range []int{10, 100} {
		t.Run(fmt.Sprint(classes), func(t *testing.T) {
			top := t.TempDir()
			dir := filepath.Join(top, "cifar-10-batches-bin")
			trainNames := []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
			testName := "test_batch.bin"
			if classes == 100 {
				dir = filepath.Join(top, "cifar-100-binary")
				trainNames = []string{"train.bin"}
				testName = "test.bin"
			}
			os.Mkdir(dir, 0o755)
			for k, n := range trainNames {
				os.WriteFile(filepath.Join(dir, n), cifarRecords(4, classes, 4*k), 0o644)
			}
			os.WriteFile(filepath.Join(dir, testName), cifarRecords(3, classes, 0), 0o644)
			// The top folder works as well as the archive's own folder.
			ds, err := Load(Config{Name: fmt.Sprintf("cifar%d", classes), Dir: top})
			if err != nil {
				t.Fatal(err)
			}
			ntrain := 4 * len(trainNames)
			if ds.Train.N != ntrain || ds.Test.N != 3 || ds.Train.C != 3 || ds.Train.H != 32 || ds.Train.Classes != classes {
				t.Fatalf("shape train %d test %d C %d H %d", ds.Train.N, ds.Test.N, ds.Train.C, ds.Train.H)
			}
			for i := 0; i < ntrain; i++ {
				if ds.Train.Y[i] != i%classes {
					t.Fatalf("label %d = %d, want %d", i, ds.Train.Y[i], i%classes)
				}
			}
			for c := 0; c < 3; c++ {
				m, s := meanStd(ds.Train, c)
				if math.Abs(m) > 1e-5 || math.Abs(s-1) > 1e-5 {
					t.Errorf("channel %d: mean %g std %g, want 0 and 1", c, m, s)
				}
			}
			// Channel means of the raw data: pixel value i+50c over i = 0..ntrain-1.
			for c := 0; c < 3; c++ {
				want := (float64(ntrain-1)/2 + 50*float64(c)) / 255
				if math.Abs(ds.Mean[c]-want) > 1e-12 {
					t.Errorf("channel %d mean %g, want %g", c, ds.Mean[c], want)
				}
			}
			os.WriteFile(filepath.Join(dir, testName), cifarRecords(3, classes, 0)[:100], 0o644)
			if _, err := Load(Config{Name: fmt.Sprintf("cifar%d", classes), Dir: dir}); err == nil || !strings.Contains(err.Error(), testName) {
				t.Errorf("truncated test file: %v", err)
			}
		})
	}
}

func TestSubsetAndPermutation(t *testing.T) {
	if got := SubsetIndices(10, 3, false, 0); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("first subset %v", got)
	}
	a := SubsetIndices(1000, 100, true, 1)
	b := SubsetIndices(1000, 100, true, 1)
	c := SubsetIndices(1000, 100, true, 2)
	if !slices.Equal(a, b) || slices.Equal(a, c) || !slices.IsSorted(a) || len(slices.Compact(slices.Clone(a))) != 100 {
		t.Errorf("random subset not deterministic, sorted and distinct")
	}
	p0 := make([]int, 100)
	p0b := make([]int, 100)
	p1 := make([]int, 100)
	Permutation(p0, 9, 0)
	Permutation(p0b, 9, 0)
	Permutation(p1, 9, 1)
	if !slices.Equal(p0, p0b) || slices.Equal(p0, p1) {
		t.Errorf("permutation not deterministic by (seed, epoch)")
	}
	s := slices.Clone(p1)
	slices.Sort(s)
	for i, v := range s {
		if v != i {
			t.Fatalf("not a permutation: %v", p1)
		}
	}
}

func TestGatherNoAlloc(t *testing.T) {
	s := &Set{N: 4, C: 1, H: 2, W: 2, Classes: 2, X: make([]float32, 16), Y: []int{0, 1, 0, 1}}
	for i := range s.X {
		s.X[i] = float32(i)
	}
	x := make([]float32, 8)
	y := make([]int, 2)
	idx := []int{3, 1}
	if n := testing.AllocsPerRun(10, func() { s.Gather(x, y, idx) }); n != 0 {
		t.Errorf("Gather allocates %v times", n)
	}
	if !slices.Equal(x, []float32{12, 13, 14, 15, 4, 5, 6, 7}) || !slices.Equal(y, []int{1, 1}) {
		t.Errorf("Gather gave %v %v", x, y)
	}
}

// TestRealMNIST loads the MNIST of the GoMNIST module with no folder given.
func TestRealMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 11 MB of gzip")
	}
	dir, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := Load(Config{Name: "mnist", Pad: true})
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	// 60,000 training and 10,000 test images (LeCun et al. 1998).
	if ds.Train.N != 60000 || ds.Test.N != 10000 || ds.Train.H != 32 {
		t.Fatalf("train %d test %d size %d", ds.Train.N, ds.Test.N, ds.Train.H)
	}
	for _, s := range []*Set{ds.Train, ds.Test} {
		var count [10]int
		for _, y := range s.Y {
			count[y]++
		}
		for d, c := range count {
			if c == 0 {
				t.Errorf("no image of digit %d", d)
			}
		}
	}
	// The first training label of MNIST is 5 (the well-known first image).
	if ds.Train.Y[0] != 5 {
		t.Errorf("first label %d, want 5", ds.Train.Y[0])
	}
	// The usual normalisation constants of MNIST, mean 0.1307 and std 0.3081
	// (torchvision examples), from the 28x28 training images.
	if math.Abs(ds.Mean[0]-0.1307) > 1e-4 || math.Abs(ds.Std[0]-0.3081) > 1e-4 {
		t.Errorf("mean %g std %g, want 0.1307 and 0.3081", ds.Mean[0], ds.Std[0])
	}
}

// TestLoadReuses checks that a second Load of the same files reuses the
// decoded set (the same numbers, a subset of it unchanged by the first
// caller's changes to its copy) and that a changed file is read again.
func TestLoadReuses(t *testing.T) {
	dir := fakeMNIST(t, 30, 10)
	a, err := Load(Config{Name: "mnist", Dir: dir, Subset: 20})
	if err != nil {
		t.Fatal(err)
	}
	a.Train.X[0], a.Mean[0] = 1e9, 1e9 // a caller's own copies
	b, err := Load(Config{Name: "mnist", Dir: dir, Subset: 20})
	if err != nil {
		t.Fatal(err)
	}
	fresh, _, err := loadMNIST(dir)
	if err != nil {
		t.Fatal(err)
	}
	mean, _ := channelStats(&fresh)
	if b.Train.X[0] == 1e9 || len(b.Train.X) != len(a.Train.X) || b.Mean[0] != mean[0] {
		t.Fatalf("second load: first value %v, %d values (want %d), mean %v (want %v)", b.Train.X[0], len(b.Train.X), len(a.Train.X), b.Mean[0], mean[0])
	}
	// Replace the training images by 40 others: the folder's key changes.
	pix := make([]byte, 40*784)
	for i := range pix {
		pix[i] = byte(i % 251)
	}
	lab := make([]byte, 40)
	writeGz(t, filepath.Join(dir, "train-images-idx3-ubyte.gz"), idxBytes([]int{40, 28, 28}, pix))
	writeGz(t, filepath.Join(dir, "train-labels-idx1-ubyte.gz"), idxBytes([]int{40}, lab))
	c, err := Load(Config{Name: "mnist", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if c.Train.N != 40 {
		t.Errorf("after the files changed: %d training images, want 40", c.Train.N)
	}
}
