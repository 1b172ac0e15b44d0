package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
	"inspectrack/web/static"
)

// gate is what a role meets at a route's door.
type gate int

const (
	// open: past the door, with an answer about the real record the path
	// names: not a redirect to sign in, not 403, not 404, not a server
	// error, and no denial audited (a form posted empty may answer 400,
	// 409 or 422: the door let it in).
	open gate = iota
	// signIn: a signed-out GET, sent to /login?next=...
	signIn
	// forbidden: a signed-out change, refused with 403.
	forbidden
	// hidden: 404 as if the page did not exist, with access.denied audited.
	hidden
)

func (g gate) String() string {
	if g < open || g > hidden {
		return "an answer that fits no gate"
	}
	return [...]string{"open", "signIn", "forbidden", "hidden"}[g]
}

// permissionTable is who may reach what, written by hand: it is the
// policy as a reviewer reads it, and it is not derived from routes.go or
// internal/auth. A route added, removed or given another permission fails
// TestEveryRouteAnswersEachRoleAsTheTableSays until this table says so.
// The liaison is Leicestershire's, and every {id} names a Leicestershire
// record (see permissionFixture): a liaison's reach into another force is
// tested by TestLiaisonsSeeOnlyTheirForceEverywhere and the store tests.
//
// Each row's first column is the gate of each role, in the order of
// permissionRoles: anonymous, liaison, inspector, manager, admin. O open,
// L sent to sign in, F forbidden (403), H hidden (404, denial audited).
var permissionTable = []struct {
	gates, method, pattern string
}{
	// anonymous, liaison, inspector, manager, admin
	{"O O O O O", "GET", "/healthz"},
	{"O O O O O", "GET", "/readyz"},
	{"O O O O O", "GET", "/assets/*"},
	{"O O O O O", "GET", "/favicon.ico"},
	{"O O O O O", "GET", "/calendar/{token}.ics"},
	{"O O O O O", "GET", "/"},
	{"O O O O O", "GET", "/accessibility"},
	{"O O O O O", "GET", "/login"},
	{"O O O O O", "POST", "/login"},
	{"F O O O O", "POST", "/logout"},
	// The second step of signing in: open doors; the handlers serve only
	// a session waiting for that step and send anyone else on
	// (TestPasswordOnlySessionReachesNothingButTheSecondStep).
	{"O O O O O", "GET", "/login/code"},
	{"O O O O O", "POST", "/login/code"},
	{"O O O O O", "GET", "/login/enrol"},
	{"O O O O O", "POST", "/login/enrol"},
	// Single sign-on: signed-in users are sent home, others to the
	// provider (or, as here where none is set, to the sign-in page).
	{"O O O O O", "GET", "/login/sso/{provider}"},
	{"O O O O O", "GET", "/login/sso/{provider}/callback"},

	{"L H H H O", "GET", "/admin/users"},
	{"L H H H O", "GET", "/admin/users/new"},
	{"F H H H O", "POST", "/admin/users"},
	{"L H H H O", "GET", "/admin/users/{id}"},
	{"F H H H O", "POST", "/admin/users/{id}/disable"},
	{"F H H H O", "POST", "/admin/users/{id}/enable"},
	{"F H H H O", "POST", "/admin/users/{id}/force"},
	{"F H H H O", "POST", "/admin/users/{id}/password"},
	{"F H H H O", "POST", "/admin/users/{id}/second-factor/reset"},
	{"L H H H O", "GET", "/admin/settings"},
	{"F H H H O", "POST", "/admin/settings"},
	{"F H H H O", "POST", "/admin/users/{id}/invitation"},
	{"F H H H O", "POST", "/admin/users/{id}/invitation/revoke"},
	{"L H H H O", "GET", "/admin/mailbox"},
	{"L H H H O", "GET", "/admin/mailbox/{id}"},
	{"F H H H O", "POST", "/admin/mailbox/{id}/retry"},
	{"O O O O O", "GET", "/invitation/{token}"},
	{"O O O O O", "POST", "/invitation/{token}"},
	{"O O O O O", "GET", "/password-reset"},
	{"O O O O O", "POST", "/password-reset"},
	{"O O O O O", "GET", "/password-reset/{token}"},
	{"O O O O O", "POST", "/password-reset/{token}"},
	{"L H H H O", "GET", "/admin/users/import"},
	{"F H H H O", "POST", "/admin/users/import"},
	{"F H H H O", "POST", "/admin/users/import/confirm"},

	{"L H H O O", "GET", "/audit"},

	{"L O O O O", "GET", "/forces"},
	{"L O O O O", "GET", "/forces/{code}"},
	{"L H O H O", "GET", "/forces/{code}/edit"},
	{"F H O H O", "POST", "/forces/{code}"},

	{"L H O O O", "GET", "/reports"},
	{"L H O O H", "GET", "/reports/new"},
	{"F H O O H", "POST", "/reports"},
	{"L H O O O", "GET", "/reports/{id}"},
	{"L H O O H", "GET", "/reports/{id}/findings/new"},
	{"F H O O H", "POST", "/reports/{id}/findings"},
	{"L H O O H", "GET", "/reports/{id}/import"},
	{"F H O O H", "POST", "/reports/{id}/import"},
	{"F H O O H", "POST", "/reports/{id}/import/confirm"},

	{"L H O O O", "GET", "/findings/{id}"},
	{"L H O O O", "GET", "/recommendations/{id}"},
	{"L H O O H", "GET", "/findings/{id}/edit"},
	{"F H O O H", "POST", "/findings/{id}"},
	{"F H O O H", "POST", "/findings/{id}/criteria"},
	{"F H O O H", "POST", "/findings/{id}/criteria/{item}/move"},
	{"F H O O H", "POST", "/findings/{id}/criteria/{item}/remove"},
	{"F H O O H", "POST", "/findings/{id}/categories"},
	{"F H O O H", "POST", "/findings/{id}/categories/{item}/move"},
	{"F H O O H", "POST", "/findings/{id}/categories/{item}/effect"},
	{"F H O O H", "POST", "/findings/{id}/categories/{item}/remove"},
	{"F H O O H", "POST", "/findings/{id}/apply"},
	{"L H O O H", "GET", "/findings/{id}/request"},
	{"F H O O H", "POST", "/findings/{id}/request"},

	{"L O O O H", "GET", "/cases"},
	{"L O O O H", "GET", "/cases/{id}"},
	{"L H O O H", "GET", "/cases/{id}/due-date"},
	{"F H O O H", "POST", "/cases/{id}/due-date"},

	{"L O O O H", "GET", "/cases/{id}/submissions"},
	{"L O H H H", "GET", "/cases/{id}/submissions/new"},
	{"F O H H H", "POST", "/cases/{id}/submissions"},
	{"L H O O H", "GET", "/cases/{id}/submissions/record"},
	{"F H O O H", "POST", "/cases/{id}/submissions/record"},
	{"L O H H H", "GET", "/cases/{id}/progress/new"},
	{"F O H H H", "POST", "/cases/{id}/progress"},
	{"L O O O H", "GET", "/submissions/{id}"},
	{"L O O O H", "GET", "/documents/{id}"},
	{"L H O O H", "GET", "/plans"},
	{"L H O O H", "GET", "/recommendations/{id}/plans"},

	{"L H O O H", "GET", "/dashboard"},
	{"L H O O H", "GET", "/dashboard.csv"},

	{"L O O O H", "GET", "/cases/{id}/follow-ups"},
	{"L H O O H", "GET", "/cases/{id}/follow-ups/new"},
	{"F H O O H", "POST", "/cases/{id}/follow-ups"},
	{"L H O O H", "GET", "/follow-ups/{id}/record"},
	{"F H O O H", "POST", "/follow-ups/{id}/record"},
	{"L H O O H", "GET", "/follow-ups/{id}/move"},
	{"F H O O H", "POST", "/follow-ups/{id}/move"},
	{"L H O O H", "GET", "/recommendations/{id}/follow-ups/new"},
	{"F H O O H", "POST", "/recommendations/{id}/follow-ups"},
	{"L H O O H", "GET", "/cases/{id}/close"},
	{"F H O O H", "POST", "/cases/{id}/close"},
	{"L H O O H", "GET", "/cases/{id}/reopen"},
	{"F H O O H", "POST", "/cases/{id}/reopen"},

	{"L O O O O", "GET", "/settings"},
	{"F O O O O", "POST", "/settings/notifications"},
	{"F O O O H", "POST", "/settings/calendar"},
	{"F O O O H", "POST", "/settings/calendar/revoke"},
	{"L H O O H", "GET", "/assessments"},
	{"L H H O H", "GET", "/assessments/approve"},
	{"F H H O H", "POST", "/assessments/approve"},
	{"L H O O H", "GET", "/cases/{id}/assessment"},
	{"L H O H H", "GET", "/cases/{id}/assessment/edit"},
	{"F H O H H", "POST", "/cases/{id}/assessment"},
	{"F H O H H", "POST", "/cases/{id}/assessment/submit"},
	{"F H H O H", "POST", "/cases/{id}/assessment/return"},
	{"F H H O H", "POST", "/cases/{id}/assessment/approve"},
	{"F H H O H", "POST", "/cases/{id}/assessment/publish"},
	{"L H O O H", "GET", "/cases/{id}/letter"},
	{"L H O O H", "GET", "/cases/{id}/letter.pdf"},
	{"L H O H H", "GET", "/cases/{id}/letter/edit"},
	{"F H O H H", "POST", "/cases/{id}/letter"},
	{"L H O O H", "GET", "/recommendations/{id}/letter-template"},
	{"F H O O H", "POST", "/recommendations/{id}/letter-template"},

	{"O O O O O", "GET", "/publications"},
	{"O O O O O", "GET", "/publications/{id}"},
	{"O O O O O", "GET", "/publications/{id}.pdf"},
	{"O O O O O", "GET", "/publications/overviews/{id}"},
	{"O O O O O", "GET", "/publications/overviews/{id}.csv"},
	{"O O O O O", "GET", "/publications/overviews/{id}.json"},
	{"F H H O H", "POST", "/publications/overviews/{id}/publish"},
}

