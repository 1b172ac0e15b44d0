package browsertest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Tags are the axe-core rule tags every page is checked against: WCAG 2.0,
// 2.1 and 2.2 at levels A and AA, what UK public sector services must meet.
var Tags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

//go:embed run-axe.js
var runAxe string

// Violation is one axe-core rule a page breaks, with every element that
// breaks it.
type Violation struct {
	ID      string          `json:"id"`     // the axe rule, e.g. "color-contrast"
	Impact  string          `json:"impact"` // minor, moderate, serious, critical
	Help    string          `json:"help"`
	HelpURL string          `json:"helpUrl"`
	Nodes   []ViolationNode `json:"nodes"`
}

// ViolationNode is one offending element.
type ViolationNode struct {
	Target  string `json:"target"`  // CSS selector of the element
	HTML    string `json:"html"`    // its opening HTML
	Summary string `json:"summary"` // what to fix
}

// CheckA11y runs axe-core on the page in the tab and fails the test for
// every violation, with the page's URL, the rule, its help and each offending
// element.
func (b *Browser) CheckA11y() {
	b.t.Helper()
	vs := b.A11yViolations()
	if len(vs) == 0 {
		return
	}
	b.t.Errorf("browsertest: %s has %d accessibility violations (axe-core, %s):\n%s",
		b.URL(), len(vs), strings.Join(Tags, " "), FormatViolations(vs))
}

// FormatViolations lays violations out for a test failure.
func FormatViolations(vs []Violation) string {
	var s strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&s, "  %s (%s): %s\n    %s\n", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&s, "    - %s\n      %s\n", n.Target, n.HTML)
			if n.Summary != "" {
				fmt.Fprintf(&s, "      %s\n", strings.ReplaceAll(n.Summary, "\n", "\n      "))
			}
		}
	}
	return s.String()
}

// A11yViolations runs axe-core on the page in the tab and returns what it
// finds, for tests that expect violations (CheckA11y fails on any).
func (b *Browser) A11yViolations() []Violation {
	b.t.Helper()
	src, version, err := axeSource()
	if err != nil {
		b.t.Fatalf("browsertest: %v", err)
	}
	if b.opts.NoJavaScript {
		// axe.run waits on timers, which do not fire while the page's
		// scripts are off: allow them for the run. Nothing of the page's
		// own runs then: its scripts were skipped when it was parsed, and
		// the CSP allows no inline handlers.
		if err := b.step(scriptsOff(false)); err != nil {
			b.t.Fatalf("browsertest: %v", err)
		}
		defer func() {
			if err := b.step(scriptsOff(true)); err != nil {
				b.t.Fatalf("browsertest: %v", err)
			}
		}()
	}
	// Injected through DevTools, which the page's Content-Security-Policy
	// (default-src 'self') does not govern, and which works with the page's
	// own scripts off. Once per document: a new page starts without it.
	var loaded string
	b.evalInto(`typeof axe === "undefined" ? "" : axe.version`, &loaded)
	if loaded == "" {
		if _, err := b.eval(src + "\n;0"); err != nil {
			b.t.Fatalf("browsertest: inject axe-core into %s: %v", b.URL(), err)
		}
		b.evalInto(`typeof axe === "undefined" ? "" : axe.version`, &loaded)
	}
	if loaded != version {
		b.t.Fatalf("browsertest: axe-core %q is loaded, web/package.json pins %q: run `make ensure-web-deps`", loaded, version)
	}
	tags, _ := json.Marshal(Tags)
	var vs []Violation
	b.evalInto("("+strings.TrimSpace(runAxe)+")("+string(tags)+")", &vs)
	return vs
}

var (
	axeOnce    sync.Once
	axeJS      string
	axeVersion string
	axeErr     error
)

// axeSource reads axe-core from web/node_modules, installing the locked npm
// packages first (web/install-deps.sh, once per test binary) when they are
// missing. It returns the script and the version web/package.json pins.
func axeSource() (src, version string, err error) {
	axeOnce.Do(func() {
		web := filepath.Join(repoRoot(), "web")
		path := filepath.Join(web, "node_modules", "axe-core", "axe.min.js")
		if _, err := os.Stat(path); err != nil {
			cmd := exec.Command("bash", filepath.Join(web, "install-deps.sh"))
			if out, err := cmd.CombinedOutput(); err != nil {
				axeErr = fmt.Errorf("install web/node_modules for axe-core (make ensure-web-deps): %v\n%s", err, out)
				return
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			axeErr = fmt.Errorf("read axe-core: %w (run `make ensure-web-deps`)", err)
			return
		}
		axeJS = string(b)
		axeVersion, axeErr = pinnedVersion(filepath.Join(web, "package.json"), "axe-core")
	})
	return axeJS, axeVersion, axeErr
}

// pinnedVersion is the exact version package.json gives pkg.
func pinnedVersion(packageJSON, pkg string) (string, error) {
	b, err := os.ReadFile(packageJSON)
	if err != nil {
		return "", err
	}
	var p struct {
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("%s: %w", packageJSON, err)
	}
	if v := p.DevDependencies[pkg]; v != "" {
		return v, nil
	}
	if v := p.Dependencies[pkg]; v != "" {
		return v, nil
	}
	return "", fmt.Errorf("%s does not pin %s", packageJSON, pkg)
}
