package plots

import (
	"math"
	"strings"
	"unicode/utf8"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// Axis labels with the project's symbols, drawn by the Symbols handler.
const (
	// ELRLabel labels an axis of effective learning rates, η̃.
	ELRLabel = "effective learning rate η\u0303"
	// ELRSymbol is η̃ alone.
	ELRSymbol = "η\u0303"
	// LambdaMaxLabel labels an axis of top Lyapunov exponents, λ_max.
	LambdaMaxLabel = "Lyapunov exponent λ_{max}"
)

// Symbols is a plain-text handler for gonum/plot that also draws what axis
// labels of this project need and the stock handlers do not: combining
// accents (U+0300-U+036F, e.g. "η\u0303" for η̃) placed over the preceding
// letter, and subscripts "_{...}" and superscripts "^{...}" in a smaller
// font. gonum/plot's text.Plain draws a combining tilde after the letter, and
// text.Latex (go-latex v0.2) panics on subscripts and drops the base of
// \tilde{\eta}, so neither renders η̃ or λ_max correctly (checked by eye in
// PNG and SVG).
type Symbols struct {
	Fonts *font.Cache
}

var _ text.Handler = Symbols{}

// DefaultFonts is the font cache of the figures: the Liberation fonts that
// gonum/plot embeds, so output does not depend on installed fonts.
var DefaultFonts = font.NewCache(liberation.Collection())

// Cache returns the handler's font cache.
func (h Symbols) Cache() *font.Cache { return h.Fonts }

// Extents returns the extents of fnt.
func (h Symbols) Extents(fnt font.Font) font.Extents {
	face := h.Fonts.Lookup(fnt, fnt.Size)
	return face.Extents()
}

// Lines splits txt into lines.
func (h Symbols) Lines(txt string) []string {
	txt = strings.TrimRight(txt, "\n")
	return strings.Split(txt, "\n")
}

// Script sizes and shifts as fractions of the font size (close to TeX's
// \scriptstyle: 70% size, subscript lowered and superscript raised).
const (
	scriptScale = 0.7
	subShift    = -0.2
	supShift    = 0.38
)

type segment struct {
	text  string
	shift float64 // baseline shift as a fraction of the font size
	scale float64 // font size factor
}

// segments splits one line into runs of normal, subscript and superscript
// text. An unmatched "_{" or "^{" is drawn literally.
func segments(line string) []segment {
	var out []segment
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, segment{cur.String(), 0, 1})
			cur.Reset()
		}
	}
	for i := 0; i < len(line); {
		if (line[i] == '_' || line[i] == '^') && i+1 < len(line) && line[i+1] == '{' {
			if j := strings.IndexByte(line[i+2:], '}'); j >= 0 {
				flush()
				s := segment{line[i+2 : i+2+j], subShift, scriptScale}
				if line[i] == '^' {
					s.shift = supShift
				}
				out = append(out, s)
				i += 3 + j
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(line[i:])
		cur.WriteRune(r)
		i += n
	}
	flush()
	return out
}

func isCombining(r rune) bool { return r >= 0x300 && r <= 0x36f }

// spacingAccent returns the spacing form of a combining accent, drawn
// centred over the preceding letter.
func spacingAccent(r rune) string {
	switch r {
	case 0x303:
		return "\u02dc" // small tilde
	case 0x302:
		return "\u02c6" // modifier circumflex
	case 0x304:
		return "\u00af" // macron
	case 0x307:
		return "\u02d9" // dot above
	}
	return string(r)
}

// walk calls draw (when not nil) for every glyph run of line at its offset
// from the line's origin, and returns the line's width and its extra height
// above the ascent and depth below the descent caused by scripts.
func (h Symbols) walk(line string, fnt font.Font, draw func(face font.Face, x, y vg.Length, s string)) (width, up, down vg.Length) {
	bf := h.Fonts.Lookup(fnt, fnt.Size)
	base := bf.Extents()
	var x vg.Length
	for _, seg := range segments(line) {
		f := fnt
		f.Size = fnt.Size * vg.Length(seg.scale)
		face := h.Fonts.Lookup(f, f.Size)
		y := vg.Length(seg.shift) * fnt.Size
		ext := face.Extents()
		if a := y + ext.Ascent - base.Ascent; a > up {
			up = a
		}
		if d := ext.Descent - y - base.Descent; d > down {
			down = d
		}
		var lastX, lastW vg.Length
		var run strings.Builder
		runX := x
		emit := func() {
			if run.Len() > 0 && draw != nil {
				draw(face, runX, y, run.String())
			}
			run.Reset()
		}
		for _, r := range seg.text {
			if isCombining(r) {
				emit()
				acc := spacingAccent(r)
				if draw != nil {
					draw(face, lastX+(lastW-face.Width(acc))/2, y, acc)
				}
				runX = x
				continue
			}
			w := face.Width(string(r))
			if run.Len() == 0 {
				runX = x
			}
			run.WriteRune(r)
			lastX, lastW = x, w
			x += w
		}
		emit()
	}
	return x, up, down
}

// Box returns the width, height above the baseline and depth below it of a
// single line.
func (h Symbols) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	face := h.Fonts.Lookup(fnt, fnt.Size)
	ext := face.Extents()
	w, up, down := h.walk(txt, fnt, nil)
	return w, ext.Ascent + up, ext.Descent + down
}

// Draw renders txt with the style sty at pt, following text.Plain's
// conventions for alignment and rotation.
func (h Symbols) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	txt = strings.TrimRight(txt, "\n")
	if len(txt) == 0 {
		return
	}
	fnt := h.Fonts.Lookup(sty.Font, sty.Font.Size)
	c.SetColor(sty.Color)
	if sty.Rotation != 0 {
		c.Push()
		c.Rotate(sty.Rotation)
	}
	sin64, cos64 := math.Sincos(sty.Rotation)
	cos, sin := vg.Length(cos64), vg.Length(sin64)
	pt.X, pt.Y = pt.Y*sin+pt.X*cos, pt.Y*cos-pt.X*sin

	lines := h.Lines(txt)
	ht := sty.Height(txt)
	pt.Y += ht*vg.Length(sty.YAlign) - fnt.Extents().Ascent
	for i, line := range lines {
		w, _, _ := h.walk(line, sty.Font, nil)
		xoffs := vg.Length(sty.XAlign) * w
		n := vg.Length(len(lines) - i)
		o := pt.Add(vg.Point{X: xoffs, Y: n * sty.Font.Size})
		h.walk(line, sty.Font, func(face font.Face, x, y vg.Length, s string) {
			c.FillString(face, vg.Point{X: o.X + x, Y: o.Y + y}, s)
		})
	}
	if sty.Rotation != 0 {
		c.Pop()
	}
}
