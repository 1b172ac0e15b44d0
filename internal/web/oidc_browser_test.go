package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/browsertest"
	"inspectrack/internal/config"
	"inspectrack/internal/store"
)

// newSSOTestServer is the portal with two single sign-on providers on one
// test OpenID provider: "idp" (its sign-in is only the first step) and
// "idp-mfa" (it counts as the second factor when the amr claim says so).
func newSSOTestServer(t *testing.T) (*testServer, *testIdP) {
	t.Helper()
	idp := newTestIdP(t, map[string]string{"portal": "portal secret", "portal-mfa": "portal mfa secret"})
	cfg := testConfig()
	cfg.OIDC = []config.OIDCProvider{
		{ID: "idp", Issuer: idp.Issuer(), ClientID: "portal", ClientSecret: "portal secret",
			Domains: []string{"demo.test"}, Label: "Inspectorate account", SecondFactor: "none"},
		{ID: "idp-mfa", Issuer: idp.Issuer(), ClientID: "portal-mfa", ClientSecret: "portal mfa secret",
			Domains: []string{"demo.test"}, Label: "Force account", SecondFactor: "amr"},
	}
	return newTestServerWith(t, cfg), idp
}

// TestBrowserSingleSignOnJourneys signs in through a real OpenID provider
// (in the test process) with the real redirects in Chromium: success
// (then the portal's own second step), a provider whose multi-factor
// sign-in counts as the second step, and the refusals: an ID token for
// another audience, an expired one, a replayed state, an unverified
// email, an unknown account and a disabled one. Every refusal is the same
// plain page and an audit event; every page passes axe.
func TestBrowserSingleSignOnJourneys(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts, idp := newSSOTestServer(t)
		b := ts.browser(t, noJS)
		ctx := context.Background()

		// refused goes to the provider and back to the plain refusal. A
		// refusal of an identity the provider vouched for (reason given)
		// is audited with the reason; one whose token did not verify
		// (reason "") is logged only, as a wrong password is.
		refused := func(name, reason string) {
			t.Helper()
			before := countAudit(t, ts, "login.sso.refused")
			b.Visit("/login")
			b.ClickAndWait("[data-testid=sso][href^='/login/sso/idp?']")
			b.WantStatus(http.StatusForbidden)
			b.WantText("h1", "You could not be signed in")
			b.Check("sso-refused-" + name)
			want := before
			if reason != "" {
				want++
			}
			if got := countAudit(t, ts, "login.sso.refused"); got != want {
				t.Errorf("%s: %d refusals audited, want %d", name, got-before, want-before)
			}
			if reason != "" {
				var summary string
				err := ts.store.Pool().QueryRow(ctx, `SELECT summary FROM audit_events WHERE action = 'login.sso.refused' ORDER BY id DESC LIMIT 1`).Scan(&summary)
				if err != nil || !strings.Contains(summary, reason) {
					t.Errorf("%s: audit summary %q, want it to say %q", name, summary, reason)
				}
			}
			b.Visit("/cases")
			b.WantPath("/login?next=%2Fcases")
		}

		// Success: the provider's sign-in, then the portal's own code.
		idp.set(func(i *testIdP) { i.Email = "Manager@Demo.test" })
		b.Visit("/login")
		b.WantText("[data-testid=sso]", "Sign in with Inspectorate account")
		b.Check("sign-in-with-sso")
		b.ClickAndWait("[data-testid=sso][href^='/login/sso/idp?']")
		b.WantStatus(http.StatusOK)
		b.WantPath("/login/code")
		b.Check("sso-second-step")
		b.Fill("#code", ts.totpCode("manager@demo.test"))
		b.ClickAndWait(codeSubmit)
		b.WantPath("/")
		b.WantText("h1", "Welcome, Morgan Manager")
		if n := countAudit(t, ts, "login.success"); n != 1 {
			t.Errorf("%d login.success events after the sign-in, want 1", n)
		}
		b.ClickAndWait("[data-testid=sign-out]")

		// The same answer from the provider again (its code and state):
		// the state was good once.
		idp.mu.Lock()
		replay := idp.LastRedirect
		idp.mu.Unlock()
		before := countAudit(t, ts, "login.sso.refused")
		b.Visit(replay)
		b.WantStatus(http.StatusForbidden)
		b.WantText("[data-testid=sso-refused]", "You could not be signed in through Inspectorate account")
		b.Check("sso-refused-replayed-state")
		if countAudit(t, ts, "login.sso.refused") != before {
			t.Error("a replayed state (no identity vouched for) is audited: anyone could fill the trail")
		}
		if n := countAudit(t, ts, "login.success"); n != 1 {
			t.Errorf("%d sign-ins after the replay, want still 1", n)
		}

		// A provider whose multi-factor sign-in counts: straight in.
		idp.set(func(i *testIdP) { i.Email, i.AMR = "inspector@demo.test", []string{"pwd", "mfa"} })
		b.Visit("/login")
		b.ClickAndWait("[data-testid=sso][href^='/login/sso/idp-mfa?']")
		b.WantPath("/")
		b.WantText("h1", "Welcome, Isla Inspector")
		b.ClickAndWait("[data-testid=sign-out]")
		// The same provider without a second factor in amr: the code step.
		idp.set(func(i *testIdP) { i.AMR = []string{"pwd"} })
		b.Visit("/login")
		b.ClickAndWait("[data-testid=sso][href^='/login/sso/idp-mfa?']")
		b.WantPath("/login/code")
		b.ClickAndWait("main form[action='/logout'] button")
		idp.set(func(i *testIdP) { i.AMR = nil })

		idp.set(func(i *testIdP) { i.Email, i.Audience = "manager@demo.test", "another-client" })
		refused("wrong-audience", "")
		idp.set(func(i *testIdP) { i.Audience, i.Lifetime = "", -10*time.Minute })
		refused("expired", "")
		idp.set(func(i *testIdP) { i.Lifetime, i.EmailVerified = 5*time.Minute, false })
		refused("unverified-email", "has not verified the email address")
		idp.set(func(i *testIdP) { i.EmailVerified, i.Email = true, "nobody@demo.test" })
		refused("unknown-account", "is no account of the portal")
		u, err := ts.store.UserByEmail(ctx, "inspector2@demo.test")
		if err != nil {
			t.Fatal(err)
		}
		if err := ts.store.DisableUser(ctx, store.Actor{Email: "test"}, u.ID); err != nil {
			t.Fatal(err)
		}
		idp.set(func(i *testIdP) { i.Email = "inspector2@demo.test" })
		refused("disabled-account", "is disabled")
		idp.set(func(i *testIdP) { i.Email = "someone@elsewhere.test" })
		refused("other-domain", "not in a domain this provider may sign in for")

		// By keyboard alone: the provider's button is a link, reached by
		// Tab and followed with Enter.
		idp.set(func(i *testIdP) { i.Email = "manager@demo.test" })
		b.Visit("/login")
		b.TabTo("[data-testid=sso][href^='/login/sso/idp?']")
		b.WantVisibleFocus()
		b.PressAndWait(browsertest.Enter)
		b.WantPath("/login/code")
	})
}
