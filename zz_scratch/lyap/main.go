// Scratch study (not committed): the top Lyapunov exponent across the
// chaotic band of the demo's lsq toy at b = 1.
package main

import (
	"fmt"
	"math"
	"os"
	"sync"

	"github.com/regimes/regimes/analysis"
	"github.com/regimes/regimes/toy"
)

func main() {
	cfg := toy.Config{Toy: "lsq", DataSeed: 1}
	p, err := cfg.Build()
	if err != nil {
		panic(err)
	}
	elrs := analysis.LogSpace(1.8, 5, 30)
	seeds := []uint64{1, 2, 3, 4, 5}
	type res struct {
		elr          float64
		seed         uint64
		regime       string
		exp, lo, hi  float64
		expL, loL, hiL float64
	}
	out := make([]res, len(elrs)*len(seeds))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, e := range elrs {
		for j, s := range seeds {
			wg.Add(1)
			go func(k int, e float64, s uint64) {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				traj, err := toy.Simulate(p, toy.SimConfig{ELR: e, Batch: 1, Sampling: toy.IID, Steps: 20000, Seed: s})
				if err != nil {
					panic(err)
				}
				in := analysis.RegimeInput{RandomLevel: p.RandomLevel()}
				for _, r := range traj.Records {
					in.Loss = append(in.Loss, r.Loss)
					in.GradNorm = append(in.GradNorm, r.GradNorm)
					in.Angle = append(in.Angle, r.Angle)
				}
				r := res{elr: e, seed: s}
				for n, steps := range []int{4000, 40000} {
					m := toy.NewStepMap(p, e, 1, toy.IID, s)
					m.Transverse = true
					est := analysis.MapLyapunov(m, traj.Final, analysis.LyapunovSettings{Steps: steps, Blocks: 10, Workers: 1, Seed: s})
					if n == 0 {
						r.exp, r.lo, r.hi = est.Exponent, est.CI[0], est.CI[1]
						in.Lyapunov = analysis.LyapunovEvidenceOf(est)
					} else {
						r.expL, r.loL, r.hiL = est.Exponent, est.CI[0], est.CI[1]
					}
				}
				r.regime = fmt.Sprint(analysis.Classify(in).Regime)
				out[k] = r
			}(i*len(seeds)+j, e, s)
		}
	}
	wg.Wait()
	f, _ := os.Create("/tmp/lyap_study.csv")
	fmt.Fprintln(f, "elr,seed,regime,exp4k,lo4k,hi4k,exp40k,lo40k,hi40k")
	for _, r := range out {
		fmt.Fprintf(f, "%g,%d,%s,%g,%g,%g,%g,%g,%g\n", r.elr, r.seed, r.regime, r.exp, r.lo, r.hi, r.expL, r.loL, r.hiL)
	}
	f.Close()
	for i := range elrs {
		var s string
		pos, posSig := 0, 0
		for j := range seeds {
			r := out[i*len(seeds)+j]
			s += fmt.Sprintf(" %.1s%+.4f", r.regime, r.expL)
			if r.expL > 0 {
				pos++
			}
			if r.loL > 0 {
				posSig++
			}
		}
		_ = math.Abs
		fmt.Printf("%.3f %s  pos %d sig+ %d\n", elrs[i], s, pos, posSig)
	}
}
