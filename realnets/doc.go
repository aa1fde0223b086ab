// Package realnets trains scale-invariant networks (ConvNetSI, ResNet-18-SI
// and an SI MLP, with BatchNorm) on real data, on the sphere at a fixed effective learning
// rate or conventionally with weight decay, and computes the metrics of
// SCIENCE.md section 5.
//
// Package realnets owns the models, layers, optimizers, the trainer (Fit,
// in memory), the checkpoint format and the run identity (RunID, SameRun).
// Run folders (config.json, metrics.jsonl, steps.csv, checkpoints, resume)
// are package realnets/run's, which Fit calls through a Store. It imports
// analysis (statistics), its own subpackages data, gemm and internal,
// tfevents (metrics as TensorBoard scalars), and internal/fileio and
// internal/memguard; never realnets/run, toy, plots, sweep or experiment.
package realnets
