// Package browsertest drives Debian's headless Chromium from Go tests, so a
// test can check the portal the way its users meet it: pages in a real
// browser, forms filled and submitted, the keyboard alone, JavaScript on or
// off, with axe-core's WCAG checks on every page and a screenshot to look at.
//
// One Chromium process serves the whole test binary: it starts with the
// first New and stops in Stop (call it from TestMain). Each test gets its own
// tab in its own browser context (cookies, storage and cache of its own), so
// tests run in parallel and a session never leaks from one into another.
//
//	b := browsertest.New(t, browsertest.Options{BaseURL: srv.URL})
//	b.Visit("/login")
//	b.Fill("#email", "admin@demo.test")
//	b.ClickAndWait("form button[type=submit]")
//	b.Check("home") // screenshot and axe
//
// Every method fails the test (t.Fatal) when the browser does not do what was
// asked, with the page's URL in the message.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Chromium is where Debian installs its chromium; on other systems the
// harness looks for "chromium" on PATH.
const Chromium = "/usr/bin/chromium"

// installHint is what a missing browser tells the developer to do.
const installHint = "the browser tests need Chromium: run `make ensure-chromium`"

// Window size of every tab: GOV.UK Frontend's desktop layout (from 769px)
// with room to spare; screenshots capture the full page height anyway.
const (
	windowWidth  = 1280
	windowHeight = 900
)

// timeout bounds every single step (a navigation, a click, an axe run), so a
// page that never loads fails the test with its URL instead of hanging until
// go test's own timeout. Generous: -race and a busy CI machine are slow.
const timeout = 20 * time.Second

// The one browser of the test binary.
var (
	startOnce  sync.Once
	browserCtx context.Context // has run once: Chromium is up
	stopAlloc  context.CancelFunc
	stopCtx    context.CancelFunc
	startErr   error
)

// Options are the settings of one tab.
type Options struct {
	// BaseURL is what Visit resolves paths like "/login" against, e.g. an
	// httptest server's URL. It must be an address Chromium can reach
	// (127.0.0.1).
	BaseURL string
	// NoJavaScript turns script execution off in the tab, as a user who has
	// JavaScript disabled (or whose browser failed to load it) would have it.
	// The harness's own checks (axe, queries) still run: DevTools evaluation
	// is not page script.
	NoJavaScript bool
}

// Browser is one test's tab. Methods fail the test on error, so a journey
// reads as a list of steps. A Browser is not safe for use by several
// goroutines; give each parallel test its own.
type Browser struct {
	t    testing.TB
	ctx  context.Context
	base *url.URL
	opts Options

	shotDir string
	shots   int
	status  int

	mu       sync.Mutex
	problems []string // JavaScript exceptions and CSP violations seen by the tab
}

// New opens a tab for t in the shared browser, starting Chromium if this is
// the first tab of the test binary. Without Chromium the test is skipped, or
// fails when CI=true, with the command that installs it.
func New(t testing.TB, opts Options) *Browser {
	t.Helper()
	path, err := chromiumPath()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browsertest: %s (%v)", installHint, err)
		}
		t.Skipf("browsertest: %s (%v)", installHint, err)
	}
	startOnce.Do(func() { startErr = start(path) })
	if startErr != nil {
		t.Fatalf("browsertest: start Chromium: %v", startErr)
	}
	base, err := url.Parse(opts.BaseURL)
	if err != nil {
		t.Fatalf("browsertest: base URL %q: %v", opts.BaseURL, err)
	}

	// A browser context of its own: no cookie of another test's session.
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &Browser{t: t, ctx: ctx, base: base, opts: opts, shotDir: screenshotDir(t)}

	// The tab's first Do creates it and binds its life to ctx: no timeout
	// here, or the tab would close when the timeout ends.
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(windowWidth, windowHeight),
		// Each tab believes it has the focus, so :focus styles and focus
		// events behave while other tests' tabs run beside it.
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
			return err
		}),
		scriptsOff(opts.NoJavaScript),
	)
	if err != nil {
		t.Fatalf("browsertest: open a tab: %v", err)
	}
	if err := chromedp.Listen(ctx, b.listen); err != nil {
		t.Fatalf("browsertest: listen to the tab: %v", err)
	}
	t.Cleanup(b.checkProblems)
	return b
}

