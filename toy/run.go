package toy

import (
	"runtime"
	"sync"
)

// A Job is one independent run for RunMany: a fixed-ELR run on the sphere,
// or a conventional run when Conv is not nil. Its seed (Sim.Seed or
// Conv.Seed) is its own random stream, so its result does not depend on the
// other jobs or on scheduling.
type Job struct {
	// Problem is the toy; it is only read, so jobs may share it.
	Problem Problem
	// Sim configures a fixed-ELR run (used when Conv is nil).
	Sim SimConfig
	// Conv configures a conventional run.
	Conv *ConvConfig
}

// A Result is the outcome of one Job.
type Result struct {
	// Index is the job's position in the slice given to RunMany.
	Index      int
	Trajectory *Trajectory
	Err        error
}

// Run runs the job.
func (j Job) Run() (*Trajectory, error) {
	if j.Conv != nil {
		return SimulateConventional(j.Problem, *j.Conv)
	}
	return Simulate(j.Problem, j.Sim)
}

// RunMany runs the jobs on the given number of goroutines (0 or less: one per
// CPU) and returns their results in the order of jobs. Each job is computed
// from its own configuration alone, so the results are identical whatever
// the number of workers.
func RunMany(jobs []Job, workers int) []Result {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))
	res := make([]Result, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				tr, err := jobs[i].Run()
				res[i] = Result{Index: i, Trajectory: tr, Err: err}
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	return res
}

// Grid returns one job per (ELR, seed) pair on p, ELR-major: the job of
// elrs[i] and seeds[k] is at i*len(seeds)+k. Every job copies base and sets
// its ELR and seed.
func Grid(p Problem, base SimConfig, elrs []float64, seeds []uint64) []Job {
	jobs := make([]Job, 0, len(elrs)*len(seeds))
	for _, e := range elrs {
		for _, s := range seeds {
			c := base
			c.ELR, c.Seed = e, s
			jobs = append(jobs, Job{Problem: p, Sim: c})
		}
	}
	return jobs
}
