package tfevents_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/regimes/regimes/tfevents"
)

// Example writes two epochs of a training log as TensorBoard scalars and
// reads them back.
func Example() {
	var buf bytes.Buffer
	w := tfevents.NewWriter(&buf)
	start := time.Unix(1700000000, 0)
	if err := w.Write(tfevents.Event{WallTime: 1700000000, FileVersion: tfevents.FileVersion}); err != nil {
		log.Fatal(err)
	}
	for epoch, loss := range []float64{2.25, 1.5} {
		if err := w.WriteScalars(int64(epoch), start.Add(time.Minute), []string{"train_loss"}, []float64{loss}); err != nil {
			log.Fatal(err)
		}
	}

	r := tfevents.NewReader(&buf)
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		if ev.FileVersion != "" {
			fmt.Println("file version", ev.FileVersion)
		}
		for _, v := range ev.Values {
			fmt.Printf("step %d %s = %v\n", ev.Step, v.Tag, v.X)
		}
	}
	// Output:
	// file version brain.Event:2
	// step 0 train_loss = 2.25
	// step 1 train_loss = 1.5
}
