package plots

import (
	"image/color"
	"math"
	"testing"

	colorful "github.com/lucasb-eyer/go-colorful"
	"github.com/regimes/regimes/regime"
	"gonum.org/v1/plot/palette"
)

// lstar returns the CIE L* (0-100) of c, through colorful's independent
// sRGB -> XYZ -> L*a*b* conversion of the 8-bit colour actually drawn.
func lstar(t *testing.T, c color.Color) float64 {
	t.Helper()
	cc, ok := colorful.MakeColor(c)
	if !ok {
		t.Fatalf("colour %v has zero alpha", c)
	}
	l, _, _ := cc.Lab()
	return 100 * l
}

// inGamut reports whether c's RGB components are representable: the
// colours drawn are 8-bit, so check the float colour before quantisation.
func inGamut(c colorful.Color) bool { return c.IsValid() }

func TestSequentialLightnessStrictlyIncreasing(t *testing.T) {
	const n = 256 // one sample per table entry
	prev := -1.0
	for i := range n {
		c := SequentialAt(float64(i) / (n - 1))
		if !inGamut(c) {
			t.Fatalf("sample %d out of gamut: %v", i, c)
		}
		l, _, _ := c.Lab()
		l *= 100
		if !(l > prev) {
			t.Fatalf("L* not strictly increasing at sample %d: %v after %v", i, l, prev)
		}
		prev = l
	}
	// The ends are viridis's ends (van der Walt and Smith 2015).
	if h := SequentialAt(0).Hex(); h != "#440154" {
		t.Errorf("start colour %s, want #440154", h)
	}
	if h := SequentialAt(1).Hex(); h != "#fde725" {
		t.Errorf("end colour %s, want #fde725", h)
	}
}

// TestSequentialUniform checks perceptual uniformity with CIEDE2000, a
// distance the construction (CIE76 arc length) does not use: equal parameter
// steps must be perceived steps within a factor 2.5 of each other. (Viridis
// itself has max/min CIEDE2000 step ratio about 2 over 32 steps because
// CIEDE2000 weights chroma differently than CIE76.)
func TestSequentialUniform(t *testing.T) {
	const n = 32
	lo, hi := math.Inf(1), 0.0
	for i := 1; i < n; i++ {
		a := SequentialAt(float64(i-1) / (n - 1))
		b := SequentialAt(float64(i) / (n - 1))
		d := a.DistanceCIEDE2000(b)
		lo, hi = math.Min(lo, d), math.Max(hi, d)
	}
	if hi/lo > 2.5 {
		t.Errorf("CIEDE2000 step ratio %.2f > 2.5 (min %.4f, max %.4f)", hi/lo, lo, hi)
	}
}

func TestDivergingSymmetricLightness(t *testing.T) {
	const n = 101
	mid := DivergingAt(0)
	lm, _, _ := mid.Lab()
	if math.Abs(100*lm-divLightMid) > 0.5 {
		t.Errorf("midpoint L* %.2f, want %v", 100*lm, divLightMid)
	}
	_, cm, _ := mid.Hcl()
	if cm > 1e-9 {
		t.Errorf("midpoint chroma %v, want neutral grey", cm)
	}
	prev := math.Inf(1)
	for i := range n {
		s := float64(i) / (n - 1)
		neg, pos := DivergingAt(-s), DivergingAt(s)
		for _, c := range []colorful.Color{neg, pos} {
			if !inGamut(c) {
				t.Fatalf("s=%v out of gamut: %v", s, c)
			}
		}
		ln, _, _ := neg.Lab()
		lp, _, _ := pos.Lab()
		// Symmetric within 0.5 L* (a just-noticeable difference is about 1).
		if math.Abs(ln-lp)*100 > 0.5 {
			t.Errorf("s=%v: L* %.3f (negative) vs %.3f (positive)", s, 100*ln, 100*lp)
		}
		// Lightness decreases strictly away from the centre.
		if i > 0 && !(lp < prev) {
			t.Errorf("s=%v: L* %.3f not below %.3f", s, 100*lp, 100*prev)
		}
		prev = lp
		// Sign is carried by hue: negative side bluer than the positive side.
		if i > 0 {
			_, _, bn := neg.Lab()
			_, _, bp := pos.Lab()
			if !(bn < bp) {
				t.Errorf("s=%v: negative side b*=%v not bluer than positive b*=%v", s, bn, bp)
			}
		}
	}
}

