// Command vulncheck reads govulncheck's JSON output on stdin and decides
// what fails the build: a vulnerable function of a required module that the
// code calls fails it (a `go get` fixes it); one in the standard library is
// printed as a warning naming the Go release that fixes it, since the
// toolchain is the machine's, not the module's to choose.
//
// Usage: govulncheck -format json ./... | go run ./internal/devtools/vulncheck
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

type message struct {
	Finding *finding `json:"finding"`
	OSV     *osv     `json:"osv"`
}

type osv struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

type finding struct {
	OSV          string  `json:"osv"`
	FixedVersion string  `json:"fixed_version"`
	Trace        []frame `json:"trace"`
}

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vulncheck:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	summaries := map[string]string{}
	called := map[string]finding{} // by OSV id: the first called finding
	dec := json.NewDecoder(in)
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("read govulncheck output: %w", err)
		}
		if m.OSV != nil {
			summaries[m.OSV.ID] = m.OSV.Summary
		}
		// Only symbol-level findings (a function in the trace) are code
		// that runs; module- and package-level ones are imported, not called.
		if f := m.Finding; f != nil && len(f.Trace) > 0 && f.Trace[0].Function != "" {
			if _, seen := called[f.OSV]; !seen {
				called[f.OSV] = *f
			}
		}
	}
	ids := make([]string, 0, len(called))
	for id := range called {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var failing int
	for _, id := range ids {
		f := called[id]
		t := f.Trace[0]
		if t.Module == "stdlib" {
			fmt.Fprintf(out, "warning: %s in %s@%s (fixed in Go %s; the toolchain is the machine's): %s\n",
				id, t.Package, t.Version, f.FixedVersion, summaries[id])
			continue
		}
		failing++
		fmt.Fprintf(out, "FAIL: %s in %s@%s, fixed in %s: %s\n", id, t.Module, t.Version, f.FixedVersion, summaries[id])
	}
	if failing > 0 {
		return fmt.Errorf("%d called vulnerabilities in required modules: go get a fixed version", failing)
	}
	fmt.Fprintf(out, "vulncheck: no called vulnerability in a required module (%d in the standard library, above)\n", len(ids)-failing)
	return nil
}
