package web

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// getWith sends a GET with headers of the test's own. Setting
// Accept-Encoding turns off the client's own gzip, so the body is as sent.
func (c *client) getWith(path string, headers map[string]string) response {
	c.ts.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.ts.ts.URL+path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

func decompress(t *testing.T, encoding, body string) string {
	t.Helper()
	var r io.Reader
	switch encoding {
	case "gzip":
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(strings.NewReader(body))
	default:
		return body
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s body: %v", encoding, err)
	}
	return string(b)
}

func TestPagesAndExportsTravelCompressedAsTheClientAccepts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	anon := ts.anon()
	id := storyFinding(t, ts)
	for _, tc := range []struct {
		path, accept, want string
	}{
		{"/publications", "gzip, deflate, br", "br"},
		{"/publications", "gzip", "gzip"},
		{"/publications", "br;q=0.5, gzip;q=0.9", "gzip"},
		{"/publications", "identity", ""},
		{"/publications", "br;q=0", ""},
		{overviewHref(id, ".csv"), "br", "br"},
		{overviewHref(id, ".json"), "gzip", "gzip"},
	} {
		res := anon.getWith(tc.path, map[string]string{"Accept-Encoding": tc.accept})
		wantStatus(t, res, http.StatusOK)
		if got := res.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("%s with Accept-Encoding %q: Content-Encoding %q, want %q", tc.path, tc.accept, got, tc.want)
		}
		if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("%s: Vary %q lacks Accept-Encoding", tc.path, res.Header.Values("Vary"))
		}
		plain := anon.getWith(tc.path, map[string]string{"Accept-Encoding": "identity"})
		if got := decompress(t, tc.want, res.Body); got != plain.Body {
			t.Errorf("%s (%s): the body decompressed (%d bytes) is not the page sent plain (%d bytes)", tc.path, tc.want, len(got), len(plain.Body))
		}
		t.Logf("%s with %s: %d bytes sent, %d plain", tc.path, tc.want, len(res.Body), len(plain.Body))
		if tc.want != "" && len(res.Body) >= len(plain.Body) {
			t.Errorf("%s (%s): %d bytes compressed, %d plain", tc.path, tc.want, len(res.Body), len(plain.Body))
		}
	}
	// A PDF is compressed inside: it goes as it is, its length known.
	pub := "/publications/" + strconv.Itoa(publishedLetterID(t, ts))
	pdf := anon.getWith(pub+".pdf", map[string]string{"Accept-Encoding": "br, gzip"})
	wantStatus(t, pdf, http.StatusOK)
	if pdf.Header.Get("Content-Encoding") != "" || pdf.Header.Get("Content-Length") != strconv.Itoa(len(pdf.Body)) {
		t.Errorf("PDF: Content-Encoding %q, Content-Length %q for %d bytes", pdf.Header.Get("Content-Encoding"), pdf.Header.Get("Content-Length"), len(pdf.Body))
	}
}

func publishedLetterID(t *testing.T, ts *testServer) int {
	t.Helper()
	return countRows(t, ts, `SELECT l.id::int FROM letters l JOIN assessments a ON a.id = l.assessment_id
		WHERE a.case_id = $1 AND l.published_at IS NOT NULL`, storyCase(t, ts, "leicestershire"))
}

func TestPublishedLettersAndOverviewsAnswerNotModified(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	pub := "/publications/" + strconv.Itoa(publishedLetterID(t, ts))
	ov := overviewHref(storyFinding(t, ts), "")
	for _, who := range []*client{ts.anon(), ts.as("liaison.sussex@demo.test")} {
		for _, p := range []string{pub, pub + ".pdf", ov, ov + ".csv", ov + ".json"} {
			for _, enc := range []string{"identity", "gzip"} {
				first := who.getWith(p, map[string]string{"Accept-Encoding": enc})
				wantStatus(t, first, http.StatusOK)
				etag := first.Header.Get("ETag")
				if etag == "" || !strings.Contains(first.Header.Get("Cache-Control"), "private") {
					t.Fatalf("%s: ETag %q, Cache-Control %q", p, etag, first.Header.Get("Cache-Control"))
				}
				again := who.getWith(p, map[string]string{"Accept-Encoding": enc, "If-None-Match": etag})
				wantStatus(t, again, http.StatusNotModified)
				if again.Body != "" {
					t.Errorf("%s: 304 with a body of %d bytes", p, len(again.Body))
				}
				other := who.getWith(p, map[string]string{"Accept-Encoding": enc, "If-None-Match": `"something-else"`})
				wantStatus(t, other, http.StatusOK)
			}
		}
		// A letter has its date: If-Modified-Since alone is enough.
		first := who.get(pub + ".pdf")
		lm := first.Header.Get("Last-Modified")
		if lm == "" {
			t.Fatalf("%s.pdf: no Last-Modified", pub)
		}
		wantStatus(t, who.getWith(pub+".pdf", map[string]string{"If-Modified-Since": lm}), http.StatusNotModified)
		wantStatus(t, who.getWith(pub, map[string]string{"If-Modified-Since": lm}), http.StatusNotModified)
	}
	// The case's own copy of a published letter, for the inspectorate.
	insp := ts.as("inspector@demo.test")
	casePDF := path(storyCase(t, ts, "leicestershire"), "/letter.pdf")
	first := insp.get(casePDF)
	wantStatus(t, first, http.StatusOK)
	wantStatus(t, insp.getWith(casePDF, map[string]string{"If-None-Match": first.Header.Get("ETag")}), http.StatusNotModified)
	// Signing in changes the page (the header names the user): the
	// anonymous page's ETag does not hold for it.
	anonPage := ts.anon().get(pub)
	signedIn := ts.as("liaison.sussex@demo.test").getWith(pub, map[string]string{"If-None-Match": anonPage.Header.Get("ETag")})
	wantStatus(t, signedIn, http.StatusOK)
}

func TestRequestIDFromTheProxyIsKeptWhenSafeAndLoggedAtInfo(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	var logs lockedBuffer
	ts.srv.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	anon := ts.anon()
	for _, tc := range []struct{ sent, want string }{
		{"lb-7f3a9c.42:edge", "lb-7f3a9c.42:edge"},
		{"a b", ""},
		{"<script>", ""},
		{strings.Repeat("x", 65), ""},
		{strings.Repeat("x", 64), strings.Repeat("x", 64)},
	} {
		res := anon.getWith("/accessibility", map[string]string{"X-Request-Id": tc.sent})
		got := res.Header.Get("X-Request-Id")
		switch {
		case tc.want != "" && got != tc.want:
			t.Errorf("X-Request-Id %q: answered %q, want it kept", tc.sent, got)
		case tc.want == "" && (got == tc.sent || got == ""):
			t.Errorf("X-Request-Id %q: answered %q, want a new id", tc.sent, got)
		}
		// The line is written once the answer is sent: wait for it.
		line := "level=INFO msg=request request_id=" + got
		for i := 0; i < 100 && !strings.Contains(logs.String(), line); i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(logs.String(), line) {
			t.Errorf("no info access log line with request id %q:\n%s", got, logs.String())
		}
	}
}
