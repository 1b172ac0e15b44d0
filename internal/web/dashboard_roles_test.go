package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// TestDashboardAndFollowUpRoutesForEveryRole sends each route of the
// dashboard and follow-ups, with records that exist, as each role: managers and inspectors may use them all, a
// liaison may read the follow-ups of their own force's case and use their
// calendar, nothing else; an administrator only their settings.
func TestDashboardAndFollowUpRoutesForEveryRole(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	own := currentCase(t, ts, "R1", "leicestershire")
	other := currentCase(t, ts, "R1", "sussex")
	_, finding := currentFinding(t, ts, "R1")
	// A follow-up still to happen: a recorded one sends its forms back to
	// the case, and the page would not be the form.
	var fu int64
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT id FROM follow_ups WHERE done_on IS NULL ORDER BY id LIMIT 1`).Scan(&fu); err != nil {
		t.Fatal(err)
	}
	// A case still open: a closed one's close form sends back to the case.
	var open int64
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT c.id FROM cases c JOIN forces f ON f.id = c.force_id
		WHERE f.code = 'leicestershire' AND c.closed_on IS NULL ORDER BY c.id LIMIT 1`).Scan(&open); err != nil {
		t.Fatal(err)
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	const (
		ok   = http.StatusOK
		gone = http.StatusNotFound
	)
	type want struct{ manager, inspector, liaison, admin int }
	all := want{ok, ok, gone, gone}
	for _, tt := range []struct {
		path string
		want want
	}{
		{"/dashboard", all},
		{"/dashboard.csv", all},
		{"/dashboard?kind=due_soon&region=Wales&sort=oldest", all},
		{"/cases/" + id(own) + "/follow-ups", want{ok, ok, ok, gone}},
		{"/cases/" + id(other) + "/follow-ups", want{ok, ok, gone, gone}},
		{"/cases/" + id(own) + "/follow-ups/new", all},
		{"/cases/" + id(open) + "/close", all},
		{"/recommendations/" + id(finding) + "/follow-ups/new", all},
		{"/follow-ups/" + id(fu) + "/move", all},
		{"/settings", want{ok, ok, ok, ok}},
	} {
		for role, email := range map[string]string{"manager": "manager@demo.test", "inspector": "inspector@demo.test",
			"liaison": "liaison.leicestershire@demo.test", "admin": "admin@demo.test"} {
			w := map[string]int{"manager": tt.want.manager, "inspector": tt.want.inspector, "liaison": tt.want.liaison, "admin": tt.want.admin}[role]
			res := ts.as(email).get(tt.path)
			if res.StatusCode != w {
				t.Errorf("GET %s as %s: %d, want %d", tt.path, role, res.StatusCode, w)
			}
		}
	}
	// Changes: refused (404, nothing written) for a liaison and an admin.
	for _, email := range []string{"liaison.leicestershire@demo.test", "admin@demo.test"} {
		c := ts.as(email)
		for _, path := range []string{"/cases/" + id(own) + "/follow-ups", "/cases/" + id(own) + "/close",
			"/cases/" + id(own) + "/reopen", "/follow-ups/" + id(fu) + "/record", "/follow-ups/" + id(fu) + "/move",
			"/recommendations/" + id(finding) + "/follow-ups"} {
			wantStatus(t, c.post(path, url.Values{"reason": {"implemented"}}), http.StatusNotFound)
		}
	}
	wantStatus(t, ts.anon().get("/cases/"+id(own)+"/follow-ups"), http.StatusSeeOther)
}
