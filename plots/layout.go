package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// Figure sizes of two-column papers (NeurIPS, ICML: a column is 3.25-3.3
// inches, the text 6.75-6.9 inches wide).
const (
	SingleColumn = 3.3 * vg.Inch
	DoubleColumn = 6.9 * vg.Inch
)

// A Size is a figure's width and height.
type Size struct{ W, H vg.Length }

// SizeFor returns the size of a figure that spans one column (double false)
// or the full text width, with height = width * aspect.
func SizeFor(double bool, aspect float64) Size {
	w := SingleColumn
	if double {
		w = DoubleColumn
	}
	return Size{w, w * vg.Length(aspect)}
}

// LegendPlace says where a figure draws its legend.
type LegendPlace int

// The legend places. LegendAuto, the zero value, puts the legend of a
// single panel inside the corner of the data area that covers no data (the
// emptiest corner by the figure's own data), in an empty cell of a
// multi-panel grid, and otherwise below the panels.
const (
	LegendAuto LegendPlace = iota
	LegendBelow
	LegendRight
)

// Legend is a figure's legend: entries of a name and the thumbnails that
// draw its sample, laid out in one column inside a panel or in as many
// columns as fit below the panels.
type Legend struct {
	entries []legendEntry
}

type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

func newLegend() *Legend { return &Legend{} }

// Add adds an entry; thumbnails are drawn on top of each other.
func (l *Legend) Add(name string, thumbs ...plot.Thumbnailer) {
	l.entries = append(l.entries, legendEntry{name, thumbs})
}

// Len returns the number of entries.
func (l *Legend) Len() int {
	if l == nil {
		return 0
	}
	return len(l.entries)
}

// Names returns the entries' texts in order.
func (l *Legend) Names() []string {
	if l == nil {
		return nil
	}
	out := make([]string, len(l.entries))
	for i, e := range l.entries {
		out[i] = e.name
	}
	return out
}

const (
	legendThumb = 14 // thumbnail width, points
	legendGap   = 8  // gap between legend columns, points
	legendInset = 3  // padding inside the legend box, points
)

// column returns a gonum legend of entries es.
func column(es []legendEntry) *plot.Legend {
	l := plot.NewLegend()
	l.TextStyle = textStyle(legendSize)
	l.Top, l.Left = true, true
	l.ThumbnailWidth = vg.Points(legendThumb)
	l.Padding = vg.Points(1.2)
	for _, e := range es {
		l.Add(e.name, e.thumbs...)
	}
	return &l
}

// split returns the entries laid out in cols columns (column-major).
func (l *Legend) split(cols int) [][]legendEntry {
	n := len(l.entries)
	rows := (n + cols - 1) / cols
	var out [][]legendEntry
	for i := 0; i < n; i += rows {
		out = append(out, l.entries[i:min(n, i+rows)])
	}
	return out
}

// size returns the width and height of the legend in cols columns,
// including its inset.
func (l *Legend) size(cols int) (w, h vg.Length) {
	for _, es := range l.split(cols) {
		r := column(es).Rectangle(draw.Canvas{})
		w += r.Max.X - r.Min.X
		h = max(h, r.Max.Y-r.Min.Y)
	}
	w += vg.Points(legendGap) * vg.Length(len(l.split(cols))-1)
	return w + 2*vg.Points(legendInset), h + 2*vg.Points(legendInset)
}

// entryWidth returns the width of one entry laid out alone.
func entryWidth(e legendEntry) vg.Length {
	r := column([]legendEntry{e}).Rectangle(draw.Canvas{})
	return r.Max.X - r.Min.X
}