// scriptsOff turns the page's script execution off, or back on.
func scriptsOff(off bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
		return err
	})
}

// Stop closes the shared browser. Call it from TestMain after m.Run; a test
// binary that never opened a tab has nothing to stop.
func Stop() {
	if stopCtx != nil {
		stopCtx()
		stopAlloc() // waits for Chromium to exit and its profile to be removed
	}
}

func chromiumPath() (string, error) {
	if _, err := os.Stat(Chromium); err == nil {
		return Chromium, nil
	}
	return exec.LookPath("chromium")
}

// start launches Chromium with a fresh profile (chromedp makes a temporary
// --user-data-dir and removes it when the browser stops).
func start(path string) error {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // root in CI containers; the pages are our own
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.WindowSize(windowWidth, windowHeight),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// The first Do starts the browser and binds it to ctx: no timeout on it.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		return err
	}
	browserCtx, stopCtx, stopAlloc = ctx, cancel, cancelAlloc
	return nil
}

// listen records what a user would never see but a developer must: an
// uncaught JavaScript exception, or something the Content-Security-Policy
// blocked. It runs on the tab's reader goroutine, so it only appends.
func (b *Browser) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = fmt.Sprintf("JavaScript exception at %s:%d: %s", d.URL, d.LineNumber+1, exceptionText(d))
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Level == log.EntryLevelError && e.Source != log.EntrySourceNetwork {
			// Network errors are the 4xx statuses the tests provoke on
			// purpose; the rest (security: CSP) are bugs.
			problem = fmt.Sprintf("console %s error at %s: %s", e.Source, e.URL, e.Text)
		}
	}
	if problem != "" {
		b.mu.Lock()
		b.problems = append(b.problems, problem)
		b.mu.Unlock()
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil && d.Exception.Description != "" {
		return d.Exception.Description
	}
	return d.Text
}

func (b *Browser) takeProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.problems
	b.problems = nil
	return p
}

// step runs actions with the step timeout.
func (b *Browser) step(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// load runs actions that make the tab load a page, waits for its load event
// and records the page's HTTP status.
func (b *Browser) load(what string, actions ...chromedp.Action[chromedp.Void]) int {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, actions...)
	if errors.Is(err, context.DeadlineExceeded) {
		b.t.Fatalf("browsertest: %s on %s: no page loaded within %s", what, b.URL(), timeout)
	}
	if err != nil {
		b.t.Fatalf("browsertest: %s on %s: %v", what, b.URL(), err)
	}
	b.status = 0
	if res != nil {
		b.status = int(res.Status)
	}
	return b.status
}

// Visit loads path (resolved against Options.BaseURL; a full URL is used as
// it is) and returns the HTTP status of the page.
func (b *Browser) Visit(path string) int {
	b.t.Helper()
	ref, err := url.Parse(path)
	if err != nil {
		b.t.Fatalf("browsertest: visit %q: %v", path, err)
	}
	u := b.base.ResolveReference(ref).String()
	return b.load("visit "+u, chromedp.Navigate(u))
}

// WantStatus fails the test unless the last page loaded with status want.
func (b *Browser) WantStatus(want int) {
	b.t.Helper()
	if b.status != want {
		b.t.Fatalf("browsertest: %s answered %d, want %d\n%s", b.URL(), b.status, want, b.mainText())
	}
}

// URL is the address of the page in the tab.
func (b *Browser) URL() string {
	u, err := b.eval(`location.href`)
	if err != nil {
		return "(unknown page: " + err.Error() + ")"
	}
	var s string
	_ = json.Unmarshal(u, &s)
	return s
}

// Path is the path and query of the page in the tab, e.g. "/admin/users".
func (b *Browser) Path() string {
	u, err := url.Parse(b.URL())
	if err != nil {
		return ""
	}
	return u.RequestURI()
}

