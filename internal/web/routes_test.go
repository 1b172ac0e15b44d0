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

// TestLayoutAssetsAreServed fetches the stylesheet, script and icon every
// page links to, through the router: a page whose CSS answers 404 is
// unstyled (browsers refuse a text/plain stylesheet under nosniff).
func TestLayoutAssetsAreServed(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.anon()
	doc := c.get("/").doc(t)
	want := map[string]string{
		"link[rel=stylesheet]":      "text/css; charset=utf-8",
		"script[type=module]":       "text/javascript; charset=utf-8",
		"link[rel=modulepreload]":   "text/javascript; charset=utf-8",
		"link[rel=icon][sizes=any]": "image/svg+xml",
	}
	for sel, ctype := range want {
		href, ok := doc.Find(sel).First().Attr("href")
		if !ok {
			href, ok = doc.Find(sel).First().Attr("src")
		}
		if !ok {
			t.Fatalf("the layout has no %s", sel)
		}
		res := c.get(href)
		wantStatus(t, res, http.StatusOK)
		if got := res.Header.Get("Content-Type"); got != ctype {
			t.Errorf("%s %s: Content-Type %q, want %q", sel, href, got, ctype)
		}
	}
}
