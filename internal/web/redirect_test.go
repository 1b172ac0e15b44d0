package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// openRedirects are ways to write a "next" that a browser would follow off
// the site: schemes, protocol-relative hosts, backslashes (read as slashes),
// tabs and newlines (removed by the URL parser), encoded forms of each, and
// user-info tricks.
var openRedirects = []string{
	"",
	"evil.example",
	"//evil.example/",
	"///evil.example/",
	"////evil.example/",
	"https://evil.example/",
	"http:evil.example",
	"HTTPS://evil.example",
	"javascript:alert(1)",
	"JaVaScRiPt:alert(1)",
	"data:text/html,<script>alert(1)</script>",
	"/\\evil.example",
	"\\/evil.example",
	"\\\\evil.example",
	"/\\/evil.example",
	"/%5Cevil.example",
	"/%5cevil.example",
	"/%09/evil.example/",
	"/\t/evil.example/",
	"/%0a/evil.example/",
	"/%0d/evil.example/",
	"/\n/evil.example/",
	"/\r\n/evil.example/",
	"/%0D%0ALocation:%20https://evil.example/",
	"/%2F/evil.example/",
	"/%2f%2fevil.example/",
	"/ /evil.example/",
	"/%20/evil.example/",
	"/%00/evil.example/",
	"/\x00/evil.example/",
	"/\x7f/evil.example/",
	"/%7F/evil.example/",
	"/\u00a0/evil.example/",
	"/%C2%A0/evil.example/",
	"/\u2028/evil.example/",
	"/\u3000/evil.example/",
	"/%E3%80%80/evil.example/",
	" /cases",
	"\t//evil.example/",
	"%2F%2Fevil.example",
	"/%zz",
	"/cases\x80",
	"https:/evil.example",
	"//user@evil.example",
	"/@evil.example/%09/",
	"/.\\./evil.example",
}

func TestOpenRedirectBypassesAreRefused(t *testing.T) {
	t.Parallel()
	for _, next := range openRedirects {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q, want /", next, got)
		}
	}
}

func TestRedirectToAPathOfThisSiteIsKept(t *testing.T) {
	t.Parallel()
	for _, next := range []string{
		"/",
		"/cases",
		"/cases?x=1",
		"/cases/12?tab=plans#timeline",
		"/dashboard?report=3&recommendation=7",
		"/forces/leicestershire",
		"/cases?q=caf%C3%A9",
		"/publications/overviews/4.csv",
		"/login?next=%2Fcases",
	} {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
	}
}

// TestSignInNeverRedirectsOffTheSite goes through the router: both the
// signed-in GET /login and the sign-in POST answer a Location on this site.
func TestSignInNeverRedirectsOffTheSite(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.anon()
	res := c.post("/login", url.Values{"email": {"inspector@demo.test"}, "password": {demoPassword},
		"next": {"/\t/evil.example/"}})
	res = c.secondStep(res, "inspector@demo.test", nil)
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/" {
		t.Errorf("sign-in with a tab in next: Location %q, want /", loc)
	}
	res = c.get("/login?next=/%09/evil.example/")
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/" {
		t.Errorf("GET /login?next=/%%09/evil.example/ signed in: Location %q, want /", loc)
	}
	res = c.get("/login?next=" + url.QueryEscape("/cases?x=1"))
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/cases?x=1" {
		t.Errorf("GET /login?next=/cases?x=1 signed in: Location %q", loc)
	}
}

// FuzzSafeNext: whatever safeNext returns starts with one "/" and, resolved
// against the portal's address as a browser would (tabs and newlines
// removed, backslashes read as slashes), stays on the portal.
func FuzzSafeNext(f *testing.F) {
	for _, s := range openRedirects {
		f.Add(s)
	}
	f.Add("/cases?x=1")
	base, err := url.Parse("https://portal.example/")
	if err != nil {
		f.Fatal(err)
	}
	browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") {
			t.Fatalf("safeNext(%q) = %q: not a single leading slash", next, got)
		}
		seen := browser.Replace(strings.TrimLeft(got, "\x00 \t\n\r\f\v"))
		if !strings.HasPrefix(seen, "/") || strings.HasPrefix(seen, "//") {
			t.Fatalf("safeNext(%q) = %q, which a browser reads as %q", next, got, seen)
		}
		ref, err := url.Parse(seen)
		if err != nil {
			t.Fatalf("safeNext(%q) = %q, which does not parse: %v", next, got, err)
		}
		if to := base.ResolveReference(ref); to.Scheme != "https" || to.Host != "portal.example" || to.User != nil {
			t.Fatalf("safeNext(%q) = %q leads to %s", next, got, to)
		}
	})
}
