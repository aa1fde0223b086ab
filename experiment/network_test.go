package experiment

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
)

// TestNetworkJSON reads the config objects of the committed finetune.json
// and grid.json into FinetuneConfig and GridConfig and writes them back:
// byte for byte the same, keys in the same order (the Network fields open
// the object; batch and head_seed stay at its end).
func TestNetworkJSON(t *testing.T) {
	for _, c := range []struct {
		file string
		cfg  any
	}{
		{"finetune/pre-0.02/finetune.json", new(FinetuneConfig)},
		{"grid-mnist/grid.json", new(GridConfig)},
	} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		var f struct{ Config json.RawMessage }
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(f.Config, c.cfg); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(c.cfg)
		var want bytes.Buffer
		json.Compact(&want, f.Config)
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s: config written back\n got %s\nwant %s", c.file, got, want.Bytes())
		}
	}
}

// TestNetworkOf checks that NetworkOf and trainConfig carry every field of
// the network both ways.
func TestNetworkOf(t *testing.T) {
	c := realnets.TrainConfig{Model: "resnet", Width: 8, Hidden: 3, TestSubset: 100, Workers: 2, Batch: 64, HeadSeed: 5,
		GradMetrics: realnets.GradLog, Data: data.Config{Name: "cifar10", Dir: "/d", Subset: 500, SubsetRandom: true, SubsetSeed: 9}}
	n := NetworkOf(c)
	if want := (Network{Model: "resnet", Width: 8, Hidden: 3, Data: "cifar10", Subset: 500, SubsetSeed: 9, TestSubset: 100, DataDir: "/d", Workers: 2}); n != want {
		t.Errorf("NetworkOf = %+v, want %+v", n, want)
	}
	if back := n.trainConfig(64, 5, realnets.GradLog); !reflect.DeepEqual(back, c) {
		t.Errorf("trainConfig = %+v, want %+v", back, c)
	}
}
