package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"inspectrack/internal/auth"
	"inspectrack/internal/store"
)

// lockedBuffer is a log destination the test can read while the server
// writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func calendarToken(path string) string {
	return strings.TrimSuffix(strings.TrimPrefix(path, "/calendar/"), ".ics")
}

func TestCalendarAddressIsShownOnceAndKeptOnlyAsAHash(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("inspector@demo.test")
	path := calendarURL(t, c)
	token := calendarToken(path)
	wantStatus(t, ts.anon().get(path), http.StatusOK)

	res := c.get("/settings")
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.Body, token) {
		t.Error("the settings page shows the calendar address again")
	}
	doc := res.doc(t)
	if doc.Find(`[data-testid="calendar-reissue"]`).Length() != 1 || doc.Find(`[data-testid="calendar-revoke"]`).Length() != 1 {
		t.Error("the settings page offers no way to replace or turn off the calendar")
	}
	var n int
	if err := ts.store.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM users u WHERE strpos(to_jsonb(u)::text, $1) > 0`, token).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("the users table holds the calendar token itself")
	}
}

// TestOldCalendarAddressStopsWhenTheAccountChanges: a password reset, a
// move to another force and a disable each end the calendar address.
func TestOldCalendarAddressStopsWhenTheAccountChanges(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	admin := ts.as("admin@demo.test")
	u, err := ts.store.UserByEmail(context.Background(), "liaison.sussex@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(u.ID)
	for _, change := range []struct{ name, path, force string }{
		{"password reset", "/admin/users/" + id + "/password", ""},
		{"move to another force", "/admin/users/" + id + "/force", "kent"},
		{"disable", "/admin/users/" + id + "/disable", ""},
	} {
		liaison := ts.anon()
		res := liaison.signIn(u.Email, demoPassword, nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: sign in: %d", change.name, res.StatusCode)
		}
		path := calendarURL(t, liaison)
		wantStatus(t, ts.anon().get(path), http.StatusOK)
		form := url.Values{}
		if change.force != "" {
			form.Set("force", change.force)
		}
		if res := admin.post(change.path, form); res.StatusCode >= 400 {
			t.Fatalf("%s: %d", change.name, res.StatusCode)
		}
		if change.name == "password reset" {
			// The admin sent a reset link; the liaison follows it.
			deliverQueued(t, ts)
			ms, err := ts.store.ListMessages(context.Background(), store.MessageFilter{Limit: 1})
			if err != nil || len(ms) != 1 {
				t.Fatalf("reset message: %v", err)
			}
			token := linkToken.FindStringSubmatch(ms[0].BodyText)[1]
			if res := ts.anon().post("/password-reset/"+token, url.Values{"password": {"granite puzzle evening"}, "confirm": {"granite puzzle evening"}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("reset link: %d", res.StatusCode)
			}
			// Back to the demo password, for the next sign-in (a rehash,
			// which keeps the calendar).
			h, err := auth.HashPassword(demoPassword, cheapParams)
			if err != nil {
				t.Fatal(err)
			}
			if err := ts.store.SetPassword(context.Background(), store.Actor{}, u.ID, h, false); err != nil {
				t.Fatal(err)
			}
		}
		if res := ts.anon().get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("after %s the old calendar address answers %d, want 404", change.name, res.StatusCode)
		}
	}
}

// TestCalendarTokenIsNeverLogged: the token is the credential; no log line
// holds it, at any level, whatever the answer.
func TestCalendarTokenIsNeverLogged(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	var logs lockedBuffer
	ts.srv.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug - 4}))
	c := ts.as("manager@demo.test")
	path := calendarURL(t, c)
	token := calendarToken(path)
	wantStatus(t, ts.anon().get(path), http.StatusOK)
	req, _ := http.NewRequest(http.MethodHead, ts.ts.URL+path, nil)
	ts.anon().do(req)
	wrong := "/calendar/" + token[:42] + "x.ics"
	wantStatus(t, ts.anon().get(wrong), http.StatusNotFound)
	wantStatus(t, c.post("/settings/calendar/revoke", url.Values{}), http.StatusSeeOther)
	wantStatus(t, ts.anon().get(path), http.StatusNotFound)
	out := logs.String()
	if !strings.Contains(out, "/calendar/") {
		t.Fatalf("no request to the calendar was logged:\n%s", out)
	}
	if strings.Contains(out, token) || strings.Contains(out, token[:42]) {
		t.Errorf("the calendar token is in the log:\n%s", out)
	}
}
