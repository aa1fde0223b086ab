// Package experiment holds the toolkit's protocols: each takes a
// configuration, runs the toys or networks it needs, writes its results
// atomically into a folder and returns them typed, so that what a command of
// cmd/regimes does can be called from Go.
//
// The protocols of the three-regime paper and its follow-ups:
//
//   - Demo: the toy story on built-in defaults (phase diagram of lsq with the
//     theory thresholds, thresholds against batch size, Lyapunov scan, the
//     circle's bifurcation diagram, the vmf equilibrium) with its data and
//     an index.html of captioned figures.
//   - ReproduceMNIST: Kodryan et al. (2022), Fig. 1, on MNIST in three
//     stages (the ELR grid, longer runs where the classifier asks for them,
//     a refinement of the 2|3 boundary), with its quick form.
//   - Finetune: the "better optima" comparison (regime-2 pre-training and
//     regime-1 fine-tuning against regime-1 baselines, over seeds, with
//     Student t intervals of means and paired differences).
//   - Realised and RealisedStats: the realised ELR of a conventional network
//     run against the predicted equilibrium ELR; Conventional: the same
//     picture on the lsq toy, exact.
//   - NewNetPlan, NetRunner and NetPointResult: network sweeps, whose points
//     are trainer runs classified from their per-step logs; MergeSweep
//     merges any sweep's point results (toy sweeps run through
//     toy.RunSweepPoint).
//   - Simulate and AnalyzeFile: one toy run with its rerunnable record, and
//     the analysis of any trajectory or training log with the random level
//     found beside it (RandomLevelBeside).
//
// Other files hold the follow-ups' protocols (Grid, Thermo, Stability,
// slices, rotational equilibrium) and Page, the HTML page of a protocol's
// figures.
//
// experiment sits on top: it may import every package of the module
// (analysis, regime, sweep, toy, realnets and its subpackages, plots,
// plots/figdata, internal/...), and none of them imports it; only
// cmd/regimes does.
package experiment