// flow lays the entries out in rows, left to right, wrapping at width; it
// returns the rows and the size of the laid-out legend with its inset.
func (l *Legend) flow(width vg.Length) (rows [][]legendEntry, w, h vg.Length) {
	gap := vg.Points(legendGap)
	var cur []legendEntry
	var x vg.Length
	for _, e := range l.entries {
		ew := entryWidth(e)
		if len(cur) > 0 && x+gap+ew > width-2*vg.Points(legendInset) {
			rows = append(rows, cur)
			w = max(w, x)
			cur, x = nil, 0
		}
		if len(cur) > 0 {
			x += gap
		}
		cur = append(cur, e)
		x += ew
	}
	if len(cur) > 0 {
		rows = append(rows, cur)
		w = max(w, x)
	}
	r := column(l.entries[:1]).Rectangle(draw.Canvas{})
	eh := r.Max.Y - r.Min.Y
	h = eh*vg.Length(len(rows)) + vg.Points(1.2)*vg.Length(len(rows)-1)
	return rows, w + 2*vg.Points(legendInset), h + 2*vg.Points(legendInset)
}

// drawFlow draws the rows of flow with the top-left corner at r's.
func (l *Legend) drawFlow(c draw.Canvas, r vg.Rectangle, width vg.Length) {
	rows, _, _ := l.flow(width)
	y := r.Max.Y - vg.Points(legendInset)
	for _, row := range rows {
		x := r.Min.X + vg.Points(legendInset)
		var eh vg.Length
		for _, e := range row {
			col := column([]legendEntry{e})
			cr := col.Rectangle(draw.Canvas{})
			cc := c
			cc.Rectangle = vg.Rectangle{Min: vg.Point{X: x, Y: y - (cr.Max.Y - cr.Min.Y)}, Max: vg.Point{X: x + cr.Max.X - cr.Min.X, Y: y}}
			col.Draw(cc)
			x += cr.Max.X - cr.Min.X + vg.Points(legendGap)
			eh = cr.Max.Y - cr.Min.Y
		}
		y -= eh + vg.Points(1.2)
	}
}

// draw draws the legend in cols columns with its top-left corner at the
// top-left of r, over a white box when box is true.
func (l *Legend) draw(c draw.Canvas, r vg.Rectangle, cols int, box bool) {
	if box {
		c.SetColor(color.NRGBA{R: 255, G: 255, B: 255, A: 230})
		c.Fill(r.Path())
	}
	x := r.Min.X + vg.Points(legendInset)
	for _, es := range l.split(cols) {
		col := column(es)
		cr := col.Rectangle(draw.Canvas{})
		cc := c
		cc.Rectangle = vg.Rectangle{Min: vg.Point{X: x, Y: r.Min.Y}, Max: vg.Point{X: x + cr.Max.X - cr.Min.X, Y: r.Max.Y - vg.Points(legendInset)}}
		col.Draw(cc)
		x += cr.Max.X - cr.Min.X + vg.Points(legendGap)
	}
}

// Figure is a grid of panels with aligned data areas, a legend (inside an
// empty corner or grid cell, or below; see LegendPlace), an optional colour
// bar on the right, and an optional title. The builders of this package
// return Figures; Save and Render write them, CheckLayout verifies that no
// two labels of a laid-out figure overlap.
type Figure struct {
	// Plots holds the panels by row and column; nil panels leave a gap.
	Plots [][]*plot.Plot
	// Legend holds the legend's entries (nil or empty: no legend).
	Legend *Legend
	// LegendPlace says where the legend goes; the zero value chooses.
	LegendPlace LegendPlace
	// ColorBar, if not nil, is drawn in a strip on the right.
	ColorBar *plot.Plot
	// Title, if not empty, is drawn centred above the panels.
	Title string

	// ink holds, per panel, the data drawn on it in data coordinates,
	// for finding the corner a legend can cover.
	ink inkSet
}

// An inkSet records what each panel draws: polylines, points, and
// horizontal or vertical lines across the panel.
type inkSet map[*plot.Plot][]inkPath

type inkPath struct {
	pts   plotter.XYs
	line  bool
	horiz bool // a horizontal line at pts[0].Y across the panel
	vert  bool // a vertical line at pts[0].X across the panel
}

func (s inkSet) line(p *plot.Plot, pts plotter.XYs) {
	s[p] = append(s[p], inkPath{pts: append(plotter.XYs(nil), pts...), line: true})
}

