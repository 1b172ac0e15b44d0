package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"inspectrack/internal/browsertest"
	"inspectrack/internal/jobs"
	"inspectrack/internal/store"
)

// startWorkers runs the job queue's real workers on the test server's
// database, as serve does with no mail server: messages go to the mailbox,
// their links to the test server.
func startWorkers(t *testing.T, ts *testServer) {
	t.Helper()
	c, err := jobs.Start(context.Background(), ts.store.Pool(), ts.store, slog.New(slog.NewTextHandler(io.Discard, nil)),
		jobs.Options{BaseURL: ts.ts.URL, FetchPoll: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Stop(ctx)
	})
}

var mailboxLinkRE = regexp.MustCompile(`https?://[^\s]+/(?:invitation|password-reset)/[A-Za-z0-9_-]+`)

// linkIn returns the path of the one-time link in text.
func linkIn(t *testing.T, text string) string {
	t.Helper()
	m := mailboxLinkRE.FindString(text)
	if m == "" {
		t.Fatalf("no one-time link in the message:\n%s", text)
	}
	u, err := url.Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// waitForMailbox visits the mailbox until its newest message has left
// the queue for the mailbox, and opens it.
func waitForMailbox(t *testing.T, b *browsertest.Browser, to string) {
	t.Helper()
	for i := 0; ; i++ {
		b.Visit("/admin/mailbox")
		first := b.Text("[data-testid=message]")
		if regexp.MustCompile(regexp.QuoteMeta(to) + `[\s\S]*Not sent: no mail server configured`).MatchString(first) {
			return
		}
		if i == 100 {
			t.Fatalf("the mailbox's newest message is %q, want one to %s kept in the mailbox", first, to)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func userPagePath(t *testing.T, ts *testServer, email string) string {
	t.Helper()
	return "/admin/users/" + itoa(ts.userID(email))
}

// TestBrowserInvitedLiaisonChoosesAPasswordAndSeesTheirForce: the admin
// invites a liaison; the liaison opens the link from the captured message
// (the mailbox, with no mail server), chooses a password, signs in and
// sees their force. Then they forget it and reset it from the sign-in
// page. axe finds nothing on any page.
func TestBrowserInvitedLiaisonChoosesAPasswordAndSeesTheirForce(t *testing.T) {
	t.Parallel()
	eachScriptMode(t, func(t *testing.T, noJS bool) {
		ts := newTestServer(t)
		startWorkers(t, ts)
		b := ts.browser(t, noJS)

		signInWithBrowser(t, b, "admin@demo.test")
		b.Visit("/admin/users/new")
		b.Fill("#name", "Robin Liaison")
		b.Fill("#email", "robin.liaison@demo.test")
		b.Click("input[name=role][value=liaison]")
		b.Select("#force", "leicestershire")
		b.ClickAndWait(submit)
		b.WantStatus(http.StatusOK)
		b.WantText("h1", "Robin Liaison")
		b.Check("invited")

		waitForMailbox(t, b, "robin.liaison@demo.test")
		b.Check("mailbox")
		b.ClickAndWait("[data-testid=message] a")
		b.WantStatus(http.StatusOK)
		b.WantText("h1", "Choose a password to use the inspection tracker")
		b.WantText("[data-testid=message-status]", "Not sent: no mail server configured")
		link := linkIn(t, b.Text("[data-testid=message-text]"))
		b.Check("invitation-message")
		b.Visit(userPagePath(t, ts, "robin.liaison@demo.test"))
		b.WantText("[data-testid=invitation]", "Works until")
		b.Check("invited-link-sent")

		b.ClickAndWait("[data-testid=sign-out]")
		b.WantStatus(http.StatusOK)

		// The liaison, in the same browser now signed out.
		b.Visit(link)
		b.WantStatus(http.StatusOK)
		b.WantText("h1", "Choose your password")
		b.WantText("main", "robin.liaison@demo.test")
		b.Check("choose-password")
		b.Fill("#password", "short")
		b.Fill("#confirm", "short")
		b.ClickAndWait(submit)
		b.WantStatus(http.StatusUnprocessableEntity)
		b.WantText(".govuk-error-summary", "12")
		b.Check("choose-password-errors")
		const chosen = "willow harbour lantern"
		b.Fill("#password", chosen)
		b.Fill("#confirm", chosen)
		b.ClickAndWait(submit)
		b.WantStatus(http.StatusOK)
		b.WantPath("/login")
		b.WantText(".govuk-notification-banner", "Your password is saved")
		b.Check("password-saved")

		signInWithPassword(t, b, "robin.liaison@demo.test", chosen)
		b.WantText("main", "Leicestershire")
		b.Check("liaison-home")
		b.Visit("/forces")
		b.WantStatus(http.StatusOK)
		b.WantText("main", "Leicestershire")

		// The link is spent.
		b.ClickAndWait("[data-testid=sign-out]")
		b.Visit(link)
		b.WantStatus(http.StatusGone)
		b.WantText("h1", "This link has already been used")
		b.Check("link-used")

		// Forgotten password, from the sign-in page.
		b.Visit("/login")
		b.ClickAndWait("[data-testid=forgotten-password]")
		b.WantText("h1", "Reset your password")
		b.Check("forgotten-password")
		b.Fill("#email", "robin.liaison@demo.test")
		b.ClickAndWait(submit)
		b.WantStatus(http.StatusOK)
		b.WantText("[data-testid=reset-sent]", "If robin.liaison@demo.test is the address of an account")
		b.Check("reset-sent")

		// The captured message: the newest in the mailbox.
		var reset store.OutboundMessage
		for i := 0; ; i++ {
			ms, err := ts.store.ListMessages(context.Background(), store.MessageFilter{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(ms) == 1 && ms[0].Kind == "reset" && ms[0].Status == "mailbox" {
				reset = ms[0]
				break
			}
			if i == 100 {
				t.Fatalf("no reset message reached the mailbox: %+v", ms)
			}
			time.Sleep(100 * time.Millisecond)
		}
		b.Visit(linkIn(t, reset.BodyText))
		b.WantStatus(http.StatusOK)
		b.WantText("h1", "Choose a new password")
		b.Check("reset-password")
		const second = "copper meadow whistle"
		b.Fill("#password", second)
		b.Fill("#confirm", second)
		b.ClickAndWait(submit)
		b.WantPath("/login")
		signInWithPassword(t, b, "robin.liaison@demo.test", second)
		b.WantText("main", "Leicestershire")
	})
}
