package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/store"
)

func countAudit(t *testing.T, ts *testServer, action string) int {
	t.Helper()
	var n int
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func sessionCookie(c *client, base string) *http.Cookie {
	u, _ := url.Parse(base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "inspectrack_session" {
			return ck
		}
	}
	return nil
}

func TestSignInRenewsTheSessionToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.anon()
	u, _ := url.Parse(ts.ts.URL)
	planted := &http.Cookie{Name: "inspectrack_session", Value: "planted-by-an-attacker-0123456789abcdef", Path: "/"}
	c.http.Jar.SetCookies(u, []*http.Cookie{planted})
	res := c.signIn("manager@demo.test", demoPassword, nil)
	wantStatus(t, res, http.StatusSeeOther)
	got := sessionCookie(c, ts.ts.URL)
	if got == nil || got.Value == planted.Value {
		t.Fatalf("session token after sign-in = %v, want a new one", got)
	}
	if res := c.get("/audit"); res.StatusCode != http.StatusOK {
		t.Fatalf("signed in: /audit status %d", res.StatusCode)
	}
	// The planted token is worth nothing.
	attacker := ts.anon()
	attacker.http.Jar.SetCookies(u, []*http.Cookie{planted})
	if res := attacker.get("/audit"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("planted token: /audit status %d, want 303 to sign in", res.StatusCode)
	}
	// And a token from before one sign-in does not survive the next.
	before := got
	c.signIn("manager@demo.test", demoPassword, nil)
	old := ts.anon()
	old.http.Jar.SetCookies(u, []*http.Cookie{{Name: before.Name, Value: before.Value, Path: "/"}})
	if res := old.get("/audit"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pre-sign-in token: /audit status %d, want 303", res.StatusCode)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as("manager@demo.test")
	ck := sessionCookie(c, ts.ts.URL)
	wantStatus(t, c.post("/logout", nil), http.StatusSeeOther)
	replay := ts.anon()
	u, _ := url.Parse(ts.ts.URL)
	replay.http.Jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
	if res := replay.get("/audit"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cookie after logout: status %d, want 303 to sign in", res.StatusCode)
	}
	if countAudit(t, ts, "logout") != 1 {
		t.Error("logout not audited")
	}
}

func TestDisablingAUserEndsTheirSessions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	victim := ts.as("inspector@demo.test")
	wantStatus(t, victim.get("/"), http.StatusOK)
	admin := ts.as("admin@demo.test")
	u, err := ts.store.UserByEmail(context.Background(), "inspector@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, admin.post("/admin/users/"+itoa(u.ID)+"/disable", nil), http.StatusSeeOther)
	res := victim.get("/")
	if strings.Contains(res.Body, "Welcome, ") {
		t.Fatal("disabled user still signed in")
	}
	// Signing in again is refused, with the same answer as a wrong password.
	again := ts.anon().post("/login", url.Values{"email": {"inspector@demo.test"}, "password": {demoPassword}})
	wantStatus(t, again, http.StatusUnprocessableEntity)
}

func TestUnknownEmailAndWrongPasswordGetTheSameAnswer(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	a := ts.anon().post("/login", url.Values{"email": {"nobody@demo.test"}, "password": {"whatever it is"}})
	b := ts.anon().post("/login", url.Values{"email": {"manager@demo.test"}, "password": {"whatever it is"}})
	wantStatus(t, a, http.StatusUnprocessableEntity)
	wantStatus(t, b, http.StatusUnprocessableEntity)
	strip := func(s string) string {
		s = strings.ReplaceAll(s, "nobody@demo.test", "E")
		return strings.ReplaceAll(s, "manager@demo.test", "E")
	}
	if strip(a.Body) != strip(b.Body) {
		t.Error("unknown email and wrong password answer differently")
	}
	if !strings.Contains(a.Body, "Enter a correct email address and password") {
		t.Error("no error message")
	}
}

func TestCrossSitePostIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.as("admin@demo.test")
	form := url.Values{"name": {"Eve"}, "email": {"eve@evil.test"}, "role": {"admin"}}
	for name, hdr := range map[string]map[string]string{
		"sec-fetch-site cross-site": {"Sec-Fetch-Site": "cross-site", "Origin": ""},
		"foreign origin":            {"Sec-Fetch-Site": "", "Origin": "https://evil.test"},
	} {
		res := admin.postWith("/admin/users", form, hdr)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, res.StatusCode)
		}
	}
	if _, err := ts.store.UserByEmail(context.Background(), "eve@evil.test"); err == nil {
		t.Fatal("a cross-site POST created a user")
	}
}

