package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/veox/veox"

// layer is a package's place in the house (engineering.md): arrows point
// from a lower number to a higher one only, main → ui/cli → ui → tasks →
// api, store.
func layer(pkg string) int {
	switch {
	case pkg == "" || strings.HasPrefix(pkg, "scripts/"):
		return 0 // main, and the scripts beside it
	case pkg == "ui/cli" || strings.HasPrefix(pkg, "ui/cli/"):
		return 1
	case pkg == "ui" || strings.HasPrefix(pkg, "ui/"):
		return 2
	case pkg == "tasks" || strings.HasPrefix(pkg, "tasks/"):
		return 3
	}
	return 4 // api, store, assets
}

// allowedUp: the one arrow that points up by layer. The simulator stands
// in for the service; it is not the client below tasks. It applies the
// same documented extend rule, written once in tasks/rules, a package that
// imports nothing of veox.
func allowedUp(from, to string) bool { return from == "api/sim" && to == "tasks/rules" }

// The import graph of the program (test files aside) has the arrows the
// house promises and none back up: main → ui/cli → ui → tasks → api,
// store; api and store never import each other or the TUI's libraries;
// nothing but ui/cli imports the TUI package.
func TestImportArrowsPointOneWay(t *testing.T) {
	t.Parallel()
	graph := importGraph(t)
	if len(graph) < 10 {
		t.Fatalf("found %d packages: is the test running in the module root?", len(graph))
	}
	var bad []string
	for from, imps := range graph {
		for _, imp := range imps {
			to, ours := strings.CutPrefix(imp, module)
			to = strings.TrimPrefix(to, "/")
			if !ours {
				if layer(from) >= 3 && tuiLibrary(imp) {
					bad = append(bad, name(from)+" imports the TUI library "+imp)
				}
				continue
			}
			switch {
			case layer(to) < layer(from) && !allowedUp(from, to):
				bad = append(bad, name(from)+" → "+name(to)+" points back up")
			case to == "ui" && from != "ui/cli":
				bad = append(bad, name(from)+" imports the TUI package: only ui/cli may")
			case area(from) == "api" && area(to) == "store", area(from) == "store" && area(to) == "api":
				bad = append(bad, name(from)+" → "+name(to)+": api and store never import each other")
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
	for _, want := range [][2]string{{"", "ui/cli"}, {"ui/cli", "ui"}, {"ui", "tasks"}, {"tasks", "api"}, {"tasks", "store"}} {
		if !imports(graph[want[0]], want[1]) {
			t.Errorf("%s no longer imports %s: the house changed, so change this test and engineering.md together", name(want[0]), want[1])
		}
	}
}

// The rule catches what it is meant to: a back arrow, the TUI package
// imported outside ui/cli, api and store importing each other, a TUI
// library below the UI.
func TestImportRuleSeesBackArrows(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ from, to string }{
		{"tasks", "ui/format"}, {"api", "tasks"}, {"store", "ui"}, {"ui", "ui/cli"}, {"api/download", "store"},
	} {
		back := layer(c.to) < layer(c.from) && !allowedUp(c.from, c.to)
		across := area(c.from) != area(c.to) && layer(c.from) == 4 && layer(c.to) == 4
		if !back && !across {
			t.Errorf("%s → %s would pass the rule", c.from, c.to)
		}
	}
	if !tuiLibrary("github.com/charmbracelet/lipgloss") || tuiLibrary("github.com/charmbracelet/log") {
		t.Error("tuiLibrary tells the TUI libraries wrong")
	}
}

func tuiLibrary(imp string) bool {
	for _, p := range []string{"github.com/charmbracelet/bubbletea", "github.com/charmbracelet/bubbles", "github.com/charmbracelet/lipgloss"} {
		if imp == p || strings.HasPrefix(imp, p+"/") {
			return true
		}
	}
	return false
}

func area(pkg string) string { a, _, _ := strings.Cut(pkg, "/"); return a }

func name(pkg string) string {
	if pkg == "" {
		return "main"
	}
	return pkg
}

func imports(imps []string, pkg string) bool {
	for _, i := range imps {
		if i == module+"/"+pkg {
			return true
		}
	}
	return false
}

// importGraph reads the imports of every non-test Go file below the
// module root, by package folder ("" for the root).
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	graph := map[string][]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if pkg == "." {
			pkg = ""
		}
		for _, s := range f.Imports {
			imp, _ := strconv.Unquote(s.Path.Value)
			graph[pkg] = append(graph[pkg], imp)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return graph
}
