package plots

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/regimes/regimes/internal/fileio"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// StrictLayoutEnv names the environment variable that makes Save check
// every Figure's layout.
const StrictLayoutEnv = "REGIMES_STRICT_LAYOUT"

// Format is an output format of figures.
type Format string

// The output formats.
const (
	PNG Format = "png"
	SVG Format = "svg"
	PDF Format = "pdf"
)

// FormatOf returns the format named by the extension of file (.png, .svg or
// .pdf, in any case).
func FormatOf(file string) (Format, error) {
	switch ext := strings.ToLower(filepath.Ext(file)); ext {
	case ".png":
		return PNG, nil
	case ".svg":
		return SVG, nil
	case ".pdf":
		return PDF, nil
	default:
		return "", fmt.Errorf("plots: %s: unknown figure format %q (want .png, .svg or .pdf)", file, ext)
	}
}

// SaveOptions are the options of Render and Save. The zero value means PNG
// at DefaultDPI dots per inch and SVG without embedded fonts.
type SaveOptions struct {
	// DPI is the resolution of PNG output; zero means DefaultDPI.
	DPI int
	// EmbedFonts embeds the fonts in SVG output, so that it renders the same
	// everywhere (larger files). PDF output always embeds its fonts.
	EmbedFonts bool
	// Provenance records what made the figure, as key-value pairs (e.g.
	// "Software": "regimes v0.3.0", "Source": the command line): PNG tEXt
	// chunks, an SVG comment after the XML declaration; PDF output carries
	// none (gonum/plot's PDF canvas has no metadata).
	Provenance []Meta
}

// DefaultProvenance is recorded by Render and Save when
// SaveOptions.Provenance is nil. A command sets it once (its command line
// and build), so that every figure it writes says what made it.
var DefaultProvenance []Meta

// A Meta is one provenance entry. Keys of PNG text chunks are 1-79 Latin-1
// characters; the PNG specification's own keys include Title, Author,
// Software, Source, Comment and Creation Time.
type Meta struct{ Key, Value string }

// DefaultDPI is the PNG resolution of every figure unless asked otherwise:
// print quality, used alike by demo, plot and the other commands.
const DefaultDPI = 300