func TestSecurityHeadersOnEveryKindOfResponse(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.srv.mux.Get("/test-boom", ts.srv.handle(func(w http.ResponseWriter, r *http.Request) error {
		return errorString("internal detail that must not leak")
	}))
	c := ts.as("manager@demo.test")
	pages := map[string]response{
		"page":   c.get("/audit"),
		"404":    c.get("/no-such-page"),
		"static": c.get("/assets/images/favicon.svg"),
		"500":    c.get("/test-boom"),
	}
	for name, res := range pages {
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", name, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline script", name)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: nosniff %q, referrer policy %q", name, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
	}
	for _, name := range []string{"page", "404", "500"} {
		if got := pages[name].Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", name, got)
		}
	}
	wantStatus(t, pages["500"], http.StatusInternalServerError)
	if strings.Contains(pages["500"].Body, "internal detail") {
		t.Error("500 page shows internals")
	}
	if !strings.Contains(pages["500"].Body, pages["500"].Header.Get("X-Request-Id")) {
		t.Error("500 page does not show the request id as a reference")
	}
}

func TestHSTSOnlyWhenServedOverTLS(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	if h := ts.anon().get("/").Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS on plain http: %q", h)
	}
}

func TestPasswordHashIsRedoneWhenParametersRise(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	u, _ := ts.store.UserByEmail(ctx, "manager@demo.test")
	stronger := cheapParams
	stronger.Time++
	ts.srv.pwParams = stronger
	ts.as("manager@demo.test")
	after, _ := ts.store.UserByEmail(ctx, "manager@demo.test")
	if after.PasswordHash == u.PasswordHash || !strings.Contains(after.PasswordHash, ",t=2,") {
		t.Fatalf("hash not redone with t=2: %s", after.PasswordHash)
	}
	ts.as("manager@demo.test") // and the new hash works
}

func TestAuditTrailDetectsEditsAndRefusesChanges(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	ts.as("manager@demo.test")
	ts.as("inspector@demo.test")
	res, err := ts.store.VerifyAudit(ctx)
	if err != nil || res.BrokenID != 0 || res.Checked < 3 {
		t.Fatalf("fresh chain: %+v, %v", res, err)
	}
	pool := ts.store.Pool()
	if _, err := pool.Exec(ctx, `UPDATE audit_events SET summary = 'nothing happened' WHERE action = 'login.success'`); err == nil {
		t.Fatal("the app's connection could update an audit row")
	}
	if _, err := pool.Exec(ctx, `DELETE FROM audit_events`); err == nil {
		t.Fatal("the app's connection could delete audit rows")
	}
	// A superuser can switch the trigger off; the chain still tells.
	var target int64
	if err := pool.QueryRow(ctx, `SELECT min(id) FROM audit_events WHERE action = 'login.success'`).Scan(&target); err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`,
		`UPDATE audit_events SET summary = 'signed in as admin' WHERE id = ` + itoa(target),
		`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	res, err = ts.store.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.BrokenID != target {
		t.Fatalf("verify named event %d (%s), want %d", res.BrokenID, res.Problem, target)
	}
}

func TestManagersSeeTheTrailPerUserAndPerObject(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.as("inspector@demo.test")
	u, _ := ts.store.UserByEmail(context.Background(), "inspector@demo.test")
	c := ts.as("manager@demo.test")
	res := c.get("/audit?user=" + itoa(u.ID))
	wantStatus(t, res, http.StatusOK)
	rows := res.doc(t).Find(`[data-testid=audit] tbody tr`)
	if rows.Length() == 0 || !strings.Contains(rows.Text(), "login.success") {
		t.Fatalf("inspector's trail: %q", rows.Text())
	}
	if strings.Contains(rows.Text(), "manager@demo.test") {
		t.Error("per-user trail shows another user's events")
	}
	res = c.get("/audit?type=user&id=" + itoa(u.ID))
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.doc(t).Find(`[data-testid=audit]`).Text(), "user.create") {
		t.Error("per-object trail lacks the user's creation")
	}
}

