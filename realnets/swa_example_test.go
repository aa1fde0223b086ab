package realnets_test

import (
	"fmt"
	"math"
	"strings"

	"github.com/regimes/regimes/realnets"
)

// ExampleNewResNetSI builds ResNet-18-SI at width 4 and lists its SI
// groups: the residual stream (the first convolution, every conv2 and the
// three shortcut convolutions) and each block's conv1 alone.
func ExampleNewResNetSI() {
	m := realnets.NewResNetSI(realnets.ResNetConfig{Width: 4, Seed: 1, HeadSeed: 2})
	groups := m.SIGroups()
	fmt.Println(len(m.Params()), "parameters,", len(groups), "SI groups")
	var names []string
	for _, p := range groups[0] {
		names = append(names, p.Name)
	}
	fmt.Println(strings.Join(names, " "))
	fmt.Println(groups[1][0].Name, groups[8][0].Name)
	last := m.Params()[len(m.Params())-1]
	fmt.Println(last.Name, last.Shape, "frozen:", last.Frozen)
	// Output:
	// 21 parameters, 9 SI groups
	// conv1.weight layer1.0.conv2.weight layer1.1.conv2.weight layer2.0.conv2.weight layer2.0.shortcut.1.weight layer2.1.conv2.weight layer3.0.conv2.weight layer3.0.shortcut.1.weight layer3.1.conv2.weight layer4.0.conv2.weight layer4.0.shortcut.1.weight layer4.1.conv2.weight
	// layer1.0.conv1.weight layer4.1.conv1.weight
	// linear.weight [10 32] frozen: true
}

// ExampleAverageSolutions averages two ConvNetSI solutions (two seeds) and
// measures angles: the average of two points lies on the short arc of the
// great circle between them, so its angles to the two add up to theirs.
func ExampleAverageSolutions() {
	cfg := realnets.ConvNetConfig{Width: 4, Seed: 1, HeadSeed: 2}
	m := realnets.NewConvNetSI(cfg)
	a := realnets.NewConvNetSI(cfg).Params()
	cfg.Seed = 2
	b := realnets.NewConvNetSI(cfg).Params()
	ta, tb := snapshot(a), snapshot(b)
	avg, err := realnets.AverageSolutions(m, ta, tb)
	if err != nil {
		fmt.Println(err)
		return
	}
	w, _ := realnets.SolutionAngle(m, ta, tb)
	wa, _ := realnets.SolutionAngle(m, avg, ta)
	wb, _ := realnets.SolutionAngle(m, avg, tb)
	fmt.Printf("angle between the solutions %.4f rad (%.1f degrees)\n", w, w*180/math.Pi)
	fmt.Printf("angles from the average %.4f + %.4f = %.4f\n", wa, wb, wa+wb)
	// Output:
	// angle between the solutions 1.5675 rad (89.8 degrees)
	// angles from the average 0.7855 + 0.7820 = 1.5675
}

func snapshot(ps []*realnets.Param) []realnets.Tensor {
	out := make([]realnets.Tensor, len(ps))
	for i, p := range ps {
		out[i] = realnets.Tensor{Name: p.Name, Shape: p.Shape, Data: append([]float32(nil), p.Data...)}
	}
	return out
}

// ExampleBarrier computes the barrier of an error curve along a path: the
// largest excess of the error over the straight line between its ends.
func ExampleBarrier() {
	alphas := []float64{0, 0.25, 0.5, 0.75, 1}
	errs := []float64{2.0, 2.5, 6.0, 3.5, 3.0} // percent
	b, at, err := realnets.Barrier(alphas, errs)
	fmt.Printf("barrier %.2f points at alpha %.2f (%v)\n", b, at, err)
	// Output:
	// barrier 3.50 points at alpha 0.50 (<nil>)
}
