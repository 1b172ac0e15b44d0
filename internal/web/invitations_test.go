package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// deliverQueued does what the job queue's workers do with no mail server:
// every queued message goes to the admin mailbox.
func deliverQueued(t *testing.T, ts *testServer) {
	t.Helper()
	ctx := context.Background()
	ms, err := ts.store.ListMessages(ctx, store.MessageFilter{Status: "queued", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if _, err := ts.store.DeliverMessage(ctx, m.ID, 1, store.MessageMaxAttempts, "http://portal.test", nil); err != nil {
			t.Fatal(err)
		}
	}
}

var linkToken = regexp.MustCompile(`/(?:invitation|password-reset)/([A-Za-z0-9_-]{20,})`)

// mailboxLink runs change (as the demo admin), delivers what it enqueued
// to the mailbox, and returns the newest message and its link's token.
func mailboxLink(t *testing.T, ts *testServer, change func(store.Actor) error) (int64, string) {
	t.Helper()
	if err := change(store.Actor{Email: "admin@demo.test", Role: "admin", RequestID: "test"}); err != nil {
		t.Fatal(err)
	}
	deliverQueued(t, ts)
	ms, err := ts.store.ListMessages(context.Background(), store.MessageFilter{Limit: 1})
	if err != nil || len(ms) == 0 {
		t.Fatalf("no message: %v", err)
	}
	m := linkToken.FindStringSubmatch(ms[0].BodyText)
	if m == nil {
		t.Fatalf("message %d has no one-time link:\n%s", ms[0].ID, ms[0].BodyText)
	}
	return ms[0].ID, m[1]
}

func TestAddingAUserSendsAnInvitationAndShowsNoPassword(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.as("admin@demo.test")
	res := admin.post("/admin/users", url.Values{"name": {"Nia New"}, "email": {"nia@demo.test"}, "role": {"liaison"}, "force": {"leicestershire"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add user: status %d", res.StatusCode)
	}
	page := admin.get(res.Header.Get("Location"))
	doc := page.doc(t)
	if !strings.Contains(doc.Find(".govuk-notification-banner").Text(), "invitation") {
		t.Errorf("no word of the invitation on the user's page")
	}
	if doc.Find(`[data-testid="password"]`).Length() != 0 {
		t.Error("a password is shown")
	}
	if doc.Find(`[data-testid="resend-invitation"]`).Length() != 1 {
		t.Error("no button to send the invitation again")
	}
	// The mailbox shows it, not sent, with its link.
	deliverQueued(t, ts)
	box := admin.get("/admin/mailbox").doc(t)
	row := box.Find(`[data-testid="message"]`).First()
	if !strings.Contains(row.Text(), "nia@demo.test") || !strings.Contains(row.Text(), "Not sent: no mail server configured") {
		t.Fatalf("mailbox's newest message: %q", row.Text())
	}
	href, _ := row.Find("a").Attr("href")
	msg := admin.get(href).doc(t)
	text := msg.Find(`[data-testid="message-text"]`).Text()
	if !strings.Contains(text, "http://portal.test/invitation/") {
		t.Errorf("the message's text has no invitation link:\n%s", text)
	}
	if html := msg.Find(`[data-testid="message-html"]`).Text(); !strings.Contains(html, `<a href="`) || !strings.Contains(html, "/invitation/") {
		t.Errorf("the message's HTML has no invitation link")
	}
}

func TestAnInvitationLinkWorksOnceAndSaysSoPlainly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ts := newTestServer(t)
	_, token := mailboxLink(t, ts, func(a store.Actor) error {
		_, err := ts.store.InviteUser(ctx, a, store.NewUser{Email: "ola@demo.test", Name: "Ola Liaison", Role: "liaison", ForceCode: "leicestershire"})
		return err
	})
	anon := ts.anon()
	if res := anon.get("/invitation/" + token); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "ola@demo.test") {
		t.Fatalf("invitation page: status %d", res.StatusCode)
	}
	// Invited but not yet chosen: no password signs in.
	if res := anon.post("/login", url.Values{"email": {"ola@demo.test"}, "password": {""}}); res.StatusCode == http.StatusSeeOther {
		t.Fatal("an invited user signed in without a password")
	}
	// A weak password or a mismatch: 422, nothing used.
	res := anon.post("/invitation/"+token, url.Values{"password": {"password123"}, "confirm": {"password123"}})
	if res.StatusCode != http.StatusUnprocessableEntity || res.doc(t).Find(".govuk-error-summary").Length() != 1 {
		t.Fatalf("weak password: status %d", res.StatusCode)
	}
	res = anon.post("/invitation/"+token, url.Values{"password": {"lantern orchard quietly"}, "confirm": {"lantern orchard quiet"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("mismatch: status %d", res.StatusCode)
	}
	res = anon.post("/invitation/"+token, url.Values{"password": {"lantern orchard quietly"}, "confirm": {"lantern orchard quietly"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("choose password: status %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if login := anon.get("/login"); !strings.Contains(login.Body, "Your password is saved") {
		t.Error("the sign-in page does not say the password was saved")
	}
	if res := anon.post("/login", url.Values{"email": {"ola@demo.test"}, "password": {"lantern orchard quietly"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in with the chosen password: status %d", res.StatusCode)
	}
	// Used: says so, for GET and POST.
	for _, res := range []response{ts.anon().get("/invitation/" + token),
		ts.anon().post("/invitation/"+token, url.Values{"password": {"another fine password"}, "confirm": {"another fine password"}})} {
		if res.StatusCode != http.StatusGone || !strings.Contains(res.Body, "This link has already been used") {
			t.Errorf("used link: status %d", res.StatusCode)
		}
	}
	// Unknown: says so.
	if res := ts.anon().get("/invitation/not-a-real-token-at-all-xxxxxxxx"); res.StatusCode != http.StatusNotFound || !strings.Contains(res.Body, "This link does not work") {
		t.Errorf("unknown link: status %d", res.StatusCode)
	}
}

func TestAnExpiredOrReplacedInvitationLinkSaysSo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ts := newTestServer(t)
	var id int64
	_, first := mailboxLink(t, ts, func(a store.Actor) error {
		u, err := ts.store.InviteUser(ctx, a, store.NewUser{Email: "pat@demo.test", Name: "Pat", Role: "inspector"})
		id = u.ID
		return err
	})
	admin := ts.as("admin@demo.test")
	if res := admin.post("/admin/users/"+itoa(id)+"/invitation", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: status %d", res.StatusCode)
	}
	deliverQueued(t, ts)
	if res := ts.anon().get("/invitation/" + first); res.StatusCode != http.StatusGone {
		t.Errorf("the first link after a resend: status %d, want 410", res.StatusCode)
	}
	ms, _ := ts.store.ListMessages(ctx, store.MessageFilter{Limit: 1})
	second := linkToken.FindStringSubmatch(ms[0].BodyText)[1]
	testdb.Exec(t, ts.store.Pool(), `UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, id)
	if res := ts.anon().get("/invitation/" + second); res.StatusCode != http.StatusGone || !strings.Contains(res.Body, "This link has expired") {
		t.Errorf("expired link: status %d", res.StatusCode)
	}
	// Withdrawn: the newest link stops too.
	_, third := mailboxLink(t, ts, func(a store.Actor) error { return ts.store.ResendInvitation(ctx, a, id) })
	if res := admin.post("/admin/users/"+itoa(id)+"/invitation/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: status %d", res.StatusCode)
	}
	if res := ts.anon().get("/invitation/" + third); res.StatusCode != http.StatusGone {
		t.Errorf("withdrawn link: status %d, want 410", res.StatusCode)
	}
}

func TestForgottenPasswordAnswersAlikeAndTheLinkResetsIt(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	anon := ts.anon()
	if res := anon.get("/password-reset"); res.StatusCode != http.StatusOK {
		t.Fatalf("form: status %d", res.StatusCode)
	}
	if res := anon.post("/password-reset", url.Values{"email": {"not an address"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad address: status %d", res.StatusCode)
	}
	known := anon.post("/password-reset", url.Values{"email": {"inspector@demo.test"}})
	unknown := anon.post("/password-reset", url.Values{"email": {"nobody@demo.test"}})
	answer := func(r response) string {
		return strings.ReplaceAll(r.doc(t).Find(`main`).Text(), "nobody@demo.test", "inspector@demo.test")
	}
	if known.StatusCode != http.StatusOK || unknown.StatusCode != http.StatusOK || answer(known) != answer(unknown) {
		t.Errorf("answers differ: %d %d", known.StatusCode, unknown.StatusCode)
	}
	deliverQueued(t, ts)
	all, _ := ts.store.ListMessages(context.Background(), store.MessageFilter{Limit: 100})
	var ms []store.OutboundMessage // the demo data's own notices aside
	for _, m := range all {
		if m.Kind == "reset" {
			ms = append(ms, m)
		}
	}
	if len(ms) != 1 || ms[0].Recipient != "inspector@demo.test" {
		t.Fatalf("reset messages: %+v", ms)
	}
	token := linkToken.FindStringSubmatch(ms[0].BodyText)[1]
	res := anon.post("/password-reset/"+token, url.Values{"password": {"marble kettle upstream"}, "confirm": {"marble kettle upstream"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: status %d", res.StatusCode)
	}
	if res := anon.post("/login", url.Values{"email": {"inspector@demo.test"}, "password": {demoPassword}}); res.StatusCode == http.StatusSeeOther {
		t.Error("the old password still works")
	}
	if res := anon.post("/login", url.Values{"email": {"inspector@demo.test"}, "password": {"marble kettle upstream"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the new password: status %d", res.StatusCode)
	}
}

func TestForgottenPasswordIsThrottledPerAddressAndPerClient(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	anon := ts.anon()
	for range store.ResetLimits.PerAddress + 2 {
		if res := anon.post("/password-reset", url.Values{"email": {"manager@demo.test"}}); res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	var n int
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM outbound_messages WHERE recipient = 'manager@demo.test' AND kind = 'reset'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != store.ResetLimits.PerAddress {
		t.Errorf("%d links sent to one address in an hour, want %d", n, store.ResetLimits.PerAddress)
	}
	for i := store.ResetLimits.PerAddress + 2; i < store.ResetLimits.PerClient; i++ {
		anon.post("/password-reset", url.Values{"email": {"someone" + itoa(int64(i)) + "@demo.test"}})
	}
	if res := anon.post("/password-reset", url.Values{"email": {"admin@demo.test"}}); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("request %d from one client: status %d, want 429", store.ResetLimits.PerClient+1, res.StatusCode)
	}
}

func TestAdminRetriesAFailedMessage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ts := newTestServer(t)
	id, _ := mailboxLink(t, ts, func(a store.Actor) error { return ts.store.SendPasswordReset(ctx, a, ts.userID("manager@demo.test")) })
	testdb.Exec(t, ts.store.Pool(), `UPDATE outbound_messages SET status = 'failed', attempts = 12, last_error = 'smtp: 421 try later' WHERE id = $1`, id)
	jobsFor := func() int {
		var n int
		if err := ts.store.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE (args->>'message_id')::bigint = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	jobsBefore := jobsFor()
	admin := ts.as("admin@demo.test")
	box := admin.get("/admin/mailbox").doc(t)
	if !strings.Contains(box.Find(`[data-testid="failed-count"]`).Text(), "1 messages failed") {
		t.Errorf("failed count: %q", box.Find(`[data-testid="failed-count"]`).Text())
	}
	page := admin.get("/admin/mailbox/" + itoa(id)).doc(t)
	if !strings.Contains(page.Find(`[data-testid="last-error"]`).Text(), "421") {
		t.Error("the failure is not shown")
	}
	if res := admin.post("/admin/mailbox/"+itoa(id)+"/retry", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: status %d", res.StatusCode)
	}
	m, err := ts.store.MessageByID(ctx, id)
	if err != nil || m.Status != "queued" {
		t.Fatalf("after retry: %v %s", err, m.Status)
	}
	if n := jobsFor(); n != jobsBefore+1 {
		t.Errorf("jobs to send it: %d after the retry, %d before: want one more", n, jobsBefore)
	}
	// Retrying what is not failed is nothing to retry.
	if res := admin.post("/admin/mailbox/"+itoa(id)+"/retry", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("second retry: status %d, want 404", res.StatusCode)
	}
}

// userID is the id of the demo user with email.
func (ts *testServer) userID(email string) int64 {
	ts.t.Helper()
	u, err := ts.store.UserByEmail(context.Background(), email)
	if err != nil {
		ts.t.Fatal(err)
	}
	return u.ID
}

func TestALiaisonTurnsRemindersOffAndOnInTheirSettings(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as(leicsLiaison)
	if _, ok := c.get("/settings").doc(t).Find(`[data-testid="reminders"]`).Attr("checked"); !ok {
		t.Fatal("reminders are not on to begin with")
	}
	wantStatus(t, c.post("/settings/notifications", url.Values{}), http.StatusSeeOther)
	if on, err := ts.store.RemindersOn(context.Background(), ts.userID(leicsLiaison)); err != nil || on {
		t.Fatalf("reminders on %v after turning them off (%v)", on, err)
	}
	if _, ok := c.get("/settings").doc(t).Find(`[data-testid="reminders"]`).Attr("checked"); ok {
		t.Error("the box is still ticked")
	}
	wantStatus(t, c.post("/settings/notifications", url.Values{"reminders": {"on"}}), http.StatusSeeOther)
	if on, _ := ts.store.RemindersOn(context.Background(), ts.userID(leicsLiaison)); !on {
		t.Error("reminders stayed off")
	}
	if n := countAudit(t, ts, "user.reminders"); n != 2 {
		t.Errorf("%d changes audited, want 2", n)
	}
	if ts.as("inspector@demo.test").get("/settings").doc(t).Find(`[data-testid="reminders"]`).Length() != 0 {
		t.Error("an inspector, who gets no reminders, is offered them")
	}
}