func TestAdminAddsALiaisonWhoChoosesTheirOwnPassword(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as("admin@demo.test")
	res := c.post("/admin/users", url.Values{"name": {""}, "email": {"not an email"}, "role": {"liaison"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	summary := res.doc(t).Find(".govuk-error-summary").Text()
	for _, want := range []string{"Enter the user's full name", "Enter an email address in the correct format", "Select the force this liaison works for"} {
		if !strings.Contains(summary, want) {
			t.Errorf("error summary lacks %q: %q", want, summary)
		}
	}
	res = c.post("/admin/users", url.Values{"name": {"Kim Kent"}, "email": {"Kim.Kent@Kent.Police.test"}, "role": {"liaison"}, "force": {"kent"}})
	wantStatus(t, res, http.StatusSeeOther)
	deliverQueued(t, ts)
	ms, err := ts.store.ListMessages(context.Background(), store.MessageFilter{Limit: 1})
	if err != nil || len(ms) != 1 || ms[0].Recipient != "kim.kent@kent.police.test" {
		t.Fatalf("invitation: %+v %v", ms, err)
	}
	const password = "saffron ladder midnight"
	kim := ts.anon()
	wantStatus(t, kim.post("/invitation/"+linkToken.FindStringSubmatch(ms[0].BodyText)[1],
		url.Values{"password": {password}, "confirm": {password}}), http.StatusSeeOther)
	// A new liaison sets up an authenticator app at their first sign-in
	// and is shown their recovery codes.
	wantStatus(t, kim.signIn("kim.kent@kent.police.test", password, nil), http.StatusOK)
	u, err := ts.store.UserByEmail(context.Background(), "kim.kent@kent.police.test")
	if err != nil || u.ForceCode != "kent" || u.Role != "liaison" {
		t.Fatalf("created user %+v, %v", u, err)
	}
	// Moving the liaison to another force ends their session.
	wantStatus(t, c.post("/admin/users/"+itoa(u.ID)+"/force", url.Values{"force": {"sussex"}}), http.StatusSeeOther)
	if res := kim.get("/"); strings.Contains(res.Body, "Welcome, ") {
		t.Error("liaison still signed in after their force changed")
	}
	if n := countAudit(t, ts, "user.force.change"); n != 1 {
		t.Errorf("force change audited %d times", n)
	}
}

func TestOpenRedirectIsRefused(t *testing.T) {
	t.Parallel()
	for _, next := range []string{"//evil.test/", "https://evil.test/", "/\\evil.test", "javascript:alert(1)"} {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q", next, got)
		}
	}
	if got := safeNext("/cases?x=1"); got != "/cases?x=1" {
		t.Errorf("safeNext kept path = %q", got)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestIdleSessionsEndAndActiveOnesLast(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as("manager@demo.test")
	start := ts.clock()
	// Active every 20 minutes for an hour: still signed in.
	for i := 1; i <= 3; i++ {
		ts.setClock(start.Add(time.Duration(i) * 20 * time.Minute))
		wantStatus(t, c.get("/audit"), http.StatusOK)
	}
	// Then 31 minutes of nothing: signed out.
	ts.setClock(ts.clock().Add(31 * time.Minute))
	wantStatus(t, c.get("/audit"), http.StatusSeeOther)
}

func TestAPageViewDoesNotRewriteTheSessionEveryTime(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as("manager@demo.test")
	// Within a minute of the last write nothing is written: no cookie is
	// re-sent (scs re-sends it exactly when it commits the session).
	if ck := c.get("/audit").Header.Get("Set-Cookie"); ck != "" {
		t.Errorf("a page view rewrote the session: %s", ck)
	}
	ts.setClock(ts.clock().Add(2 * time.Minute))
	if ck := c.get("/audit").Header.Get("Set-Cookie"); ck == "" {
		t.Error("after two minutes the last-seen time was not refreshed")
	}
}
