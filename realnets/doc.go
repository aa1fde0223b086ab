// Package realnets trains scale-invariant networks (ConvNetSI and an SI MLP
// with BatchNorm) on real data, on the sphere at a fixed effective learning
// rate or conventionally with weight decay, and computes the metrics of
// SCIENCE.md section 5.
//
// Package realnets owns the models, layers, optimizers and the trainer. It
// imports analysis (statistics and the regime classifier), its own
// subpackages (data, gemm, internal) and internal/fileio and
// internal/memguard; never toy, plots, sweep or experiment.
package realnets
