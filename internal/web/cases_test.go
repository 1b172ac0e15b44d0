package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"inspectrack/internal/domain"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// storyCase returns the id of the story recommendation's case at force,
// with the dates later issues' seed steps record (submissions,
// assessments, follow-ups) cleared, so the state is the one this issue's
// Story step builds whatever later steps add.
func (ts *testServer) storyCase(force string) int64 {
	ts.t.Helper()
	ctx := context.Background()
	rec, err := seed.StoryRecommendation(ctx, ts.store)
	if err != nil {
		ts.t.Fatal(err)
	}
	c, err := ts.store.CaseFor(ctx, store.Scope{}, rec.ID, force)
	if err != nil {
		ts.t.Fatal(err)
	}
	testdb.Exec(ts.t, ts.store.Pool(), `UPDATE cases SET first_submitted_at = NULL, last_submitted_at = NULL,
		assessment_started_on = NULL, assessment_published_on = NULL, follow_up_planned_on = NULL,
		follow_up_done_on = NULL, closed_on = NULL, closed_reason = NULL WHERE id = $1`, c.ID)
	return c.ID
}

func (ts *testServer) storyRecommendation() store.Finding {
	ts.t.Helper()
	rec, err := seed.StoryRecommendation(context.Background(), ts.store)
	if err != nil {
		ts.t.Fatal(err)
	}
	return rec
}

// TestSeededLateCaseStageAsOf: the seeded force whose plan came late (2
// June 2017) was awaiting its plan, then overdue, as the seed has it: no
// state is rebuilt by the test.
func TestSeededLateCaseStageAsOf(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c, err := ts.store.CaseFor(context.Background(), store.Scope{}, ts.storyRecommendation().ID, seed.StoryLateForce)
	if err != nil {
		t.Fatal(err)
	}
	late := c.ID
	for _, id := range []int64{late} {
		for _, tc := range []struct{ asOf, stage, reason string }{
			{"2017-05-20", "Awaiting plan", "Plan due 31 May 2017, 11 days left"},
			{"2017-05-31", "Awaiting plan", "Plan due today, 31 May 2017"},
			{"2017-06-01", "Plan overdue", "Plan due 31 May 2017, 1 day overdue"},
		} {
			res := ts.as("inspector@demo.test").get(fmt.Sprintf("/cases/%d?asof=%s", id, tc.asOf))
			wantStatus(t, res, 200)
			doc := res.doc(t)
			if got := strings.TrimSpace(doc.Find(`[data-testid="case-summary"] [data-testid="stage"]`).Text()); got != tc.stage {
				t.Errorf("case %d as of %s: stage %q, want %q", id, tc.asOf, got, tc.stage)
			}
			if got := strings.TrimSpace(doc.Find(`[data-testid="stage-reason"]`).Text()); got != tc.reason {
				t.Errorf("case %d as of %s: reason %q, want %q", id, tc.asOf, got, tc.reason)
			}
			overdue := doc.Find(`[data-testid="overdue"]`).Length() > 0
			if overdue != (tc.stage == "Plan overdue") {
				t.Errorf("case %d as of %s: overdue warning shown = %v", id, tc.asOf, overdue)
			}
			if doc.Find(`[data-testid="timeline-request"]`).Length() != 1 {
				t.Errorf("case %d as of %s: no request on the timeline", id, tc.asOf)
			}
		}
	}
	// Before the request, the timeline has only the report.
	doc := ts.as("inspector@demo.test").get(fmt.Sprintf("/cases/%d?asof=2017-05-01", late)).doc(t)
	if doc.Find(`[data-testid="timeline-request"]`).Length() != 0 || doc.Find(`[data-testid="timeline-report"]`).Length() != 1 {
		t.Error("as of 1 May 2017 the timeline shows the request of 16 May")
	}
	// Later: everything on today's timeline but the report, among them the
	// request of 16 May and the plan of 2 June 2017.
	today := ts.as("inspector@demo.test").get(fmt.Sprintf("/cases/%d", late)).doc(t)
	for _, kind := range []string{"request", "plan"} {
		if n := today.Find(`[data-testid="timeline-` + kind + `"]`).Length(); n != 1 {
			t.Errorf("today's timeline has %d %s entries, want 1", n, kind)
		}
	}
	later := today.Find(`.moj-timeline__item`).Length() - 1
	if got := doc.Find(`[data-testid="timeline-hidden"]`).Text(); !strings.Contains(got, fmt.Sprintf("%d later entries", later)) {
		t.Errorf("hidden note = %q", got)
	}
}

