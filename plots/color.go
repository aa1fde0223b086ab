package plots

import (
	"image/color"
	"math"

	colorful "github.com/lucasb-eyer/go-colorful"
	"github.com/regimes/regimes/regime"
	"gonum.org/v1/plot/palette"
)

// viridisAnchors are nine samples of matplotlib's viridis map at 0, 1/8, ...,
// 1 (van der Walt and Smith, "A better default colormap for matplotlib",
// SciPy 2015). Sequential interpolates between them in CIE L*a*b*.
var viridisAnchors = [...]string{
	"#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c",
	"#28ae80", "#5ec962", "#addc30", "#fde725",
}

// seqTable is the sequential map sampled at seqSamples points equally spaced
// in CIE76 colour distance, built once by buildSequential.
var seqTable = buildSequential()

const seqSamples = 256

// buildSequential interpolates the viridis anchors piecewise linearly in
// CIE L*a*b* (D65) and reparametrises the path by its arc length in L*a*b*,
// so that equal steps of the map's parameter are equal perceived colour
// steps (CIE76 distance). The lightness of every anchor is strictly larger
// than that of the one before, so L* increases strictly along the path.
func buildSequential() []colorful.Color {
	const fine = 4096
	type lab struct{ l, a, b float64 }
	anchors := make([]lab, len(viridisAnchors))
	for i, h := range viridisAnchors {
		c, err := colorful.Hex(h)
		if err != nil {
			panic("plots: bad anchor colour " + h)
		}
		l, a, b := c.Lab()
		anchors[i] = lab{l, a, b}
	}
	at := func(t float64) lab {
		s := t * float64(len(anchors)-1)
		i := int(s)
		if i >= len(anchors)-1 {
			i = len(anchors) - 2
		}
		f := s - float64(i)
		p, q := anchors[i], anchors[i+1]
		return lab{p.l + f*(q.l-p.l), p.a + f*(q.a-p.a), p.b + f*(q.b-p.b)}
	}
	// Cumulative arc length over a fine sampling of the path.
	cum := make([]float64, fine+1)
	prev := at(0)
	for k := 1; k <= fine; k++ {
		cur := at(float64(k) / fine)
		cum[k] = cum[k-1] + math.Sqrt(sq(cur.l-prev.l)+sq(cur.a-prev.a)+sq(cur.b-prev.b))
		prev = cur
	}
	total := cum[fine]
	out := make([]colorful.Color, seqSamples)
	k := 0
	for i := range out {
		target := total * float64(i) / float64(seqSamples-1)
		for k < fine-1 && cum[k+1] < target {
			k++
		}
		f := 0.0
		if d := cum[k+1] - cum[k]; d > 0 {
			f = (target - cum[k]) / d
		}
		f = math.Min(math.Max(f, 0), 1)
		p := at((float64(k) + f) / fine)
		out[i] = colorful.Lab(p.l, p.a, p.b).Clamped()
	}
	return out
}

func sq(x float64) float64 { return x * x }

// Sequential is a perceptually uniform sequential colour map, dark violet to
// yellow like viridis, with CIE lightness L* strictly increasing from Min to
// Max. It implements palette.ColorMap, so plotter.HeatMap and
// plotter.ColorBar can use it. The zero value maps [0, 1] opaquely.
type Sequential struct {
	min, max float64
	set      bool
	alpha    float64 // stored as 1-alpha so that the zero value is opaque
}

var _ palette.ColorMap = (*Sequential)(nil)

// NewSequential returns a Sequential map of the range [min, max].
func NewSequential(min, max float64) *Sequential {
	s := &Sequential{}
	s.SetMin(min)
	s.SetMax(max)
	return s
}

func (s *Sequential) bounds() (float64, float64) {
	if !s.set && s.min == 0 && s.max == 0 {
		return 0, 1
	}
	return s.min, s.max
}

// At returns the colour of v. It returns palette.ErrUnderflow,
// palette.ErrOverflow or palette.ErrNaN for values outside [Min, Max] or NaN.
func (s *Sequential) At(v float64) (color.Color, error) {
	lo, hi := s.bounds()
	t, err := unit(v, lo, hi)
	if err != nil {
		return nil, err
	}
	return withAlpha(SequentialAt(t), 1-s.alpha), nil
}

// SequentialAt returns the sequential map's colour at t in [0, 1]; t outside
// is clamped to the nearest end.
func SequentialAt(t float64) colorful.Color {
	if !(t > 0) {
		return seqTable[0]
	}
	if t >= 1 {
		return seqTable[seqSamples-1]
	}
	s := t * float64(seqSamples-1)
	i := int(s)
	f := s - float64(i)
	p, q := seqTable[i], seqTable[i+1]
	pl, pa, pb := p.Lab()
	ql, qa, qb := q.Lab()
	return colorful.Lab(pl+f*(ql-pl), pa+f*(qa-pa), pb+f*(qb-pb)).Clamped()
}

