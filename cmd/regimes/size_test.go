package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The limits of issue 10 on package main: cmd parses flags, calls the
// library and prints, so it stays small and its functions short.
const (
	maxCmdLines = 2000 // non-test lines of cmd/regimes
	maxFuncLen  = 60   // lines of one function, from func to its closing brace
)

// TestCmdSize enforces the limits: the non-test Go files of cmd/regimes
// hold at most maxCmdLines lines, and no function (a declaration, or a
// function literal such as a command's run closure) spans more than
// maxFuncLen lines.
func TestCmdSize(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	total, files := 0, 0
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files++
		total += bytes.Count(src, []byte("\n"))
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var what string
			switch fn := n.(type) {
			case *ast.FuncDecl:
				what = fn.Name.Name
			case *ast.FuncLit:
				what = "function literal"
			default:
				return true
			}
			from, to := fset.Position(n.Pos()), fset.Position(n.End())
			if l := to.Line - from.Line + 1; l > maxFuncLen {
				t.Errorf("%s:%d: %s is %d lines long; the limit is %d: move its logic into a library", name, from.Line, what, l, maxFuncLen)
			}
			return true
		})
	}
	if files < 10 {
		t.Fatalf("read only %d files: not in cmd/regimes?", files)
	}
	if total > maxCmdLines {
		t.Errorf("cmd/regimes has %d non-test lines; the limit is %d: move logic into the libraries", total, maxCmdLines)
	}
	t.Logf("%d non-test lines in %d files", total, files)
}