func TestCasePageShowsTheLetterStory(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.storyCase("leicestershire")
	ts.setClock(domain.Date(2017, 6, 1).Add(10 * 3600e9))
	doc := ts.as("liaison.leicestershire@demo.test").get(fmt.Sprintf("/cases/%d", id)).doc(t)
	if got := strings.TrimSpace(doc.Find(`[data-testid="finding-body"]`).Text()); got != seed.StoryRecommendationText {
		t.Errorf("recommendation text = %q", got)
	}
	if got := doc.Find(`[data-testid="stage"]`).First().Text(); got != "Plan overdue" {
		t.Errorf("stage today (1 June 2017) = %q", got)
	}
	if got := doc.Find(`[data-testid="plan-due"]`).Text(); !strings.Contains(got, "31 May 2017") {
		t.Errorf("plan due = %q", got)
	}
	if doc.Find(`a[href$="/due-date"]`).Length() != 0 {
		t.Error("a liaison is offered to change the due date")
	}
}

func TestLiaisonCannotSeeOtherForcesCase(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	sussex := ts.storyCase("sussex")
	leics := ts.storyCase("leicestershire")
	c := ts.as("liaison.leicestershire@demo.test")
	wantStatus(t, c.get(fmt.Sprintf("/cases/%d", sussex)), 404)
	wantStatus(t, c.get(fmt.Sprintf("/cases/%d", leics)), 200)
	res := c.get("/cases?force=sussex")
	wantStatus(t, res, 200)
	if n := res.doc(t).Find(`[data-testid="case-row"]`).Length(); n != 0 {
		t.Errorf("liaison filtering by Sussex sees %d cases", n)
	}
	doc := c.get("/cases").doc(t)
	rows := doc.Find(`[data-testid="case-row"]`)
	if rows.Length() != 1 || rows.AttrOr("data-force", "") != "leicestershire" {
		t.Errorf("liaison's case list has %d rows, first %q", rows.Length(), rows.AttrOr("data-force", ""))
	}
}

