package experiment

import (
	"os"
	"strings"
	"testing"

	"github.com/regimes/regimes/plots"
)

// ExamplePage writes a page with one table, one figure linking its data,
// and provenance; every text is escaped.
func ExamplePage() {
	p := Page{
		Title:      "demo",
		Tables:     []PageTable{{Title: "thresholds", Header: []string{"b", "GD"}, Rows: [][]string{{"1", "7.51"}}}},
		Figures:    []PageFigure{{Title: "phase", Caption: "a < b", PNG: "phase.png", SVG: "phase.svg", Data: []string{"phase/results.csv"}}},
		Links:      []PageLink{{Text: "SCIENCE.md", Href: "SCIENCE.md"}},
		Provenance: []plots.Meta{{Key: "command", Value: "regimes demo"}},
	}
	var b strings.Builder
	p.Write(&b)
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "<tr><td>") || strings.HasPrefix(l, "<a href") || strings.HasPrefix(l, "<figcaption>") || strings.HasPrefix(l, "<dt>") {
			os.Stdout.WriteString(l + "\n")
		}
	}
	// Output:
	// <tr><td>1</td><td>7.51</td></tr>
	// <a href="phase.svg"><img src="phase.png" alt="phase"></a>
	// <figcaption>a &lt; b <span class="data">Data: <a href="phase/results.csv">phase/results.csv</a>.</span></figcaption>
	// <dt>command</dt><dd>regimes demo</dd>
}

func TestPageEscapes(t *testing.T) {
	var b strings.Builder
	Page{Title: "<script>", Intro: "x & y"}.Write(&b)
	if strings.Contains(b.String(), "<script>") || !strings.Contains(b.String(), "x &amp; y") {
		t.Errorf("not escaped: %s", b.String())
	}
}
