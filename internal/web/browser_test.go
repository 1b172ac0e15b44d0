package web

// The portal in headless Chromium: the real router on a demo-seeded
// database, reached over 127.0.0.1, with axe-core's WCAG 2.2 A and AA checks
// and a screenshot (under .data/screenshots/<TestName>/) on every page a
// journey visits, with JavaScript on and off, and with the keyboard alone.
// Issue 8's journeys grow here.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"inspectrack/internal/browsertest"
)

// submit is the button of the page's form (not the header's Sign out).
const submit = "main form button[type=submit]"

// browser opens a tab on the test server, JavaScript on unless noJS.
func (ts *testServer) browser(t *testing.T, noJS bool) *browsertest.Browser {
	t.Helper()
	return browsertest.New(t, browsertest.Options{BaseURL: ts.ts.URL, NoJavaScript: noJS})
}

// eachScriptMode runs journey twice in parallel: with JavaScript, and
// without it (every page must work without).
func eachScriptMode(t *testing.T, journey func(t *testing.T, noJS bool)) {
	t.Helper()
	for _, mode := range []struct {
		name string
		noJS bool
	}{{"JavaScript", false}, {"NoJavaScript", true}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			journey(t, mode.noJS)
		})
	}
}

// signInWithBrowser signs in through the sign-in form as a demo user, and
// through the second step: the code of their authenticator app (computed
// from the secret the test server's database holds, at its clock), or,
// when they have none and must, setting one up from the secret the page
// writes out.
func signInWithBrowser(t *testing.T, b *browsertest.Browser, email string) {
	t.Helper()
	signInWithPassword(t, b, email, demoPassword)
}

// signInWithPassword signs in through the sign-in form with a password of
// the user's own (one chosen from an invitation or reset link).
func signInWithPassword(t *testing.T, b *browsertest.Browser, email, password string) {
	t.Helper()
	b.Visit("/login")
	b.Fill("#email", email)
	b.Fill("#password", password)
	b.ClickAndWait(submit)
	b.WantStatus(http.StatusOK)
	browserSecondStep(t, b, email)
	b.WantStatus(http.StatusOK)
	b.WantPath("/")
}

// codeSubmit is the second step's own button (its page has a second
// form, to sign out).
const codeSubmit = "main form[action^='/login/'] button[type=submit]"

// browserSecondStep completes the second step of signing in the tab is
// at, if any, with the mouse.
func browserSecondStep(t *testing.T, b *browsertest.Browser, email string) {
	t.Helper()
	ts := serverOf(t, b)
	switch b.Path() {
	case "/login/code":
		b.Fill("#code", ts.totpCode(email))
		b.ClickAndWait(codeSubmit)
	case "/login/enrol":
		secret := strings.Join(strings.Fields(strings.TrimPrefix(strings.TrimSpace(b.Text("[data-testid=totp-secret]")), "Key:")), "")
		b.Fill("#code", ts.codeAfter(secret, 0))
		b.ClickAndWait(codeSubmit)
		b.WantStatus(http.StatusOK)
		b.ClickAndWait("main a.govuk-button")
	}
}

// testServers are the running test servers by URL, so a browser journey
// finds the server (its database and clock) its tab is on.
var testServers sync.Map

// serverOf is the test server of the tab's page.
func serverOf(t *testing.T, b *browsertest.Browser) *testServer {
	t.Helper()
	u, err := url.Parse(b.URL())
	if err != nil {
		t.Fatal(err)
	}
	ts, ok := testServers.Load(u.Scheme + "://" + u.Host)
	if !ok {
		t.Fatalf("no test server at %s", b.URL())
	}
	return ts.(*testServer)
}

// followErrorLink tabs to the error summary's link to the field with id,
// presses Enter on it, and checks that the field then has the focus, or is
// the next stop of Tab without JavaScript (the link only moves the page to
// its anchor then). The focus shows at each step.
func followErrorLink(t *testing.T, b *browsertest.Browser, noJS bool, id string) {
	t.Helper()
	b.TabTo(".govuk-error-summary a[href='#" + id + "']")
	b.WantVisibleFocus()
	b.Press(browsertest.Enter)
	if !noJS {
		// GOV.UK Frontend focuses the field itself, not just its anchor.
		b.FocusIs("#" + id)
	} else {
		b.TabTo("#" + id)
	}
	b.WantVisibleFocus()
}

