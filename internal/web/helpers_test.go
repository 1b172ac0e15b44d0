package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"inspectrack/internal/auth"
	"inspectrack/internal/browsertest"
	"inspectrack/internal/config"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

func TestMain(m *testing.M) {
	code := testdb.Main(m)
	browsertest.Stop()
	os.Exit(checkEveryViewRendered(code))
}

// cheapParams keep tests fast; production uses auth.DefaultParams.
var cheapParams = auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1}

// demoPassword is every demo user's password in tests.
const demoPassword = "correct horse battery staple"

// testServer is the real router on a fresh, migrated, demo-seeded
// database, served by httptest.
type testServer struct {
	t     *testing.T
	srv   *Server
	store *store.Store
	ts    *httptest.Server
	mu    sync.Mutex
	now   time.Time       // the server's clock: read and set it with clock and setClock
	slept []time.Duration // sign-in slow-downs the server asked for; never waited out
}

// sleep is the server's Sleep: it records d and returns at once.
func (ts *testServer) sleep(_ context.Context, d time.Duration) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.slept = append(ts.slept, d)
}

// sleeps are the slow-downs asked for so far, in order.
func (ts *testServer) sleeps() []time.Duration {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]time.Duration(nil), ts.slept...)
}

// clock is the server's current time.
func (ts *testServer) clock() time.Time {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.now
}

// setClock moves the server's clock, e.g. for "as of" and window tests.
func (ts *testServer) setClock(now time.Time) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.now = now
}

func testConfig() config.Config {
	cfg, err := config.Load(func(string) string { return "" }, newFlagSet(), nil)
	if err != nil {
		panic(err)
	}
	return cfg
}

// newTestServer starts the portal on its own database with the demo data.
func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return newTestServerWith(t, testConfig())
}

// newTestServerWith is newTestServer with settings of the test's own (for
// example smaller upload limits).
func newTestServerWith(t *testing.T, cfg config.Config) *testServer {
	t.Helper()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	if _, err := seed.Demo(context.Background(), st, demoPassword, cheapParams); err != nil {
		t.Fatalf("seed: %v", err)
	}
	ts := &testServer{t: t, store: st, now: time.Now()}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ts.srv = NewServer(logger, cfg, st, Options{PasswordParams: &cheapParams, Now: ts.clock, Sleep: ts.sleep})
	// Served as serve serves it: its timeouts and connection cap.
	ts.ts = httptest.NewUnstartedServer(ts.srv)
	ts.ts.Config = NewHTTPServer(ts.srv, cfg, nil)
	ts.ts.Listener = LimitListener(ts.ts.Listener, cfg)
	ts.ts.Start()
	testServers.Store(ts.ts.URL, ts)
	t.Cleanup(func() { testServers.Delete(ts.ts.URL) })
	t.Cleanup(ts.ts.Close)
	return ts
}

// client is one browser: a cookie jar, no redirects followed, and the
// Origin a browser would send with a form.
type client struct {
	ts   *testServer
	http *http.Client
}

func (ts *testServer) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{ts: ts, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// as signs in as the demo user with email and returns their client.
func (ts *testServer) as(email string) *client {
	ts.t.Helper()
	c := ts.anon()
	res := c.signIn(email, demoPassword, nil)
	// 303 on to the page; 200 with the recovery codes when the user had no
	// authenticator app and set one up (a test's own users).
	if res.StatusCode != http.StatusSeeOther && !(res.StatusCode == http.StatusOK && strings.Contains(res.Body, "recovery-codes")) {
		ts.t.Fatalf("sign in as %s: status %d, want 303", email, res.StatusCode)
	}
	return c
}

// response is a read response: status, headers and body.
type response struct {
	*http.Response
	Body string
}

// doc parses the body of a page. It fails the test on an answer that is
// no page of the resource (a redirect, 404, a server error): rows read
// off such a page would be none, and a check that loops over none passes.
// A form refused (403, 409, 413, 422) is a page: read it after wantStatus.
func (r response) doc(t *testing.T) *goquery.Document {
	t.Helper()
	if r.StatusCode >= 300 && r.StatusCode < 400 || r.StatusCode == http.StatusNotFound || r.StatusCode >= 500 {
		t.Fatalf("%s %s: status %d, want a page to read", r.Request.Method, r.Request.URL.Path, r.StatusCode)
	}
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (c *client) do(req *http.Request) response {
	c.ts.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.ts.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.ts.t.Fatal(err)
	}
	return response{Response: res, Body: string(b)}
}

func (c *client) get(path string) response {
	c.ts.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.ts.ts.URL+path, nil)
	return c.do(req)
}

// post sends a form as a same-origin browser would.
func (c *client) post(path string, form url.Values) response {
	c.ts.t.Helper()
	return c.postWith(path, form, nil)
}

// postWith sends a form with headers set (or, with "", removed) over the
// same-origin browser defaults.
func (c *client) postWith(path string, form url.Values, headers map[string]string) response {
	c.ts.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.ts.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", c.ts.ts.URL)
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return c.do(req)
}

func wantStatus(t *testing.T, r response, want int) {
	t.Helper()
	if r.StatusCode != want {
		body := r.Body
		if len(body) > 600 {
			body = body[:600]
		}
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, body)
	}
}
