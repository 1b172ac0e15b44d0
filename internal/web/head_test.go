package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// routeParam matches a route pattern's parameters, such as {id}.
var routeParam = regexp.MustCompile(`\{[^}]+\}`)

// head sends a HEAD request.
func (c *client) head(path string) response {
	c.ts.t.Helper()
	req, _ := http.NewRequest(http.MethodHead, c.ts.ts.URL+path, nil)
	return c.do(req)
}

// TestEveryGETRouteAnswersHEAD walks the declared routes: each GET route
// answers HEAD with the status and content type of its GET, and no body;
// signed out (sent to sign in, or public) and signed in as a manager.
func TestEveryGETRouteAnswersHEAD(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	clients := map[string]*client{"signed out": ts.anon(), "manager": ts.as("manager@demo.test")}
	var paths []string
	err := chi.Walk(ts.srv.mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodGet {
			paths = append(paths, routeParam.ReplaceAllString(strings.TrimSuffix(route, "*"), "1"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, "/forces/leicestershire", "/no-such-page")
	for name, c := range clients {
		for _, p := range paths {
			get, head := c.get(p), c.head(p)
			if head.StatusCode != get.StatusCode {
				t.Errorf("%s: HEAD %s = %d, GET = %d", name, p, head.StatusCode, get.StatusCode)
				continue
			}
			if g, h := get.Header.Get("Content-Type"), head.Header.Get("Content-Type"); g != h {
				t.Errorf("%s: HEAD %s Content-Type %q, GET %q", name, p, h, g)
			}
			if head.Body != "" {
				t.Errorf("%s: HEAD %s sent a body of %d bytes", name, p, len(head.Body))
			}
		}
	}
	// The pages a probe or a link checker asks for first.
	c := ts.anon()
	for _, p := range []string{"/", "/login", "/healthz", "/accessibility", "/publications"} {
		res := c.head(p)
		wantStatus(t, res, http.StatusOK)
		if res.Body != "" {
			t.Errorf("HEAD %s sent a body", p)
		}
	}
	if res := c.head("/cases"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Errorf("HEAD /cases signed out: %d to %q, want 303 to sign in", res.StatusCode, res.Header.Get("Location"))
	}
}