func (s inkSet) points(p *plot.Plot, pts plotter.XYs) {
	s[p] = append(s[p], inkPath{pts: append(plotter.XYs(nil), pts...)})
}

func (s inkSet) hline(p *plot.Plot, y float64) {
	s[p] = append(s[p], inkPath{pts: plotter.XYs{{Y: y}}, horiz: true})
}

func (s inkSet) vline(p *plot.Plot, x float64) {
	s[p] = append(s[p], inkPath{pts: plotter.XYs{{X: x}}, vert: true})
}

// layout is a figure laid out on a canvas.
type layout struct {
	grid        [][]*plot.Plot
	tiles       [][]draw.Canvas // the canvas of each panel
	title       vg.Point        // centre top of the title
	legend      vg.Rectangle    // the legend's box (empty: none)
	legendCol   int             // legend columns; 0: flowed rows of legendWidth
	legendWidth vg.Length
	legendBox   bool // draw a white box behind the legend
	colorBar    draw.Canvas
	hasBar      bool
}

func (f *Figure) grid() [][]*plot.Plot {
	rows := len(f.Plots)
	cols := 0
	for _, r := range f.Plots {
		cols = max(cols, len(r))
	}
	grid := make([][]*plot.Plot, rows)
	for j := range grid {
		grid[j] = make([]*plot.Plot, cols)
		copy(grid[j], f.Plots[j])
		for _, p := range grid[j] {
			if p != nil {
				fixLogRange(&p.X)
				fixLogRange(&p.Y)
			}
		}
	}
	return grid
}

// align lays the grid out in c.
func alignGrid(grid [][]*plot.Plot, c draw.Canvas) [][]draw.Canvas {
	if len(grid) == 0 || len(grid[0]) == 0 {
		return nil
	}
	pad := vg.Points(padding)
	tiles := draw.Tiles{
		Rows: len(grid), Cols: len(grid[0]),
		PadX: 3 * pad, PadY: 2 * pad,
		PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad,
	}
	var out [][]draw.Canvas
	for _, row := range grid {
		for _, p := range row {
			if p != nil {
				defer withoutLabels(p)()
			}
		}
	}
	out = plot.Align(grid, tiles, c)
	return out
}

// The axis labels of grid panels are drawn by the Figure, not by
// gonum/plot: gonum/plot places an axis label's glyph box at the axis's
// linear midpoint (a FIXME in its axis.go), which on a logarithmic axis
// lies near one end, and pads the data area for that misplaced box (the
// wide gaps between rows of log-axis panels). The panel is laid out and
// drawn without its labels in its tile cropped by the labels' room, and
// the Figure draws the labels centred on the data area.

// withoutLabels clears p's axis label texts and returns the function that
// restores them.
func withoutLabels(p *plot.Plot) func() {
	x, y := p.X.Label.Text, p.Y.Label.Text
	p.X.Label.Text, p.Y.Label.Text = "", ""
	return func() { p.X.Label.Text, p.Y.Label.Text = x, y }
}

// inner returns the tile of p without the room of its axis labels.
func inner(p *plot.Plot, tile draw.Canvas) draw.Canvas {
	if t := p.Y.Label.Text; t != "" {
		sty := p.Y.Label.TextStyle
		tile.Min.X += sty.FontExtents().Descent + sty.Height(t) + p.Y.Label.Padding
	}
	if t := p.X.Label.Text; t != "" {
		tile.Min.Y += p.X.Label.TextStyle.Height(t) + p.X.Label.Padding
	}
	return tile
}

// dataCanvas returns the data area of grid panel p drawn in tile.
func dataCanvas(p *plot.Plot, tile draw.Canvas) draw.Canvas {
	in := inner(p, tile)
	defer withoutLabels(p)()
	return p.DataCanvas(in)
}

