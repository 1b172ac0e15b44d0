package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestAdminImportsLiaisonsFromCSVAfterADryRun(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as("admin@demo.test")
	users := ts.count(`SELECT count(*) FROM users`)

	// Every row's problem is shown, and nothing is written.
	bad := "email,name,force\n" +
		"not-an-email,Ann Example,kent\n" +
		"bob@kent.example,,kent\n" +
		"cat@nowhere.example,Cat Example,atlantis\n" +
		"liaison.sussex@demo.test,Sam Again,sussex\n" +
		"dee@kent.example,Dee Example,kent\n" +
		"DEE@kent.example,Dee Twice,kent\n"
	res := c.upload("/admin/users/import", "file", "liaisons.csv", []byte(bad))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.doc(t)
	for line, want := range map[string]string{
		"2": "Enter an email address in the correct format",
		"3": "Enter the liaison's full name",
		"4": "No force has the code “atlantis”",
		"5": "A user with this email address already exists",
		"7": "appears twice in the file",
	} {
		if got := doc.Find(`[data-testid="import-row"][data-line="` + line + `"]`).Text(); !strings.Contains(got, want) {
			t.Errorf("line %s reads %q, want %q", line, strings.Join(strings.Fields(got), " "), want)
		}
	}
	if doc.Find(`[data-testid="confirm-form"]`).Length() != 0 {
		t.Error("a file with problems is offered for confirming")
	}
	if got := ts.count(`SELECT count(*) FROM users`); got != users {
		t.Fatalf("the dry run of a bad file wrote %d users", got-users)
	}

	good := "\xef\xbb\xbfEmail,Name,Force code\n" +
		"ann@kent.example,Ann Example,kent\n" +
		"bob@sussex.example,Bob Example,sussex\n"
	res = c.upload("/admin/users/import", "file", "liaisons.csv", []byte(good))
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	if n := doc.Find(`[data-testid="import-row"]`).Length(); n != 2 {
		t.Fatalf("dry run shows %d rows, want 2", n)
	}
	if got := ts.count(`SELECT count(*) FROM users`); got != users {
		t.Fatal("the dry run wrote users")
	}
	form := url.Values{}
	doc.Find(`[data-testid="confirm-form"] input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		form.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	tampered := url.Values{"content": {form.Get("content") + "AA=="}, "sha256": {form.Get("sha256")}, "file_name": {"x"}}
	wantStatus(t, c.post("/admin/users/import/confirm", tampered), http.StatusBadRequest)

	res = c.post("/admin/users/import/confirm", form)
	wantStatus(t, res, http.StatusCreated)
	doc = res.doc(t)
	if n := doc.Find(`[data-testid="created-user"]`).Length(); n != 2 || doc.Find(`[data-testid="invitations-sent"]`).Length() != 1 {
		t.Errorf("%d liaisons listed as invited, want 2", n)
	}
	if doc.Find(`[data-testid="password"]`).Length() != 0 {
		t.Error("a password is shown")
	}
	if got := ts.count(`SELECT count(*) FROM outbound_messages m JOIN users u ON u.id = m.user_id
		WHERE m.kind = 'invite' AND u.email IN ('ann@kent.example', 'bob@sussex.example')`); got != 2 {
		t.Errorf("%d invitations enqueued, want 2", got)
	}
	if got := ts.count(`SELECT count(*) FROM users u JOIN forces f ON f.id = u.force_id
		WHERE u.role = 'liaison' AND ((u.email = 'ann@kent.example' AND f.code = 'kent') OR (u.email = 'bob@sussex.example' AND f.code = 'sussex'))`); got != 2 {
		t.Errorf("%d of the 2 liaisons were created with their force", got)
	}
	if got := ts.count(`SELECT count(*) FROM audit_events WHERE action = 'user.invite' AND summary LIKE '%.example (liaison)%'`); got != 2 {
		t.Errorf("%d user.invite audit events, want 2", got)
	}
	// Confirmed twice: the emails are taken now, and nothing more is written.
	wantStatus(t, c.post("/admin/users/import/confirm", form), http.StatusUnprocessableEntity)
	if got := ts.count(`SELECT count(*) FROM users`); got != users+2 {
		t.Errorf("%d users written, want 2", got-users)
	}
}

func TestOnlyAnAdminImportsLiaisons(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, who := range []string{"inspector@demo.test", "manager@demo.test", leicsLiaison} {
		wantStatus(t, ts.as(who).get("/admin/users/import"), http.StatusNotFound)
	}
}
