package main

import (
	"errors"
	"strings"

	"github.com/regimes/regimes/experiment"
	"github.com/regimes/regimes/realnets"
	"github.com/regimes/regimes/realnets/data"
	runfolder "github.com/regimes/regimes/realnets/run"
	"github.com/regimes/regimes/sweep"
)

// flagWords maps the library's sentinel errors, which speak of
// configuration fields, to the words of the flags that set those fields.
var flagWords = []struct {
	err  error
	text string
}{
	{realnets.ErrTwoOptimizers, "give either -elr (training on the sphere) or -lr, -wd and -momentum (conventional SGD), not both"},
	{realnets.ErrNoLearningRate, "no learning rate: give -elr (training on the sphere) or -lr (conventional SGD)"},
	{sweep.ErrNoShardCount, "the shard count is unknown: pass -shards N"},
	{experiment.ErrNoGradMetrics, "train with -grad-metrics all or log"},
	{experiment.ErrExists, "exists (use -force to overwrite)"},
	{data.ErrNeedDir, "pass the folder holding the data set's files with -data-dir"},
}

// folderFlags names the flags of the TrainConfig fields that a run
// folder's refusal names.
var folderFlags = map[string]string{"Resume": "-resume", "Force": "-force", "From": "-from FILE", "Epochs": "-epochs"}

// flagWording returns err's message with the library's words for
// configuration fields replaced by the flags that set them.
func flagWording(err error) string {
	msg := err.Error()
	var fe *runfolder.FolderError
	if errors.As(err, &fe) {
		msg = strings.Replace(msg, fe.Error(), fe.Text(func(f string) string { return folderFlags[f] }), 1)
	}
	for _, w := range flagWords {
		if errors.Is(err, w.err) {
			msg = strings.Replace(msg, w.err.Error(), w.text, 1)
		}
	}
	return msg
}
