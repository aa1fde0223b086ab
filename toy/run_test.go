package toy

import (
	"fmt"
	"reflect"
	"testing"
)

func TestRunManyDeterministic(t *testing.T) {
	p, _ := Config{}.Build()
	v, _ := Config{Toy: "vmf", D: 5}.Build()
	jobs := Grid(p, SimConfig{Batch: 2, Steps: 3000}, []float64{0.5, 2.5, 8}, []uint64{1, 2, 3})
	jobs = append(jobs, Grid(v, SimConfig{Batch: 1, Steps: 2000}, []float64{0.1}, []uint64{4, 5})...)
	jobs = append(jobs, Job{Problem: p, Conv: &ConvConfig{LR: 0.3, WD: 0.01, Momentum: 0.9, Batch: 1, Steps: 2000, Seed: 6}})
	jobs = append(jobs, Job{Problem: p, Sim: SimConfig{ELR: -1}}) // fails
	var ref []Result
	for _, w := range []int{1, 2, 8, 0} {
		res := RunMany(jobs, w)
		for i, r := range res {
			if r.Index != i {
				t.Fatalf("workers %d: result %d has index %d", w, i, r.Index)
			}
			if (r.Err != nil) != (i == len(jobs)-1) {
				t.Fatalf("workers %d: job %d error %v", w, i, r.Err)
			}
		}
		if ref == nil {
			ref = res
			continue
		}
		if !reflect.DeepEqual(res, ref) {
			t.Errorf("workers %d: results differ from workers 1", w)
		}
	}
	// Different seeds give different runs (the test above is not vacuous).
	if reflect.DeepEqual(ref[0].Trajectory.Final, ref[1].Trajectory.Final) {
		t.Error("seeds 1 and 2 gave the same run")
	}
}

func ExampleGrid() {
	p, _ := Config{}.Build() // the reference lsq of SCIENCE.md 6.1
	res := RunMany(Grid(p, SimConfig{Batch: 1, Steps: 20000}, []float64{1.8, 3}, []uint64{1}), 0)
	for _, r := range res {
		fmt.Printf("ELR %.1f: converged %v\n", r.Trajectory.Records[0].ELR, r.Trajectory.Summary.FinalLoss < 1e-12)
	}
	// Output:
	// ELR 1.8: converged true
	// ELR 3.0: converged false
}