// axisLabels returns the styles, positions and texts of p's axis labels in
// tile: the y label rotated, centred on the data area's height at the
// tile's left edge; the x label centred on its width at the tile's bottom.
func axisLabels(p *plot.Plot, tile draw.Canvas) (out []struct {
	kind string
	sty  text.Style
	at   vg.Point
	txt  string
}) {
	dc := dataCanvas(p, tile)
	if t := p.Y.Label.Text; t != "" {
		sty := p.Y.Label.TextStyle
		sty.Rotation = math.Pi / 2
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		out = append(out, struct {
			kind string
			sty  text.Style
			at   vg.Point
			txt  string
		}{"y label", sty, vg.Point{X: tile.Min.X, Y: (dc.Min.Y + dc.Max.Y) / 2}, t})
	}
	if t := p.X.Label.Text; t != "" {
		sty := p.X.Label.TextStyle
		sty.Rotation = 0
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
		out = append(out, struct {
			kind string
			sty  text.Style
			at   vg.Point
			txt  string
		}{"x label", sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: tile.Min.Y + sty.FontExtents().Descent}, t})
	}
	return out
}

// drawPanel draws grid panel p in tile with its axis labels.
func drawPanel(c draw.Canvas, p *plot.Plot, tile draw.Canvas) {
	labels := axisLabels(p, tile)
	in := inner(p, tile)
	restore := withoutLabels(p)
	p.Draw(in)
	restore()
	for _, l := range labels {
		c.FillText(l.sty, l.at, l.txt)
	}
}

// layout lays f out on c.
func (f *Figure) layout(c draw.Canvas) layout {
	var L layout
	pad := vg.Points(padding)
	if f.Title != "" {
		sty := textStyle(titleSize)
		L.title = vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - pad}
		c.Max.Y -= sty.Height(f.Title) + 2*pad
	}
	if f.ColorBar != nil {
		w := f.colorBarWidth() + pad
		L.hasBar = true
		L.colorBar = c
		L.colorBar.Min.X = c.Max.X - w + pad
		L.colorBar.Max.X = c.Max.X - pad
		c.Max.X -= w + pad
	}
	L.grid = f.grid()
	n := f.Legend.Len()
	place := f.LegendPlace
	if n > 0 && place == LegendRight {
		w, h := f.Legend.size(1)
		r := vg.Rectangle{Min: vg.Point{X: c.Max.X - w, Y: c.Max.Y - h}, Max: c.Max}
		L.legend, L.legendCol = r, 1
		c.Max.X -= w + pad
	}
	L.tiles = alignGrid(L.grid, c)
	if n == 0 || place == LegendRight {
		f.placeBar(&L)
		return L
	}
	if place == LegendAuto {
		if r, ok := f.emptyCell(L); ok {
			L.legend, L.legendCol = r, 1
			f.placeBar(&L)
			return L
		}
		if r, ok := f.emptyCorner(L); ok {
			L.legend, L.legendCol, L.legendBox = r, 1, true
			f.placeBar(&L)
			return L
		}
	}
	// Below: as many aligned columns as fit the width when that is at
	// least three (or all entries), otherwise rows that wrap.
	width := c.Max.X - c.Min.X - 2*pad
	cols := n
	for cols > 1 {
		if w, _ := f.Legend.size(cols); w <= width {
			break
		}
		cols--
	}
	var w, h vg.Length
	if cols >= min(n, 3) {
		w, h = f.Legend.size(cols)
		L.legendCol = cols
	} else {
		_, w, h = f.Legend.flow(width)
		L.legendCol, L.legendWidth = 0, width
	}
	x0 := c.Min.X + (c.Max.X-c.Min.X-w)/2
	L.legend = vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y + pad}, Max: vg.Point{X: x0 + w, Y: c.Min.Y + pad + h}}
	c.Min.Y += h + 2*pad
	L.tiles = alignGrid(L.grid, c)
	f.placeBar(&L)
	return L
}

