package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"inspectrack/internal/browsertest"
)

// TestBrowserSettingUpAnAuthenticatorApp: an admin resets an inspector's
// second factor from their page and looks at the sign-in settings; the
// inspector, at their next sign-in, sets up an app from the QR code's
// written-out key (a wrong code first), is shown the recovery codes, and
// goes on by keyboard alone. Every page passes axe, with JavaScript on and
// off.
func TestBrowserSettingUpAnAuthenticatorApp(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newTestServer(t)
		b := ts.browser(t, noJS)
		inspector, err := ts.store.UserByEmail(t.Context(), "inspector@demo.test")
		if err != nil {
			t.Fatal(err)
		}

		signInWithBrowser(t, b, "admin@demo.test")
		b.ClickAndWait(".govuk-service-navigation a[href='/admin/settings']")
		b.WantStatus(http.StatusOK)
		b.WantText("h1", "Sign-in settings")
		b.Check("sign-in-settings")
		b.Click("#liaison_second_factor-no")
		b.ClickAndWait(submit)
		b.WantText(".govuk-notification-banner", "Liaisons may sign in with a password alone")
		b.Check("sign-in-settings-saved")

		b.Visit("/admin/users/" + strconv.FormatInt(inspector.ID, 10))
		b.WantText("[data-testid=second-factor]", "Authenticator app, set up")
		b.ClickAndWait("main form[action$='/second-factor/reset'] button")
		b.WantStatus(http.StatusOK)
		b.WantText("[data-testid=second-factor]", "Not set up")
		b.Check("user-second-factor-reset")
		b.ClickAndWait("[data-testid=sign-out]")

		// The inspector's next sign-in, by keyboard alone.
		b.Visit("/login")
		b.TabTo("#email")
		b.Press("inspector@demo.test")
		b.TabTo("#password")
		b.Press(demoPassword)
		b.TabTo(submit)
		b.PressAndWait(browsertest.Enter)
		b.WantPath("/login/enrol")
		b.WantText("h1", "Set up an authenticator app")
		b.Check("enrol")
		secret := strings.Join(strings.Fields(strings.TrimPrefix(strings.TrimSpace(b.Text("[data-testid=totp-secret]")), "Key:")), "")

		b.TabTo("#code")
		b.Press("123")
		b.TabTo(codeSubmit)
		b.PressAndWait(browsertest.Enter)
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WantText(".govuk-error-summary", "Enter the 6-digit code your app shows now")
		b.Check("enrol-wrong-code")
		followErrorLink(t, b, noJS, "code")
		b.Press(ts.codeAfter(secret, 0))
		b.TabTo(codeSubmit)
		b.PressAndWait(browsertest.Enter)
		b.WantStatus(http.StatusOK)
		b.WantText("h1", "Your authenticator app is set up")
		if n := b.Count("[data-testid=recovery-codes] li"); n != 10 {
			t.Errorf("%d recovery codes shown, want 10", n)
		}
		b.Check("recovery-codes")
		b.TabTo("main a.govuk-button")
		b.WantVisibleFocus()
		b.PressAndWait(browsertest.Enter)
		b.WantPath("/")
		b.WantText("h1", "Welcome, Isla Inspector")
	})
}