// TestBrowserStartPageScreenshot loads the start page as a newcomer does:
// the service's own name, GOV.UK's design, and none of GOV.UK's branding.
func TestBrowserStartPageScreenshot(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	b := ts.browser(t, false)
	b.Visit("/")
	b.WantStatus(http.StatusOK)
	b.Check("start-page")

	if got := b.Title(); got != "Inspection tracker" {
		t.Errorf("title %q, want the service name", got)
	}
	b.WantText("h1", "Inspection tracker")
	b.WantText(".govuk-service-navigation__service-name", "Inspection tracker")
	b.WantText("[data-testid=start-sign-in]", "Sign in")
	if !b.JavaScriptRan() {
		t.Error("app.js did not run: body lacks govuk-frontend-supported")
	}

	// No crown, no GOV.UK logotype, no Royal Arms, no GDS Transport.
	for _, sel := range []string{
		".govuk-header__logo", ".govuk-header__logotype", ".govuk-logo", ".govuk-header__link--homepage",
		".govuk-footer__crown", ".govuk-footer__licence-logo", ".govuk-footer__copyright-logo",
	} {
		if n := b.Count(sel); n != 0 {
			t.Errorf("start page has %d %s: GOV.UK branding", n, sel)
		}
	}
	if body := b.Text("body"); strings.Contains(body, "GOV.UK") || strings.Contains(body, "Crown copyright") {
		t.Error("start page mentions GOV.UK or Crown copyright")
	}
	var font string
	b.Eval(`getComputedStyle(document.querySelector("h1")).fontFamily`, &font)
	if !strings.HasPrefix(strings.ToLower(font), "arial") {
		t.Errorf("heading font %q, want Arial (no GDS Transport)", font)
	}
	var loaded []string
	b.Eval(`performance.getEntriesByType("resource").map(e => e.name)`, &loaded)
	for _, u := range loaded {
		if strings.Contains(u, "crest") || strings.Contains(u, "crown") || strings.Contains(u, ".woff") {
			t.Errorf("the start page loads %s: GOV.UK branding or a font file", u)
		}
	}
}

// TestBrowserSignInJourney is an administrator's first session: the start
// page, sign-in mistakes, home, the users list, adding a liaison (with
// mistakes first), their account page, the audit trail, signing out. Every
// page and every error state passes axe with zero violations, with
// JavaScript on and off.
func TestBrowserSignInJourney(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newTestServer(t)
		b := ts.browser(t, noJS)

		b.Visit("/")
		b.WantStatus(http.StatusOK)
		b.Check("start-page")
		b.WantText("[data-testid=sign-in]", "Sign in")

		b.ClickAndWait("[data-testid=start-sign-in]")
		b.WantPath("/login")
		b.Check("sign-in")

		// Nothing entered.
		b.ClickAndWait(submit)
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WantText(".govuk-error-summary", "Enter your email address")
		b.WantText(".govuk-error-summary", "Enter your password")
		b.WantText("#email-error", "Enter your email address")
		if !strings.HasPrefix(b.Title(), "Error: ") {
			t.Errorf("title %q of a page with errors, want it to start \"Error: \"", b.Title())
		}
		if !noJS {
			// GOV.UK Frontend moves the focus to the summary, so a screen
			// reader announces the problem.
			b.FocusIs(".govuk-error-summary")
		}
		b.Check("sign-in-empty")

		// A wrong password: the same form, the email kept.
		b.Fill("#email", "admin@demo.test")
		b.Fill("#password", "not the password")
		b.ClickAndWait(submit)
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WantText(".govuk-error-summary", "Enter a correct email address and password")
		var kept string
		b.Eval(`document.querySelector("#email").value`, &kept)
		if kept != "admin@demo.test" {
			t.Errorf("email field %q after a failed sign-in, want it kept", kept)
		}
		b.Check("sign-in-wrong-password")

		b.Fill("#password", demoPassword)
		b.ClickAndWait(submit)
		b.WantStatus(http.StatusOK)

		// The second step: a code from the authenticator app.
		b.WantPath("/login/code")
		b.WantText("h1", "Enter your security code")
		b.Check("second-step")
		b.ClickAndWait(codeSubmit)
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WantText(".govuk-error-summary", "Enter the code from your authenticator app")
		b.Check("second-step-empty")
		b.Fill("#code", "000000")
		b.ClickAndWait(codeSubmit)
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WantText(".govuk-error-summary", "Enter the code your authenticator app shows now")
		b.Check("second-step-wrong-code")
		b.Fill("#code", ts.totpCode("admin@demo.test"))
		b.ClickAndWait(codeSubmit)
		b.WantStatus(http.StatusOK)
		b.WantPath("/")
		b.WantText("h1", "Welcome, Alex Admin")
		b.WantText("[data-testid=user-name]", "Alex Admin")
		b.Check("home")

		b.ClickAndWait(".govuk-service-navigation a[href='/admin/users']")
		b.WantStatus(http.StatusOK)
		b.WantText("[data-testid=users]", "liaison.sussex@demo.test")
		b.Check("users")

		b.ClickAndWait("main a[href='/admin/users/new']")
		b.WantText("h1", "Add a user")
		b.Check("add-user")

		// A liaison without a force, no name, a malformed email.
		b.Fill("#email", "dana.scully at demo.test")
		b.Click("input[name=role][value=liaison]")
		b.ClickAndWait(submit)
		b.WantStatus(http.StatusUnprocessableEntity)
		for _, msg := range []string{"Enter the user's full name", "Enter an email address in the correct format", "Select the force this liaison works for"} {
			b.WantText(".govuk-error-summary", msg)
		}
		b.Check("add-user-errors")

		b.Fill("#name", "Dana Scully")
		b.Fill("#email", "dana.scully@demo.test")
		b.Select("#force", "leicestershire")
		b.ClickAndWait(submit)
		b.WantStatus(http.StatusOK)
		b.WantText(".govuk-notification-banner", "An invitation to choose a password has been sent to dana.scully@demo.test")
		b.WantText("h1", "Dana Scully")
		b.WantText(".govuk-summary-list", "Leicestershire")
		if b.Count("[data-testid=password]") != 0 {
			t.Error("a password is shown to the admin")
		}
		b.Check("user")

		b.ClickAndWait(".govuk-service-navigation a[href='/audit']")
		b.WantStatus(http.StatusOK)
		b.WantText("[data-testid=audit]", "user.invite")
		b.Check("audit-trail")

		b.ClickAndWait("[data-testid=sign-out]")
		b.WantStatus(http.StatusOK)
		b.WantPath("/")
		b.WantText("[data-testid=sign-in]", "Sign in")
		b.Check("signed-out")
	})
}