func TestDivergingZeroCentred(t *testing.T) {
	// Data range [-0.01, 0.04]: zero must be neutral, and -0.01 and +0.01
	// equally light (same magnitude).
	d := NewDiverging(-0.01, 0.04)
	if d.ConvergePoint() != 0 {
		t.Fatalf("convergence point %v, want 0", d.ConvergePoint())
	}
	c0, _ := d.At(0)
	if l := lstar(t, c0); math.Abs(l-divLightMid) > 0.6 {
		t.Errorf("L*(0) = %v, want %v", l, divLightMid)
	}
	cn, _ := d.At(-0.01)
	cp, _ := d.At(0.01)
	// 8-bit quantisation moves L* by at most about 0.4.
	if ln, lp := lstar(t, cn), lstar(t, cp); math.Abs(ln-lp) > 0.8 {
		t.Errorf("L*(-0.01) = %v, L*(+0.01) = %v", ln, lp)
	}
}

func TestColorMapErrors(t *testing.T) {
	for _, m := range []palette.ColorMap{NewSequential(1, 2), NewDiverging(1, 2)} {
		for _, tc := range []struct {
			v    float64
			want error
		}{
			{math.NaN(), palette.ErrNaN},
			{0.5, palette.ErrUnderflow},
			{2.5, palette.ErrOverflow},
			{1.5, nil},
		} {
			if _, err := m.At(tc.v); err != tc.want {
				t.Errorf("%T.At(%v) error %v, want %v", m, tc.v, err, tc.want)
			}
		}
		if p := m.Palette(5).Colors(); len(p) != 5 {
			t.Errorf("%T.Palette(5) has %d colours", m, len(p))
		}
		m.SetAlpha(0.5)
		c, _ := m.At(1.5)
		if _, _, _, a := c.RGBA(); a != 0x8080 {
			t.Errorf("%T alpha 0.5 gives A=%#x, want 0x8080 (128 of 255)", m, a)
		}
	}
	var zero Sequential
	if zero.Min() != 0 || zero.Max() != 1 || zero.Alpha() != 1 {
		t.Errorf("zero Sequential: [%v, %v] alpha %v, want [0, 1] alpha 1", zero.Min(), zero.Max(), zero.Alpha())
	}
	var zd Diverging
	if zd.Min() != -1 || zd.Max() != 1 || zd.ConvergePoint() != 0 {
		t.Errorf("zero Diverging: [%v, %v] at %v, want [-1, 1] at 0", zd.Min(), zd.Max(), zd.ConvergePoint())
	}
}

// deuteranopia simulates a deuteranope's view of c with the severity-1
// matrix of Machado, Oliveira and Fernandes, "A physiologically-based model
// for simulation of color vision deficiency", IEEE TVCG 15 (2009), applied
// to linear RGB.
func deuteranopia(c colorful.Color) colorful.Color {
	r, g, b := c.LinearRgb()
	return colorful.LinearRgb(
		0.367322*r+0.860646*g-0.227968*b,
		0.280085*r+0.672501*g+0.047413*b,
		-0.011820*r+0.042940*g+0.968881*b,
	).Clamped()
}

func TestRegimePaletteDistinguishable(t *testing.T) {
	cols := make([]colorful.Color, len(regime.All))
	for i, r := range regime.All {
		c, ok := colorful.MakeColor(RegimeColor(r))
		if !ok {
			t.Fatalf("regime %v colour transparent", r)
		}
		cols[i] = c
	}
	// The regime colours are at least 15 L* apart in grey-scale and at least
	// 10 CIEDE2000 apart for a deuteranope (a clearly visible difference;
	// 2.3 is a just-noticeable one, Sharma 2005).
	for i := range cols {
		for j := i + 1; j < len(cols); j++ {
			li, _, _ := cols[i].Lab()
			lj, _, _ := cols[j].Lab()
			if d := 100 * math.Abs(li-lj); d < 15 {
				t.Errorf("regimes %v and %v differ by only %.1f L*", regime.All[i], regime.All[j], d)
			}
			if d := 100 * deuteranopia(cols[i]).DistanceCIEDE2000(deuteranopia(cols[j])); d < 10 {
				t.Errorf("regimes %v and %v: deuteranope distance %.1f", regime.All[i], regime.All[j], d)
			}
		}
	}
	// Failed cells are also crossed and hatched; their fill alone must still
	// differ from every regime colour by 8 L* (several just-noticeable steps).
	failed := mustColor(t, FailedColor)
	lf, _, _ := failed.Lab()
	for i, c := range cols {
		if l, _, _ := c.Lab(); 100*math.Abs(l-lf) < 8 {
			t.Errorf("failed fill and %v differ by only %.1f L*", regime.All[i], 100*math.Abs(l-lf))
		}
	}
}

func mustColor(t *testing.T, c color.Color) colorful.Color {
	cc, ok := colorful.MakeColor(c)
	if !ok {
		t.Fatalf("transparent colour")
	}
	return cc
}
