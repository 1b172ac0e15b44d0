package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// newDemo is a store holding what `seed demo` leaves: the 2017 story
// (plans, documents, published assessments, follow-ups at every force) and
// the report of the present (open cases) around now.
func newDemo(t *testing.T, now time.Time) *store.Store {
	t.Helper()
	ctx := context.Background()
	st := store.New(testdb.Pool(t), store.WithAuditKeys(testdb.AuditKeys()))
	if _, err := seed.Demo(ctx, st, "correct horse battery staple", auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.StoryFollowUps(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Current(ctx, st, now); err != nil {
		t.Fatal(err)
	}
	return st
}

// demoIDs reads ids of the demo data by SQL: the test's own way, not the
// store's scoped reads under test.
func demoID(t *testing.T, st *store.Store, q string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := st.Pool().QueryRow(context.Background(), q, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return id
}

// TestLiaisonScopeReachesNothingOfAnotherForce asks every store read a
// liaison's pages use, in Leicestershire's scope, for Sussex's records: each
// answers ErrNotFound or leaves them out. The same read of Leicestershire's
// own records finds them, so that a read which finds nothing at all would
// not pass.
func TestLiaisonScopeReachesNothingOfAnotherForce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now()
	st := newDemo(t, now)
	forceID := func(code string) int64 { return demoID(t, st, `SELECT id FROM forces WHERE code = $1`, code) }
	leics, sussex := forceID("leicestershire"), forceID("sussex")
	sc := store.Scope{ForceID: leics}
	caseOf := func(force int64) int64 {
		return demoID(t, st, `SELECT c.id FROM cases c WHERE c.force_id = $1 AND EXISTS (SELECT 1 FROM submissions s WHERE s.case_id = c.id) ORDER BY c.id LIMIT 1`, force)
	}
	submissionOf := func(force int64) int64 {
		return demoID(t, st, `SELECT s.id FROM submissions s JOIN cases c ON c.id = s.case_id WHERE c.force_id = $1 ORDER BY s.id LIMIT 1`, force)
	}
	documentOf := func(force int64) int64 {
		return demoID(t, st, `SELECT d.id FROM documents d JOIN submissions s ON s.id = d.submission_id JOIN cases c ON c.id = s.case_id
			WHERE c.force_id = $1 ORDER BY d.id LIMIT 1`, force)
	}
	followUpCaseOf := func(force int64) int64 {
		return demoID(t, st, `SELECT fu.case_id FROM follow_ups fu JOIN cases c ON c.id = fu.case_id WHERE c.force_id = $1 ORDER BY fu.id LIMIT 1`, force)
	}
	notFound := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s of Sussex in Leicestershire's scope: %v, want ErrNotFound", what, err)
		}
	}
	found := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s of Leicestershire in its own scope: %v", what, err)
		}
	}

	_, err := st.Case(ctx, sc, caseOf(sussex))
	notFound("case", err)
	_, err = st.Case(ctx, sc, caseOf(leics))
	found("case", err)

	_, err = st.Submission(ctx, sc, submissionOf(sussex))
	notFound("submission", err)
	_, err = st.Submission(ctx, sc, submissionOf(leics))
	found("submission", err)

	_, err = st.Document(ctx, sc, documentOf(sussex))
	notFound("document", err)
	_, err = st.Document(ctx, sc, documentOf(leics))
	found("document", err)

	_, err = st.ForcePage(ctx, sc, "sussex", domain.Today(now), 1, 20)
	notFound("force page", err)
	page, err := st.ForcePage(ctx, sc, "leicestershire", domain.Today(now), 1, 20)
	found("force page", err)
	if len(page.List) == 0 || page.Cases == 0 {
		t.Errorf("Leicestershire's page lists %d of %d cases", len(page.List), page.Cases)
	}

	if subs, err := st.CaseSubmissions(ctx, sc, caseOf(sussex)); err != nil || len(subs) != 0 {
		t.Errorf("Sussex's submissions in Leicestershire's scope: %d, %v; want none", len(subs), err)
	}
	if subs, err := st.CaseSubmissions(ctx, sc, caseOf(leics)); err != nil || len(subs) == 0 {
		t.Errorf("Leicestershire's submissions in its own scope: %d, %v", len(subs), err)
	}

	if fus, err := st.FollowUps(ctx, sc, followUpCaseOf(sussex)); err != nil || len(fus) != 0 {
		t.Errorf("Sussex's follow-ups in Leicestershire's scope: %d, %v; want none", len(fus), err)
	}
	if fus, err := st.FollowUps(ctx, sc, followUpCaseOf(leics)); err != nil || len(fus) == 0 {
		t.Errorf("Leicestershire's follow-ups in its own scope: %d, %v", len(fus), err)
	}

	list, err := st.ListCases(ctx, sc, store.CaseFilter{AsOf: domain.Today(now)})
	if err != nil || list.Total == 0 || len(list.Cases) == 0 {
		t.Fatalf("Leicestershire's cases: %d of %d, %v", len(list.Cases), list.Total, err)
	}
	for _, c := range list.Cases {
		if c.ForceID != leics {
			t.Errorf("the case list in Leicestershire's scope holds case %d of force %d", c.ID, c.ForceID)
		}
	}

	forces, err := st.ListForceSummaries(ctx, sc, "", domain.Today(now))
	if err != nil || len(forces) != 1 || forces[0].ID != leics {
		t.Errorf("forces in Leicestershire's scope: %d, %v; want Leicestershire alone", len(forces), err)
	}

	entries, err := st.CalendarEntries(ctx, sc, store.CalendarFilter{From: domain.AddDays(domain.Today(now), -3650), ByCase: true, AssessDays: domain.DefaultAssessmentDays})
	if err != nil || len(entries) == 0 {
		t.Fatalf("Leicestershire's calendar: %d entries, %v", len(entries), err)
	}
	for _, e := range entries {
		if e.ForceName != "Leicestershire Police" {
			t.Errorf("Leicestershire's calendar holds %s %s of %s", e.Kind, e.On.Format(time.DateOnly), e.ForceName)
		}
	}
}
