// Package realnets trains scale-invariant networks (ConvNetSI and an SI MLP
// with BatchNorm) on real data, on the sphere at a fixed effective learning
// rate or conventionally with weight decay, and computes the metrics of
// SCIENCE.md section 5.
package realnets
