package seed_test

import (
	"context"
	"os"
	"testing"

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
	st := store.New(pool)
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
	st := store.New(testdb.Pool(t))
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