// Click clicks the element sel (a CSS selector) with the mouse, without
// waiting for a page: for a radio, a checkbox, a details summary.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	if err := b.step(chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("browsertest: click %s on %s: %v", sel, b.URL(), err)
	}
}

// ClickAndWait clicks a link or button with the mouse and waits for the page
// it loads; it returns the page's HTTP status.
func (b *Browser) ClickAndWait(sel string) int {
	b.t.Helper()
	return b.load("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// Fill replaces the value of the text field sel by typing value into it.
func (b *Browser) Fill(sel, value string) {
	b.t.Helper()
	// Empty the field first, as selecting its text and deleting it would
	// (chromedp.Clear only resets the value attribute, the field's default).
	b.setValue(sel, "")
	if err := b.step(chromedp.SendKeys(chromedp.CSS(sel), value)); err != nil {
		b.t.Fatalf("browsertest: fill %s on %s: %v", sel, b.URL(), err)
	}
}

// Select chooses the option with value in the select element sel.
func (b *Browser) Select(sel, value string) {
	b.t.Helper()
	b.setValue(sel, value)
}

// setValue sets the .value of the form control sel and fires the input and
// change events a user's edit fires.
func (b *Browser) setValue(sel, value string) {
	b.t.Helper()
	var got *string
	b.evalInto(fmt.Sprintf(`(() => {
		const e = document.querySelector(%s);
		if (!e) return null;
		e.value = %s;
		e.dispatchEvent(new Event("input", {bubbles: true}));
		e.dispatchEvent(new Event("change", {bubbles: true}));
		return e.value;
	})()`, jsString(sel), jsString(value)), &got)
	switch {
	case got == nil:
		b.t.Fatalf("browsertest: on %s nothing matches %s", b.URL(), sel)
	case *got != value:
		b.t.Fatalf("browsertest: on %s, %s did not take the value %q (it has no such option?)", b.URL(), sel, value)
	}
}

// SetFiles chooses files for the file input sel, as a user picking them
// in the file dialog would (the input's change event fires).
func (b *Browser) SetFiles(sel string, paths ...string) {
	b.t.Helper()
	if err := b.step(chromedp.SetUploadFiles(chromedp.CSS(sel), paths)); err != nil {
		b.t.Fatalf("browsertest: choose files for %s on %s: %v", sel, b.URL(), err)
	}
}

// WaitFor waits until an element sel is visible: for what a script puts on
// the page without loading another (an answer fetched in the background).
func (b *Browser) WaitFor(sel string) {
	b.t.Helper()
	if err := b.step(chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("browsertest: on %s, %s never showed: %v\n%s", b.URL(), sel, err, b.mainText())
	}
}

// Keys a keyboard user presses, for Press and PressAndWait.
const (
	Tab   = "\t"
	Enter = "\r"
	Space = " "
)

// Press sends keys to the element that has the focus, as key events (keyDown,
// char, keyUp for each character): Press(Enter), Press(Space), or text to
// type into a focused field. It does not wait for a page.
func (b *Browser) Press(keys string) {
	b.t.Helper()
	if err := b.step(keyPresses(keys)); err != nil {
		b.t.Fatalf("browsertest: press %q on %s: %v", keys, b.URL(), err)
	}
}

// PressAndWait sends keys to the focused element (Enter on a link, Space on
// a button) and waits for the page that loads; it returns its HTTP status.
func (b *Browser) PressAndWait(keys string) int {
	b.t.Helper()
	return b.load(fmt.Sprintf("press %q", keys), keyPresses(keys))
}

// keyPresses presses each key of keys as a keyboard does: a keyDown that
// carries the key's text, then a keyUp. chromedp.KeyEvent sends the text as
// a separate char event instead, and Chromium then delivers it even when the
// keyDown was handled: Enter on a link that moves the focus into a form
// (the error summary's links do) would also submit that form, which no real
// keyboard does.
func keyPresses(keys string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, r := range keys {
			events := kb.Encode(r)
			var send []*input.DispatchKeyEventParams
			for _, e := range events {
				if e.Type == kb.KeyChar && len(send) > 0 && send[0].Type == kb.KeyDown {
					send[0].Text, send[0].UnmodifiedText = e.Text, e.UnmodifiedText
					continue
				}
				send = append(send, e)
			}
			for _, e := range send {
				if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, *e); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// maxTabs is how many times TabTo presses Tab before it gives up: more
// than any page of the portal has focusable elements before its form.
const maxTabs = 80

// TabTo presses Tab until the focus is on the element sel, as a keyboard
// user moves through a page. It fails when the focus never gets there (the
// element cannot be reached with the keyboard) and returns how many presses
// it took.
func (b *Browser) TabTo(sel string) int {
	b.t.Helper()
	for n := 1; n <= maxTabs; n++ {
		b.Press(Tab)
		if b.focusMatches(sel) {
			return n
		}
	}
	b.t.Fatalf("browsertest: on %s, %d presses of Tab never focused %s (last focus: %s)", b.URL(), maxTabs, sel, b.Focused())
	return 0
}

// FocusIs fails the test unless the focus is on the element sel.
func (b *Browser) FocusIs(sel string) {
	b.t.Helper()
	if !b.focusMatches(sel) {
		b.t.Fatalf("browsertest: on %s the focus is on %s, want %s", b.URL(), b.Focused(), sel)
	}
}

func (b *Browser) focusMatches(sel string) bool {
	b.t.Helper()
	var ok bool
	b.evalInto(fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%s)`, jsString(sel)), &ok)
	return ok
}

// Focused describes the element that has the focus, for messages: its tag,
// id or classes, and text.
func (b *Browser) Focused() string {
	raw, err := b.eval(`(() => {
		const e = document.activeElement;
		if (!e || e === document.body) return "the page itself (no element)";
		let d = e.tagName.toLowerCase();
		if (e.id) d += "#" + e.id;
		else if (e.className) d += "." + String(e.className).trim().split(/\s+/).join(".");
		const text = (e.innerText || e.value || "").trim().slice(0, 60);
		return text ? d + " \"" + text + "\"" : d;
	})()`)
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// Text is the visible text of the first element sel (innerText, so what a
// sighted user reads); the test fails when nothing matches.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	var s *string
	b.evalInto(fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.innerText : null; })()`, jsString(sel)), &s)
	if s == nil {
		b.t.Fatalf("browsertest: on %s nothing matches %s", b.URL(), sel)
	}
	return *s
}

// Count is how many elements match sel.
func (b *Browser) Count(sel string) int {
	b.t.Helper()
	var n int
	b.evalInto(fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(sel)), &n)
	return n
}

// WantText fails the test unless the element sel's text contains want.
func (b *Browser) WantText(sel, want string) {
	b.t.Helper()
	if got := b.Text(sel); !strings.Contains(got, want) {
		b.t.Fatalf("browsertest: on %s, %s reads %q, want it to contain %q", b.URL(), sel, got, want)
	}
}

// WantPath fails the test unless the tab shows the page at path (path and
// query, e.g. "/admin/users").
func (b *Browser) WantPath(want string) {
	b.t.Helper()
	if got := b.Path(); got != want {
		b.t.Fatalf("browsertest: the tab shows %s, want %s", got, want)
	}
}

// Eval evaluates a JavaScript expression in the page (as DevTools does, so
// also with the page's scripts off) and decodes its JSON value into v.
// Promises are awaited.
func (b *Browser) Eval(expr string, v any) {
	b.t.Helper()
	b.evalInto(expr, v)
}

// WantVisibleFocus fails the test unless the focused element shows that it
// has the focus (WCAG 2.4.7; axe cannot check it): an outline, a box
// shadow, or a background different from the one it has without focus.
// GOV.UK Frontend's focus style is a yellow background or outline with a
// black bar.
func (b *Browser) WantVisibleFocus() {
	b.t.Helper()
	var ok bool
	b.evalInto(`(() => {
		const e = document.activeElement;
		if (!e || e === document.body) return false;
		const s = getComputedStyle(e);
		if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) return true;
		if (s.boxShadow && s.boxShadow !== "none") return true;
		return s.backgroundColor === "rgb(255, 221, 0)"; // govuk-colour("yellow"), the focus colour
	})()`, &ok)
	if !ok {
		b.t.Errorf("browsertest: on %s the focused element %s shows no focus indicator", b.URL(), b.Focused())
	}
}

// Title is the page's <title>.
func (b *Browser) Title() string {
	b.t.Helper()
	var s string
	b.evalInto(`document.title`, &s)
	return s
}

// JavaScriptRan reports whether the page's own scripts ran: the portal's
// app.js marks <body> with govuk-frontend-supported.
func (b *Browser) JavaScriptRan() bool {
	b.t.Helper()
	var ok bool
	b.evalInto(`document.body.classList.contains("govuk-frontend-supported")`, &ok)
	return ok
}

// Check is what every page of a journey gets: a screenshot named name,
// axe-core's WCAG 2.2 A and AA checks, and no JavaScript exception or CSP
// violation so far.
func (b *Browser) Check(name string) {
	b.t.Helper()
	b.Screenshot(name)
	b.CheckA11y()
	b.checkProblems()
}

// checkProblems fails the test for the JavaScript exceptions and CSP
// violations the tab reported since the last check.
func (b *Browser) checkProblems() {
	b.t.Helper()
	if p := b.takeProblems(); len(p) > 0 {
		b.t.Errorf("browsertest: the page reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}

// mainText is the start of the page's main content, for failure messages.
func (b *Browser) mainText() string {
	raw, err := b.eval(`(document.querySelector("main") || document.body || {innerText: ""}).innerText.slice(0, 600)`)
	if err != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// eval evaluates a JavaScript expression as DevTools does (page scripts may
// be off) and returns its JSON value. It never fails the test.
func (b *Browser) eval(expr string) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	return json.RawMessage(raw), err
}

// evalInto evaluates expr and decodes its value into v, failing the test on
// error.
func (b *Browser) evalInto(expr string, v any) {
	b.t.Helper()
	raw, err := b.eval(expr)
	if err != nil {
		b.t.Fatalf("browsertest: on %s: evaluate %.80q: %v", b.URL(), expr, err)
	}
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		b.t.Fatalf("browsertest: on %s: decode %.80q: %v", b.URL(), expr, err)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// Screenshot saves a PNG of the whole page as
// .data/screenshots/<TestName>/NN-name.png under the repository (git-ignored)
// and returns its path. NN numbers the test's screenshots in order, so the
// folder reads as the journey.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG, not JPEG
	if err != nil {
		b.t.Fatalf("browsertest: screenshot of %s: %v", b.URL(), err)
	}
	b.shots++
	path := filepath.Join(b.shotDir, fmt.Sprintf("%02d-%s.png", b.shots, safeName(name)))
	if err := os.MkdirAll(b.shotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return path
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string { return strings.Trim(unsafeChars.ReplaceAllString(s, "-"), "-") }

// ScreenshotRoot is the folder that holds every test's screenshots.
func ScreenshotRoot() string { return filepath.Join(repoRoot(), ".data", "screenshots") }

// screenshotDir is the test's own folder, emptied so that it holds only this
// run's screenshots. Subtests get a folder inside their parent's.
func screenshotDir(t testing.TB) string {
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = safeName(p)
	}
	dir := filepath.Join(append([]string{ScreenshotRoot()}, parts...)...)
	// Only the PNGs: a parent test's folder holds its subtests' folders.
	old, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	return dir
}

var (
	rootOnce sync.Once
	root     string
)

// repoRoot is the folder of go.mod: tests run in their package's folder.
func repoRoot() string {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			panic(err)
		}
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				root = d
				return
			}
			if filepath.Dir(d) == d {
				root = dir
				return
			}
		}
	})
	return root
}
