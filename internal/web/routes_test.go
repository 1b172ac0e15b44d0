package web

import (
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"
)

// TestEveryRouteDeclaresAPermission walks the router and fails for any
// route registered without going through route() or raw().
func TestEveryRouteDeclaresAPermission(t *testing.T) {
	ts := newTestServer(t)
	n := 0
	err := chi.Walk(ts.srv.mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		n++
		if _, ok := ts.srv.rules[method+" "+route]; !ok {
			t.Errorf("%s %s has no declared permission", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ts.srv.rules) {
		t.Errorf("walked %d routes, %d declared", n, len(ts.srv.rules))
	}
}

// TestStylesheetIsServed guards the mount of the static assets: the page's
// hashed stylesheet link must answer 200, or every page renders unstyled.
func TestStylesheetIsServed(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.anon()
	res := c.get("/")
	href, ok := res.doc(t).Find(`link[rel="stylesheet"]`).Attr("href")
	if !ok {
		t.Fatal("no stylesheet link")
	}
	css := c.get(href)
	wantStatus(t, css, http.StatusOK)
	if ct := css.Header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}
