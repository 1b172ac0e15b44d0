package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/domain"
)

// dateForm is a GOV.UK date input's three fields for d.
func dateValues(name string, d time.Time, more url.Values) url.Values {
	v := url.Values{name + "-day": {strconv.Itoa(d.Day())}, name + "-month": {strconv.Itoa(int(d.Month()))},
		name + "-year": {strconv.Itoa(d.Year())}}
	for k, vs := range more {
		v[k] = vs
	}
	return v
}

// caseDates reads a case's follow-up and closure columns.
func caseDates(t *testing.T, ts *testServer, id int64) (planned, done, closed *time.Time, reason string) {
	t.Helper()
	err := ts.store.Pool().QueryRow(context.Background(), `SELECT follow_up_planned_on, follow_up_done_on, closed_on,
		COALESCE(closed_reason, '') FROM cases WHERE id = $1`, id).Scan(&planned, &done, &closed, &reason)
	if err != nil {
		t.Fatal(err)
	}
	return planned, done, closed, reason
}

func auditCount(t *testing.T, ts *testServer, action string, caseID int64) int {
	t.Helper()
	var n int
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_events
		WHERE action = $1 AND object_type = 'case' AND object_id = $2`, action, strconv.FormatInt(caseID, 10)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// openCaseWithoutFollowUp returns an open case of the current demo report's
// R1 that has no follow-up, skipping the first skip of them.
func openCaseWithoutFollowUp(t *testing.T, ts *testServer, skip int) int64 {
	t.Helper()
	_, finding := currentFinding(t, ts, "R1")
	var id int64
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT id FROM cases WHERE finding_id = $1
		AND closed_on IS NULL AND follow_up_planned_on IS NULL ORDER BY id OFFSET $2 LIMIT 1`, finding, skip).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func openFollowUp(t *testing.T, ts *testServer, caseID int64) int64 {
	t.Helper()
	var id int64
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT id FROM follow_ups WHERE case_id = $1 AND done_on IS NULL`, caseID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestInspectorSchedulesMovesAndRecordsAFollowUp(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("inspector@demo.test")
	id := openCaseWithoutFollowUp(t, ts, 0)
	today := domain.Today(ts.clock())
	base := "/cases/" + strconv.FormatInt(id, 10) + "/follow-ups"

	page := c.get(base)
	wantStatus(t, page, http.StatusOK)
	if page.doc(t).Find(`[data-testid="schedule"]`).Length() != 1 {
		t.Fatal("no way to schedule a follow-up")
	}
	wantStatus(t, c.get(base+"/new"), http.StatusOK)

	// A date that does not exist: 422, nothing written.
	res := c.post(base, url.Values{"planned-day": {"31"}, "planned-month": {"4"}, "planned-year": {"2030"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "must be a real date") || !strings.Contains(res.Body, `value="31"`) {
		t.Errorf("error or typed date missing:\n%s", res.Body[:min(len(res.Body), 400)])
	}
	if p, _, _, _ := caseDates(t, ts, id); p != nil {
		t.Fatal("a follow-up was planned from a bad date")
	}

	planned := domain.AddDays(today, 20)
	res = c.post(base, dateValues("planned", planned, url.Values{"notes": {"Visit the counter-corruption unit."}}))
	wantStatus(t, res, http.StatusSeeOther)
	if p, _, _, _ := caseDates(t, ts, id); p == nil || !p.Equal(planned) {
		t.Fatalf("cases.follow_up_planned_on = %v, want %v", p, planned)
	}
	if auditCount(t, ts, "follow_up.schedule", id) != 1 {
		t.Error("scheduling not audited")
	}
	page = c.get(base)
	if !strings.Contains(page.Body, "Follow-up scheduled for "+domain.FormatLong(planned)) {
		t.Error("no confirmation")
	}
	if page.doc(t).Find(`[data-testid="schedule"]`).Length() != 0 {
		t.Error("offered to schedule a second follow-up while one is planned")
	}
	// A second one is refused: the planned one is moved instead.
	wantStatus(t, c.post(base, dateValues("planned", planned, nil)), http.StatusSeeOther)
	var n int
	_ = ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM follow_ups WHERE case_id = $1`, id).Scan(&n)
	if n != 1 {
		t.Fatalf("%d follow-ups, want 1", n)
	}

	fu := openFollowUp(t, ts, id)
	move := "/follow-ups/" + strconv.FormatInt(fu, 10) + "/move"
	wantStatus(t, c.get(move), http.StatusOK)
	moved := domain.AddDays(today, 34)
	res = c.post(move, dateValues("planned", moved, nil))
	wantStatus(t, res, http.StatusUnprocessableEntity) // no reason
	if !strings.Contains(res.Body, "Enter why the date is moving") {
		t.Error("no error for the missing reason")
	}
	res = c.post(move, dateValues("planned", planned, url.Values{"reason": {"No change"}}))
	wantStatus(t, res, http.StatusUnprocessableEntity) // same date
	res = c.post(move, dateValues("planned", moved, url.Values{"reason": {"The force asked for a later date; the head of PSD is away."}}))
	wantStatus(t, res, http.StatusSeeOther)
	if p, _, _, _ := caseDates(t, ts, id); !p.Equal(moved) {
		t.Fatalf("planned %v after the move, want %v", p, moved)
	}
	var field, reason, by string
	var from, to time.Time
	err := ts.store.Pool().QueryRow(context.Background(), `SELECT d.field, d.old_value, d.new_value, d.reason, u.email
		FROM date_changes d JOIN users u ON u.id = d.changed_by WHERE d.case_id = $1`, id).Scan(&field, &from, &to, &reason, &by)
	if err != nil || field != "follow_up_planned_on" || !from.Equal(planned) || !to.Equal(moved) ||
		!strings.HasPrefix(reason, "The force asked") || by != "inspector@demo.test" {
		t.Errorf("date change %q %v -> %v %q by %q (%v)", field, from, to, reason, by, err)
	}
	if auditCount(t, ts, "follow_up.move", id) != 1 {
		t.Error("move not audited")
	}
	if !strings.Contains(c.get(base).Body, "head of PSD is away") {
		t.Error("the case's page does not show why the date moved")
	}

	record := "/follow-ups/" + strconv.FormatInt(fu, 10) + "/record"
	wantStatus(t, c.get(record), http.StatusOK)
	res = c.post(record, dateValues("done", domain.AddDays(today, 1), url.Values{"outcome": {"implemented"}}))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "must be today or in the past") {
		t.Error("a follow-up recorded as happening tomorrow")
	}
	res = c.post(record, dateValues("done", today, url.Values{"outcome": {"nonsense"}}))
	wantStatus(t, res, http.StatusUnprocessableEntity)
	res = c.post(record, dateValues("done", today, url.Values{"outcome": {"partially_implemented"}, "notes": {"IT monitoring bought, not yet in use."}}))
	wantStatus(t, res, http.StatusSeeOther)
	if _, d, _, _ := caseDates(t, ts, id); d == nil || !d.Equal(today) {
		t.Fatalf("done %v, want today", d)
	}
	page = c.get(base)
	if !strings.Contains(page.Body, "Partially implemented") || !strings.Contains(page.Body, "IT monitoring bought") {
		t.Error("the outcome is not shown")
	}
	// Recorded: it can no longer move or be recorded again.
	wantStatus(t, c.post(move, dateValues("planned", moved, url.Values{"reason": {"x"}})), http.StatusSeeOther)
	wantStatus(t, c.post(record, dateValues("done", today, url.Values{"outcome": {"implemented"}})), http.StatusSeeOther)
	var outcome string
	_ = ts.store.Pool().QueryRow(context.Background(), `SELECT outcome FROM follow_ups WHERE id = $1`, fu).Scan(&outcome)
	if outcome != "partially_implemented" {
		t.Errorf("outcome %q after a second record", outcome)
	}
}

