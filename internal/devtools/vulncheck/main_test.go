package main

import (
	"bytes"
	"strings"
	"testing"
)

const (
	osvMsg       = `{"osv":{"id":"GO-1","summary":"bad thing"}}` + "\n"
	importedOnly = `{"finding":{"osv":"GO-1","fixed_version":"v1.2.3","trace":[{"module":"example.com/m","version":"v1.0.0","package":"example.com/m/p"}]}}` + "\n"
	calledModule = `{"finding":{"osv":"GO-1","fixed_version":"v1.2.3","trace":[{"module":"example.com/m","version":"v1.0.0","package":"example.com/m/p","function":"F"}]}}` + "\n"
	calledStdlib = `{"finding":{"osv":"GO-1","fixed_version":"v1.26.9","trace":[{"module":"stdlib","version":"v1.26.8","package":"net/http","function":"Serve"}]}}` + "\n"
)

func TestCalledVulnerabilityInRequiredModuleFails(t *testing.T) {
	var out bytes.Buffer
	err := run(strings.NewReader(osvMsg+importedOnly+calledModule), &out)
	if err == nil {
		t.Fatalf("a called vulnerability in a required module passed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "FAIL: GO-1 in example.com/m@v1.0.0, fixed in v1.2.3: bad thing") {
		t.Errorf("output does not name the finding:\n%s", out.String())
	}
}

func TestImportedButUncalledVulnerabilityPasses(t *testing.T) {
	var out bytes.Buffer
	if err := run(strings.NewReader(osvMsg+importedOnly), &out); err != nil {
		t.Fatalf("an uncalled vulnerability failed: %v\n%s", err, out.String())
	}
}

func TestStandardLibraryVulnerabilityIsAWarning(t *testing.T) {
	var out bytes.Buffer
	if err := run(strings.NewReader(osvMsg+calledStdlib), &out); err != nil {
		t.Fatalf("a standard library finding failed: %v", err)
	}
	if !strings.Contains(out.String(), "warning: GO-1 in net/http@v1.26.8 (fixed in Go v1.26.9") {
		t.Errorf("no warning:\n%s", out.String())
	}
}

func TestMalformedInputFails(t *testing.T) {
	if err := run(strings.NewReader("{not json"), &bytes.Buffer{}); err == nil {
		t.Fatal("malformed govulncheck output passed")
	}
}
