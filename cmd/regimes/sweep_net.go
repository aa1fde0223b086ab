package main

import (
	"fmt"

	"github.com/regimes/regimes/experiment"
)

func netSweepPlan(args []string) error {
	fs := newSubFlags("sweep plan -net")
	fs.Bool("net", true, "network sweep")
	var n netFlags
	n.define(fs, netDefaults{model: "convnet", data: "mnist", gradMetrics: "log"})
	fs.IntVar(&n.Epochs, "epochs", 0, "epochs per run (required)")
	fs.IntVar(&n.LogEvery, "log-every", 1, "keep every k-th step in steps.csv")
	var g gridFlags
	g.define(fs, gridDefaults{elrMin: 1e-5, elrMax: 1, elrPoints: 13, param: "none", values: "0", params: experiment.NetSweepParams})
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	vals, sds, err := g.parse()
	if err != nil {
		return err
	}
	p, err := experiment.NewNetPlan(experiment.NetPlanConfig{Train: n.config(), ELRMin: g.elrMin, ELRMax: g.elrMax,
		ELRPoints: g.elrPoints, Param: g.param, Values: vals, Seeds: sds})
	if err != nil {
		return fmt.Errorf("plan: %v", err)
	}
	if g.out == "" {
		return usagef("plan: -out DIR is required")
	}
	return g.writePlan(p, "network points")
}
