// Package e2e runs the real binary as an inspectorate would: several
// `inspectrack serve` processes on one database behind Debian's nginx with
// TLS. It has tests only; `make e2e` runs them.
package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/seed"
	"inspectrack/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

const demoPassword = "e2e demo password 4471"

// portal is the running deployment the journeys go through.
type portal struct {
	t    *testing.T
	base string // nginx's https address
	a, b *instance
	db   *pgx.Conn
}

// request sends method path through the proxy to instance via ("a", "b",
// or "" for nginx's choice), as a browser would from the portal's own page
// (Origin set), and returns the response with its body read.
func (p *portal) request(c *http.Client, via, method, path, contentType string, body io.Reader) (*http.Response, string) {
	p.t.Helper()
	req, err := http.NewRequest(method, p.base+path, body)
	if err != nil {
		p.t.Fatal(err)
	}
	if via != "" {
		req.Header.Set("X-E2E-Instance", via)
	}
	if method == http.MethodPost {
		req.Header.Set("Origin", p.base)
		req.Header.Set("Content-Type", contentType)
	}
	// Whatever the client claims is overwritten by the proxy.
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	res, err := c.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s via %q: %v", method, path, via, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if via != "" {
		want := map[string]*instance{"a": p.a, "b": p.b}[via].addr
		if got := res.Header.Get("X-E2E-Upstream"); got != want {
			p.t.Fatalf("%s %s meant for instance %s (%s) was answered by %q", method, path, via, want, got)
		}
	}
	return res, string(b)
}

func (p *portal) get(c *http.Client, via, path string) (*http.Response, string) {
	p.t.Helper()
	return p.request(c, via, http.MethodGet, path, "", nil)
}

