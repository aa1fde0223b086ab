package toy

import (
	"fmt"
	"math/rand/v2"
)

// Sampling is the way a Sampler draws mini-batches.
type Sampling int

const (
	// IID draws every batch of b indices uniformly with replacement (the
	// sampling of the theory of SCIENCE.md section 6.1).
	IID Sampling = iota
	// Shuffle runs through epochs without replacement, like a shuffled data
	// loader: each epoch is a fresh random permutation cut into batches of
	// b; a last incomplete batch is dropped (drop_last) and a new epoch begins.
	Shuffle
	// Full uses the full problem at every step.
	Full
)

// String returns iid, shuffle or full.
func (s Sampling) String() string {
	switch s {
	case IID:
		return "iid"
	case Shuffle:
		return "shuffle"
	case Full:
		return "full"
	}
	return fmt.Sprintf("Sampling(%d)", int(s))
}

// ParseSampling returns the Sampling named iid, shuffle or full.
func ParseSampling(name string) (Sampling, error) {
	switch name {
	case "iid", "":
		return IID, nil
	case "shuffle":
		return Shuffle, nil
	case "full":
		return Full, nil
	}
	return 0, fmt.Errorf("unknown sampling %q (want iid, shuffle or full)", name)
}

// MarshalText implements encoding.TextMarshaler, so Sampling is a string in JSON.
func (s Sampling) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Sampling) UnmarshalText(b []byte) error {
	v, err := ParseSampling(string(b))
	*s = v
	return err
}

// A Sampler produces the sequence of mini-batches of a run. Its only source
// of randomness is the generator it was given, so two Samplers built with
// identically seeded generators produce the same batches: the Lyapunov
// tools replay a trajectory's batches this way.
//
// The full batch is represented by a Batch that lists every sample once in
// order (Index = 0..n-1) and, for a NoiseSampler, has zero noise; every toy
// evaluates such a batch exactly as the nil batch (the full problem), and
// FullBatch reports it so that callers may pass nil instead.
type Sampler struct {
	p     Problem
	ns    NoiseSampler
	n     int
	batch int
	mode  Sampling
	rng   *rand.Rand
	perm  []int
	pos   int
}

// NewSampler returns a sampler of batches of the given size from p. A batch
// of 0 or the mode Full means the full batch. For a NoiseSampler (vmf) the
// batch size sets the noise variance and IID and Shuffle are the same. It
// panics if batch is negative, or larger than the sample count under Shuffle.
func NewSampler(p Problem, batch int, mode Sampling, rng *rand.Rand) *Sampler {
	if batch < 0 {
		panic("toy: negative batch size")
	}
	if mode < IID || mode > Full {
		panic("toy: unknown sampling mode")
	}
	if batch == 0 {
		mode = Full
	}
	s := &Sampler{p: p, n: p.Len(), batch: batch, mode: mode, rng: rng}
	s.ns, _ = p.(NoiseSampler)
	if mode == Shuffle && s.ns == nil {
		if batch > s.n {
			panic(fmt.Sprintf("toy: batch %d larger than the %d samples under shuffled sampling", batch, s.n))
		}
		s.perm = make([]int, s.n)
		for i := range s.perm {
			s.perm[i] = i
		}
		s.pos = s.n // shuffle before the first batch
	}
	if mode != Full && s.ns == nil && s.n == 0 {
		panic("toy: sampling from a problem without samples")
	}
	return s
}

// FullBatch reports whether every batch is the full problem.
func (s *Sampler) FullBatch() bool { return s.mode == Full }

// Size returns the batch size b, or the sample count for the full batch.
func (s *Sampler) Size() int {
	if s.mode == Full {
		return s.n
	}
	return s.batch
}

// Next fills b with the next batch. It allocates only when b's slices are too
// short, so a Batch reused across steps costs nothing.
func (s *Sampler) Next(b *Batch) {
	if s.ns != nil {
		size := s.batch
		if s.mode == Full {
			size = 0
		}
		s.ns.DrawNoise(b, size, s.rng)
		return
	}
	m := s.Size()
	if cap(b.Index) < m {
		b.Index = make([]int, m)
	}
	b.Index = b.Index[:m]
	switch s.mode {
	case Full:
		for i := range b.Index {
			b.Index[i] = i
		}
	case IID:
		for i := range b.Index {
			b.Index[i] = s.rng.IntN(s.n)
		}
	case Shuffle:
		if s.pos+m > s.n {
			s.rng.Shuffle(len(s.perm), func(i, j int) { s.perm[i], s.perm[j] = s.perm[j], s.perm[i] })
			s.pos = 0
		}
		copy(b.Index, s.perm[s.pos:s.pos+m])
		s.pos += m
	}
}