func TestCaseListFiltersSortsAndPages(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as("manager@demo.test")
	doc := c.get("/cases?asof=2017-06-01").doc(t)
	if got := doc.Find(`[data-testid="case-total"]`).Text(); got != "43" {
		t.Errorf("total = %q, want 43", got)
	}
	if n := doc.Find(`[data-testid="case-row"]`).Length(); n != casesPerPage {
		t.Errorf("first page has %d rows", n)
	}
	// The list pages by keyset: Next continues after the page's last case,
	// Previous comes back before the next page's first.
	next, ok := doc.Find(`.govuk-pagination__next a`).Attr("href")
	if !ok || !strings.Contains(next, "after=") || doc.Find(`.govuk-pagination__prev`).Length() != 0 {
		t.Fatalf("first page's pager: next %q, %d previous links", next, doc.Find(`.govuk-pagination__prev`).Length())
	}
	first := doc.Find(`[data-testid="case-row"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	doc = c.get(next).doc(t)
	if n := doc.Find(`[data-testid="case-row"]`).Length(); n != 43-casesPerPage {
		t.Errorf("second page has %d rows", n)
	}
	if got := strings.Join(strings.Fields(doc.Find(`caption`).Text()), " "); got != fmt.Sprintf("Showing %d to 43 of 43 cases", casesPerPage+1) {
		t.Errorf("second page says %q", got)
	}
	if doc.Find(`.govuk-pagination__next`).Length() != 0 {
		t.Error("the last page offers a next page")
	}
	prev, _ := doc.Find(`.govuk-pagination__prev a`).Attr("href")
	back := c.get(prev).doc(t).Find(`[data-testid="case-row"]`).Map(func(_ int, s *goquery.Selection) string { return s.Text() })
	if prev != "/cases?asof=2017-06-01" || !slices.Equal(back, first) {
		t.Errorf("previous from the second page is %q with %d rows, want the first page", prev, len(back))
	}
	// A page number alone, from a link made before: the list's start.
	if res := c.get("/cases?asof=2017-06-01&page=2"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cases?asof=2017-06-01" {
		t.Errorf("a page number alone: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Every force but one sent its plan by 31 May 2017 (seed.StoryLateForce,
	// in the South West, sent it on 2 June).
	doc = c.get("/cases?asof=2017-06-01&stage=plan_overdue&region=" + url.QueryEscape("South West")).doc(t)
	rows := doc.Find(`[data-testid="case-row"]`)
	if rows.Length() != 1 || rows.AttrOr("data-force", "") != seed.StoryLateForce {
		t.Errorf("South West plan overdue on 1 June 2017: %d cases, first %q, want 1, %s", rows.Length(), rows.AttrOr("data-force", ""), seed.StoryLateForce)
	}
	if n := c.get("/cases?asof=2017-06-01&stage=plan_overdue&region=" + url.QueryEscape("East Midlands")).doc(t).Find(`[data-testid="case-row"]`).Length(); n != 0 {
		t.Errorf("East Midlands plan overdue on 1 June 2017: %d cases, want 0", n)
	}
	if n := c.get("/cases?asof=2017-06-02&stage=plan_overdue").doc(t).Find(`[data-testid="case-row"]`).Length(); n != 0 {
		t.Errorf("plan overdue on 2 June 2017: %d cases, want 0", n)
	}
	if n := c.get("/cases?asof=2017-05-20&stage=plan_overdue").doc(t).Find(`[data-testid="case-row"]`).Length(); n != 0 {
		t.Errorf("plan overdue on 20 May 2017: %d cases, want 0", n)
	}
	doc = c.get("/cases?sort=force&dir=desc").doc(t)
	if first := doc.Find(`[data-testid="case-row"]`).First().AttrOr("data-force", ""); first != "wiltshire" {
		t.Errorf("sorted by force descending, first is %q", first)
	}
	if n := c.get("/cases?force=leicestershire").doc(t).Find(`[data-testid="case-row"]`).Length(); n != 1 {
		t.Errorf("filtered by Leicestershire: %d rows", n)
	}
}

func TestChangingADueDateNeedsAReasonAndKeepsHistory(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	id := ts.storyCase("sussex")
	c := ts.as("inspector@demo.test")
	path := fmt.Sprintf("/cases/%d/due-date", id)
	wantStatus(t, c.get(path), 200)
	for _, tc := range []struct {
		name    string
		form    url.Values
		message string
	}{
		{"no reason", url.Values{"due-day": {"7"}, "due-month": {"6"}, "due-year": {"2017"}}, "Enter why the due date is changing"},
		{"impossible date", url.Values{"due-day": {"31"}, "due-month": {"6"}, "due-year": {"2017"}, "reason": {"asked"}}, "must be a real date"},
		{"before the letter", url.Values{"due-day": {"10"}, "due-month": {"5"}, "due-year": {"2017"}, "reason": {"asked"}}, "on or after the date the request was sent"},
		{"no date", url.Values{"reason": {"asked"}}, "Enter new plan due date"},
	} {
		res := c.post(path, tc.form)
		wantStatus(t, res, 422)
		doc := res.doc(t)
		if got := doc.Find(".govuk-error-summary").Text(); !strings.Contains(got, tc.message) {
			t.Errorf("%s: summary %q, want %q", tc.name, got, tc.message)
		}
		if got := doc.Find(`textarea[name="reason"]`).Text(); got != tc.form.Get("reason") {
			t.Errorf("%s: reason not kept: %q", tc.name, got)
		}
	}
	res := c.post(path, url.Values{"due-day": {"7"}, "due-month": {"6"}, "due-year": {"2017"}, "reason": {"The force's board meets on 5 June"}})
	wantStatus(t, res, 303)
	doc := c.get(fmt.Sprintf("/cases/%d", id)).doc(t)
	if got := doc.Find(`[data-testid="plan-due"]`).Text(); !strings.Contains(got, "7 June 2017") {
		t.Errorf("plan due = %q", got)
	}
	entry := doc.Find(`[data-testid="timeline-date-change"]`)
	if !strings.Contains(entry.Text(), "From 31 May 2017 to 7 June 2017") || !strings.Contains(entry.Text(), "board meets") ||
		!strings.Contains(entry.Text(), "Isla Inspector") {
		t.Errorf("timeline entry = %q", entry.Text())
	}
	events, err := ts.store.ListAudit(context.Background(), store.AuditFilter{ObjectType: "case", ObjectID: fmt.Sprint(id)})
	if err != nil || len(events) != 1 || events[0].Action != "case.due_date.change" {
		t.Errorf("audit = %+v, %v", events, err)
	}
}
