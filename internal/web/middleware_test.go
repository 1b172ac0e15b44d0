package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"inspectrack/internal/config"
)

func TestClientAddressTrustsForwardedForOnlyFromConfiguredProxies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		proxies []netip.Prefix
		peer    string
		xff     string
		want    string
	}{
		{"no proxies: the peer, whatever the header says", nil, "198.51.100.4:5555", "203.0.113.9", "198.51.100.4"},
		{"trusted peer: the hop before it", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "10.1.2.3:443", "203.0.113.9", "203.0.113.9"},
		{"spoofed left-most entry ignored", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "10.1.2.3:443", "1.2.3.4, 203.0.113.9, 10.9.9.9", "203.0.113.9"},
		{"untrusted peer with a header", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "198.51.100.4:1", "203.0.113.9", "198.51.100.4"},
		{"garbage header", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "10.1.2.3:443", "not an address", "10.1.2.3"},
	} {
		s := &Server{cfg: config.Config{TrustedProxies: tc.proxies}}
		var got string
		h := s.clientAddr(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientAddrFrom(r.Context()) }))
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = tc.peer
		req.Header.Set("X-Forwarded-For", tc.xff)
		h.ServeHTTP(httptest.NewRecorder(), req)
		if got != tc.want {
			t.Errorf("%s: client %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A client that disconnects cancels its request's context: the queries
// fail, but that is no server error and must not page anyone.
func TestAClientThatGoesAwayIsNotAServerError(t *testing.T) {
	ts := newTestServer(t)
	c := ts.as("manager@demo.test")
	var logs bytes.Buffer
	ts.srv.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base, err := url.Parse(ts.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dashboard", "/cases/1", "/forces/leicestershire"} {
		logs.Reset()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		for _, ck := range c.http.Jar.Cookies(base) {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		ts.srv.ServeHTTP(rec, req)
		if rec.Code != statusClientClosed {
			t.Errorf("%s: status %d, want %d", path, rec.Code, statusClientClosed)
		}
		if strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "client went away") {
			t.Errorf("%s: logged\n%s\nwant an info line, no error", path, logs.String())
		}
	}
}
