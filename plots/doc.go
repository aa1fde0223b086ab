// Package plots draws regime phase diagrams and the figures of Kodryan et al.
// (2022) with gonum/plot, as PNG and SVG. It only draws what it is given; it
// computes no science.
package plots
