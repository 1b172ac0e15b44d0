package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
	"inspectrack/internal/upload/uploadtest"
)

// kindCounts are one force's items per kind, in domain.Kinds order.
type kindCounts [5]int

func (k kindCounts) String() string {
	var parts []string
	for i, kind := range domain.Kinds() {
		parts = append(parts, fmt.Sprintf("%s %d", kind, k[i]))
	}
	return strings.Join(parts, ", ")
}

// readKindCounts reads the count-<kind> elements inside sel; a kind with
// no element counts 0.
func readKindCounts(t *testing.T, where string, sel *goquery.Selection) kindCounts {
	t.Helper()
	var k kindCounts
	for i, kind := range domain.Kinds() {
		el := sel.Find(`[data-testid="count-` + string(kind) + `"]`)
		if el.Length() == 0 {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(el.First().Text()))
		if err != nil {
			t.Fatalf("%s: %s count %q", where, kind, el.First().Text())
		}
		k[i] = n
	}
	return k
}

// TestEveryPageCountsTheSameForEachForce: for every force of the demo data
// and a few days, /forces, the force's page, its liaison's home, the
// dashboard and /dashboard.csv give the same count of each kind of status.
func TestEveryPageCountsTheSameForEachForce(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	ctx := context.Background()
	manager := ts.as("manager@demo.test")
	forces, err := ts.store.ListForces(ctx, store.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(demoPassword, cheapParams)
	if err != nil {
		t.Fatal(err)
	}
	liaisons := map[string]*client{}
	for _, f := range forces {
		email := "five.way." + f.Code + "@demo.test"
		if _, err := ts.store.CreateUser(ctx, store.Actor{Email: "test"}, store.NewUser{Email: email,
			Name: "Liaison " + f.Name, Role: string(auth.RoleLiaison), ForceCode: f.Code, PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
		liaisons[f.Code] = ts.as(email)
	}

	today := domain.Today(ts.clock())
	nonZero := 0
	for _, day := range []time.Time{today, domain.AddDays(today, -35), domain.Date(2018, 1, 1)} {
		asof := "asof=" + day.Format(time.DateOnly)

		// /forces: every force, with a code and a name.
		list := manager.get("/forces?" + asof)
		wantStatus(t, list, http.StatusOK)
		onList := map[string]kindCounts{}
		codeOf := map[string]string{}
		list.doc(t).Find(`[data-testid="force-row"]`).Each(func(_ int, row *goquery.Selection) {
			code, _ := row.Attr("data-force")
			onList[code] = readKindCounts(t, "/forces "+code, row)
			codeOf[strings.TrimSpace(row.Find("a").First().Text())] = code
		})
		if len(onList) != len(forces) {
			t.Fatalf("%s: /forces lists %d forces, want %d", day.Format(time.DateOnly), len(onList), len(forces))
		}

		// The dashboard: every page of its ranking; a force not ranked has
		// nothing.
		onDashboard := map[string]kindCounts{}
		for n := 1; ; n++ {
			page := manager.get("/dashboard?" + asof + "&page=" + strconv.Itoa(n))
			wantStatus(t, page, http.StatusOK)
			doc := page.doc(t)
			doc.Find(`[data-testid="force-row"]`).Each(func(_ int, row *goquery.Selection) {
				code, _ := row.Attr("data-force")
				onDashboard[code] = readKindCounts(t, "/dashboard "+code, row)
			})
			if doc.Find(`.govuk-pagination__next`).Length() == 0 {
				break
			}
		}

		// The CSV: a column of items per kind, headed by its label.
		res := manager.get("/dashboard.csv?" + asof)
		wantStatus(t, res, http.StatusOK)
		records, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
		if err != nil || len(records) == 0 {
			t.Fatalf("CSV: %v %v", err, records)
		}
		column := map[int]int{}
		for i, kind := range domain.Kinds() {
			for j, h := range records[0] {
				if h == kind.Label()+": items" {
					column[i] = j
				}
			}
			if _, ok := column[i]; !ok {
				t.Fatalf("CSV header %v has no %q", records[0], kind.Label()+": items")
			}
		}
		inCSV := map[string]kindCounts{}
		for _, rec := range records[1:] {
			var k kindCounts
			for i := range k {
				k[i], _ = strconv.Atoi(rec[column[i]])
			}
			inCSV[codeOf[rec[1]]] = k
		}

		for _, f := range forces {
			where := f.Code + " as of " + day.Format(time.DateOnly)
			want := onList[f.Code]
			for i := range want {
				if want[i] > 0 {
					nonZero++
				}
			}
			page := manager.get("/forces/" + f.Code + "?" + asof)
			wantStatus(t, page, http.StatusOK)
			onPage := readKindCounts(t, where, page.doc(t).Find(`[data-testid="status-counts"]`))
			home := liaisons[f.Code].get("/?" + asof)
			wantStatus(t, home, http.StatusOK)
			onHome := readKindCounts(t, where, home.doc(t).Find(`[data-testid="status-counts"]`))
			for name, got := range map[string]kindCounts{
				"the force's page": onPage, "the liaison home": onHome,
				"the dashboard": onDashboard[f.Code], "the CSV": inCSV[f.Code],
			} {
				if got != want {
					t.Errorf("%s: /forces counts %v, %s %v", where, want, name, got)
				}
			}
		}
	}
	if nonZero < 20 {
		t.Errorf("only %d non-zero counts: the demo data proves little", nonZero)
	}
}

// newStoryServer is the portal on a database with the 43 forces, a manager
// and the story of the 2017 letter (its recommendation, categories, cases
// and request), but none of the demo's plans or assessments: a test enters
// the round itself.
func newStoryServer(t *testing.T) *testServer {
	t.Helper()
	ctx := context.Background()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	forces, err := seed.Forces()
	if err != nil {
		t.Fatal(err)
	}
	system := store.Actor{Email: "test"}
	if _, _, err := st.UpsertForces(ctx, system, forces); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(demoPassword, cheapParams)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []store.NewUser{
		{Email: "manager@demo.test", Name: "Morgan Manager", Role: string(auth.RoleManager), PasswordHash: hash},
		{Email: "inspector@demo.test", Name: "Isla Inspector", Role: string(auth.RoleInspector), PasswordHash: hash},
	} {
		if _, err := st.CreateUser(ctx, system, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := seed.Story(ctx, st); err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, store: st, now: time.Now()}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts.srv = NewServer(logger, testConfig(), st, Options{PasswordParams: &cheapParams, Now: ts.clock})
	ts.ts = httptest.NewServer(ts.srv)
	t.Cleanup(ts.ts.Close)
	return ts
}

// roundForce is one force of the 2017 round as a test enters it: when its
// plan came and the category its assessment (published 2 October 2017)
// placed it in.
type roundForce struct {
	code     string
	planAt   time.Time
	category string
}

// enterPlanOnTime records, through the record-a-plan page, the force's
// first plan as the inspectorate received it by email at its real time.
func (ts *testServer) enterPlanOnTime(caseID int64, at time.Time) {
	ts.t.Helper()
	at = at.In(domain.London())
	res := ts.as("inspector@demo.test").record(caseID, "plan", receivedForm{
		day: strconv.Itoa(at.Day()), month: strconv.Itoa(int(at.Month())), year: strconv.Itoa(at.Year()), at: at.Format("3:04pm"),
		sender: "The force's liaison officer", via: "email", reason: "The plans of 2017 came by email, before the portal.",
		files: []filePart{file("Plan.pdf", uploadtest.PDF("Plan"))}})
	wantStatus(ts.t, res, http.StatusSeeOther)
}

// publishAssessment takes the force's assessment through the screens as it
// happened: recorded and submitted on 20 June 2017, approved on 28
// September and published with its letter on 2 October 2017, in category.
// The recommendation's letter wording and the force's names are set first,
// as an inspector and an admin would have.
func (ts *testServer) publishAssessment(caseID int64, category string) {
	t := ts.t
	t.Helper()
	ctx := context.Background()
	ac, err := ts.store.AssessmentCase(ctx, store.Scope{}, caseID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.LetterTemplate(ctx, ac.FindingID); err != nil {
		err = ts.store.SaveLetterTemplate(ctx, store.Actor{Email: "test"}, store.LetterTemplate{FindingID: ac.FindingID,
			Wording: seed.StoryLetterTemplate(), Defaults: store.LetterDetails{ContactName: "John Young",
				ContactEmail: "john.young@hmic.gsi.gov.uk", ContactPhone: "07802 948502", SignatoryName: "Michael Cunningham",
				SignatoryTitles: "Her Majesty's Inspector of Constabulary"}}, ts.clock())
		if err != nil {
			t.Fatal(err)
		}
	}
	if ac.Force.ChiefOfficerName == "" {
		err := ts.store.UpdateForceDetails(ctx, store.Actor{Email: "test"}, ac.Force.Code,
			store.ForceDetails{ChiefOfficerName: "A Chief", OversightHolderName: "A Commissioner"})
		if err != nil {
			t.Fatal(err)
		}
	}
	form := url.Values{"period": {"June 2017"}, "reviewed_up_to-day": {"31"}, "reviewed_up_to-month": {"5"},
		"reviewed_up_to-year": {"2017"}, "findings_paragraph": {"The force's plans were assessed."}}
	for _, c := range ac.Categories {
		if c.Key == category {
			form.Set("category", strconv.FormatInt(c.ID, 10))
		}
	}
	for _, c := range ac.Criteria {
		form.Set(fmt.Sprintf("finding-%d", c.ID), "met")
	}
	for _, sub := range ac.Submissions {
		form.Add("submissions", strconv.FormatInt(sub.ID, 10))
	}
	inspector, manager := ts.as("inspector@demo.test"), ts.as("manager@demo.test")
	wantStatus(t, inspector.post(path(caseID, "/assessment"), form), http.StatusSeeOther)
	a, _ := assessmentOf(t, ts, caseID)
	for _, s := range []struct {
		who             *client
		action, day, mo string
	}{{inspector, "submit", "20", "6"}, {manager, "approve", "28", "9"}, {manager, "publish", "2", "10"}} {
		res := s.who.post(path(caseID, "/assessment/"+s.action), url.Values{"version": {strconv.Itoa(a.version)},
			"happened_on-" + s.action + "-day": {s.day}, "happened_on-" + s.action + "-month": {s.mo},
			"happened_on-" + s.action + "-year": {"2017"}, "reason-" + s.action: {"The 2017 round, entered from its records"}})
		wantStatus(t, res, http.StatusSeeOther)
		a.version++
	}
}

// lateWords are the words that say something is behind.
var lateWords = regexp.MustCompile(`(?i)\b(late|overdue)\b`)

// TestThe2017RoundShowsOnlyWhatHappened: the 2017 round entered for four
// forces, each plan on time (Sussex's due date moved earlier after its plan
// came). As of 1 January 2018 the dashboard, its CSV and the national
// overview of plans show no plan late or overdue and no assessment overdue;
// Derbyshire's and Merseyside's (all elements in place) and
// Leicestershire's (implementation started, which is what the
// recommendation asked) recommendation is not overdue; Sussex's (plan not
// started) is.
func TestThe2017RoundShowsOnlyWhatHappened(t *testing.T) {
	t.Parallel()
	ts := newStoryServer(t)
	ctx := context.Background()
	rec := ts.storyRecommendation()
	round := []roundForce{
		{"leicestershire", seed.StoryLeicestershirePlanAt, "plan_started"},
		{"derbyshire", time.Date(2017, 5, 30, 11, 0, 0, 0, domain.London()), "all_in_place"},
		{"merseyside", time.Date(2017, 5, 31, 9, 30, 0, 0, domain.London()), "all_in_place"},
		{"sussex", time.Date(2017, 5, 30, 15, 0, 0, 0, domain.London()), "plan_not_started"},
	}
	entered := map[string]int64{}
	for _, f := range round {
		c, err := ts.store.CaseFor(ctx, store.Scope{}, rec.ID, f.code)
		if err != nil {
			t.Fatal(err)
		}
		entered[f.code] = c.ID
		ts.enterPlanOnTime(c.ID, f.planAt)
		ts.publishAssessment(c.ID, f.category)
	}
	// The assessments were entered today, but the cases keep the real
	// dates: started when the first step was taken, published on the day.
	ids := []int64{entered["leicestershire"], entered["derbyshire"], entered["merseyside"], entered["sussex"]}
	if n := countRows(t, ts, `SELECT count(*) FROM cases WHERE id = ANY ($1)
		AND assessment_started_on = '2017-06-20' AND assessment_published_on = '2017-10-02'`, ids); n != 4 {
		t.Errorf("%d of 4 cases keep the real dates of their assessment (started 20 June, published 2 October 2017)", n)
	}
	// A due date changed after the plan came does not make it late.
	testdb.Exec(t, ts.store.Pool(), `UPDATE cases SET plan_due_on = '2017-05-26' WHERE id = $1`, entered["sussex"])
	// Only the four forces are in this round: the others' cases are
	// closed before the request went, so they show nothing.
	testdb.Exec(t, ts.store.Pool(), `UPDATE cases SET closed_on = '2017-05-15', closed_reason = 'superseded'
		WHERE finding_id = $1 AND NOT (id = ANY ($2))`, rec.ID,
		[]int64{entered["leicestershire"], entered["derbyshire"], entered["merseyside"], entered["sussex"]})

	c := ts.as("manager@demo.test")
	const asof = "asof=2018-01-01"
	q := fmt.Sprintf("%s&report=%d&recommendation=%d", asof, rec.ReportID, rec.ID)
	res := c.get("/dashboard.csv?" + q)
	wantStatus(t, res, http.StatusOK)
	records, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("CSV: %v %v", err, records)
	}
	header := records[0]
	got := map[string]map[string]string{}
	for _, r := range records[1:] {
		got[r[1]] = map[string]string{}
		for i, h := range header {
			got[r[1]][h] = r[i]
		}
	}
	if len(got) != 1 || got["Sussex Police"]["Recommendation overdue: items"] != "1" {
		t.Errorf("as of 1 January 2018 the dashboard ranks %v, want Sussex Police alone with its recommendation overdue", records)
	}
	for _, h := range []string{"Plan overdue: items", "Assessment overdue: items", "Follow-up overdue: items"} {
		if n := got["Sussex Police"][h]; n != "0" {
			t.Errorf("Sussex Police %s = %s, want 0", h, n)
		}
	}
	dash := c.get("/dashboard?" + q)
	wantStatus(t, dash, http.StatusOK)
	doc := dash.doc(t)
	for kind, want := range map[domain.Kind]string{domain.KindPlanOverdue: "0", domain.KindAssessmentOverdue: "0",
		domain.KindRecommendationOverdue: "1", domain.KindFollowUpOverdue: "0"} {
		if n := doc.Find(`[data-testid="total-` + string(kind) + `"]`).Text(); n != want {
			t.Errorf("dashboard as of 1 January 2018: %s %s, want %s", kind, n, want)
		}
	}

	// The national overview of plans: four on time, none late or overdue.
	plans := c.get("/plans?" + asof)
	wantStatus(t, plans, http.StatusOK)
	pdoc := plans.doc(t)
	for status, want := range map[domain.PlanStatus]string{domain.PlanSentOnTime: "4", domain.PlanSentLate: "0", domain.PlanMissing: "0"} {
		if n := strings.TrimSpace(pdoc.Find(`[data-testid="count-` + string(status) + `"]`).First().Text()); n != want {
			t.Errorf("plans overview as of 1 January 2018: %s %q, want %s", status, n, want)
		}
	}

	// The national overview of the assessments says nothing is late.
	overview := c.get(fmt.Sprintf("/publications/overviews/%d", rec.ID))
	wantStatus(t, overview, http.StatusOK)
	if text := overview.doc(t).Find("main").Text(); lateWords.MatchString(text) {
		t.Errorf("the national overview calls something late or overdue: %q", lateWords.FindString(text))
	}

	// Each case says how it stands, and no plan is called late.
	for _, f := range round {
		for _, day := range []string{"2017-06-05", "2018-01-01"} {
			page := c.get(fmt.Sprintf("/cases/%d?asof=%s", entered[f.code], day))
			wantStatus(t, page, http.StatusOK)
			reason := page.doc(t).Find(`[data-testid="stage-reason"]`).Text()
			if lateWords.MatchString(reason) {
				t.Errorf("%s as of %s: %q", f.code, day, reason)
			}
		}
	}
	page := c.get(fmt.Sprintf("/cases/%d?%s", entered["derbyshire"], asof))
	wantStatus(t, page, http.StatusOK)
	if reason := page.doc(t).Find(`[data-testid="stage-reason"]`).Text(); !strings.Contains(reason, "met, waiting for a follow-up or closure") {
		t.Errorf("Derbyshire as of 1 January 2018: %q, want it to say it waits for a follow-up or closure", reason)
	}
}

// TestInspectorSaysWhatACategoryCountsAs: on the recommendation's page an
// inspector changes what a category counts as, audited, and the dashboard
// follows at once: all elements in place made partly met puts Derbyshire's
// recommendation back to overdue.
func TestInspectorSaysWhatACategoryCountsAs(t *testing.T) {
	t.Parallel()
	ts := newStoryServer(t)
	ctx := context.Background()
	rec := ts.storyRecommendation()
	derbyshire, err := ts.store.CaseFor(ctx, store.Scope{}, rec.ID, "derbyshire")
	if err != nil {
		t.Fatal(err)
	}
	ts.enterPlanOnTime(derbyshire.ID, time.Date(2017, 5, 30, 11, 0, 0, 0, domain.London()))
	ts.publishAssessment(derbyshire.ID, "all_in_place")
	cats, err := ts.store.Categories(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	var cat int64
	for _, k := range cats {
		if k.Key == "all_in_place" {
			cat = k.ID
		}
	}
	c := ts.as("inspector@demo.test")
	overdue := func() string {
		t.Helper()
		res := c.get("/forces/derbyshire?asof=2018-01-01")
		wantStatus(t, res, http.StatusOK)
		return res.doc(t).Find(`[data-testid="count-recommendation_overdue"]`).Text()
	}
	if got := overdue(); got != "0" {
		t.Fatalf("met: Derbyshire recommendation overdue %q, want 0", got)
	}
	page := c.get("/findings/" + itoa64(rec.ID))
	wantStatus(t, page, http.StatusOK)
	if got := page.doc(t).Find(`[data-testid="category-effect"]`).Last().Text(); got != "met" {
		t.Errorf("all elements in place counts as %q, want met", got)
	}

	path := fmt.Sprintf("/findings/%d/categories/%d/effect", rec.ID, cat)
	wantStatus(t, c.post(path, url.Values{"effect": {"nonsense"}}), http.StatusBadRequest)
	audits := ts.count(`SELECT count(*) FROM audit_events WHERE action = 'category.effect'`)
	wantStatus(t, c.post(path, url.Values{"effect": {"partly_met"}}), http.StatusSeeOther)
	if n := ts.count(`SELECT count(*) FROM audit_events WHERE action = 'category.effect'`); n != audits+1 {
		t.Errorf("%d category.effect audit events after the change, want %d", n, audits+1)
	}
	if got := overdue(); got != "1" {
		t.Errorf("partly met: Derbyshire recommendation overdue %q, want 1", got)
	}
	wantStatus(t, ts.as("manager@demo.test").post(path, url.Values{"effect": {"met"}}), http.StatusSeeOther)
	if got := overdue(); got != "0" {
		t.Errorf("met again: Derbyshire recommendation overdue %q, want 0", got)
	}
}

// TestAsOfDaySurvivesTheDrillDown: the dashboard as of a day, asked either
// way (?asof=2018-01-01 or the form's three boxes), is the same page; its
// force links carry the day, the force's page counts that day and links
// its cases on that day.
func TestAsOfDaySurvivesTheDrillDown(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as("manager@demo.test")
	iso := c.get("/dashboard?asof=2018-01-01")
	wantStatus(t, iso, http.StatusOK)
	boxes := c.get("/dashboard?asof-day=1&asof-month=1&asof-year=2018")
	wantStatus(t, boxes, http.StatusOK)
	table := func(r response) string {
		h, _ := r.doc(t).Find(`[data-testid="forces"]`).Html()
		return h
	}
	if table(iso) == "" || table(iso) != table(boxes) {
		t.Errorf("?asof=2018-01-01 and the boxes give different dashboards")
	}
	href, ok := iso.doc(t).Find(`[data-testid="force-row"] a[data-testid="force"]`).First().Attr("href")
	if !ok || !strings.HasSuffix(href, "?asof=2018-01-01") {
		t.Fatalf("the dashboard links a force as %q, want the day carried", href)
	}
	force := c.get(href)
	wantStatus(t, force, http.StatusOK)
	doc := force.doc(t)
	if !strings.Contains(doc.Text(), "Overdue and due soon on 1 January 2018") {
		t.Errorf("the force's page does not count as of 1 January 2018")
	}
	caseHref, ok := doc.Find(`[data-testid="case-row"] a`).First().Attr("href")
	if !ok || !strings.HasSuffix(caseHref, "?asof=2018-01-01") {
		t.Fatalf("the force's page links a case as %q, want the day carried", caseHref)
	}
	cs := c.get(caseHref)
	wantStatus(t, cs, http.StatusOK)
	if got := cs.doc(t).Find(`[data-testid="asof-date"], [data-testid="asof"]`).Text(); !strings.Contains(cs.Body, "1 January 2018") {
		t.Errorf("the case page is not shown as of 1 January 2018 (%q)", got)
	}
	list := c.get("/forces?asof-day=1&asof-month=1&asof-year=2018")
	wantStatus(t, list, http.StatusOK)
	if got := list.doc(t).Find(`[data-testid="asof"]`).Text(); !strings.Contains(got, "1 January 2018") {
		t.Errorf("/forces from the boxes counts %q, want as of 1 January 2018", got)
	}
}
