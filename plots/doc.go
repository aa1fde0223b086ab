// Package plots draws regime phase diagrams and the figures of Kodryan et al.
// (2022) with gonum/plot, as PNG, SVG and PDF. It only draws what it is
// given; it computes no science.
//
// Colour: Sequential (viridis-like, CIE L* strictly increasing, uniform
// steps in CIE L*a*b*) and Diverging (zero-centred, symmetric lightness, blue
// negative, red positive) implement gonum/plot's palette.ColorMap; the
// regimes have fixed colours (RegimeColor) used the same way in every
// figure.
//
// Figures: NewPhaseDiagram, NewPanels, NewThresholds, NewLyapunov,
// NewStationary and NewBifurcation take plain data structs and return a
// *Figure (panels with aligned data areas, legend and colour bar outside
// the data) and the list of points they skipped (non-finite, or not
// positive on a logarithmic axis). Render writes a figure to an io.Writer;
// Save writes it to a file atomically, choosing the format by extension.
//
// Axis labels use the Symbols text handler, which draws η̃ (a combining
// tilde over η) and subscripts such as λ_{max}.
//
// Package plots owns figure building only: it draws typed data it is given
// and computes no science. It imports regime (the regime colours),
// internal/fileio (atomic figure files) and internal/buildinfo (the build
// a figure's provenance names), never toy, realnets, sweep or experiment;
// readers that turn result files into its data are plots/figdata.
package plots
