package realnets

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/regimes/regimes/internal/fileio"
)

// checkpointVersion is the format version written in checkpoints. Version
// 2 frames the gob payload with a header that holds its length and SHA-256
// (see SaveCheckpoint); version 1 was the bare gob.
const checkpointVersion = 2

// checkpointMagic opens every checkpoint file of version 2 and later.
const checkpointMagic = "REGIMES-CKPT\x00\x00\x00\x00"

// checkpointHeader is the size of the header: magic, version (uint32),
// payload length (uint64) and the payload's SHA-256, all big-endian.
const checkpointHeader = len(checkpointMagic) + 4 + 8 + sha256.Size

// A Tensor is a named array of float32 values saved in a checkpoint.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// A Checkpoint is everything needed to continue a run exactly where it
// stopped: the weights, the BatchNorm running statistics, the optimiser state,
// the initial SI vector (for cos_init and dist_init) and the metrics so far.
// The training order of every epoch is re-derived from the seed
// (data.Permutation), so no random state is stored. It is saved with
// encoding/gob.
type Checkpoint struct {
	Version int
	Config  TrainConfig
	// RunID is Config.RunID(): the identity of the run that wrote the
	// checkpoint, which a resumed run checks against its folder's config.json.
	RunID string
	// Epoch and Step are the numbers of completed epochs and steps.
	Epoch, Step int
	Params      []Tensor
	Buffers     []Tensor
	Optim       OptimState
	InitSI      []float32
	Records     []Record
	// Steps are the step records so far (DIR/steps.csv).
	Steps []StepRecord
	// Sharpness are the sharpness records so far (DIR/sharpness.jsonl).
	Sharpness []SharpnessRecord
	// WallTime is the run's wall time in seconds at the checkpoint.
	WallTime float64
}

func tensors(ps []*Param) []Tensor {
	out := make([]Tensor, len(ps))
	for i, p := range ps {
		out[i] = Tensor{Name: p.Name, Shape: slices.Clone(p.Shape), Data: slices.Clone(p.Data)}
	}
	return out
}

// restoreTensors copies ts into ps, checking names and shapes.
func restoreTensors(ps []*Param, ts []Tensor, what string) error {
	if len(ps) != len(ts) {
		return fmt.Errorf("checkpoint has %d %s, the model has %d", len(ts), what, len(ps))
	}
	for i, p := range ps {
		t := ts[i]
		if t.Name != p.Name || !slices.Equal(t.Shape, p.Shape) || len(t.Data) != len(p.Data) {
			return fmt.Errorf("checkpoint %s %d is %s %v, the model's is %s %v", what, i, t.Name, t.Shape, p.Name, p.Shape)
		}
	}
	for i, p := range ps {
		copy(p.Data, ts[i].Data)
	}
	return nil
}

// Restore copies the checkpoint's parameters and buffers into m.
func (c *Checkpoint) Restore(m Model) error {
	if err := restoreTensors(m.Params(), c.Params, "parameters"); err != nil {
		return err
	}
	return restoreTensors(m.Buffers(), c.Buffers, "buffers")
}

// RunID returns the identity of the run c describes: the first 16 hex
// digits of the SHA-256 of c's JSON with its defaults applied and without
// the fields that do not change the numbers (Out, Workers, Epochs, which a
// resumed run may extend, CheckpointEvery, Resume and the data's folder
// Data.Dir), with From reduced to
// its last folder and file name, so that moving a set of runs together keeps
// their identities. Two configurations with the same RunID train bitwise the
// same run.
func (c TrainConfig) RunID() string {
	h := sha256.Sum256(c.identity())
	return hex.EncodeToString(h[:8])
}

// identity returns the JSON that RunID hashes.
func (c TrainConfig) identity() []byte {
	c.defaults()
	c.Out, c.Workers, c.Resume, c.Epochs, c.CheckpointEvery = "", 0, false, 0, 0
	c.Data.Dir = ""
	if c.From != "" {
		c.From = filepath.ToSlash(filepath.Join(filepath.Base(filepath.Dir(c.From)), filepath.Base(c.From)))
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("realnets: run identity: %v", err)) // a TrainConfig always encodes
	}
	return b
}

// SameRun is the one rule for "this folder holds the run I want": it
// returns nil when have and want have the same RunID (they train bitwise
// the same run, whatever their output folders, worker counts, lengths and
// checkpoint cadence), else an error naming the first field of the
// identity that differs, for example `elr 0.01, want 0.02`. A stored run
// of the same identity may be shorter (to resume) or as long as wanted (to
// reuse); that is the caller's to check.
func SameRun(have, want TrainConfig) error {
	hb, wb := have.identity(), want.identity()
	if string(hb) == string(wb) {
		return nil
	}
	if k, h, w, ok := firstDiff("", hb, wb); ok {
		return fmt.Errorf("%s %s, want %s", k, h, w)
	}
	return errors.New("another configuration")
}