func TestManagerClosesAndReopensACaseWithAReason(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("manager@demo.test")
	id := openCaseWithoutFollowUp(t, ts, 1)
	total := func() int {
		n, _ := strconv.Atoi(c.get("/dashboard").doc(t).Find(`[data-testid="total-recommendation_overdue"]`).Text())
		return n
	}
	before := total()
	closeURL := "/cases/" + strconv.FormatInt(id, 10) + "/close"
	wantStatus(t, c.get(closeURL), http.StatusOK)
	res := c.post(closeURL, url.Values{"reason": {"finished"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Select why the case is closing") {
		t.Error("no error for a missing reason")
	}
	wantStatus(t, c.post(closeURL, url.Values{"reason": {"superseded"}, "note": {"Replaced by the 2026 national guidance."}}), http.StatusSeeOther)
	_, _, closed, reason := caseDates(t, ts, id)
	if closed == nil || !closed.Equal(domain.Today(ts.clock())) || reason != "superseded" {
		t.Fatalf("closed %v as %q", closed, reason)
	}
	if after := total(); after != before-1 {
		t.Errorf("recommendations overdue %d after closing, %d before: the closed case still counts", after, before)
	}
	if auditCount(t, ts, "case.close", id) != 1 {
		t.Error("closure not audited")
	}
	page := c.get("/cases/" + strconv.FormatInt(id, 10) + "/follow-ups")
	if page.doc(t).Find(`[data-testid="closed"]`).Length() != 1 || page.doc(t).Find(`[data-testid="reopen"]`).Length() != 1 {
		t.Error("the page does not say the case is closed, or offers no reopening")
	}
	// Closing twice changes nothing.
	wantStatus(t, c.post(closeURL, url.Values{"reason": {"implemented"}}), http.StatusSeeOther)
	if _, _, _, r := caseDates(t, ts, id); r != "superseded" {
		t.Errorf("reason %q after closing again", r)
	}

	reopen := "/cases/" + strconv.FormatInt(id, 10) + "/reopen"
	wantStatus(t, c.get(reopen), http.StatusOK)
	wantStatus(t, c.post(reopen, url.Values{"reason": {" "}}), http.StatusUnprocessableEntity)
	wantStatus(t, c.post(reopen, url.Values{"reason": {"The guidance was withdrawn."}}), http.StatusSeeOther)
	if _, _, closed, _ := caseDates(t, ts, id); closed != nil {
		t.Fatal("still closed")
	}
	if total() != before {
		t.Error("the reopened case does not count again")
	}
	if auditCount(t, ts, "case.reopen", id) != 1 {
		t.Error("reopening not audited")
	}
	if !strings.Contains(c.get("/cases/"+strconv.FormatInt(id, 10)+"/follow-ups").Body, "The guidance was withdrawn.") {
		t.Error("the reason for reopening is not in the case's history")
	}
}

func TestScheduleFollowUpsForEveryCaseOfARecommendation(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("inspector@demo.test")
	_, finding := currentFinding(t, ts, "R1")
	path := "/recommendations/" + strconv.FormatInt(finding, 10) + "/follow-ups"
	page := c.get(path + "/new")
	wantStatus(t, page, http.StatusOK)
	counts := page.doc(t).Find(`[data-testid="bulk-counts"]`).Text()
	if !strings.Contains(counts, "of the 43 cases are open") {
		t.Errorf("counts: %q", counts)
	}
	wantStatus(t, c.post(path, url.Values{"planned-day": {"x"}}), http.StatusUnprocessableEntity)

	var open, planned int
	_ = ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE closed_on IS NULL),
		count(*) FILTER (WHERE closed_on IS NULL AND follow_up_planned_on IS NOT NULL AND follow_up_done_on IS NULL)
		FROM cases WHERE finding_id = $1`, finding).Scan(&open, &planned)
	day := domain.AddDays(domain.Today(ts.clock()), 60)
	res := c.post(path, dateValues("planned", day, url.Values{"notes": {"National follow-up round."}}))
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); !strings.Contains(loc, "recommendation="+strconv.FormatInt(finding, 10)) {
		t.Errorf("sent to %q, want the dashboard of the recommendation", loc)
	}
	var onDay int
	_ = ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM cases WHERE finding_id = $1 AND follow_up_planned_on = $2`,
		finding, day).Scan(&onDay)
	if onDay != open-planned {
		t.Errorf("%d cases planned on the day, want %d (open %d, already planned %d)", onDay, open-planned, open, planned)
	}
	flash := c.get("/dashboard").Body
	if !strings.Contains(flash, "Follow-ups scheduled for "+domain.FormatLong(day)+": "+strconv.Itoa(open-planned)+" cases.") {
		t.Error("no confirmation with the count")
	}
}