// TestBrowserSignInWithKeyboardOnly signs in and out with Tab, Enter and
// Space alone (no mouse event): the skip link comes first, every control is
// reached in order and shows where the focus is, the error summary's links
// lead to their fields.
func TestBrowserSignInWithKeyboardOnly(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newTestServer(t)
		b := ts.browser(t, noJS)

		b.Visit("/")
		b.Press(browsertest.Tab)
		b.FocusIs(".govuk-skip-link")
		b.WantVisibleFocus()

		b.TabTo("[data-testid=start-sign-in]")
		b.WantVisibleFocus()
		b.PressAndWait(browsertest.Enter)
		b.WantPath("/login")

		// Submit the empty form with Enter on its button.
		b.TabTo(submit)
		b.WantVisibleFocus()
		b.PressAndWait(browsertest.Enter)
		b.WantStatus(http.StatusUnprocessableEntity)
		b.Check("sign-in-errors")

		// The summary's first link leads to the email field.
		followErrorLink(t, b, noJS, "email")
		b.Press("admin@demo.test")
		b.TabTo("#password")
		b.Press(demoPassword)
		b.TabTo(submit)
		b.PressAndWait(browsertest.Enter)
		b.WantStatus(http.StatusOK)
		// The second step: the code field, typed, then Enter on its button.
		b.WantPath("/login/code")
		b.TabTo("#code")
		b.WantVisibleFocus()
		b.Press(ts.totpCode("admin@demo.test"))
		b.TabTo(codeSubmit)
		b.WantVisibleFocus()
		b.PressAndWait(browsertest.Enter)
		b.WantStatus(http.StatusOK)
		b.WantText("h1", "Welcome, Alex Admin")
		b.Check("home")

		// Sign out is a button: Space presses it.
		b.TabTo("[data-testid=sign-out]")
		b.WantVisibleFocus()
		b.PressAndWait(browsertest.Space)
		b.WantPath("/")
		b.WantText("[data-testid=sign-in]", "Sign in")
		b.Check("signed-out")
	})
}

// TestBrowserOtherPagesAreAccessible checks the pages no journey above
// passes through: the accessibility statement, 404 (signed out and in),
// a filtered audit trail, a liaison's account page, and the home pages of
// the other roles.
func TestBrowserOtherPagesAreAccessible(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newTestServer(t)
		b := ts.browser(t, noJS)

		b.Visit("/")
		b.ClickAndWait(".govuk-footer a[href='/accessibility']")
		b.WantStatus(http.StatusOK)
		b.WantText("h1", "Accessibility statement")
		b.Check("accessibility-statement")

		b.Visit("/no-such-page")
		b.WantStatus(http.StatusNotFound)
		b.WantText("h1", "Page not found")
		b.Check("not-found")

		signInWithBrowser(t, b, "liaison.sussex@demo.test")
		// A liaison's home is their force's cases.
		b.WantText("h1", "What your force has been asked")
		b.WantText(".govuk-caption-l", "Sussex Police")
		b.Check("home-liaison")
		b.Visit("/admin/users") // not theirs: as if it did not exist
		b.WantStatus(http.StatusNotFound)
		b.Check("liaison-not-found")
		b.ClickAndWait("[data-testid=sign-out]")

		signInWithBrowser(t, b, "manager@demo.test")
		b.Check("home-manager")
		b.ClickAndWait("[data-testid=sign-out]")

		signInWithBrowser(t, b, "admin@demo.test")
		liaison, err := ts.store.UserByEmail(t.Context(), "liaison.sussex@demo.test")
		if err != nil {
			t.Fatal(err)
		}
		b.Visit("/admin/users/" + strconv.FormatInt(liaison.ID, 10))
		b.WantStatus(http.StatusOK)
		b.WantText("label[for=force]", "Move to another force")
		b.Check("user-liaison")

		b.ClickAndWait("main a[href^='/audit?user=']")
		b.WantStatus(http.StatusOK)
		b.WantText("[data-testid=audit]", "login.success")
		b.Check("audit-trail-filtered")
	})
}
