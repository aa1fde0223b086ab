package plots

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

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
// at 300 dots per inch and SVG without embedded fonts.
type SaveOptions struct {
	// DPI is the resolution of PNG output; zero means 300 (print quality).
	DPI int
	// EmbedFonts embeds the fonts in SVG output, so that it renders the same
	// everywhere (larger files). PDF output always embeds its fonts.
	EmbedFonts bool
}

// DefaultDPI is the PNG resolution used when SaveOptions.DPI is zero.
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
	d.Draw(draw.New(c))
	_, err := c.WriteTo(w)
	return err
}

// Save renders d into file in the format of its extension. The file is
// written atomically: a temporary file in the same folder is renamed over
// it, so a reader never sees a partial figure, and nothing is written if
// rendering fails.
func Save(d Drawer, width, height vg.Length, file string, opts SaveOptions) (err error) {
	format, err := FormatOf(file)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = Render(tmp, d, width, height, format, opts); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