// permissionRoles are the table's columns: the email each signs in with.
var permissionRoles = []struct{ name, email string }{
	{"anonymous", ""},
	{"liaison", "liaison.leicestershire@demo.test"},
	{"inspector", "inspector@demo.test"},
	{"manager", "manager@demo.test"},
	{"admin", "admin@demo.test"},
}

// permissionFixture holds a real record for every route parameter, so
// that a role let in meets the record rather than a 404 for a missing one.
type permissionFixture struct {
	caseID, reportID, findingID, criterionID, categoryID int64
	submissionID, documentID, followUpID, userID         int64
	letterID, messageID                                  int64
	forceCode, calendarToken, asset                      string
	inviteToken, resetToken                              string
}

func newPermissionFixture(t *testing.T, ts *testServer) permissionFixture {
	t.Helper()
	ctx := context.Background()
	rec, err := ts.store.Finding(ctx, ts.storyRecommendation().ID)
	if err != nil {
		t.Fatal(err)
	}
	f := permissionFixture{
		reportID: rec.ReportID, findingID: rec.ID,
		criterionID: rec.Criteria[0].ID, categoryID: rec.Categories[0].ID,
		forceCode: "leicestershire", asset: static.Path("images/favicon.ico"),
	}
	one := func(dst *int64, q string, args ...any) {
		t.Helper()
		if err := ts.store.Pool().QueryRow(ctx, q, args...).Scan(dst); err != nil {
			t.Fatalf("fixture %q: %v", q, err)
		}
	}
	one(&f.caseID, `SELECT c.id FROM cases c JOIN forces fo ON fo.id = c.force_id WHERE c.finding_id = $1 AND fo.code = $2`, rec.ID, f.forceCode)
	one(&f.submissionID, `SELECT id FROM submissions WHERE case_id = $1 ORDER BY id LIMIT 1`, f.caseID)
	one(&f.documentID, `SELECT id FROM documents WHERE submission_id = $1 ORDER BY id LIMIT 1`, f.submissionID)
	one(&f.letterID, `SELECT l.id FROM letters l JOIN assessments a ON a.id = l.assessment_id WHERE a.case_id = $1`, f.caseID)
	one(&f.followUpID, `SELECT id FROM follow_ups WHERE done_on IS NULL ORDER BY id LIMIT 1`)
	one(&f.userID, `SELECT id FROM users WHERE email = 'liaison.sussex@demo.test'`)
	// The manager's calendar address: public by its secret token.
	cal := calendarURL(t, ts.as("manager@demo.test"))
	f.calendarToken = strings.TrimSuffix(strings.TrimPrefix(cal, "/calendar/"), ".ics")
	// One-time links, as the mailbox holds them, and a message that
	// failed (for the retry button).
	f.messageID, f.inviteToken = mailboxLink(t, ts, func(a store.Actor) error {
		_, err := ts.store.InviteUser(ctx, a, store.NewUser{Email: "invited@demo.test", Name: "Ivy Invited", Role: "inspector"})
		return err
	})
	_, f.resetToken = mailboxLink(t, ts, func(a store.Actor) error { return ts.store.SendPasswordReset(ctx, a, f.userID) })
	testdb.Exec(t, ts.store.Pool(), `UPDATE outbound_messages SET status = 'failed', last_error = 'refused' WHERE id = $1`, f.messageID)
	return f
}