// firstDiff returns the first key (in sorted order, dotted for nested
// objects) at which the JSON objects a and b differ, with both values.
func firstDiff(prefix string, a, b []byte) (key, va, vb string, ok bool) {
	var ma, mb map[string]json.RawMessage
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return prefix, string(a), string(b), prefix != ""
	}
	keys := make([]string, 0, len(ma)+len(mb))
	for k := range ma {
		keys = append(keys, k)
	}
	for k := range mb {
		if _, dup := ma[k]; !dup {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if string(ma[k]) == string(mb[k]) {
			continue
		}
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		if len(ma[k]) > 0 && len(mb[k]) > 0 && ma[k][0] == '{' && mb[k][0] == '{' {
			return firstDiff(name, ma[k], mb[k])
		}
		return name, orNone(ma[k]), orNone(mb[k]), true
	}
	return "", "", "", false
}

func orNone(v json.RawMessage) string {
	if len(v) == 0 {
		return "(none)"
	}
	return string(v)
}

// ErrCorruptCheckpoint is wrapped by the errors of LoadCheckpoint and
// ReadCheckpoint for a file that is not an intact checkpoint (truncated,
// changed, or not a checkpoint at all).
var ErrCorruptCheckpoint = errors.New("not an intact checkpoint")

// SaveCheckpoint writes c to the named file atomically, with c.Version and
// c.RunID set: a header with the payload's length and SHA-256, then the gob
// encoding of c.
func SaveCheckpoint(name string, c *Checkpoint) error {
	c.Version = checkpointVersion
	c.RunID = c.Config.RunID()
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(c); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	sum := sha256.Sum256(payload.Bytes())
	hdr := make([]byte, 0, checkpointHeader)
	hdr = append(hdr, checkpointMagic...)
	hdr = binary.BigEndian.AppendUint32(hdr, checkpointVersion)
	hdr = binary.BigEndian.AppendUint64(hdr, uint64(payload.Len()))
	hdr = append(hdr, sum[:]...)
	return fileio.WriteFile(name, func(w io.Writer) error {
		if _, err := w.Write(hdr); err != nil {
			return err
		}
		_, err := w.Write(payload.Bytes())
		return err
	})
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint, verifying its
// length and checksum; see ReadCheckpoint.
func LoadCheckpoint(name string) (*Checkpoint, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCheckpoint(name, f)
}

// ReadCheckpoint reads a checkpoint from r; name is used in errors. A file
// that is truncated, longer than its header says, fails its checksum, or
// does not decode is refused with an error wrapping ErrCorruptCheckpoint
// and naming the file; a checkpoint of another format version is refused
// too.
func ReadCheckpoint(name string, r io.Reader) (*Checkpoint, error) {
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s", name, ErrCorruptCheckpoint, fmt.Sprintf(format, args...))
	}
	hdr := make([]byte, checkpointHeader)
	if k, err := io.ReadFull(r, hdr); err != nil {
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return nil, corrupt("truncated: %d bytes, a checkpoint's header alone has %d", k, checkpointHeader)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if string(hdr[:len(checkpointMagic)]) != checkpointMagic {
		return nil, corrupt("no checkpoint header (a file of format version 1, written before checksums, or not a checkpoint)")
	}
	rest := hdr[len(checkpointMagic):]
	if v := binary.BigEndian.Uint32(rest); v != checkpointVersion {
		return nil, fmt.Errorf("%s: checkpoint format version %d, this program reads %d", name, v, checkpointVersion)
	}
	size := binary.BigEndian.Uint64(rest[4:])
	want := rest[12:]
	h := sha256.New()
	var payload bytes.Buffer
	k, err := io.Copy(io.MultiWriter(&payload, h), io.LimitReader(r, int64(min(size, 1<<62))+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	switch {
	case uint64(k) < size:
		return nil, corrupt("truncated: %d of %d payload bytes", k, size)
	case uint64(k) > size:
		return nil, corrupt("longer than its header says (%d payload bytes)", size)
	case !bytes.Equal(h.Sum(nil), want):
		return nil, corrupt("SHA-256 checksum mismatch (the content was changed)")
	}
	var c Checkpoint
	if err := gob.NewDecoder(&payload).Decode(&c); err != nil {
		return nil, corrupt("%v", err)
	}
	if c.Version != checkpointVersion {
		return nil, fmt.Errorf("%s: checkpoint format version %d, this program reads %d", name, c.Version, checkpointVersion)
	}
	return &c, nil
}
