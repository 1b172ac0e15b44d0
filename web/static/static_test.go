package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPathIsHashedAndServedImmutable(t *testing.T) {
	want, err := fs.ReadFile(dist, "dist/app.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, pattern, contentType string }{
		{"app.css", `^/assets/app\.[0-9a-f]{8}\.css$`, "text/css; charset=utf-8"},
		{"app.js", `^/assets/app\.[0-9a-f]{8}\.js$`, "text/javascript; charset=utf-8"},
		{"govuk-frontend.min.js", `^/assets/govuk-frontend\.min\.[0-9a-f]{8}\.js$`, "text/javascript; charset=utf-8"},
		{"moj-frontend.min.js", `^/assets/moj-frontend\.min\.[0-9a-f]{8}\.js$`, "text/javascript; charset=utf-8"},
		{"images/favicon.ico", `^/assets/images/favicon\.[0-9a-f]{8}\.ico$`, "image/x-icon"},
		{"images/favicon.svg", `^/assets/images/favicon\.[0-9a-f]{8}\.svg$`, "image/svg+xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Path(tc.name)
			if !regexp.MustCompile(tc.pattern).MatchString(p) {
				t.Fatalf("Path(%q) = %q, want it to match %s", tc.name, p, tc.pattern)
			}
			res := get(t, p, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d", p, res.StatusCode)
			}
			if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control = %q", got)
			}
			if got := res.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tc.contentType)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
		})
	}

	res := get(t, Path("app.css"), nil)
	if got := body(t, res); !bytes.Equal(got, want) {
		t.Errorf("GET %s: body differs from dist/app.css (%d bytes, want %d)", Path("app.css"), len(got), len(want))
	}
}

func TestPathPanicsOnUnknownName(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Path(\"nope.css\") did not panic")
		}
	}()
	Path("nope.css")
}

func TestHashIsTheContentSHA256(t *testing.T) {
	// web/build-assets.sh writes these names into app.js with sha256sum;
	// they must be the names Handler serves.
	for _, name := range []string{"govuk-frontend.min.js", "moj-frontend.min.js"} {
		js, err := fs.ReadFile(dist, "dist/app.js")
		if err != nil {
			t.Fatal(err)
		}
		hashed := strings.TrimPrefix(Path(name), Prefix)
		if !bytes.Contains(js, []byte(`"./`+hashed+`"`)) {
			t.Errorf("app.js does not import ./%s (run web/build-assets.sh)", hashed)
		}
	}
}

func TestPlainNameRevalidatesWithETag(t *testing.T) {
	const p = "/assets/images/favicon.svg"
	res := get(t, p, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", p, res.StatusCode)
	}
	if got := res.Header.Get("Cache-Control"); got != "public, max-age=86400" {
		t.Errorf("Cache-Control = %q", got)
	}
	etag := res.Header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{64}"$`).MatchString(etag) {
		t.Fatalf("ETag = %q, want a quoted SHA-256", etag)
	}
	if got := res.Header.Get("Content-Type"); got != "image/svg+xml" {
		t.Errorf("Content-Type = %q", got)
	}

	res = get(t, p, map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("GET %s with If-None-Match: status %d, want 304", p, res.StatusCode)
	}
	if n := len(body(t, res)); n != 0 {
		t.Errorf("304 has a %d-byte body", n)
	}

	res = get(t, p, map[string]string{"If-None-Match": `"0000"`})
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET %s with a stale If-None-Match: status %d, want 200", p, res.StatusCode)
	}
}

func TestImagesTheCSSRefersToAreServed(t *testing.T) {
	css, err := fs.ReadFile(dist, "dist/app.css")
	if err != nil {
		t.Fatal(err)
	}
	urls := regexp.MustCompile(`url\("?(/assets/[^")]+)`).FindAllSubmatch(css, -1)
	if len(urls) == 0 {
		t.Fatal("app.css refers to no image; expected MOJ Frontend's icons")
	}
	for _, m := range urls {
		p := string(m[1])
		if res := get(t, p, nil); res.StatusCode != http.StatusOK {
			t.Errorf("app.css refers to %s: status %d", p, res.StatusCode)
		}
	}
}

func TestUnknownPathIsNotFound(t *testing.T) {
	for _, p := range []string{
		"/assets/nope.css",
		"/assets/",
		"/assets/images",
		"/assets/images/",
		"/assets/fonts/bold-b542beb274-v2.woff2",
		"/assets/images/govuk-crest.svg",
		"/assets/app.zzzzzzzz.css",
		"/assets/nope.1234abcd.css",
		"/assets/../static.go",
		"/other/app.css",
	} {
		if res := get(t, p, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, res.StatusCode)
		}
	}
}

func TestStaleHashServesCurrentFileUncached(t *testing.T) {
	res := get(t, "/assets/app.00000000.css", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", res.StatusCode)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", got)
	}
}

func TestGzipWhenAccepted(t *testing.T) {
	plain := body(t, get(t, Path("app.css"), nil))
	res := get(t, Path("app.css"), map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	if got := res.Header.Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", got)
	}
	if got := res.Header.Get("Vary"); got != "Accept-Encoding" {
		t.Errorf("Vary = %q", got)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(unzipped, plain) {
		t.Error("gzipped body does not unzip to the file")
	}

	res = get(t, Path("app.css"), map[string]string{"Accept-Encoding": "gzip;q=0"})
	if got := res.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("gzip;q=0: Content-Encoding = %q, want none", got)
	}
}

func TestHeadAndMethods(t *testing.T) {
	req := httptest.NewRequest(http.MethodHead, Path("app.js"), nil)
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD: status %d, %d-byte body", rec.Code, rec.Body.Len())
	}

	req = httptest.NewRequest(http.MethodPost, Path("app.js"), nil)
	rec = httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", rec.Code)
	}
}

func TestNoFontsAndNoGDSTransport(t *testing.T) {
	err := fs.WalkDir(dist, "dist", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for _, ext := range []string{".woff", ".woff2", ".ttf", ".otf", ".eot"} {
			if strings.HasSuffix(name, ext) {
				t.Errorf("font file in dist: %s", name)
			}
		}
		// No crown and no Royal Arms: this service is not on GOV.UK.
		if strings.Contains(name, "crest") || strings.Contains(name, "crown") || strings.Contains(name, "govuk-icon") {
			t.Errorf("GOV.UK branding in dist: %s", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	css, err := fs.ReadFile(dist, "dist/app.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"GDS Transport", "@font-face", "/assets/fonts/", "govuk-crest"} {
		if bytes.Contains(css, []byte(bad)) {
			t.Errorf("app.css contains %q", bad)
		}
	}
}

func TestUnhashName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"app.3f9a1c2e.css", "app.css", true},
		{"images/favicon.0123abcd.ico", "images/favicon.ico", true},
		{"govuk-frontend.min.0123abcd.js", "govuk-frontend.min.js", true},
		{"govuk-frontend.min.js", "", false},
		{"app.3F9A1C2E.css", "", false},
		{"app.3f9a1c2.css", "", false},
		{"app.css", "", false},
	} {
		got, ok := unhashName(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("unhashName(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
