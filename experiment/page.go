package experiment

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/regimes/regimes/plots"
)

// A Page is an HTML page of results: figures with captions generated from
// their data and links to that data, tables of numbers, links to the
// specification, and the provenance of the run that made it. The demo
// writes its index.html with it.
type Page struct {
	Title string
	// Intro is a paragraph of plain text under the title.
	Intro   string
	Tables  []PageTable
	Figures []PageFigure
	// Links are listed under the intro, e.g. SCIENCE.md.
	Links []PageLink
	// Provenance is listed at the end: command line, version, commit,
	// date, machine.
	Provenance []plots.Meta
}

// A PageTable is a table with a title and a caption.
type PageTable struct {
	Title, Caption string
	Header         []string
	Rows           [][]string
}

// A PageFigure is a figure: its PNG, the SVG it links to, its caption and
// the data files it is drawn from.
type PageFigure struct {
	Title, Caption string
	PNG, SVG       string
	Data           []string
}

// A PageLink is a named link.
type PageLink struct{ Text, Href string }

// Write writes the page as one self-contained HTML document; every text is
// escaped.
func (p Page) Write(w io.Writer) error {
	e := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%s</title>
<style>
body { font-family: Georgia, serif; max-width: 62em; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
figure { margin: 2.5em 0; }
img { max-width: 100%%; border: 1px solid #ddd; }
figcaption { margin-top: 0.6em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ccc; padding: 0.2em 0.7em; text-align: right; }
th { border-bottom: 2px solid #888; }
td:first-child, th:first-child { text-align: left; }
.data { font-size: 0.9em; color: #555; }
dl.prov dt { font-weight: bold; float: left; clear: left; width: 9em; }
dl.prov dd { margin-left: 10em; font-family: monospace; font-size: 0.9em; }
</style>
</head>
<body>
<h1>%s</h1>
`, e(p.Title), e(p.Title))
	if p.Intro != "" {
		fmt.Fprintf(&b, "<p>%s</p>\n", e(p.Intro))
	}
	if len(p.Links) > 0 {
		b.WriteString("<p>")
		for i, l := range p.Links {
			if i > 0 {
				b.WriteString(" · ")
			}
			fmt.Fprintf(&b, `<a href="%s">%s</a>`, e(l.Href), e(l.Text))
		}
		b.WriteString("</p>\n")
	}
	for _, t := range p.Tables {
		fmt.Fprintf(&b, "<h2>%s</h2>\n<table>\n<tr>", e(t.Title))
		for _, h := range t.Header {
			fmt.Fprintf(&b, "<th>%s</th>", e(h))
		}
		b.WriteString("</tr>\n")
		for _, r := range t.Rows {
			b.WriteString("<tr>")
			for _, c := range r {
				fmt.Fprintf(&b, "<td>%s</td>", e(c))
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</table>\n")
		if t.Caption != "" {
			fmt.Fprintf(&b, "<p>%s</p>\n", e(t.Caption))
		}
	}
	for _, f := range p.Figures {
		fmt.Fprintf(&b, "<figure>\n<h2>%s</h2>\n", e(f.Title))
		img := fmt.Sprintf(`<img src="%s" alt="%s">`, e(f.PNG), e(f.Title))
		if f.SVG != "" {
			img = fmt.Sprintf(`<a href="%s">%s</a>`, e(f.SVG), img)
		}
		fmt.Fprintf(&b, "%s\n<figcaption>%s", img, e(f.Caption))
		if len(f.Data) > 0 {
			b.WriteString(` <span class="data">Data:`)
			for _, d := range f.Data {
				fmt.Fprintf(&b, ` <a href="%s">%s</a>`, e(d), e(d))
			}
			b.WriteString(".</span>")
		}
		b.WriteString("</figcaption>\n</figure>\n")
	}
	if len(p.Provenance) > 0 {
		b.WriteString("<h2>Provenance</h2>\n<dl class=\"prov\">\n")
		for _, m := range p.Provenance {
			fmt.Fprintf(&b, "<dt>%s</dt><dd>%s</dd>\n", e(m.Key), e(m.Value))
		}
		b.WriteString("</dl>\n")
	}
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