// placeBar gives the colour bar the height of the data area of the first
// panel's row.
func (f *Figure) placeBar(L *layout) {
	if !L.hasBar || len(L.tiles) == 0 {
		return
	}
	for i, p := range L.grid[0] {
		if p == nil {
			continue
		}
		dc := dataCanvas(p, L.tiles[0][i])
		L.colorBar.Min.Y = dc.Min.Y - f.ColorBar.Y.Padding
		L.colorBar.Max.Y = dc.Max.Y
		// The bar's own (hidden) x axis needs no room: it draws in the
		// data height.
		return
	}
}

// emptyCell returns the legend's box centred in an empty cell of the grid
// when there is one and the legend fits.
func (f *Figure) emptyCell(L layout) (vg.Rectangle, bool) {
	w, h := f.Legend.size(1)
	for j := len(L.grid) - 1; j >= 0; j-- {
		for i := len(L.grid[j]) - 1; i >= 0; i-- {
			if L.grid[j][i] != nil {
				continue
			}
			t := L.tiles[j][i]
			if t.Max.X-t.Min.X < w || t.Max.Y-t.Min.Y < h {
				continue
			}
			x := (t.Min.X + t.Max.X - w) / 2
			y := (t.Min.Y + t.Max.Y + h) / 2
			return vg.Rectangle{Min: vg.Point{X: x, Y: y - h}, Max: vg.Point{X: x + w, Y: y}}, true
		}
	}
	return vg.Rectangle{}, false
}

// emptyCorner returns the legend's box in the corner of a single panel's
// data area that covers none of the panel's data, preferring the top right,
// top left, bottom right, bottom left, then the middles of the top and the
// bottom edge.
func (f *Figure) emptyCorner(L layout) (vg.Rectangle, bool) {
	var p *plot.Plot
	var tile draw.Canvas
	count := 0
	for j, row := range L.grid {
		for i, q := range row {
			if q != nil {
				p, tile = q, L.tiles[j][i]
				count++
			}
		}
	}
	if count != 1 || f.ink == nil {
		return vg.Rectangle{}, false
	}
	w, h := f.Legend.size(1)
	dc := dataCanvas(p, tile)
	in := vg.Points(2)
	// gonum/plot starts the data area at the title's baseline less its
	// padding, so the title's descenders reach into it: a top legend stays
	// below them.
	topIn := in
	if p.Title.Text != "" {
		topIn += max(0, p.Title.TextStyle.FontExtents().Descent-p.Title.Padding)
	}
	if dc.Max.X-dc.Min.X < w+2*in || dc.Max.Y-dc.Min.Y < h+in+topIn {
		return vg.Rectangle{}, false
	}
	left, right := dc.Min.X+in, dc.Max.X-in-w
	mid := (dc.Min.X + dc.Max.X - w) / 2
	top, bottom := dc.Max.Y-topIn-h, dc.Min.Y+in
	best, bestHits := vg.Rectangle{}, math.MaxInt
	for _, o := range []vg.Point{{X: right, Y: top}, {X: left, Y: top}, {X: right, Y: bottom}, {X: left, Y: bottom}, {X: mid, Y: top}, {X: mid, Y: bottom}} {
		r := vg.Rectangle{Min: o, Max: vg.Point{X: o.X + w, Y: o.Y + h}}
		if hits := f.ink.hits(p, dc, r); hits < bestHits {
			best, bestHits = r, hits
		}
	}
	return best, bestHits == 0
}

