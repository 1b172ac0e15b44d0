package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"inspectrack/internal/store"
)

// TestPasswordsChosenOnTheWebMeetThePolicy: the web never makes or shows a
// password; one chosen through a one-time link must pass the same policy
// the command line applies, and a refused one leaves the link unused.
func TestPasswordsChosenOnTheWebMeetThePolicy(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.as("admin@demo.test")
	u, err := ts.store.UserByEmail(t.Context(), "manager@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	res := admin.post("/admin/users/"+itoa(u.ID)+"/password", nil)
	wantStatus(t, res, http.StatusSeeOther)
	if strings.Contains(admin.get(res.Header.Get("Location")).Body, `data-testid="password"`) {
		t.Error("the admin is shown a password")
	}
	deliverQueued(t, ts)
	ms, err := ts.store.ListMessages(context.Background(), store.MessageFilter{Limit: 1})
	if err != nil || len(ms) != 1 {
		t.Fatalf("reset message: %v", err)
	}
	token := linkToken.FindStringSubmatch(ms[0].BodyText)[1]
	for _, weak := range []string{"P@ssw0rd2024!", "manager@demo.test", "aaaaaaaaaaaaaaaa", "short"} {
		res := ts.anon().post("/password-reset/"+token, url.Values{"password": {weak}, "confirm": {weak}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
	}
	res = ts.anon().post("/password-reset/"+token, url.Values{"password": {"velvet compass thunder"}, "confirm": {"velvet compass thunder"}})
	wantStatus(t, res, http.StatusSeeOther)
}