// Max returns the value mapped to the last colour.
func (s *Sequential) Max() float64 { _, hi := s.bounds(); return hi }

// Min returns the value mapped to the first colour.
func (s *Sequential) Min() float64 { lo, _ := s.bounds(); return lo }

// SetMax sets the value mapped to the last colour.
func (s *Sequential) SetMax(v float64) {
	lo, _ := s.bounds()
	s.min, s.max, s.set = lo, v, true
}

// SetMin sets the value mapped to the first colour.
func (s *Sequential) SetMin(v float64) {
	_, hi := s.bounds()
	s.min, s.max, s.set = v, hi, true
}

// Alpha returns the opacity of the map's colours (1 by default).
func (s *Sequential) Alpha() float64 { return 1 - s.alpha }

// SetAlpha sets the opacity; it panics unless 0 <= a <= 1.
func (s *Sequential) SetAlpha(a float64) {
	if !(a >= 0 && a <= 1) {
		panic("plots: alpha out of [0, 1]")
	}
	s.alpha = 1 - a
}

// Palette returns n colours equally spaced along the map.
func (s *Sequential) Palette(n int) palette.Palette {
	return samplePalette(s, n)
}

// Diverging is a zero-centred diverging colour map for signed quantities such
// as Lyapunov exponents: blue below the convergence point, red above it, a
// light neutral grey at it. Lightness depends only on the distance from the
// convergence point scaled by the larger half-range, so equal magnitudes of
// either sign have equal CIE lightness L* (symmetric in grey-scale print),
// and the sign is carried by hue (blue and red remain distinct for
// deuteranopes). The colours are built in CIE LCh(ab) with chroma kept inside
// the sRGB gamut. It implements palette.DivergingColorMap; the zero value
// maps [-1, 1] with convergence point 0.
type Diverging struct {
	min, max, conv float64
	set, convSet   bool
	alpha          float64 // 1-alpha
}

var _ palette.DivergingColorMap = (*Diverging)(nil)

// NewDiverging returns a Diverging map of [min, max] converging at 0 when
// min < 0 < max, and at the midpoint otherwise.
func NewDiverging(min, max float64) *Diverging {
	d := &Diverging{}
	d.SetMin(min)
	d.SetMax(max)
	if min < 0 && max > 0 {
		d.SetConvergePoint(0)
	}
	return d
}

// Parameters of the diverging map in CIE LCh(ab), D65.
const (
	divLightMid = 96.0  // L* of the neutral midpoint
	divLightEnd = 32.0  // L* of both ends
	divChroma   = 62.0  // target chroma at the ends (reduced to stay in gamut)
	divHueNeg   = 255.0 // hue angle (degrees) of the negative side: blue
	divHuePos   = 35.0  // hue angle of the positive side: red
)

// DivergingAt returns the diverging map's colour at s in [-1, 1] (negative
// blue, zero neutral, positive red); s outside is clamped.
func DivergingAt(s float64) colorful.Color {
	if math.IsNaN(s) {
		s = 0
	}
	s = math.Max(-1, math.Min(1, s))
	m := math.Abs(s)
	l := divLightMid - (divLightMid-divLightEnd)*m
	h := divHuePos
	if s < 0 {
		h = divHueNeg
	}
	c := math.Min(divChroma*m, 0.97*maxChroma(l, h))
	return colorful.Hcl(h, c/100, l/100).Clamped()
}