// hits counts the ink of p (drawn in data canvas dc) inside r grown by a
// small margin.
func (s inkSet) hits(p *plot.Plot, dc draw.Canvas, r vg.Rectangle) int {
	m := vg.Points(1.5)
	r.Min.X -= m
	r.Min.Y -= m
	r.Max.X += m
	r.Max.Y += m
	tx, ty := p.Transforms(&dc)
	pt := func(xy plotter.XY) (vg.Point, bool) {
		x, y := tx(xy.X), ty(xy.Y)
		ok := !math.IsNaN(float64(x)) && !math.IsNaN(float64(y)) && !math.IsInf(float64(x), 0) && !math.IsInf(float64(y), 0)
		return vg.Point{X: x, Y: y}, ok
	}
	n := 0
	for _, ip := range s[p] {
		switch {
		case ip.horiz:
			y := ty(ip.pts[0].Y)
			if y >= r.Min.Y && y <= r.Max.Y {
				n++
			}
		case ip.vert:
			x := tx(ip.pts[0].X)
			if x >= r.Min.X && x <= r.Max.X {
				n++
			}
		default:
			var prev vg.Point
			havePrev := false
			for _, xy := range ip.pts {
				q, ok := pt(xy)
				if !ok {
					havePrev = false
					continue
				}
				if inside(q, r) {
					n++
				} else if ip.line && havePrev && segmentHits(prev, q, r) {
					n++
				}
				prev, havePrev = q, true
			}
		}
	}
	return n
}

func inside(q vg.Point, r vg.Rectangle) bool {
	return q.X >= r.Min.X && q.X <= r.Max.X && q.Y >= r.Min.Y && q.Y <= r.Max.Y
}

// segmentHits reports whether the segment a-b crosses r (Liang-Barsky).
func segmentHits(a, b vg.Point, r vg.Rectangle) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
	for _, e := range [4][2]float64{
		{-dx, float64(a.X - r.Min.X)}, {dx, float64(r.Max.X - a.X)},
		{-dy, float64(a.Y - r.Min.Y)}, {dy, float64(r.Max.Y - a.Y)},
	} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// Draw draws the figure on c.
func (f *Figure) Draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	L := f.layout(c)
	if f.Title != "" {
		sty := textStyle(titleSize)
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		c.FillText(sty, L.title, f.Title)
	}
	for j := range L.grid {
		for i, p := range L.grid[j] {
			if p != nil {
				drawPanel(c, p, L.tiles[j][i])
			}
		}
	}
	if L.legend.Max.X > L.legend.Min.X {
		if L.legendCol == 0 {
			f.Legend.drawFlow(c, L.legend, L.legendWidth)
		} else {
			f.Legend.draw(c, L.legend, L.legendCol, L.legendBox)
		}
	}
	if L.hasBar {
		f.ColorBar.Draw(L.colorBar)
	}
}

// colorBarWidth returns the width of the colour bar with its tick labels and
// rotated axis label.
func (f *Figure) colorBarWidth() vg.Length {
	a := &f.ColorBar.Y
	w := vg.Points(colorBarWidth) + a.Tick.Length + a.Label.TextStyle.Height("X") + a.Label.Padding + vg.Points(2*padding)
	var tw vg.Length
	for _, t := range a.Tick.Marker.Ticks(a.Min, a.Max) {
		tw = max(tw, a.Tick.Label.Width(t.Label))
	}
	return w + tw
}

// A LabelBox is the laid-out box of one piece of text of a figure: a tick
// label, an axis label, a title, or the legend; and, as kind "data area",
// the data area of each panel.
type LabelBox struct {
	Kind  string // "x tick", "y tick", "x label", "y label", "title", "legend", "data area"
	Panel [2]int // row and column of the panel (-1, -1 for the figure's)
	Text  string
	vg.Rectangle
}

func (b LabelBox) String() string {
	return fmt.Sprintf("%s %q of panel %v at [%.1f, %.1f]x[%.1f, %.1f] pt", b.Kind, b.Text, b.Panel,
		b.Min.X.Points(), b.Max.X.Points(), b.Min.Y.Points(), b.Max.Y.Points())
}

