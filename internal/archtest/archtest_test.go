package archtest

import (
	"go/build"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/regimes/regimes"

// rules maps a package (and its subpackages, unless they have a rule of
// their own) to the packages of this module it must not depend on,
// directly or through others. "*" forbids every package of the module
// except internal/... leaves that themselves import nothing of ours.
var rules = []struct {
	pkg    string
	forbid []string
}{
	// Data flow one way, cmd -> experiment -> (toy, realnets/run -> realnets) -> analysis;
	// plots draws and knows neither the toys nor the networks.
	{"analysis", []string{"toy", "realnets", "plots", "sweep", "experiment", "cmd"}},
	{"plots", []string{"toy", "realnets", "sweep", "experiment", "cmd"}},
	{"sweep", []string{"analysis", "toy", "realnets", "plots", "experiment", "cmd", "regime"}},
	{"toy", []string{"realnets", "plots", "experiment", "cmd"}}, // its sweep point runner uses sweep
	{"realnets", []string{"realnets/run", "toy", "plots", "sweep", "experiment", "cmd"}},
	{"realnets/run", []string{"toy", "plots", "sweep", "experiment", "cmd"}},
	{"experiment", []string{"cmd"}},
	{"tfevents", []string{"*"}},
	{"regime", []string{"*"}},
	{"internal/fileio", []string{"*"}},
	{"internal/cli", []string{"*"}},
}

// ours returns the module-relative name of an import path, or "" for
// packages outside the module.
func ours(imp string) string {
	if imp == module {
		return "."
	}
	if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
		return rel
	}
	return ""
}

func within(rel, pkg string) bool { return rel == pkg || strings.HasPrefix(rel, pkg+"/") }

// deps returns the module packages rel depends on (non-test imports,
// transitively), each with the chain that leads to it.
func deps(t *testing.T, root, rel string) map[string]string {
	out := map[string]string{}
	var visit func(p, chain string)
	visit = func(p, chain string) {
		bp, err := build.ImportDir(filepath.Join(root, filepath.FromSlash(p)), 0)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, imp := range bp.Imports {
			r := ours(imp)
			if r == "" {
				continue
			}
			if _, seen := out[r]; seen {
				continue
			}
			c := chain + " -> " + r
			out[r] = c
			visit(r, c)
		}
	}
	visit(rel, rel)
	return out
}

// packages lists every package directory of the module (non-test Go
// files present).
func packages(t *testing.T, root string) []string {
	var out []string
	var walk func(rel string)
	walk = func(rel string) {
		dir := filepath.Join(root, filepath.FromSlash(rel))
		if bp, err := build.ImportDir(dir, 0); err == nil && len(bp.GoFiles) > 0 {
			out = append(out, rel)
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			base := e.Name()
			if !e.IsDir() || base == "testdata" || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") {
				continue
			}
			walk(path.Join(rel, base))
		}
	}
	walk(".")
	return out
}

func TestImportRules(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := packages(t, root)
	for _, want := range []string{"analysis", "plots", "regime", "internal/fileio", "sweep"} {
		if !slices.Contains(pkgs, want) {
			t.Fatalf("package %s not found among %v", want, pkgs)
		}
	}
	checked := 0
	for _, p := range pkgs {
		// The most specific rule applies.
		best := -1
		for i, r := range rules {
			if within(p, r.pkg) && (best < 0 || len(r.pkg) > len(rules[best].pkg)) {
				best = i
			}
		}
		if best < 0 {
			continue
		}
		checked++
		r := rules[best]
		for dep, chain := range deps(t, root, p) {
			for _, f := range r.forbid {
				if f == "*" || within(dep, f) {
					if f == "*" && within(dep, r.pkg) {
						continue // its own subpackages
					}
					t.Errorf("%s must not import %s: %s", p, dep, chain)
				}
			}
		}
	}
	if checked < 8 {
		t.Errorf("only %d packages checked", checked)
	}
}

// TestRulesBite checks that the dependency walk sees real imports: plots
// does depend on regime, and experiment on realnets.
func TestRulesBite(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	for _, c := range [][2]string{{"plots", "regime"}, {"experiment", "realnets"}, {"realnets", "realnets/gemm"}, {"realnets/run", "realnets"}, {"experiment", "realnets/run"}, {"cmd/regimes", "internal/fileio"}} {
		if _, ok := deps(t, root, c[0])[c[1]]; !ok {
			t.Errorf("%s does not seem to depend on %s: the walk is broken", c[0], c[1])
		}
	}
}

// mayImport lists, for each package, the module packages it may import
// directly, as its doc.go states them ("internal" stands for every
// package under internal/; a package's own subpackages are always
// allowed). Packages not listed (experiment, cmd/regimes) may import
// every package of the module that TestImportRules allows.
var mayImport = map[string][]string{
	"analysis":                 {"regime", "tfevents", "internal"},
	"sweep":                    {"internal/fileio", "internal/memguard", "internal/progress"},
	"toy":                      {"analysis", "sweep", "internal"},
	"realnets":                 {"analysis", "tfevents", "internal/fileio", "internal/memguard"},
	"realnets/run":             {"realnets", "analysis", "tfevents", "internal/fileio", "internal/progress"},
	"realnets/data":            {},
	"realnets/gemm":            {"realnets/internal/cpu"},
	"realnets/internal/sphere": {"realnets/internal/cpu"},
	"realnets/internal/cpu":    {},
	"plots":                    {"regime", "internal/fileio", "internal/buildinfo"},
	"plots/figdata":            {"analysis", "plots", "regime", "tfevents"},
	"regime":                   {},
	"tfevents":                 {},
	"internal/fileio":          {},
	"internal/cli":             {},
	"internal/buildinfo":       {},
	"internal/memguard":        {},
	"internal/progress":        {},
}

// TestDirectImports checks each package's direct imports of the module
// against the list its doc.go gives (mayImport), and that every package
// has a doc.go whose package comment says what it may import.
func TestDirectImports(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	for _, p := range packages(t, root) {
		dir := filepath.Join(root, filepath.FromSlash(p))
		doc, err := os.ReadFile(filepath.Join(dir, "doc.go"))
		if p != "." && p != "internal/archtest" && (err != nil || !strings.Contains(string(doc), "import")) {
			t.Errorf("%s: no doc.go saying what the package may import (%v)", p, err)
		}
		may, listed := mayImport[p]
		if !listed {
			continue
		}
		bp, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range bp.Imports {
			r := ours(imp)
			if r == "" || within(r, p) {
				continue
			}
			ok := false
			for _, m := range may {
				ok = ok || within(r, m)
			}
			if !ok {
				t.Errorf("%s imports %s, which its doc.go does not allow (it may import %v)", p, r, may)
			}
		}
	}
	for p := range mayImport {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p), "doc.go")); err != nil {
			t.Errorf("mayImport lists %s, which has no doc.go: %v", p, err)
		}
	}
}
