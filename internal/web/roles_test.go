package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"inspectrack/internal/store"
)

// The roles of the route matrix: a liaison of the force the objects
// belong to (Leicestershire) and one of another force (Sussex).
const (
	admin       = "admin@demo.test"
	manager     = "manager@demo.test"
	inspector   = "inspector@demo.test"
	liaisonOwn  = "liaison.leicestershire@demo.test"
	liaisonElse = "liaison.sussex@demo.test"
	anonymous   = ""
)

var matrixRoles = []string{admin, manager, inspector, liaisonOwn, liaisonElse, anonymous}

// TestReportAndCaseRoutesAnswerEachRoleWithItsStatus walks every route of reports, findings,
// forces and cases as every role: who may use it gets the page (or, for
// a form posted empty, its validation answer); a signed-in user without
// the permission, or a liaison reaching for another force's case, gets
// 404; a signed-out GET is sent to sign in and a signed-out POST refused.
func TestReportAndCaseRoutesAnswerEachRoleWithItsStatus(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	rec := ts.storyRecommendation()
	rec, err := ts.store.Finding(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	leics := ts.storyCase("leicestershire")
	r, f, crit, cat := rec.ReportID, rec.ID, rec.Criteria[0].ID, rec.Categories[0].ID
	staff := func(status int) map[string]int {
		return map[string]int{admin: status, manager: status, inspector: status}
	}
	editors := func(status int) map[string]int { return map[string]int{manager: status, inspector: status} }
	forceEditors := func(status int) map[string]int { return map[string]int{admin: status, inspector: status} }
	caseViewers := func(status, other int) map[string]int {
		return map[string]int{manager: status, inspector: status, liaisonOwn: status, liaisonElse: other}
	}
	caseEditors := func(status int) map[string]int { return map[string]int{manager: status, inspector: status} }
	all := func(status, other int) map[string]int {
		return map[string]int{admin: status, manager: status, inspector: status, liaisonOwn: status, liaisonElse: other}
	}
	validForce := url.Values{"chief_officer_name": {"Simon Cole"}, "chief_officer_honours": {"QPM"}, "oversight_holder_name": {"Lord Willy Bach"}}
	routes := []struct {
		method, path string
		form         url.Values
		allowed      map[string]int // status for roles that may; every other signed-in role gets 404
	}{
		{"GET", "/forces", nil, all(200, 200)},
		{"GET", "/forces/leicestershire", nil, all(200, 404)},
		{"GET", "/forces/leicestershire/edit", nil, forceEditors(200)},
		{"POST", "/forces/leicestershire", validForce, forceEditors(303)},
		{"GET", "/reports", nil, staff(200)},
		{"GET", "/reports/new", nil, editors(200)},
		{"POST", "/reports", url.Values{}, editors(422)},
		{"GET", fmt.Sprintf("/reports/%d", r), nil, staff(200)},
		{"GET", fmt.Sprintf("/reports/%d/findings/new?kind=recommendation", r), nil, editors(200)},
		{"POST", fmt.Sprintf("/reports/%d/findings", r), url.Values{"kind": {"recommendation"}}, editors(422)},
		{"GET", fmt.Sprintf("/reports/%d/import", r), nil, editors(200)},
		{"POST", fmt.Sprintf("/reports/%d/import", r), url.Values{}, editors(400)},
		{"POST", fmt.Sprintf("/reports/%d/import/confirm", r), url.Values{}, editors(400)},
		{"GET", fmt.Sprintf("/findings/%d", f), nil, staff(200)},
		{"GET", fmt.Sprintf("/recommendations/%d", f), nil, staff(301)},
		{"GET", fmt.Sprintf("/findings/%d/edit", f), nil, editors(200)},
		{"POST", fmt.Sprintf("/findings/%d", f), url.Values{}, editors(422)},
		{"POST", fmt.Sprintf("/findings/%d/criteria", f), url.Values{}, editors(422)},
		{"POST", fmt.Sprintf("/findings/%d/criteria/%d/move", f, crit), url.Values{"direction": {"down"}}, editors(409)},
		{"POST", fmt.Sprintf("/findings/%d/criteria/%d/remove", f, crit), url.Values{}, editors(409)},
		{"POST", fmt.Sprintf("/findings/%d/categories", f), url.Values{}, editors(422)},
		{"POST", fmt.Sprintf("/findings/%d/categories/%d/move", f, cat), url.Values{"direction": {"down"}}, editors(409)},
		{"POST", fmt.Sprintf("/findings/%d/categories/%d/remove", f, cat), url.Values{}, editors(409)},
		{"POST", fmt.Sprintf("/findings/%d/apply", f), url.Values{}, editors(303)},
		{"GET", fmt.Sprintf("/findings/%d/request", f), nil, editors(200)},
		{"POST", fmt.Sprintf("/findings/%d/request", f), url.Values{}, editors(422)},
		{"GET", "/cases", nil, caseViewers(200, 200)},
		{"GET", fmt.Sprintf("/cases/%d", leics), nil, caseViewers(200, 404)},
		{"GET", fmt.Sprintf("/cases/%d?asof=2017-06-01", leics), nil, caseViewers(200, 404)},
		{"GET", fmt.Sprintf("/cases/%d/due-date", leics), nil, caseEditors(200)},
		{"POST", fmt.Sprintf("/cases/%d/due-date", leics), url.Values{}, caseEditors(422)},
	}
	clients := map[string]*client{}
	for _, role := range matrixRoles {
		if role == anonymous {
			clients[role] = ts.anon()
		} else {
			clients[role] = ts.as(role)
		}
	}
	for _, rt := range routes {
		for _, role := range matrixRoles {
			want, ok := rt.allowed[role]
			switch {
			case role == anonymous && rt.method == "GET":
				want = 303
			case role == anonymous:
				want = 403
			case !ok:
				want = 404
			}
			var res response
			if rt.method == "GET" {
				res = clients[role].get(rt.path)
			} else {
				res = clients[role].post(rt.path, rt.form)
			}
			if res.StatusCode != want {
				name := role
				if name == "" {
					name = "anonymous"
				}
				t.Errorf("%s %s as %s: %d, want %d", rt.method, rt.path, name, res.StatusCode, want)
			}
		}
	}
}

// TestLiaisonsSeeOnlyTheirForceEverywhere checks every list and page that
// shows cases or forces, for a liaison of each demo force.
func TestLiaisonsSeeOnlyTheirForceEverywhere(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	rec := ts.storyRecommendation()
	for _, tc := range []struct{ email, own, other string }{
		{liaisonOwn, "leicestershire", "sussex"},
		{liaisonElse, "sussex", "leicestershire"},
	} {
		c := ts.as(tc.email)
		own := ts.storyCase(tc.own)
		other := ts.storyCase(tc.other)
		for _, path := range []string{"/cases", "/cases?asof=2017-06-01&stage=plan_overdue", "/cases?sort=stage&dir=desc",
			fmt.Sprintf("/cases?finding=%d", rec.ID), "/cases?region=South+East"} {
			res := c.get(path)
			wantStatus(t, res, http.StatusOK)
			res.doc(t).Find(`[data-testid="case-row"]`).Each(func(_ int, row *goquery.Selection) {
				if f := row.AttrOr("data-force", ""); f != tc.own {
					t.Errorf("%s on %s sees a case of %s", tc.email, path, f)
				}
			})
		}
		cases := c.get("/cases")
		wantStatus(t, cases, http.StatusOK)
		if n := cases.doc(t).Find(`[data-testid="case-row"]`).Length(); n != 1 {
			t.Errorf("%s sees %d cases, want their 1", tc.email, n)
		}
		forces := c.get("/forces")
		wantStatus(t, forces, http.StatusOK)
		rows := forces.doc(t).Find(`[data-testid="force-row"]`)
		if rows.Length() != 1 || rows.AttrOr("data-force", "") != tc.own {
			t.Errorf("%s's force list has %d rows", tc.email, rows.Length())
		}
		wantStatus(t, c.get("/forces/"+tc.other), 404)
		ownForce := c.get("/forces/" + tc.own)
		wantStatus(t, ownForce, http.StatusOK)
		doc := ownForce.doc(t)
		if n := doc.Find(`[data-testid="case-row"]`).Length(); n != 1 {
			t.Errorf("%s's force page lists %d cases", tc.email, n)
		}
		wantStatus(t, c.get(fmt.Sprintf("/cases/%d", own)), 200)
		wantStatus(t, c.get(fmt.Sprintf("/cases/%d", other)), 404)
		wantStatus(t, c.get(fmt.Sprintf("/findings/%d", rec.ID)), 404)
	}
	// The refusals are audited as possible probes.
	events, err := ts.store.ListAudit(context.Background(), store.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		found = found || e.Action == "access.not_found"
	}
	if !found {
		t.Error("a liaison's 404 on another force's case was not audited")
	}
}
