package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/seed"
)

// passwordOnly is a client whose password for email was accepted and
// which now waits at the second step (want: its path).
func (ts *testServer) passwordOnly(email, want string) *client {
	ts.t.Helper()
	c := ts.anon()
	res := c.post("/login", url.Values{"email": {email}, "password": {demoPassword}})
	wantStatus(ts.t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != want {
		ts.t.Fatalf("password of %s accepted: sent to %q, want %q", email, loc, want)
	}
	return c
}

// sessionless are the routes that read no session: probes, static files
// and the calendar feed (whose secret token is its credential). A cookie,
// half signed in or not, changes nothing there.
var sessionless = map[string]bool{
	"GET /healthz": true, "GET /readyz": true, "GET /assets/*": true, "GET /favicon.ico": true,
	"GET /calendar/{token}.ics": true,
}

// TestPasswordOnlySessionReachesNothingButTheSecondStep walks every route
// of the router with a session whose password was accepted and whose
// second step is not done, for both second steps (a code; setting up an
// app): no route but the step's own page answers 200, every route behind
// the session sends it to its step, and it is still waiting after the
// walk (nothing signed it in). Routes that read no session answer it as
// they answer anyone.
func TestPasswordOnlySessionReachesNothingButTheSecondStep(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	fx := newPermissionFixture(t, ts)
	var routes []string
	err := chi.Walk(ts.srv.mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodHead {
			routes = append(routes, method+" "+route)
		}
		return nil
	})
	if err != nil || len(routes) < len(permissionTable)/2 {
		t.Fatalf("walked %d routes: %v", len(routes), err)
	}
	// The inspector sets up an app again: the admin resets theirs.
	admin := ts.as("admin@demo.test")
	inspector, err := ts.store.UserByEmail(context.Background(), "inspector@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, admin.post("/admin/users/"+itoa(inspector.ID)+"/second-factor/reset", nil), http.StatusSeeOther)

	for _, tc := range []struct{ email, step string }{
		{"manager@demo.test", "/login/code"},
		{"inspector@demo.test", "/login/enrol"},
	} {
		t.Run(strings.TrimPrefix(tc.step, "/login/"), func(t *testing.T) {
			half := ts.passwordOnly(tc.email, tc.step)
			// The step's page first, as the redirect leads there: setting up
			// an app keeps its new secret in the session from that page on,
			// and the walk meets the step's POST and GET in no fixed order.
			wantStatus(t, half.get(tc.step), http.StatusOK)
			anon := ts.anon()
			walked := 0
			for _, route := range routes {
				method, pattern, _ := strings.Cut(route, " ")
				if pattern == "/logout" {
					continue // it ends the session: below
				}
				path := fx.path(pattern)
				do := func(c *client) response {
					if method == http.MethodGet {
						return c.get(path)
					}
					return c.post(path, url.Values{})
				}
				res := do(half)
				walked++
				switch {
				case sessionless[route]:
					if want := do(anon).StatusCode; res.StatusCode != want {
						t.Errorf("%s %s (reads no session): %d half signed in, %d signed out", method, path, res.StatusCode, want)
					}
				case method == http.MethodGet && pattern == tc.step:
					wantStatus(t, res, http.StatusOK)
				case method == http.MethodPost && pattern == tc.step:
					// An empty code: asked again.
					wantStatus(t, res, http.StatusUnprocessableEntity)
				default:
					if res.StatusCode == http.StatusOK {
						t.Errorf("%s %s: 200 for a session with only its password", method, path)
					}
					if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.step {
						t.Errorf("%s %s: %d to %q, want 303 to %s", method, path, res.StatusCode, res.Header.Get("Location"), tc.step)
					}
				}
			}
			if walked < len(routes)-1 {
				t.Fatalf("walked %d of %d routes", walked, len(routes))
			}
			// Still waiting for the second step, and still nobody.
			res := half.get("/")
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.step {
				t.Errorf("after the walk: GET / %d to %q, want 303 to %s", res.StatusCode, res.Header.Get("Location"), tc.step)
			}
			// Signing out is the one other way out, and is audited.
			before := countAudit(t, ts, "logout")
			wantStatus(t, half.post("/logout", nil), http.StatusSeeOther)
			if countAudit(t, ts, "logout") != before+1 {
				t.Error("leaving at the second step is not audited")
			}
			res = half.get(tc.step)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
				t.Errorf("after signing out: GET %s %d to %q, want 303 to /login", tc.step, res.StatusCode, res.Header.Get("Location"))
			}
		})
	}
}

func TestSecondFactorCodeIsGoodOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	const email = "manager@demo.test"
	first := ts.passwordOnly(email, "/login/code")
	page := first.get("/login/code")
	wantStatus(t, page, http.StatusOK)
	if got := page.doc(t).Find("input#code[autocomplete=one-time-code]").Length(); got != 1 {
		t.Error("the code form has no one-time-code input")
	}
	code := ts.totpCode(email)
	wantStatus(t, first.post("/login/code", url.Values{"code": {code}}), http.StatusSeeOther)
	wantStatus(t, first.get("/audit"), http.StatusOK)

	// The same code again, within its time step, from another browser
	// that has the password: refused, and said why.
	second := ts.passwordOnly(email, "/login/code")
	res := second.post("/login/code", url.Values{"code": {code}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.doc(t).Find(".govuk-error-summary").Text(), "used already") {
		t.Errorf("a reused code: error summary %q", res.doc(t).Find(".govuk-error-summary").Text())
	}
	if r := second.get("/audit"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login/code" {
		t.Errorf("after a reused code: /audit %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	// A wrong code likewise, with the value not kept.
	res = second.post("/login/code", url.Values{"code": {"000000"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	// The next code goes in.
	wantStatus(t, second.post("/login/code", url.Values{"code": {ts.totpCode(email)}}), http.StatusSeeOther)
	wantStatus(t, second.get("/audit"), http.StatusOK)
}

func TestWrongSecondFactorCodesAreThrottledLikeThePassword(t *testing.T) {
	t.Parallel()
	ts := newProxiedTestServer(t)
	const email = "inspector@demo.test"
	from := map[string]string{"X-Forwarded-For": "203.0.113.77"}
	c := ts.anon()
	res := c.postWith("/login", url.Values{"email": {email}, "password": {demoPassword}}, from)
	wantStatus(t, res, http.StatusSeeOther)
	for i := range loginMaxFailures {
		res := c.postWith("/login/code", url.Values{"code": {"12345" + itoa(int64(i%10))}}, from)
		if res.StatusCode != http.StatusUnprocessableEntity {
			// One of the ten could be the right code: astronomically rare.
			t.Fatalf("wrong code %d: status %d", i, res.StatusCode)
		}
	}
	// Now even the right code is refused from that client, with when to
	// come back; the throttle tripping is audited.
	res = c.postWith("/login/code", url.Values{"code": {ts.totpCode(email)}}, from)
	wantStatus(t, res, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if countAudit(t, ts, "login.throttled") != 1 {
		t.Error("the second step's throttle tripping is not audited")
	}
	// The owner, from another client, signs in.
	wantStatus(t, signInFrom(ts, "198.51.100.77", email, demoPassword), http.StatusSeeOther)
}

func TestSettingUpAnAppShowsItsQRCodeAndRecoveryCodesOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	const email = "liaison.sussex@demo.test"
	u, err := ts.store.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	victim := ts.as(email)
	admin := ts.as("admin@demo.test")
	show := admin.get("/admin/users/" + itoa(u.ID))
	if got := show.doc(t).Find("[data-testid=second-factor]").Text(); !strings.Contains(got, "Authenticator app, set up") {
		t.Errorf("the admin's page of the user says %q about the second factor", got)
	}
	before := countAudit(t, ts, "user.second-factor.reset")
	wantStatus(t, admin.post("/admin/users/"+itoa(u.ID)+"/second-factor/reset", nil), http.StatusSeeOther)
	if countAudit(t, ts, "user.second-factor.reset") != before+1 {
		t.Fatal("the reset is not audited")
	}
	if got := admin.get("/admin/users/" + itoa(u.ID)).doc(t).Find("[data-testid=second-factor]").Text(); got != "Not set up" {
		t.Errorf("after the reset the admin's page says %q", got)
	}
	// The reset ended the user's sessions.
	if r := victim.get("/cases"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("after the reset the user's session: /cases %d to %q", r.StatusCode, r.Header.Get("Location"))
	}

	// The next sign-in sets up an app: a QR code made on the server (a PNG
	// in the page, with a text alternative) and the secret written out.
	c := ts.passwordOnly(email, "/login/enrol")
	page := c.get("/login/enrol")
	wantStatus(t, page, http.StatusOK)
	d := page.doc(t)
	img := d.Find("img[data-testid=totp-qr]")
	src, _ := img.Attr("src")
	alt, _ := img.Attr("alt")
	b64, ok := strings.CutPrefix(src, "data:image/png;base64,")
	if !ok {
		t.Fatalf("QR code src %.40q, want a PNG data URL", src)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Errorf("QR code is no PNG: %v", err)
	}
	if !strings.Contains(alt, "QR code") || !strings.Contains(alt, email) {
		t.Errorf("QR code alt %q", alt)
	}
	secret := enrolSecret(t, page)
	// The same secret on a reload (the app may already hold it).
	if again := enrolSecret(t, c.get("/login/enrol")); again != secret {
		t.Errorf("reloading the page changed the secret")
	}
	res := c.post("/login/enrol", url.Values{"code": {"000000"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if d := res.doc(t); d.Find(".govuk-error-summary a[href='#code']").Length() != 1 || d.Find("img[data-testid=totp-qr]").Length() != 1 {
		t.Error("a wrong first code: no error summary linking to the code, or the QR code gone")
	}
	res = c.post("/login/enrol", url.Values{"code": {ts.codeAfter(secret, 0)}})
	wantStatus(t, res, http.StatusOK)
	var codes []string
	res.doc(t).Find("[data-testid=recovery-codes] li").Each(func(_ int, li *goquery.Selection) {
		codes = append(codes, strings.TrimSpace(li.Text()))
	})
	if len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown, want %d", len(codes), auth.RecoveryCodeCount)
	}
	wantStatus(t, c.get("/cases"), http.StatusOK)
	if countAudit(t, ts, "user.second-factor.enrol") < 1 {
		t.Error("setting up the app is not audited")
	}
	// Kept only as hashes.
	var stored, plain int
	err = ts.store.Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE position($2::bytea IN code_hash) > 0)
		FROM recovery_codes WHERE user_id = $1`, u.ID, []byte(codes[0])).Scan(&stored, &plain)
	if err != nil || stored != auth.RecoveryCodeCount || plain != 0 {
		t.Errorf("recovery codes stored: %d rows, %d holding a code as typed (%v)", stored, plain, err)
	}
	if n := allAuditEventsHolding(t, ts, codes[0]); n != 0 {
		t.Errorf("%d audit events hold a recovery code", n)
	}

	// A recovery code signs in once, typed with capitals and spaces.
	typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
	other := ts.passwordOnly(email, "/login/code")
	wantStatus(t, other.post("/login/code", url.Values{"code": {typed}}), http.StatusSeeOther)
	wantStatus(t, other.get("/cases"), http.StatusOK)
	third := ts.passwordOnly(email, "/login/code")
	wantStatus(t, third.post("/login/code", url.Values{"code": {codes[3]}}), http.StatusUnprocessableEntity)
	// And the app's codes still work, from the secret the page gave.
	wantStatus(t, third.post("/login/code", url.Values{"code": {ts.totpCode(email)}}), http.StatusSeeOther)
}

// allAuditEventsHolding counts audit events whose text holds s.
func allAuditEventsHolding(t *testing.T, ts *testServer, s string) int {
	t.Helper()
	var n int
	q := `SELECT count(*) FROM audit_events e WHERE position(lower($1) IN lower(e::text)) > 0`
	if err := ts.store.Pool().QueryRow(context.Background(), q, s).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAdminDecidesWhetherLiaisonsNeedASecondFactor(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ctx := context.Background()
	admin := ts.as("admin@demo.test")
	page := admin.get("/admin/settings")
	wantStatus(t, page, http.StatusOK)
	if _, checked := page.doc(t).Find("#liaison_second_factor").Attr("checked"); !checked {
		t.Error("the safe default (liaisons need a second factor) is not what the page shows")
	}
	// A liaison without an app (reset) must set one up.
	const email = "liaison.leicestershire@demo.test"
	u, err := ts.store.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, admin.post("/admin/users/"+itoa(u.ID)+"/second-factor/reset", nil), http.StatusSeeOther)
	ts.passwordOnly(email, "/login/enrol")
	// An inspector always must, whatever the setting.
	before := countAudit(t, ts, "settings.sign-in")
	wantStatus(t, admin.post("/admin/settings", url.Values{"liaison_second_factor": {"no"}}), http.StatusSeeOther)
	if countAudit(t, ts, "settings.sign-in") != before+1 {
		t.Error("the change of policy is not audited")
	}
	if _, checked := admin.get("/admin/settings").doc(t).Find("#liaison_second_factor-no").Attr("checked"); !checked {
		t.Error("the page does not show the saved setting")
	}
	// Switched off: the liaison signs in with the password alone...
	c := ts.anon()
	res := c.post("/login", url.Values{"email": {email}, "password": {demoPassword}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/" {
		t.Fatalf("liaison with the policy off: sent to %q, want /", loc)
	}
	wantStatus(t, c.get("/cases"), http.StatusOK)
	// ...a liaison who has an app still uses it...
	ts.passwordOnly("liaison.sussex@demo.test", "/login/code")
	// ...and the other roles are not affected.
	inspector, err := ts.store.UserByEmail(ctx, "inspector@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, admin.post("/admin/users/"+itoa(inspector.ID)+"/second-factor/reset", nil), http.StatusSeeOther)
	ts.passwordOnly("inspector@demo.test", "/login/enrol")
	// Back on: the liaison must set one up again.
	wantStatus(t, admin.post("/admin/settings", url.Values{"liaison_second_factor": {"yes"}}), http.StatusSeeOther)
	ts.passwordOnly(email, "/login/enrol")
}

func TestDemoUsersHaveKnownSecrets(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, d := range seed.DemoUsers {
		u, err := ts.store.UserByEmail(context.Background(), d.Email)
		if err != nil {
			t.Fatal(err)
		}
		sf, err := ts.store.SecondFactor(context.Background(), u.ID)
		if err != nil || sf.Secret != seed.DemoTOTPSecret(d.Email) {
			t.Errorf("%s: second factor %v, %v; want the known demo secret", d.Email, sf.Secret, err)
		}
	}
}

// TestConcurrentUsesOfOneCodeSignInOnce: browsers that all have the
// password send the same code at once; one gets in.
func TestConcurrentUsesOfOneCodeSignInOnce(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	const email, n = "manager@demo.test", 8
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = ts.passwordOnly(email, "/login/code")
	}
	code := ts.totpCode(email)
	var wg sync.WaitGroup
	var mu sync.Mutex
	byStatus := map[int]int{}
	start := make(chan struct{})
	for _, c := range clients {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, ts.ts.URL+"/login/code", strings.NewReader(url.Values{"code": {code}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", ts.ts.URL)
			<-start
			res, err := c.http.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			mu.Lock()
			byStatus[res.StatusCode]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if byStatus[http.StatusSeeOther] != 1 || byStatus[http.StatusUnprocessableEntity] != n-1 {
		t.Errorf("answers %v, want one 303 and %d 422", byStatus, n-1)
	}
}

// TestSingleSignOnAnswerNoBrowserStartedIsRefused: a provider's answer
// with a state this browser never started is the plain refusal, logged
// and not audited; the provider's button starts the flow with PKCE and a
// nonce.
func TestSingleSignOnAnswerNoBrowserStartedIsRefused(t *testing.T) {
	t.Parallel()
	ts, _ := newSSOTestServer(t)
	c := ts.anon()
	before := countAudit(t, ts, "login.sso.refused")
	res := c.get("/login/sso/idp/callback?code=abc&state=forged")
	wantStatus(t, res, http.StatusForbidden)
	if got := res.doc(t).Find("[data-testid=sso-refused]").Text(); !strings.Contains(got, "could not be signed in") {
		t.Errorf("refusal page says %q", got)
	}
	if countAudit(t, ts, "login.sso.refused") != before {
		t.Error("a forged answer is audited")
	}
	res = c.get("/login/sso/idp")
	wantStatus(t, res, http.StatusSeeOther)
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || len(q.Get("state")) < 32 ||
		q.Get("client_id") != "portal" || q.Get("redirect_uri") != ts.ts.URL+"/login/sso/idp/callback" {
		t.Errorf("authorization request %s", u)
	}
	// No such provider: the sign-in page.
	if res := c.get("/login/sso/nope"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("an unknown provider: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}
