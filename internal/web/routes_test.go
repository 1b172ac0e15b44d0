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