func (p *portal) postForm(c *http.Client, via, path string, form url.Values) (*http.Response, string) {
	p.t.Helper()
	return p.request(c, via, http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// signIn signs email in through instance via, both steps, and returns the
// status of the last step taken: the password form's when it did not pass.
func (p *portal) signIn(c *http.Client, via, email, password string) int {
	p.t.Helper()
	res, _ := p.postForm(c, via, "/login", url.Values{"email": {email}, "password": {password}})
	return p.secondStep(c, via, email, res)
}

// secondStep enters a demo user's current authenticator code (the demo
// secrets are known, seed.DemoTOTPSecret) when the password step res asked
// for it, and returns the status of the last step taken.
func (p *portal) secondStep(c *http.Client, via, email string, res *http.Response) int {
	p.t.Helper()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login/code" {
		return res.StatusCode
	}
	code, err := auth.TOTPCode(seed.DemoTOTPSecret(email), time.Now())
	if err != nil {
		p.t.Fatal(err)
	}
	res, _ = p.postForm(c, via, "/login/code", url.Values{"code": {code}})
	return res.StatusCode
}

// planUpload is a multipart body of the upload form: a note and one plain
// text document of size bytes.
func planUpload(t *testing.T, note, name string, size int) (body []byte, contentType string, sum [32]byte) {
	t.Helper()
	line := []byte(note + ": the force's plan, one line of many, as a text file.\n")
	doc := bytes.Repeat(line, size/len(line)+1)[:size]
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("note", note)
	fw, err := mw.CreateFormFile("documents", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(doc)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType(), sha256.Sum256(doc)
}

// A deployment as an inspectorate runs it: two `serve` processes on one
// database behind nginx with TLS, trusted as the proxy, secure cookies.
// Signing in through one instance holds on the other; a change made
// through one is on the other's next page (each keeps a read cache);
// sign-in throttling counts across both; an upload streams through the
// proxy within the portal's limits; and killing an instance mid-upload
// loses nothing a user was told was saved.
func TestTwoInstancesBehindNginx(t *testing.T) {
	nginx := findNginx(t)
	bin := portalBinary(t)
	dir := t.TempDir()
	dbURL := testdb.ConnString(t)
	vars := map[string]string{
		"DATABASE_URL":                  dbURL,
		"INSPECTRACK_AUDIT_KEY":         hex.EncodeToString(testdb.AuditKeySecret()),
		"INSPECTRACK_DEMO_PASSWORD":     demoPassword,
		"INSPECTRACK_SECURE_COOKIES":    "true",
		"INSPECTRACK_TRUSTED_PROXIES":   "127.0.0.1/32",
		"INSPECTRACK_MAX_FILE_MB":       "1",
		"INSPECTRACK_MAX_SUBMISSION_MB": "2",
		"INSPECTRACK_LOG_LEVEL":         "warn",
	}
	runBinary(t, bin, vars, "seed", "demo")
	ctx := context.Background()
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })

	certFile, keyFile, pool := selfSigned(t, dir)
	a := startInstance(t, "a", bin, vars)
	b := startInstance(t, "b", bin, vars)
	p := &portal{t: t, base: startNginx(t, nginx, dir, certFile, keyFile, a, b), a: a, b: b, db: db}
	waitReady(t, newClient(t, pool, "127.0.0.1"), p.base)

	var caseID int64
	if err := db.QueryRow(ctx, `SELECT c.id FROM cases c JOIN forces f ON f.id = c.force_id
		WHERE f.code = 'leicestershire' AND c.closed_on IS NULL AND c.request_sent_on IS NOT NULL
		ORDER BY c.id LIMIT 1`).Scan(&caseID); err != nil {
		t.Fatal("a Leicestershire case awaiting a plan:", err)
	}
	casePath := fmt.Sprintf("/cases/%d", caseID)
	liaison := newClient(t, pool, "127.0.0.2")
	manager := newClient(t, pool, "127.0.0.3")

	t.Run("signed in through one instance, the user carries on through the other", func(t *testing.T) {
		p.t = t
		res, _ := p.postForm(liaison, "a", "/login", url.Values{"email": {"liaison.leicestershire@demo.test"}, "password": {demoPassword}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("signing in through a: %d, want 303", res.StatusCode)
		}
		var cookie *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "__Host-inspectrack_session" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.Secure || !cookie.HttpOnly || cookie.Path != "/" {
			t.Fatalf("the session cookie: %+v; want __Host-inspectrack_session, Secure, HttpOnly, Path=/", res.Header.Values("Set-Cookie"))
		}
		if hsts := res.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
			t.Errorf("no HSTS behind TLS: %q", hsts)
		}
		if code := p.secondStep(liaison, "b", "liaison.leicestershire@demo.test", res); code != http.StatusSeeOther {
			t.Fatalf("the code step through b: %d, want 303", code)
		}
		res, body := p.get(liaison, "b", casePath+"/submissions")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "Lee Liaison") {
			t.Fatalf("the liaison's case through b: %d, want 200 signed in\n%.400s", res.StatusCode, body)
		}
		// The audit trail has the client's address, which only the proxy
		// knew: trusted, its X-Forwarded-For is believed; the client's own
		// claim (203.0.113.9) is not.
		var addr string
		if err := db.QueryRow(ctx, `SELECT client_addr FROM audit_events WHERE action = 'login.success' ORDER BY id DESC LIMIT 1`).Scan(&addr); err != nil {
			t.Fatal(err)
		}
		if addr != "127.0.0.2" {
			t.Errorf("the sign-in was audited from %q, want the client's 127.0.0.2", addr)
		}
	})

	t.Run("a change made through one instance is seen at once through the other", func(t *testing.T) {
		p.t = t
		if code := p.signIn(manager, "b", "manager@demo.test", demoPassword); code != http.StatusSeeOther {
			t.Fatalf("manager signing in: %d", code)
		}
		for i, change := range []struct{ write, read, day, shown string }{
			{"a", "b", "14", "14 March 2099"},
			{"b", "a", "21", "21 March 2099"},
		} {
			// Both instances have the case page in their read cache.
			for _, via := range []string{"a", "b", "a", "b"} {
				if res, body := p.get(manager, via, casePath); res.StatusCode != http.StatusOK || strings.Contains(body, change.shown) {
					t.Fatalf("the case through %s before change %d: %d (shows %q already: %v)", via, i+1, res.StatusCode, change.shown, strings.Contains(body, change.shown))
				}
			}
			res, body := p.postForm(manager, change.write, casePath+"/due-date", url.Values{
				"due-day": {change.day}, "due-month": {"3"}, "due-year": {"2099"}, "reason": {"extension agreed by phone"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("changing the due date through %s: %d\n%.600s", change.write, res.StatusCode, body)
			}
			if res, body := p.get(manager, change.read, casePath); res.StatusCode != http.StatusOK || !strings.Contains(body, change.shown) {
				t.Fatalf("the case through %s right after the change through %s: %d; does not show %q", change.read, change.write, res.StatusCode, change.shown)
			}
		}
	})

	var toldSaved []string // notes of the uploads the liaison was told were sent
	var firstID int64      // submissions before it are the demo's
	if err := db.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM submissions`).Scan(&firstID); err != nil {
		t.Fatal(err)
	}
	sums := map[string][32]byte{}
	upload := func(t *testing.T, via, note string, size int) *http.Response {
		t.Helper()
		body, ct, sum := planUpload(t, note, "plan.txt", size)
		res, page := p.request(liaison, via, http.MethodPost, casePath+"/submissions", ct, bytes.NewReader(body))
		if res.StatusCode == http.StatusSeeOther {
			toldSaved = append(toldSaved, note)
			sums[note] = sum
		} else if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Logf("upload %q: %d\n%.600s", note, res.StatusCode, page)
		}
		return res
	}
	submissions := func(t *testing.T) int {
		t.Helper()
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM submissions WHERE case_id = $1`, caseID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("an upload goes through the proxy within the portal's limits", func(t *testing.T) {
		p.t = t
		before := submissions(t)
		if res := upload(t, "a", "version through a", 900<<10); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("a 900 KiB plan through a: %d, want 303", res.StatusCode)
		}
		// Read back through the other instance, byte for byte.
		var docID int64
		if err := db.QueryRow(ctx, `SELECT d.id FROM documents d JOIN submissions s ON s.id = d.submission_id
			WHERE s.case_id = $1 AND s.note = $2`, caseID, "version through a").Scan(&docID); err != nil {
			t.Fatal(err)
		}
		res, doc := p.get(liaison, "b", fmt.Sprintf("/documents/%d", docID))
		if res.StatusCode != http.StatusOK || sha256.Sum256([]byte(doc)) != sums["version through a"] {
			t.Fatalf("the document through b: %d, %d bytes, not the bytes sent", res.StatusCode, len(doc))
		}
		// Over the portal's per-file limit (1 MiB) but within the proxy's
		// body limit: the portal's own 413 page answers, nothing is kept.
		res = upload(t, "b", "too large", 1200<<10)
		if res.StatusCode != http.StatusRequestEntityTooLarge || res.Header.Get("X-Request-Id") == "" {
			t.Fatalf("a 1.2 MiB file: %d (request id %q), want the portal's 413", res.StatusCode, res.Header.Get("X-Request-Id"))
		}
		if n := submissions(t); n != before+1 {
			t.Fatalf("%d submissions after one stored and one refused, want %d", n, before+1)
		}
	})

	t.Run("sign-in throttling holds across both instances", func(t *testing.T) {
		p.t = t
		guesser := newClient(t, pool, "127.0.0.4")
		for i := range 10 {
			via := []string{"a", "b"}[i%2]
			if code := p.signIn(guesser, via, "admin@demo.test", fmt.Sprintf("wrong guess %d", i)); code != http.StatusUnprocessableEntity {
				t.Fatalf("wrong password %d through %s: %d, want 422", i+1, via, code)
			}
		}
		for _, via := range []string{"a", "b"} {
			if code := p.signIn(guesser, via, "admin@demo.test", demoPassword); code != http.StatusTooManyRequests {
				t.Fatalf("after 10 failures split across the instances, the right password through %s: %d, want 429", via, code)
			}
		}
		// The account's owner, from another address, still gets in.
		if code := p.signIn(newClient(t, pool, "127.0.0.5"), "b", "admin@demo.test", demoPassword); code != http.StatusSeeOther {
			t.Fatalf("the admin from another address: %d, want 303", code)
		}
	})

	t.Run("killing an instance mid-journey loses nothing the user was told was saved", func(t *testing.T) {
		p.t = t
		// A version stored through each instance, then one through
		// whichever nginx picks.
		for _, via := range []string{"a", "b", ""} {
			note := "version before the crash via " + map[string]string{"a": "a", "b": "b", "": "nginx's choice"}[via]
			if res := upload(t, via, note, 300<<10); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("upload %q: %d, want 303", note, res.StatusCode)
			}
		}
		// An upload to a, half sent when a dies.
		body, ct, _ := planUpload(t, "version a was reading when it died", "plan.txt", 800<<10)
		pr, pw := io.Pipe()
		type answer struct {
			res *http.Response
			err error
		}
		answered := make(chan answer, 1)
		go func() {
			req, _ := http.NewRequest(http.MethodPost, p.base+casePath+"/submissions", pr)
			req.Header.Set("X-E2E-Instance", "a")
			req.Header.Set("Origin", p.base)
			req.Header.Set("Content-Type", ct)
			res, err := liaison.Do(req)
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			answered <- answer{res, err}
		}()
		if _, err := pw.Write(body[:len(body)/2]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // a is reading it
		a.kill(t)
		pw.CloseWithError(io.ErrUnexpectedEOF)
		got := <-answered
		if got.err == nil && got.res.StatusCode == http.StatusSeeOther {
			t.Fatal("the upload cut off by the crash was answered as sent")
		}
		status := "no answer"
		if got.err == nil {
			status = got.res.Status
		}
		t.Logf("the upload a was reading when it died: %s %v", status, got.err)

		// The journey goes on through nginx, which now finds only b: the
		// same session, nothing lost, and a new version stored.
		res, page := p.get(liaison, "", casePath+"/submissions")
		if res.StatusCode != http.StatusOK || !strings.Contains(page, "Lee Liaison") {
			t.Fatalf("the submissions after a's crash: %d (signed in: %v)", res.StatusCode, strings.Contains(page, "Lee Liaison"))
		}
		if res := upload(t, "", "version after the crash", 200<<10); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("an upload after a's crash: %d, want 303", res.StatusCode)
		}
		for _, note := range toldSaved {
			var docID int64
			if err := db.QueryRow(ctx, `SELECT d.id FROM documents d JOIN submissions s ON s.id = d.submission_id
				WHERE s.case_id = $1 AND s.note = $2`, caseID, note).Scan(&docID); err != nil {
				t.Fatalf("%q, which the liaison was told was sent: %v", note, err)
			}
			res, doc := p.get(liaison, "", fmt.Sprintf("/documents/%d", docID))
			if res.StatusCode != http.StatusOK || sha256.Sum256([]byte(doc)) != sums[note] {
				t.Errorf("%q's document after the crash: %d, %d bytes, not the bytes sent", note, res.StatusCode, len(doc))
			}
		}
		var notes []string
		rows, err := db.Query(ctx, `SELECT note FROM submissions WHERE case_id = $1 AND id > $2 ORDER BY version`, caseID, firstID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			notes = append(notes, n)
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		if strings.Join(notes, "|") != strings.Join(toldSaved, "|") {
			t.Errorf("the case's submissions: %q; want exactly those the liaison was told were sent, %q", notes, toldSaved)
		}
		if out := runBinary(t, bin, vars, "audit", "verify"); !strings.Contains(out, "audit trail intact") {
			t.Errorf("audit verify after the crash: %s", out)
		}
	})
}