func TestLiaisonSeesTheirForcesFollowUpsAndChangesNothing(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("liaison.leicestershire@demo.test")
	own := currentCase(t, ts, "R1", "leicestershire")
	other := currentCase(t, ts, "R1", "sussex")
	p0, d0, c0, r0 := caseDates(t, ts, own)
	var changes0 int
	_ = ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM follow_ups WHERE case_id = $1`, own).Scan(&changes0)
	res := c.get("/cases/" + strconv.FormatInt(own, 10) + "/follow-ups")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if doc.Find(`[data-testid="schedule"], [data-testid="close"], [data-testid="reopen"]`).Length() != 0 ||
		strings.Contains(res.Body, "/record") || strings.Contains(res.Body, "/move") {
		t.Error("a liaison is offered changes")
	}
	wantStatus(t, c.get("/cases/"+strconv.FormatInt(other, 10)+"/follow-ups"), http.StatusNotFound)
	for _, path := range []string{"/cases/" + strconv.FormatInt(own, 10) + "/follow-ups", "/cases/" + strconv.FormatInt(own, 10) + "/close"} {
		wantStatus(t, c.post(path, dateValues("planned", domain.Today(ts.clock()), url.Values{"reason": {"implemented"}})), http.StatusNotFound)
	}
	p1, d1, c1, r1 := caseDates(t, ts, own)
	var changes1 int
	_ = ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM follow_ups WHERE case_id = $1`, own).Scan(&changes1)
	if !sameDay(p0, p1) || !sameDay(d0, d1) || !sameDay(c0, c1) || r0 != r1 || changes0 != changes1 {
		t.Error("the liaison changed their case")
	}
}

