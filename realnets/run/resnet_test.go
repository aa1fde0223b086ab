package run

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/regimes/regimes/realnets"
)

// TestResNetTrainer trains ResNet-18-SI (k = 2) through Run on padded MNIST
// with a frozen head: the SI norm stays at its initial value (training on
// the sphere), the train loss falls, and a run resumed after its second
// epoch (with another worker count) ends bitwise where the uninterrupted
// run does.
func TestResNetTrainer(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	ca := smallConfig(a, smallMNIST(t, 300, 200))
	ca.Model, ca.Width, ca.ELR = "resnet", 2, 3e-3
	mustRun(t, ca)
	cb := ca
	cb.Out, cb.Epochs, cb.Workers = b, 2, 1
	mustRun(t, cb)
	mustRun(t, realnets.TrainConfig{Out: b, Resume: true, Epochs: 3})
	ra, rb := readRecords(t, a), readRecords(t, b)
	if len(ra) != 4 || recordsJSON(ra) != recordsJSON(rb) {
		t.Errorf("records differ:\n%s\n%s", recordsJSON(ra), recordsJSON(rb))
	}
	if ra[3].TrainLoss >= ra[0].TrainLoss {
		t.Errorf("train loss %v after 3 epochs, %v at the start", ra[3].TrainLoss, ra[0].TrainLoss)
	}
	if math.Abs(ra[3].SINorm-ra[0].SINorm) > 1e-5*ra[0].SINorm {
		t.Errorf("SI norm moved from %v to %v on the sphere", ra[0].SINorm, ra[3].SINorm)
	}
	pa, pb := checkpointParams(t, filepath.Join(a, "last.ckpt")), checkpointParams(t, filepath.Join(b, "last.ckpt"))
	for i := range pa {
		if !slices.Equal(pa[i].Data, pb[i].Data) {
			t.Errorf("%s differs", pa[i].Name)
		}
	}
}