// Render draws d on a width x height page and writes it to w in format.
// The same figure gives byte-identical SVG and pixel-identical PNG.
func Render(w io.Writer, d Drawer, width, height vg.Length, format Format, opts SaveOptions) error {
	if !(width > 0 && height > 0) {
		return fmt.Errorf("plots: figure size %v x %v must be positive", width, height)
	}
	var c vg.CanvasWriterTo
	switch format {
	case PNG:
		dpi := opts.DPI
		if dpi == 0 {
			dpi = DefaultDPI
		}
		if dpi < 0 {
			return fmt.Errorf("plots: DPI %d must be positive", dpi)
		}
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))}
	case SVG:
		c = vgsvg.NewWith(vgsvg.UseWH(width, height), vgsvg.EmbedFonts(opts.EmbedFonts))
	case PDF:
		c = vgpdf.New(width, height)
	default:
		return fmt.Errorf("plots: unknown figure format %q (want png, svg or pdf)", format)
	}
	if opts.Provenance == nil {
		opts.Provenance = DefaultProvenance
	}
	for _, m := range opts.Provenance {
		if err := checkMeta(m); err != nil {
			return err
		}
	}
	d.Draw(draw.New(c))
	if len(opts.Provenance) == 0 || format == PDF {
		_, err := c.WriteTo(w)
		return err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return err
	}
	var out []byte
	var err error
	switch format {
	case PNG:
		out, err = pngWithText(buf.Bytes(), opts.Provenance)
	case SVG:
		out, err = svgWithComment(buf.Bytes(), opts.Provenance)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

func checkMeta(m Meta) error {
	if len(m.Key) == 0 || len(m.Key) > 79 || strings.ContainsAny(m.Key, "\x00") {
		return fmt.Errorf("plots: provenance key %q must have 1-79 characters and no NUL", m.Key)
	}
	if strings.Contains(m.Value, "\x00") || strings.Contains(m.Value, "\n") {
		return fmt.Errorf("plots: provenance value %q must be one line without NUL", m.Value)
	}
	return nil
}

// pngWithText inserts one iTXt chunk per entry (UTF-8, uncompressed) after
// the PNG's IHDR chunk.
func pngWithText(b []byte, ms []Meta) ([]byte, error) {
	const sig = 8
	if len(b) < sig+25 || string(b[12:16]) != "IHDR" {
		return nil, errors.New("plots: PNG output without an IHDR chunk")
	}
	end := sig + 8 + int(binary.BigEndian.Uint32(b[sig:])) + 4
	var out bytes.Buffer
	out.Write(b[:end])
	for _, m := range ms {
		var data bytes.Buffer
		data.WriteString(m.Key)
		data.Write([]byte{0, 0, 0, 0, 0}) // NUL, no compression, method 0, no language, no translated keyword
		data.WriteString(m.Value)
		writeChunk(&out, "iTXt", data.Bytes())
	}
	out.Write(b[end:])
	return out.Bytes(), nil
}

func writeChunk(w *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	w.WriteString(typ)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	w.Write(n[:])
}

// svgWithComment inserts an XML comment with the entries after the XML
// declaration (or at the start).
func svgWithComment(b []byte, ms []Meta) ([]byte, error) {
	var c strings.Builder
	c.WriteString("<!--\n")
	for _, m := range ms {
		// "--" may not occur inside an XML comment.
		fmt.Fprintf(&c, "%s: %s\n", m.Key, strings.ReplaceAll(m.Value, "--", "-\u00ad-"))
	}
	c.WriteString("-->\n")
	i := 0
	if bytes.HasPrefix(b, []byte("<?xml")) {
		if j := bytes.Index(b, []byte("?>")); j >= 0 {
			i = j + 2
			if i < len(b) && b[i] == '\n' {
				i++
			}
		}
	}
	out := append([]byte(nil), b[:i]...)
	out = append(out, c.String()...)
	return append(out, b[i:]...), nil
}

// ReadProvenance returns the provenance entries of a PNG (its tEXt and
// iTXt chunks) or SVG (the key: value lines of its first comment) written
// by Render.
func ReadProvenance(b []byte) ([]Meta, error) {
	if bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		var out []Meta
		for i := 8; i+12 <= len(b); {
			n := int(binary.BigEndian.Uint32(b[i:]))
			if i+12+n > len(b) {
				return nil, errors.New("plots: truncated PNG chunk")
			}
			typ, data := string(b[i+4:i+8]), b[i+8:i+8+n]
			switch typ {
			case "tEXt":
				if k := bytes.IndexByte(data, 0); k > 0 {
					out = append(out, Meta{string(data[:k]), string(data[k+1:])})
				}
			case "iTXt":
				if k := bytes.IndexByte(data, 0); k > 0 && len(data) >= k+3 && data[k+1] == 0 {
					rest := data[k+3:]
					// language tag and translated keyword, NUL-terminated
					if l := bytes.IndexByte(rest, 0); l >= 0 {
						rest = rest[l+1:]
						if t := bytes.IndexByte(rest, 0); t >= 0 {
							out = append(out, Meta{string(data[:k]), string(rest[t+1:])})
						}
					}
				}
			}
			i += 12 + n
		}
		return out, nil
	}
	i := bytes.Index(b, []byte("<!--"))
	if i < 0 {
		return nil, nil
	}
	j := bytes.Index(b[i:], []byte("-->"))
	if j < 0 {
		return nil, errors.New("plots: unterminated SVG comment")
	}
	var out []Meta
	for _, line := range strings.Split(string(b[i+4:i+j]), "\n") {
		if k := strings.Index(line, ": "); k > 0 {
			out = append(out, Meta{line[:k], strings.ReplaceAll(line[k+2:], "-\u00ad-", "--")})
		}
	}
	return out, nil
}

// Save renders d into file in the format of its extension. The file is
// written atomically and durably (fileio.WriteFile: a temporary file in the
// same folder, synced and renamed over it), so a reader never sees a
// partial figure, and nothing is written if rendering fails.
//
// With the environment variable REGIMES_STRICT_LAYOUT set to 1 (the test
// binaries of the packages that draw figures set it), a Figure whose laid-
// out labels overlap (CheckLayout) is refused with an error naming the file,
// so that every figure a test draws, committed ones among them, is checked.
func Save(d Drawer, width, height vg.Length, file string, opts SaveOptions) error {
	format, err := FormatOf(file)
	if err != nil {
		return err
	}
	if f, ok := d.(*Figure); ok && os.Getenv(StrictLayoutEnv) == "1" {
		if err := CheckLayout(f, width, height); err != nil {
			return fmt.Errorf("%s: %v", file, err)
		}
	}
	return fileio.WriteFile(file, func(w io.Writer) error {
		return Render(w, d, width, height, format, opts)
	})
}

// StripProvenance returns a PNG or SVG written by Render without its
// provenance (text chunks, the leading comment), for comparing figures made
// by different command lines.
func StripProvenance(b []byte) []byte {
	if bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		out := append([]byte(nil), b[:8]...)
		for i := 8; i+12 <= len(b); {
			n := int(binary.BigEndian.Uint32(b[i:]))
			if i+12+n > len(b) {
				return b
			}
			if typ := string(b[i+4 : i+8]); typ != "tEXt" && typ != "iTXt" {
				out = append(out, b[i:i+12+n]...)
			}
			i += 12 + n
		}
		return out
	}
	if i := bytes.Index(b, []byte("<!--\n")); i >= 0 && i < 64 {
		if j := bytes.Index(b[i:], []byte("-->\n")); j >= 0 {
			return append(append([]byte(nil), b[:i]...), b[i+j+4:]...)
		}
	}
	return b
}