// maxChroma returns the largest CIE chroma at lightness l and hue h (degrees)
// that is inside the sRGB gamut, by bisection.
func maxChroma(l, h float64) float64 {
	lo, hi := 0.0, 150.0
	for range 40 {
		mid := (lo + hi) / 2
		if colorful.Hcl(h, mid/100, l/100).IsValid() {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

func (d *Diverging) bounds() (lo, hi, conv float64) {
	lo, hi = d.min, d.max
	if !d.set && lo == 0 && hi == 0 {
		lo, hi = -1, 1
	}
	conv = (lo + hi) / 2
	if d.convSet {
		conv = d.conv
	}
	return lo, hi, conv
}

// At returns the colour of v: the distance from the convergence point divided
// by the larger of the two half-ranges selects the colour. It returns the
// palette errors for values outside [Min, Max] or NaN.
func (d *Diverging) At(v float64) (color.Color, error) {
	lo, hi, conv := d.bounds()
	if _, err := unit(v, lo, hi); err != nil {
		return nil, err
	}
	half := math.Max(conv-lo, hi-conv)
	s := 0.0
	if half > 0 {
		s = (v - conv) / half
	}
	return withAlpha(DivergingAt(s), 1-d.alpha), nil
}

// Max returns the upper end of the mapped range.
func (d *Diverging) Max() float64 { _, hi, _ := d.bounds(); return hi }

// Min returns the lower end of the mapped range.
func (d *Diverging) Min() float64 { lo, _, _ := d.bounds(); return lo }

// SetMax sets the upper end and resets the convergence point to the midpoint.
func (d *Diverging) SetMax(v float64) {
	lo, _, _ := d.bounds()
	d.min, d.max, d.set, d.convSet = lo, v, true, false
}

// SetMin sets the lower end and resets the convergence point to the midpoint.
func (d *Diverging) SetMin(v float64) {
	_, hi, _ := d.bounds()
	d.min, d.max, d.set, d.convSet = v, hi, true, false
}

// SetConvergePoint sets the value drawn in the neutral colour; it panics if v
// is outside [Min, Max].
func (d *Diverging) SetConvergePoint(v float64) {
	lo, hi, _ := d.bounds()
	if !(v >= lo && v <= hi) {
		panic("plots: convergence point outside [Min, Max]")
	}
	d.conv, d.convSet = v, true
}

// ConvergePoint returns the value drawn in the neutral colour.
func (d *Diverging) ConvergePoint() float64 { _, _, c := d.bounds(); return c }

// Alpha returns the opacity of the map's colours (1 by default).
func (d *Diverging) Alpha() float64 { return 1 - d.alpha }

// SetAlpha sets the opacity; it panics unless 0 <= a <= 1.
func (d *Diverging) SetAlpha(a float64) {
	if !(a >= 0 && a <= 1) {
		panic("plots: alpha out of [0, 1]")
	}
	d.alpha = 1 - a
}

// Palette returns n colours equally spaced over [Min, Max].
func (d *Diverging) Palette(n int) palette.Palette {
	return samplePalette(d, n)
}

type colors []color.Color

func (c colors) Colors() []color.Color { return c }

func samplePalette(m palette.ColorMap, n int) palette.Palette {
	if n < 2 {
		panic("plots: palette needs at least two colours")
	}
	out := make(colors, n)
	lo, hi := m.Min(), m.Max()
	for i := range out {
		v := lo + (hi-lo)*float64(i)/float64(n-1)
		if i == n-1 {
			v = hi
		}
		c, err := m.At(v)
		if err != nil {
			panic("plots: " + err.Error())
		}
		out[i] = c
	}
	return out
}

// unit maps v in [lo, hi] to [0, 1].
func unit(v, lo, hi float64) (float64, error) {
	switch {
	case math.IsNaN(v):
		return 0, palette.ErrNaN
	case v < lo:
		return 0, palette.ErrUnderflow
	case v > hi:
		return 0, palette.ErrOverflow
	}
	if hi == lo {
		return 0.5, nil
	}
	return (v - lo) / (hi - lo), nil
}

// withAlpha returns c with opacity a as a non-premultiplied colour.
func withAlpha(c colorful.Color, a float64) color.Color {
	r, g, b := c.RGB255()
	return color.NRGBA{R: r, G: g, B: b, A: uint8(math.Round(255 * a))}
}

// RegimeColor returns the regime's fixed colour, the same in every figure:
// Okabe and Ito's colour-blind-safe blue for convergence, orange for chaotic
// equilibrium, a dark wine for divergence (darker than Tol's "wine" and than
// Okabe-Ito vermillion, so that all four differ in lightness by at least
// 15 L* and survive grey-scale printing), and a light grey for undetermined
// (M. Okabe and K. Ito, "Color Universal Design", 2008; P. Tol, "Colour
// schemes", SRON/EPS/TN/09-002, 2021).
func RegimeColor(r regime.Regime) color.Color {
	return regimeColors[regimeIndex(r)]
}

// FailedColor is the fill of phase-diagram cells whose run failed or gave a
// non-finite value; they also carry a cross.
var FailedColor color.Color = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}

var regimeHex = [...]string{"#e0e0e0", "#0072b2", "#e69f00", "#66113a"}

var regimeColors = func() [4]color.Color {
	var out [4]color.Color
	for i, h := range regimeHex {
		c, err := colorful.Hex(h)
		if err != nil {
			panic("plots: bad regime colour")
		}
		out[i] = withAlpha(c, 1)
	}
	return out
}()

func regimeIndex(r regime.Regime) int {
	if !r.Valid() {
		return 0
	}
	return int(r)
}