func TestFollowUpPagesAnswerNotFoundForCasesThatDoNotExist(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("inspector@demo.test")
	for _, path := range []string{"/cases/0/follow-ups", "/cases/abc/follow-ups/new", "/cases/99999999/close",
		"/follow-ups/99999999/record", "/follow-ups/-1/move", "/recommendations/99999999/follow-ups/new"} {
		wantStatus(t, c.get(path), http.StatusNotFound)
	}
}

func sameDay(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }

// TestCasePageShowsFollowUpsAndClosure: the case page's timeline carries
// each follow-up and the closure, and its actions lead to them.
func TestCasePageShowsFollowUpsAndClosure(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("inspector@demo.test")
	id := openCaseWithoutFollowUp(t, ts, 2)
	casePath := "/cases/" + strconv.FormatInt(id, 10)
	doc := c.get(casePath).doc(t)
	for _, href := range []string{casePath + "/follow-ups", casePath + "/follow-ups/new", casePath + "/close"} {
		if doc.Find(`a[href="`+href+`"]`).Length() == 0 {
			t.Errorf("the case page does not link %s", href)
		}
	}
	today := domain.Today(ts.clock())
	wantStatus(t, c.post(casePath+"/follow-ups", dateValues("planned", domain.AddDays(today, -3), nil)), http.StatusSeeOther)
	fu := openFollowUp(t, ts, id)
	wantStatus(t, c.post("/follow-ups/"+strconv.FormatInt(fu, 10)+"/record",
		dateValues("done", today, url.Values{"outcome": {"implemented"}, "notes": {"All in place."}})), http.StatusSeeOther)
	wantStatus(t, c.post(casePath+"/close", url.Values{"reason": {"implemented"}}), http.StatusSeeOther)
	doc = c.get(casePath).doc(t)
	for _, kind := range []string{"follow-up-scheduled", "follow-up-done", "closed"} {
		if doc.Find(`[data-testid="timeline-`+kind+`"]`).Length() != 1 {
			t.Errorf("no %s entry on the case's timeline", kind)
		}
	}
	if !strings.Contains(doc.Find(`[data-testid="timeline-follow-up-done"]`).Text(), "All in place.") {
		t.Error("the follow-up's notes are not on the timeline")
	}
	if doc.Find(`a[href="`+casePath+`/reopen"]`).Length() == 0 {
		t.Error("a closed case offers no reopening")
	}
	// A liaison sees the entries but no actions that change the case.
	liaison := ts.as("liaison.leicestershire@demo.test")
	own := currentCase(t, ts, "R1", "leicestershire")
	ldoc := liaison.get("/cases/" + strconv.FormatInt(own, 10)).doc(t)
	if ldoc.Find(`a[href$="/close"], a[href$="/follow-ups/new"], a[href$="/reopen"]`).Length() != 0 {
		t.Error("a liaison is offered changes on the case page")
	}
}
