package browsertest

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// csp is the portal's policy: the harness must work under it.
const csp = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// fixture serves a few pages shaped like the portal's (same CSP, an external
// module script) for the harness's own tests.
func fixture(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Fixture</title>
<script type="module" src="/app.js"></script></head><body><main>%s</main></body></html>`, body)
	}
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `document.body.classList.add("govuk-frontend-supported");`)
	})
	mux.HandleFunc("GET /good", func(w http.ResponseWriter, r *http.Request) {
		page(w, http.StatusOK, `<h1>Good</h1>
<a href="/good" id="first">First link</a>
<form method="post" action="/echo">
<label for="name">Name</label><input id="name" name="name" type="text">
<button type="submit" id="send">Send</button>
</form>`)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		page(w, http.StatusUnprocessableEntity, `<h1 id="echo">`+html.EscapeString(r.PostFormValue("name"))+`</h1>`)
	})
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		page(w, http.StatusOK, `<h1>Bad</h1><img src="/nothing.png"><input type="text" name="unlabelled">`)
	})
	mux.HandleFunc("GET /inline", func(w http.ResponseWriter, r *http.Request) {
		page(w, http.StatusOK, `<h1>Inline</h1><script>document.title = "ran";</script>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestBrowserA11yReportsViolationsUnderCSP(t *testing.T) {
	t.Parallel()
	for _, noJS := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoJavaScript=%v", noJS), func(t *testing.T) {
			t.Parallel()
			srv := fixture(t)
			b := New(t, Options{BaseURL: srv.URL, NoJavaScript: noJS})
			b.Visit("/bad")
			var ids []string
			for _, v := range b.A11yViolations() {
				ids = append(ids, v.ID)
				if len(v.Nodes) == 0 || v.Nodes[0].HTML == "" || v.Nodes[0].Target == "" {
					t.Errorf("violation %s without its element: %+v", v.ID, v)
				}
			}
			for _, want := range []string{"image-alt", "label"} {
				if !slices.Contains(ids, want) {
					t.Errorf("axe found %v on a page with an image without alt and an unlabelled field; want %s", ids, want)
				}
			}
			b.Visit("/good")
			b.CheckA11y()
		})
	}
}

func TestBrowserNoJavaScriptTurnsPageScriptsOff(t *testing.T) {
	t.Parallel()
	srv := fixture(t)
	on := New(t, Options{BaseURL: srv.URL})
	on.Visit("/good")
	if !on.JavaScriptRan() {
		t.Error("with JavaScript on, the page's module script did not run")
	}
	off := New(t, Options{BaseURL: srv.URL, NoJavaScript: true})
	off.Visit("/good")
	off.CheckA11y() // turns scripts on for axe's run, then off again
	if off.JavaScriptRan() {
		t.Error("with NoJavaScript, the page's module script ran")
	}
	off.Visit("/good")
	if off.JavaScriptRan() {
		t.Error("after an axe run, the next page's module script ran")
	}
}

func TestBrowserKeyboardFillsAndSubmitsAForm(t *testing.T) {
	t.Parallel()
	srv := fixture(t)
	b := New(t, Options{BaseURL: srv.URL, NoJavaScript: true})
	b.Visit("/good")
	if n := b.TabTo("#name"); n != 2 {
		t.Errorf("reached the field in %d presses of Tab, want 2 (past the link)", n)
	}
	b.Press("Ada Lovelace")
	b.TabTo("#send")
	if got := b.PressAndWait(Enter); got != http.StatusUnprocessableEntity {
		t.Errorf("submitting with Enter: status %d, want 422", got)
	}
	b.WantText("#echo", "Ada Lovelace")
	b.WantPath("/echo")
	if p := b.Screenshot("echo"); p == "" {
		t.Error("no screenshot path")
	}
}

func TestBrowserMouseFillsAndSubmitsAForm(t *testing.T) {
	t.Parallel()
	srv := fixture(t)
	b := New(t, Options{BaseURL: srv.URL})
	if got := b.Visit("/good"); got != http.StatusOK {
		t.Fatalf("status %d", got)
	}
	b.Fill("#name", "Grace")
	b.Fill("#name", "Grace Hopper") // replaces, does not append
	b.ClickAndWait("#send")
	b.WantStatus(http.StatusUnprocessableEntity)
	b.WantText("#echo", "Grace Hopper")
	if got := b.Text("#echo"); got != "Grace Hopper" {
		t.Errorf("echo %q, want the field's new value only", got)
	}
}

func TestBrowserReportsCSPViolations(t *testing.T) {
	t.Parallel()
	srv := fixture(t)
	b := New(t, Options{BaseURL: srv.URL})
	b.Visit("/inline")
	var got []string
	// The console entry can arrive just after the load event.
	for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got = b.takeProblems()
	}
	if len(got) == 0 || !strings.Contains(got[0], "Content Security Policy") {
		t.Errorf("problems %q after an inline script under default-src 'self', want the CSP violation", got)
	}
	if b.Title() == "ran" {
		t.Error("the inline script ran under the CSP")
	}
}
