package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"inspectrack/internal/domain"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
)

// count runs a count(*) query on the test database.
func (ts *testServer) count(q string, args ...any) int {
	ts.t.Helper()
	var n int
	if err := ts.store.Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		ts.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func wantError(t *testing.T, res response, message string) {
	t.Helper()
	wantStatus(t, res, 422)
	doc := res.doc(t)
	if got := doc.Find(".govuk-error-summary").Text(); !strings.Contains(got, message) {
		t.Errorf("%s %s: error summary %q, want %q", res.Request.Method, res.Request.URL.Path, strings.Join(strings.Fields(got), " "), message)
	}
	if !strings.HasPrefix(doc.Find("title").Text(), "Error: ") {
		t.Errorf("%s: title %q does not start with Error:", res.Request.URL.Path, doc.Find("title").Text())
	}
}

// TestInspectorSetsUpARecommendationInAFewScreens follows the issue's
// "done when": a report, a cause of concern, a recommendation with
// criteria, applied to all forces, and the request recorded.
func TestInspectorSetsUpARecommendationInAFewScreens(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as(inspector)

	res := c.post("/reports", url.Values{"title": {"PEEL: police effectiveness 2017"}, "kind": {"national"},
		"published-day": {"22"}, "published-month": {"3"}, "published-year": {"2018"}})
	wantStatus(t, res, 303)
	reportPath := res.Header.Get("Location")
	doc := c.get(reportPath).doc(t)
	if got := doc.Find(`[data-testid="published"]`).Text(); got != "22 March 2018" {
		t.Errorf("published = %q", got)
	}

	res = c.post(reportPath+"/findings", url.Values{"kind": {"cause_of_concern"}, "reference": {"Cause of concern 1"},
		"body": {"Forces do not understand demand."}})
	wantStatus(t, res, 303)
	causePath := res.Header.Get("Location")
	causeID := strings.TrimPrefix(causePath, "/findings/")

	res = c.post(reportPath+"/findings", url.Values{"kind": {"recommendation"}, "reference": {"Recommendation 1"},
		"body":  {"Within six months, all forces should have a plan to understand demand."},
		"scope": {"all_police"}, "parent": {causeID}, "terminology_note": {"Now called demand management."},
		"criteria": {"Plan exists\nDemand analysed\n\nResources matched"}})
	wantStatus(t, res, 303)
	recPath := res.Header.Get("Location")
	doc = c.get(recPath).doc(t)
	if got := doc.Find(`[data-testid="deadline"]`).Text(); !strings.Contains(got, "Within six months") || !strings.Contains(got, "22 September 2018") {
		t.Errorf("deadline = %q, want within six months: 22 September 2018", strings.Join(strings.Fields(got), " "))
	}
	if n := doc.Find(`[data-testid="criterion"]`).Length(); n != 3 {
		t.Errorf("%d criteria, want 3", n)
	}
	if n := doc.Find(`[data-testid="category"]`).Length(); n != 4 {
		t.Errorf("%d categories, want the 4 defaults", n)
	}
	if !strings.Contains(doc.Find(`[data-testid="finding-summary"]`).Text(), "Cause of concern 1") {
		t.Error("the recommendation does not show the cause of concern it answers")
	}
	// Reorder: move the last criterion up; remove the first; add one.
	rec, err := ts.store.FindingByReference(context.Background(), mustID(t, reportPath, "/reports/"), "Recommendation 1")
	if err != nil {
		t.Fatal(err)
	}
	crit, _ := ts.store.Criteria(context.Background(), rec.ID)
	wantStatus(t, c.post(recPath+"/criteria/"+itoa64(crit[2].ID)+"/move", url.Values{"direction": {"up"}}), 303)
	wantStatus(t, c.post(recPath+"/criteria/"+itoa64(crit[0].ID)+"/remove", nil), 303)
	wantStatus(t, c.post(recPath+"/criteria", url.Values{"criterion": {"Reviewed by the chief officer team"}}), 303)
	wantError(t, c.post(recPath+"/criteria", url.Values{"criterion": {"  "}}), "Enter the criterion")
	wantStatus(t, c.post(recPath+"/categories", url.Values{"category": {"Not assessed"}}), 303)
	wantError(t, c.post(recPath+"/categories", url.Values{"category": {"Not assessed"}}), "already has that category")
	doc = c.get(recPath).doc(t)
	var titles []string
	doc.Find(`[data-testid="criterion"] strong`).Each(func(_ int, s *goquery.Selection) { titles = append(titles, s.Text()) })
	if strings.Join(titles, "|") != "Resources matched|Demand analysed|Reviewed by the chief officer team" {
		t.Errorf("criteria = %v", titles)
	}

	// Apply, then apply again: nothing new.
	before := ts.count(`SELECT count(*) FROM cases`)
	wantStatus(t, c.post(recPath+"/apply", nil), 303)
	if got := ts.count(`SELECT count(*) FROM cases WHERE finding_id = $1`, rec.ID); got != 43 {
		t.Errorf("apply created %d cases, want 43", got)
	}
	wantStatus(t, c.post(recPath+"/apply", nil), 303)
	if got := c.get(recPath).doc(t).Find(".govuk-notification-banner").Text(); !strings.Contains(got, "0 cases created. 43 forces already had one.") {
		t.Errorf("second apply says %q", strings.TrimSpace(got))
	}
	if got := ts.count(`SELECT count(*) FROM cases`); got != before+43 {
		t.Errorf("cases after applying twice = %d, want %d", got, before+43)
	}
	if got := ts.count(`SELECT count(*) FROM audit_events WHERE action = 'finding.apply' AND object_id = $1`, itoa64(rec.ID)); got != 2 {
		t.Errorf("%d apply audit events, want 2", got)
	}
	// Criteria are fixed once cases exist.
	wantStatus(t, c.post(recPath+"/criteria", url.Values{"criterion": {"Too late"}}), 409)

	// The request: a due date before the letter is refused, the form kept.
	res = c.post(recPath+"/request", url.Values{"sent-day": {"16"}, "sent-month": {"5"}, "sent-year": {"2018"},
		"due-day": {"15"}, "due-month": {"5"}, "due-year": {"2018"}})
	wantError(t, res, "must be the same as or after the date of the letter")
	if got := res.doc(t).Find(`#due-day`).AttrOr("value", ""); got != "15" {
		t.Errorf("due day not kept: %q", got)
	}
	wantError(t, c.post(recPath+"/request", url.Values{"sent-day": {"31"}, "sent-month": {"4"}, "sent-year": {"2018"},
		"due-day": {"15"}, "due-month": {"5"}, "due-year": {"2018"}}), "must be a real date")
	if got := ts.count(`SELECT count(*) FROM requests`); got != 1 {
		t.Errorf("%d requests after refusals, want only the story's", got)
	}
	wantStatus(t, c.post(recPath+"/request", url.Values{"sent-day": {"16"}, "sent-month": {"5"}, "sent-year": {"2018"},
		"due-day": {"31"}, "due-month": {"5"}, "due-year": {"2018"}}), 303)
	if got := ts.count(`SELECT count(*) FROM cases WHERE finding_id = $1 AND request_sent_on = '2018-05-16' AND plan_due_on = '2018-05-31'`, rec.ID); got != 43 {
		t.Errorf("%d cases carry the request, want 43", got)
	}
	if got := ts.count(`SELECT count(*) FROM date_changes d JOIN cases c ON c.id = d.case_id WHERE c.finding_id = $1 AND d.field = 'plan_due_on'`, rec.ID); got != 43 {
		t.Errorf("%d due date changes, want 43", got)
	}
	if got := ts.count(`SELECT count(*) FROM audit_events WHERE action = 'request.record'`); got < 2 {
		t.Errorf("request not audited")
	}
}

func TestReportAndFindingFormsExplainWhatIsWrong(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as(manager)
	res := c.post("/reports", url.Values{"title": {""}, "kind": {"national"}, "summary": {"kept summary"},
		"published-day": {"29"}, "published-month": {"2"}, "published-year": {"2017"}})
	wantError(t, res, "Enter the report's title")
	wantError(t, res, "must be a real date")
	if got := res.doc(t).Find(`textarea[name="summary"]`).Text(); got != "kept summary" {
		t.Errorf("summary not kept: %q", got)
	}
	wantError(t, c.post("/reports", url.Values{"title": {"X"}, "kind": {"force"}, "published-day": {"1"}, "published-month": {"2"}, "published-year": {"2017"}}),
		"Select the force the report is about")
	wantError(t, c.post("/reports", url.Values{"title": {seedTitle()}, "kind": {"national"}, "published-day": {"8"}, "published-month": {"12"}, "published-year": {"2016"}}),
		"already exists")
	if got := ts.count(`SELECT count(*) FROM reports`); got != 1 {
		t.Errorf("%d reports after refusals", got)
	}

	rec := ts.storyRecommendation()
	path := "/reports/" + itoa64(rec.ReportID) + "/findings"
	wantError(t, c.post(path, url.Values{"kind": {"recommendation"}, "reference": {"R9"}, "scope": {"all_police"}}), "Enter the text of the recommendation")
	res = c.post(path, url.Values{"kind": {"recommendation"}, "reference": {"R9"}, "scope": {"all_police"},
		"body": {"Forces should do this before the next inspection."}, "deadline_text": {"before the next inspection"}})
	wantError(t, res, "gives no date: enter the deadline date")
	if got := res.doc(t).Find(`#reference`).AttrOr("value", ""); got != "R9" {
		t.Errorf("reference not kept: %q", got)
	}
	wantError(t, c.post(path, url.Values{"kind": {"recommendation"}, "reference": {"R9"}, "scope": {"listed"}, "body": {"x"}}),
		"Select the forces the recommendation is to")
	wantError(t, c.post(path, url.Values{"kind": {"recommendation"}, "reference": {"recommendation 1"}, "scope": {"all_police"}, "body": {"x"}}),
		"Another finding of this report has this reference")
	wantError(t, c.post(path, url.Values{"kind": {"recommendation"}, "reference": {"R9"}, "scope": {"all_police"}, "body": {"x"},
		"deadline-day": {"30"}, "deadline-month": {"2"}, "deadline-year": {"2018"}}), "must be a real date")
	if got := ts.count(`SELECT count(*) FROM findings`); got != 2 {
		t.Errorf("%d findings after refusals", got)
	}
	// With the date entered, the unparseable words are kept as written.
	res = c.post(path, url.Values{"kind": {"recommendation"}, "reference": {"R9"}, "scope": {"listed"}, "forces": {"kent", "sussex"},
		"body": {"x"}, "deadline_text": {"before the next inspection"}, "deadline-day": {"31"}, "deadline-month": {"3"}, "deadline-year": {"2018"}})
	wantStatus(t, res, 303)
	f, err := ts.store.FindingByReference(context.Background(), rec.ReportID, "R9")
	if err != nil {
		t.Fatal(err)
	}
	if f.DeadlineText != "before the next inspection" || !f.DeadlineOverridden || !f.DeadlineOn.Equal(domain.Date(2018, 3, 31)) {
		t.Errorf("deadline = %q %v overridden %v", f.DeadlineText, f.DeadlineOn, f.DeadlineOverridden)
	}
	wantStatus(t, c.post("/findings/"+itoa64(f.ID)+"/apply", nil), 303)
	if got := ts.count(`SELECT count(*) FROM cases WHERE finding_id = $1`, f.ID); got != 2 {
		t.Errorf("listed recommendation: %d cases, want 2", got)
	}
	// Changing the deadline date asks why, and keeps the change.
	edit := url.Values{"reference": {"R9"}, "scope": {"listed"}, "forces": {"kent", "sussex"}, "body": {"x"},
		"deadline_text": {"before the next inspection"}, "deadline-day": {"30"}, "deadline-month": {"4"}, "deadline-year": {"2018"}}
	wantError(t, c.post("/findings/"+itoa64(f.ID), edit), "Enter why the deadline date is changing")
	edit.Set("forces", "kent")
	edit.Set("deadline_reason", "The inspection moved")
	wantError(t, c.post("/findings/"+itoa64(f.ID), edit), "Cases exist for forces you removed")
	edit["forces"] = []string{"kent", "sussex", "surrey"}
	wantStatus(t, c.post("/findings/"+itoa64(f.ID), edit), 303)
	doc := c.get("/findings/" + itoa64(f.ID)).doc(t)
	if got := doc.Find(`[data-testid="finding-date-changes"]`).Text(); !strings.Contains(got, "31 March 2018 to 30 April 2018") || !strings.Contains(got, "The inspection moved") {
		t.Errorf("date changes = %q", got)
	}
	if got := doc.Find(`[data-testid="apply"]`).Text(); got != "Create a case for the 1 force without one" {
		t.Errorf("apply button = %q", strings.TrimSpace(got))
	}
}

func TestForcesListCountsAndEditing(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.storyCase("leicestershire")
	ts.setClock(domain.Date(2017, 6, 1))
	c := ts.as(inspector)
	doc := c.get("/forces?region=South+West").doc(t)
	rows := doc.Find(`[data-testid="force-row"]`)
	if rows.Length() != 5 {
		t.Errorf("the South West has %d forces, want 5", rows.Length())
	}
	// Of them, only the force whose plan came late (2 June 2017) is behind.
	overdue := rows.FilterFunction(func(_ int, row *goquery.Selection) bool {
		return row.Find(`[data-testid="count-plan_overdue"]`).Text() != "0"
	})
	if overdue.Length() != 1 || !strings.Contains(overdue.Text(), "Wiltshire Police") {
		t.Errorf("%d forces show overdue cases on 1 June 2017 (%q), want Wiltshire Police alone", overdue.Length(), overdue.Text())
	}
	doc = c.get("/forces/leicestershire").doc(t)
	if got := doc.Find(`[data-testid="chief-officer"]`).Text(); got != "Chief Constable Simon Cole QPM" {
		t.Errorf("chief officer = %q", got)
	}
	if got := doc.Find(`[data-testid="oversight-holder"]`).Text(); got != "Lord Willy Bach" {
		t.Errorf("PCC = %q", got)
	}
	wantError(t, c.post("/forces/leicestershire", url.Values{"chief_officer_honours": {"QPM"}}), "as well as their honours")
	res := c.post("/forces/leicestershire", url.Values{"chief_officer_name": {"Simon Cole"}, "chief_officer_honours": {"QPM"},
		"oversight_holder_name": {"Lord Willy Bach"}, "liaison_contacts": {"Jo Bloggs, professional standards\njo@example.test"}})
	wantStatus(t, res, 303)
	doc = c.get("/forces/leicestershire").doc(t)
	if got := doc.Find(`[data-testid="liaison-contacts"]`).Text(); !strings.Contains(got, "jo@example.test") {
		t.Errorf("contacts = %q", got)
	}
	events, _ := ts.store.ListAudit(context.Background(), store.AuditFilter{ObjectType: "force", ObjectID: "leicestershire"})
	if len(events) == 0 || !strings.Contains(events[0].Summary, "liaison contacts") {
		t.Errorf("force edit audit = %+v", events)
	}
}

func seedTitle() string { return seed.StoryReportTitle }

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func mustID(t *testing.T, path, prefix string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(path, prefix), 10, 64)
	if err != nil {
		t.Fatalf("id in %q: %v", path, err)
	}
	return id
}