// path fills pattern's parameters with the fixture's records: {id} is
// named by the path segment before it.
func (f permissionFixture) path(pattern string) string {
	if pattern == "/assets/*" {
		return f.asset
	}
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		name, suffix, _ := strings.Cut(s, "}")
		if !strings.HasPrefix(name, "{") {
			continue
		}
		var v string
		switch name {
		case "{code":
			v = f.forceCode
		case "{token":
			v = map[string]string{"calendar": f.calendarToken, "invitation": f.inviteToken, "password-reset": f.resetToken}[segs[i-1]]
		case "{provider":
			v = "idp"
		case "{item":
			v = itoa(map[string]int64{"criteria": f.criterionID, "categories": f.categoryID}[segs[i-1]])
		case "{id":
			v = itoa(map[string]int64{
				"cases": f.caseID, "reports": f.reportID, "findings": f.findingID, "recommendations": f.findingID,
				"submissions": f.submissionID, "documents": f.documentID, "follow-ups": f.followUpID,
				"users": f.userID, "publications": f.letterID, "overviews": f.findingID, "mailbox": f.messageID,
			}[segs[i-1]])
		}
		if v == "" || v == "0" {
			panic("permissions test: no record for " + s + " in " + pattern)
		}
		segs[i] = v + suffix
	}
	return strings.Join(segs, "/")
}