// LabelBoxes lays f out on a w x h page and returns the boxes of its tick
// labels, axis labels, title and legend, with the geometry gonum/plot uses
// to draw them (Axis.draw and its GlyphBoxes: a horizontal axis draws its
// label at the bottom and the tick labels above it, top-aligned and
// centred on the ticks; a vertical axis draws its rotated label on the left
// and the tick labels right-aligned and centred on the ticks).
func LabelBoxes(f *Figure, w, h vg.Length) []LabelBox {
	c := draw.Canvas{Canvas: &recorder.Canvas{}, Rectangle: vg.Rectangle{Max: vg.Point{X: w, Y: h}}}
	L := f.layout(c)
	var out []LabelBox
	if f.Title != "" {
		sty := textStyle(titleSize)
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		out = append(out, LabelBox{"title", [2]int{-1, -1}, f.Title, sty.Rectangle(f.Title).Add(L.title)})
	}
	for j := range L.grid {
		for i, p := range L.grid[j] {
			if p != nil {
				out = append(out, panelBoxes(p, L.tiles[j][i], [2]int{j, i})...)
			}
		}
	}
	if L.hasBar {
		out = append(out, plotBoxes(f.ColorBar, L.colorBar, [2]int{-1, -1})...)
	}
	if L.legend.Max.X > L.legend.Min.X {
		out = append(out, LabelBox{"legend", [2]int{-1, -1}, strings.Join(f.Legend.Names(), "; "), L.legend})
	}
	return out
}

// panelBoxes returns the label boxes of grid panel p drawn in tile: its
// tick labels as gonum/plot lays them out in the tile without the labels'
// room, and the axis labels the Figure draws.
func panelBoxes(p *plot.Plot, tile draw.Canvas, panel [2]int) []LabelBox {
	labels := axisLabels(p, tile)
	in := inner(p, tile)
	restore := withoutLabels(p)
	out := plotBoxes(p, in, panel)
	restore()
	for _, l := range labels {
		out = append(out, LabelBox{l.kind, panel, l.txt, l.sty.Rectangle(l.txt).Add(l.at)})
	}
	return out
}

// plotBoxes returns the label boxes of p drawn in c.
func plotBoxes(p *plot.Plot, c draw.Canvas, panel [2]int) []LabelBox {
	var out []LabelBox
	if p.Title.Text != "" {
		r := p.Title.TextStyle.Rectangle(p.Title.Text)
		out = append(out, LabelBox{"title", panel, p.Title.Text, r.Add(vg.Point{X: c.Center().X, Y: c.Max.Y})})
		c.Max.Y -= r.Size().Y + p.Title.Padding
	}
	dc := p.DataCanvas(c)
	out = append(out, LabelBox{"data area", panel, "", dc.Rectangle})
	// The horizontal axis (not hidden: HideX sets an empty ticker and
	// label).
	x := p.X
	y := c.Min.Y
	if x.Label.Text != "" {
		sty := x.Label.TextStyle
		pt := vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: y + sty.FontExtents().Descent}
		out = append(out, LabelBox{"x label", panel, x.Label.Text, sty.Rectangle(x.Label.Text).Add(pt)})
		y += sty.Height(x.Label.Text) + x.Label.Padding
	}
	marks := x.Tick.Marker.Ticks(x.Min, x.Max)
	th := labelHeight(x.Tick.Label, marks)
	desc := x.Tick.Label.FontExtents().Descent
	for _, t := range marks {
		xx := dc.X(x.Norm(t.Value))
		if t.IsMinor() || !dc.ContainsX(xx) {
			continue
		}
		pt := vg.Point{X: xx, Y: y + th + desc}
		out = append(out, LabelBox{"x tick", panel, t.Label, x.Tick.Label.Rectangle(t.Label).Add(pt)})
	}
	// The vertical axis.
	a := p.Y
	xo := c.Min.X
	if a.Label.Text != "" {
		sty := a.Label.TextStyle
		sty.Rotation += math.Pi / 2
		xo += a.Label.TextStyle.Height(a.Label.Text)
		d := a.Label.TextStyle.FontExtents().Descent
		pt := vg.Point{X: xo - d, Y: (dc.Min.Y + dc.Max.Y) / 2}
		out = append(out, LabelBox{"y label", panel, a.Label.Text, sty.Rectangle(a.Label.Text).Add(pt)})
		xo += d + a.Label.Padding
	}
	marks = a.Tick.Marker.Ticks(a.Min, a.Max)
	xo += labelWidth(a.Tick.Label, marks)
	desc = a.Tick.Label.FontExtents().Descent
	for _, t := range marks {
		yy := dc.Y(a.Norm(t.Value))
		if t.IsMinor() || !dc.ContainsY(yy) {
			continue
		}
		pt := vg.Point{X: xo, Y: yy + desc}
		out = append(out, LabelBox{"y tick", panel, t.Label, a.Tick.Label.Rectangle(t.Label).Add(pt)})
	}
	return out
}

