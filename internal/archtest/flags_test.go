package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// flagLike matches a command-line flag ("-force", "(-data-dir)") in a
// message.
var flagLike = regexp.MustCompile(`(^|[ (])-[a-z][a-z-]*`)

// TestLibraryErrorsNameNoFlags checks that no library package builds an
// error (errors.New, fmt.Errorf) whose message names a command-line flag:
// library errors speak of configuration fields, and cmd/regimes maps them
// to its flags.
func TestLibraryErrorsNameNoFlags(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	n := 0
	for _, p := range packages(t, root) {
		if p == "." || strings.HasPrefix(p, "cmd/") || strings.HasPrefix(p, "scripts") {
			continue
		}
		names, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(p), "*.go"))
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			n++
			ast.Inspect(f, func(x ast.Node) bool {
				call, ok := x.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				pkg, _ := sel.X.(*ast.Ident)
				if pkg == nil || !(pkg.Name == "errors" && sel.Sel.Name == "New" || pkg.Name == "fmt" && sel.Sel.Name == "Errorf") {
					return true
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(lit.Value)
				if m := flagLike.FindString(s); m != "" {
					t.Errorf("%s: error %q names the flag %q", fset.Position(lit.Pos()), s, strings.TrimLeft(m, " ("))
				}
				return true
			})
		}
	}
	if n < 50 {
		t.Errorf("only %d files read", n)
	}
}
