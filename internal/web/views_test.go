package web

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// renderedViews records the page components (web/components.*Page) the
// tests rendered through Server.render, by name.
var renderedViews sync.Map

// viewRecorder is the buffer a page renders into, seen by the tests: on
// each write it notes the outermost page component on the stack, which is
// the page the handler rendered (the layout and the page's parts are
// called from inside it). A page function inlined into its handler keeps
// its name in its closures' names ("....AuditPage.func1"), so frames are
// matched by name wherever they are.
type viewRecorder struct{ io.Writer }

var pageFrame = sync.OnceValue(func() *regexp.Regexp {
	names, err := pageViews()
	if err != nil {
		panic(err)
	}
	return regexp.MustCompile(`\.(` + strings.Join(names, "|") + `)\.func\d`)
})

func (v viewRecorder) Write(p []byte) (int, error) {
	pcs := make([]uintptr, 1024)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	outer := ""
	for {
		f, more := frames.Next()
		if m := pageFrame().FindStringSubmatch(f.Function); m != nil {
			outer = m[1]
		}
		if !more {
			break
		}
	}
	if outer != "" {
		renderedViews.Store(outer, true)
	}
	return v.Writer.Write(p)
}

func init() {
	renderTarget = func(w io.Writer) io.Writer { return viewRecorder{w} }
}

// pageViews lists the exported page components of web/components (every
// func named ...Page that returns templ.Component), read from the source.
func pageViews() ([]string, error) {
	files, err := filepath.Glob("../../web/components/*_templ.go")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no generated views found: %v", err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !fn.Name.IsExported() || !strings.HasSuffix(fn.Name.Name, "Page") {
				continue
			}
			if res := fn.Type.Results; res != nil && len(res.List) == 1 {
				if sel, ok := res.List[0].Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Component" {
					names = append(names, fn.Name.Name)
				}
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// checkEveryViewRendered fails the run (after every test of the package
// ran, with no -run or -skip) when a page view was never rendered by a
// test. It is called from TestMain.
func checkEveryViewRendered(code int) int {
	for _, f := range []string{"test.run", "test.skip"} {
		if fl := flag.Lookup(f); fl != nil && fl.Value.String() != "" {
			return code // a part of the suite: it cannot say what the rest renders
		}
	}
	names, err := pageViews()
	if err != nil {
		fmt.Fprintln(os.Stderr, "views:", err)
		return 1
	}
	var never []string
	for _, n := range names {
		if _, ok := renderedViews.Load(n); !ok {
			never = append(never, n)
		}
	}
	if len(never) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: views no test rendered through the server (add a test that requests their page): %s\n",
			strings.Join(never, ", "))
		return 1
	}
	return code
}