func labelHeight(sty interface{ Rectangle(string) vg.Rectangle }, ts []plot.Tick) vg.Length {
	var h vg.Length
	for _, t := range ts {
		if !t.IsMinor() {
			r := sty.Rectangle(t.Label)
			h = max(h, r.Max.Y-r.Min.Y)
		}
	}
	return h
}

func labelWidth(sty interface{ Rectangle(string) vg.Rectangle }, ts []plot.Tick) vg.Length {
	var w vg.Length
	for _, t := range ts {
		if !t.IsMinor() {
			r := sty.Rectangle(t.Label)
			w = max(w, r.Max.X-r.Min.X)
		}
	}
	return w
}

// CheckLayout lays f out on a w x h page and returns an error naming every
// pair of label boxes (tick labels, axis labels, titles, the legend) that
// overlap, and every box that leaves the page. Touching boxes (a gap of
// less than 0.5 pt is allowed to be zero) do not count as overlapping.
func CheckLayout(f *Figure, w, h vg.Length) error {
	boxes := LabelBoxes(f, w, h)
	var msgs []string
	// An axis label longer than its axis is clipped by the panel next to
	// it, or (in gonum/plot) shrinks the data area to make room.
	axes := map[[2]int]vg.Rectangle{}
	for _, b := range boxes {
		if b.Kind == "data area" {
			axes[b.Panel] = b.Rectangle
		}
	}
	for _, b := range boxes {
		a, ok := axes[b.Panel]
		switch {
		case !ok:
		case b.Kind == "y label" && b.Size().Y > a.Size().Y+vg.Points(1):
			msgs = append(msgs, fmt.Sprintf("%v is longer than its axis (%.0f pt)", b, a.Size().Y.Points()))
		case b.Kind == "x label" && b.Size().X > a.Size().X+vg.Points(1):
			msgs = append(msgs, fmt.Sprintf("%v is longer than its axis (%.0f pt)", b, a.Size().X.Points()))
		}
	}
	boxes = slices.DeleteFunc(boxes, func(b LabelBox) bool { return b.Kind == "data area" })
	sort.SliceStable(boxes, func(i, j int) bool { return boxes[i].Min.X < boxes[j].Min.X })
	page := vg.Rectangle{Max: vg.Point{X: w, Y: h}}
	tol := vg.Points(0.25)
	for i, a := range boxes {
		if a.Min.X < page.Min.X-tol || a.Min.Y < page.Min.Y-tol || a.Max.X > page.Max.X+tol || a.Max.Y > page.Max.Y+tol {
			msgs = append(msgs, fmt.Sprintf("%v leaves the %.0f x %.0f pt page", a, w.Points(), h.Points()))
		}
		for _, b := range boxes[i+1:] {
			if b.Min.X >= a.Max.X-tol {
				break
			}
			if overlap(a.Rectangle, b.Rectangle, tol) {
				msgs = append(msgs, fmt.Sprintf("%v overlaps %v", a, b))
			}
		}
	}
	if len(msgs) > 0 {
		return fmt.Errorf("plots: %d layout problems:\n\t%s", len(msgs), strings.Join(msgs, "\n\t"))
	}
	return nil
}

func overlap(a, b vg.Rectangle, tol vg.Length) bool {
	return a.Min.X < b.Max.X-tol && b.Min.X < a.Max.X-tol && a.Min.Y < b.Max.Y-tol && b.Min.Y < a.Max.Y-tol
}
