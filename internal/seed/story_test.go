package seed_test

import (
	"context"
	"os"
	"testing"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

var cheap = auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1}

func TestSeedingTwiceAddsTheStoryOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	for range 2 {
		if _, err := seed.Demo(ctx, st, "pw for the test", cheap); err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{
		`SELECT count(*) FROM reports`:                                    1,
		`SELECT count(*) FROM findings`:                                   2,
		`SELECT count(*) FROM criteria`:                                   4,
		`SELECT count(*) FROM categories`:                                 4,
		`SELECT count(*) FROM requests`:                                   1,
		`SELECT count(*) FROM cases`:                                      43,
		`SELECT count(*) FROM cases WHERE plan_due_on = '2017-05-31'`:     43,
		`SELECT count(*) FROM cases WHERE request_sent_on = '2017-05-16'`: 43,
		`SELECT count(*) FROM date_changes WHERE field = 'plan_due_on'`:   43,
	}
	for q, want := range counts {
		var got int
		if err := pool.QueryRow(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}

	rec, err := seed.StoryRecommendation(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	rec, err = st.Finding(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Body != seed.StoryRecommendationText || rec.DeadlineText != "within six months" {
		t.Errorf("recommendation = %q, deadline %q", rec.Body, rec.DeadlineText)
	}
	if rec.DeadlineOn == nil || !rec.DeadlineOn.Equal(domain.Date(2017, 6, 8)) {
		t.Errorf("deadline date = %v, want 8 June 2017", rec.DeadlineOn)
	}
	if rec.ParentReference != seed.StoryCauseRef {
		t.Errorf("answers %q, want %q", rec.ParentReference, seed.StoryCauseRef)
	}
	if len(rec.Criteria) != 4 || rec.Criteria[0].Title != "Reflects the national strategy" {
		t.Errorf("criteria = %+v", rec.Criteria)
	}
	if len(rec.Categories) != 4 || rec.Categories[0].Key != domain.DefaultCategories()[0].Key {
		t.Errorf("categories = %+v", rec.Categories)
	}
	// The 2017 recommendation asked forces to have started: implementation
	// started is met, as is all in place; set once, however often seeded.
	for _, c := range rec.Categories {
		if want := seed.StoryCategoryEffects[c.Key]; c.Effect != want {
			t.Errorf("category %q counts as %q, want %q", c.Key, c.Effect, want)
		}
	}
	var effectEvents int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'category.effect'`).Scan(&effectEvents); err != nil {
		t.Fatal(err)
	}
	if effectEvents != 1 {
		t.Errorf("%d category.effect audit events after seeding twice, want 1 (plan started made met)", effectEvents)
	}
	f, err := st.ForceByCode(ctx, store.Scope{}, "leicestershire")
	if err != nil {
		t.Fatal(err)
	}
	if f.ChiefOfficerTitle+" "+f.ChiefOfficerName+" "+f.ChiefOfficerHonours != "Chief Constable Simon Cole QPM" || f.OversightHolderName != "Lord Willy Bach" {
		t.Errorf("Leicestershire = %q %q %q, PCC %q", f.ChiefOfficerTitle, f.ChiefOfficerName, f.ChiefOfficerHonours, f.OversightHolderName)
	}
	c, err := st.CaseFor(ctx, store.Scope{}, rec.ID, "leicestershire")
	if err != nil {
		t.Fatal(err)
	}
	if got := domain.DeriveStage(c.Facts(), domain.Date(2017, 5, 20)); got != domain.StageAwaitingPlan {
		t.Errorf("stage on 20 May 2017 = %s, want awaiting plan", got)
	}
}

// TestStoryLeavesInspectorsEditsAlone: a re-seed must not undo what an
// inspector has since changed.
func TestStoryLeavesInspectorsEditsAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.Pool(t), store.WithAuditKeys(testdb.AuditKeys()))
	if _, err := seed.Demo(ctx, st, "pw for the test", cheap); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateForceDetails(ctx, store.Actor{Email: "test"}, "leicestershire", store.ForceDetails{
		ChiefOfficerName: "Rob Nixon", ChiefOfficerHonours: "QPM", OversightHolderName: "Rupert Matthews"}); err != nil {
		t.Fatal(err)
	}
	if err := seed.Story(ctx, st); err != nil {
		t.Fatal(err)
	}
	f, err := st.ForceByCode(ctx, store.Scope{}, "leicestershire")
	if err != nil {
		t.Fatal(err)
	}
	if f.ChiefOfficerName != "Rob Nixon" {
		t.Errorf("chief officer = %q, want the edit kept", f.ChiefOfficerName)
	}
}

// TestStoryRecordsEveryForcesPlanOnce: every force sent its plan for the
// story's recommendation (one late), each with one document, through the
// portal's own path (case dates kept, audit written), and seeding twice
// adds none; so today's dashboard shows no 2017 plan as overdue.
func TestStoryRecordsEveryForcesPlanOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	for range 2 {
		if _, err := seed.Demo(ctx, st, "pw for the test", cheap); err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{
		`SELECT count(*) FROM submissions WHERE kind = 'plan' AND version = 1`: 43,
		`SELECT count(*) FROM submissions`:                                     43,
		`SELECT count(*) FROM documents d JOIN blobs b ON b.id = d.blob_id WHERE d.content_type = 'application/pdf' AND b.size > 0`: 43,
		`SELECT count(*) FROM blobs`: 43,
		`SELECT count(*) FROM cases WHERE first_submitted_at IS NOT NULL AND last_submitted_at = first_submitted_at`:                     43,
		`SELECT count(*) FROM audit_events WHERE action = 'submission.create'`:                                                           43,
		`SELECT count(*) FROM submissions s JOIN users u ON u.id = s.submitted_by WHERE u.role = 'liaison'`:                              2,
		`SELECT count(*) FROM submissions WHERE (submitted_at AT TIME ZONE 'Europe/London')::date BETWEEN '2017-05-22' AND '2017-05-31'`: 42,
		`SELECT count(*) FROM assessment_submissions`:                                                                                    42,
	}
	for q, want := range counts {
		var got int
		if err := pool.QueryRow(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != want {
			t.Errorf("%s = %d, want %d", q, got, want)
		}
	}

	rec, err := seed.StoryRecommendation(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.CaseFor(ctx, store.Scope{}, rec.ID, "leicestershire")
	if err != nil {
		t.Fatal(err)
	}
	subs, err := st.CaseSubmissions(ctx, store.Scope{}, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 || subs[0].SubmitterName != "Lee Liaison (Leicestershire)" || !subs[0].SubmittedAt.Equal(seed.StoryLeicestershirePlanAt) ||
		len(subs[0].Documents) != 1 || subs[0].Documents[0].Name != "Leicestershire Police - plan for abuse of position for a sexual purpose.pdf" {
		t.Fatalf("Leicestershire's submissions = %+v", subs)
	}
	late, err := st.CaseFor(ctx, store.Scope{}, rec.ID, seed.StoryLateForce)
	if err != nil {
		t.Fatal(err)
	}
	for day, want := range map[int]domain.Stage{20: domain.StageAwaitingPlan, 32: domain.StagePlanOverdue} {
		if got := domain.DeriveStage(late.Facts(), domain.Date(2017, 5, day)); got != want {
			t.Errorf("late force's stage on day %d of May 2017 = %s, want %s", day, got, want)
		}
	}

	today := domain.Today(time.Now())
	if err := st.MaintainDashboard(ctx, today, 90); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.DashboardFilter{{AsOf: today, Today: today}, {AsOf: today, Today: today, FindingID: rec.ID}} {
		d, err := st.Dashboard(ctx, store.Scope{}, f)
		if err != nil {
			t.Fatal(err)
		}
		if n := d.Totals[domain.KindPlanOverdue]; n != 0 {
			t.Errorf("dashboard (recommendation %d) shows %d plans overdue, want none", f.FindingID, n)
		}
	}
}
