package realnets

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"testing"
)

// frame wraps payload in a checkpoint header with the right length and
// checksum, so that the fuzzer reaches the gob decoder and Restore.
func frame(payload []byte) []byte {
	sum := sha256.Sum256(payload)
	b := []byte(checkpointMagic)
	b = binary.BigEndian.AppendUint32(b, checkpointVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(len(payload)))
	b = append(b, sum[:]...)
	return append(b, payload...)
}

// FuzzReadCheckpoint feeds arbitrary files to the checkpoint reader, both
// as they are and framed with a valid header (so that the payload reaches
// the decoder), and restores what it accepts into a model: every input is
// refused with an error or restored without a panic (issue 15, item 10).
func FuzzReadCheckpoint(f *testing.F) {
	var good bytes.Buffer
	c := &Checkpoint{Config: TrainConfig{Model: "mlp", ELR: 1e-3}, Epoch: 1, Params: tensors(tinyMLP().Params()), Buffers: tensors(tinyMLP().Buffers())}
	name := f.TempDir() + "/c.ckpt"
	if err := SaveCheckpoint(name, c); err != nil {
		f.Fatal(err)
	}
	b, err := readFileBytes(name)
	if err != nil {
		f.Fatal(err)
	}
	good.Write(b)
	f.Add(good.Bytes())
	f.Add(good.Bytes()[checkpointHeader:])
	f.Add([]byte{})
	f.Add([]byte(checkpointMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, frame(b)} {
			ck, err := ReadCheckpoint("fuzz.ckpt", bytes.NewReader(in))
			if err != nil {
				continue
			}
			m := tinyMLP()
			_ = ck.Restore(m)
			o := NewSphereSGD(m.Params(), 1e-3, 0)
			_ = o.SetState(ck.Optim)
			_ = ck.Config.Summary()
			_ = ck.Config.RunID()
		}
	})
}

func readFileBytes(name string) ([]byte, error) { return os.ReadFile(name) }
