package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
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