// TestEveryRouteAnswersEachRoleAsTheTableSays requests every route as
// every role through the real router and checks the door against the
// hand-written permissionTable; and it walks the router to prove the
// table lists exactly the routes there are.
func TestEveryRouteAnswersEachRoleAsTheTableSays(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	fx := newPermissionFixture(t, ts)

	var walked []string
	err := chi.Walk(ts.srv.mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodHead { // HEAD answers as its GET does
			walked = append(walked, method+" "+route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, r := range permissionTable {
		listed = append(listed, r.method+" "+r.pattern)
	}
	for _, k := range walked {
		if !slices.Contains(listed, k) {
			t.Errorf("route %s is not in permissionTable: add it, with who may reach it", k)
		}
	}
	for _, k := range listed {
		if !slices.Contains(walked, k) {
			t.Errorf("permissionTable lists %s, which the router does not have", k)
		}
	}

	clients := map[string]*client{}
	for _, role := range permissionRoles {
		if role.email == "" {
			clients[role.name] = ts.anon()
		} else {
			clients[role.name] = ts.as(role.email)
		}
	}
	for _, r := range permissionTable {
		path := fx.path(r.pattern)
		gates := parseGates(t, r.gates)
		for i, role := range permissionRoles {
			want := gates[i]
			c := clients[role.name]
			if r.pattern == "/logout" && role.email != "" {
				c = ts.as(role.email) // signing out must not sign out the role's client
			}
			before := countAudit(t, ts, "access.denied")
			var res response
			if r.method == http.MethodGet {
				res = c.get(path)
			} else {
				res = c.post(path, url.Values{})
			}
			denied := countAudit(t, ts, "access.denied") - before
			if got := gateOf(res, denied); got != want {
				t.Errorf("%s %s as %s: %s (status %d, %d denials audited), the table says %s",
					r.method, path, role.name, got, res.StatusCode, denied, want)
			}
		}
	}
}

// parseGates reads a row's gates column, one letter a role.
func parseGates(t *testing.T, s string) []gate {
	t.Helper()
	var gates []gate
	for _, f := range strings.Fields(s) {
		g, ok := map[string]gate{"O": open, "L": signIn, "F": forbidden, "H": hidden}[f]
		if !ok {
			t.Fatalf("permissionTable: gate %q in %q", f, s)
		}
		gates = append(gates, g)
	}
	if len(gates) != len(permissionRoles) {
		t.Fatalf("permissionTable: %q has %d gates for %d roles", s, len(gates), len(permissionRoles))
	}
	return gates
}

// gateOf classifies an answer; an answer that fits no gate (a server
// error, a 404 without a denial) is reported as such.
func gateOf(res response, denied int) gate {
	loc := res.Header.Get("Location")
	switch {
	case res.StatusCode == http.StatusNotFound && denied == 1:
		return hidden
	case res.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/login?next=") && denied == 0:
		return signIn
	case res.StatusCode == http.StatusForbidden && denied == 0:
		return forbidden
	case res.StatusCode < 500 && res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden &&
		!strings.HasPrefix(loc, "/login?next=") && denied == 0:
		return open
	}
	return gate(-1)
}
