package seed_test

import (
	"context"
	"testing"
	"time"

	"inspectrack/internal/domain"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// TestBenchBuildsAWholeDataSet runs the national-scale loader at a small
// size: every case of every recommendation, submissions with documents,
// follow-ups, an audit trail that is one unbroken hash chain, and dashboard
// counts that agree with a count made case by case.
func TestBenchBuildsAWholeDataSet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.Pool(t), store.WithAuditKeys(testdb.AuditKeys()))
	size := seed.BenchSize{Forces: 60, Reports: 4, Recommendations: 9, PerReport: 3, AuditEvents: 5000}
	now := time.Now()
	if _, err := seed.Bench(ctx, st, "pw for the test", cheap, now, size); err != nil {
		t.Fatal(err)
	}
	var forces, cases, recs, subs, docs, followUps, assessments int
	if err := st.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM forces), (SELECT count(*) FROM cases),
		(SELECT count(*) FROM findings WHERE kind = 'recommendation'), (SELECT count(*) FROM submissions),
		(SELECT count(*) FROM documents), (SELECT count(*) FROM follow_ups), (SELECT count(*) FROM assessments)`).Scan(
		&forces, &cases, &recs, &subs, &docs, &followUps, &assessments); err != nil {
		t.Fatal(err)
	}
	if forces != 60 || recs != 9+3 || cases != 43+forces*(recs-1) {
		t.Errorf("%d forces, %d recommendations, %d cases: want 60, 12 and a case for each (the story's at the 43 real forces)", forces, recs, cases)
	}
	if subs == 0 || docs != subs || followUps == 0 || assessments <= 43 {
		t.Errorf("%d submissions, %d documents, %d follow-ups, %d assessments", subs, docs, followUps, assessments)
	}
	v, err := st.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.BrokenID != 0 || v.Checked < 5000 {
		t.Errorf("audit chain: %d checked, broken at %d: %s", v.Checked, v.BrokenID, v.Problem)
	}
	// The kept counts, built after the load, agree with the items.
	today := domain.Today(now)
	if err := st.MaintainDashboard(ctx, today, 30); err != nil {
		t.Fatal(err)
	}
	kept, err := st.Dashboard(ctx, store.Scope{}, store.DashboardFilter{AsOf: today, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	counted, err := st.Dashboard(ctx, store.Scope{}, store.DashboardFilter{AsOf: today, Today: domain.AddDays(today, 1)})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range domain.Kinds() {
		if kept.Totals[k] != counted.Totals[k] {
			t.Errorf("%s: %d kept, %d counted", k, kept.Totals[k], counted.Totals[k])
		}
	}
	if kept.Totals[domain.KindRecommendationOverdue] == 0 {
		t.Error("nothing overdue in the bench data set")
	}
}

// TestStoryFollowUpsFollowThe2017Categories: step 7 of the story, once: a
// follow-up at every force in spring 2018 with the outcome its category
// foretold, and the two forces with every element in place closed.
func TestStoryFollowUpsFollowThe2017Categories(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.Pool(t), store.WithAuditKeys(testdb.AuditKeys()))
	if _, err := seed.Demo(ctx, st, "pw for the test", cheap); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		added, err := seed.StoryFollowUps(ctx, st)
		if err != nil || added != want {
			t.Fatalf("run %d: added %v (%v), want %v", i+1, added, err, want)
		}
	}
	counts := map[string]int{}
	rows, err := st.Pool().Query(ctx, `SELECT fu.outcome, count(*) FROM follow_ups fu GROUP BY fu.outcome`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var o string
		var n int
		if err := rows.Scan(&o, &n); err != nil {
			t.Fatal(err)
		}
		counts[o] = n
	}
	rows.Close()
	want := map[string]int{"implemented": 2, "partially_implemented": 15, "not_implemented": 26}
	for o, n := range want {
		if counts[o] != n {
			t.Errorf("%s: %d follow-ups, want %d (all: %v)", o, counts[o], n, counts)
		}
	}
	var closed int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM cases WHERE closed_reason = 'implemented'`).Scan(&closed); err != nil {
		t.Fatal(err)
	}
	if closed != 2 {
		t.Errorf("%d cases closed as implemented, want 2", closed)
	}
	// As of the day planned, the follow-ups not done that very day were due
	// (41 of 43: two were done on it), none overdue.
	d, err := st.Dashboard(ctx, store.Scope{}, store.DashboardFilter{AsOf: seed.StoryFollowUpsPlanned, Today: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if d.Totals[domain.KindDueSoon] < 41 || d.Totals[domain.KindFollowUpOverdue] != 0 {
		t.Errorf("as of 12 March 2018: %d due soon, %d follow-ups overdue", d.Totals[domain.KindDueSoon], d.Totals[domain.KindFollowUpOverdue])
	}
}

// TestBenchSizeForScalesTheRecommendations: `seed bench --cases N` keeps
// the 250 forces and grows the recommendations (five a report) until
// forces times recommendations, with the demo's three, is about N.
func TestBenchSizeForScalesTheRecommendations(t *testing.T) {
	t.Parallel()
	if got := seed.BenchSizeFor(0); got != seed.NationalBench {
		t.Errorf("no size: %+v, want the national scale %+v", got, seed.NationalBench)
	}
	if got := seed.BenchSizeFor(100_000); got != seed.NationalBench {
		t.Errorf("100,000 cases: %+v, want the national scale %+v", got, seed.NationalBench)
	}
	got := seed.BenchSizeFor(1_000_000)
	if cases := got.Forces * (got.Recommendations + 3); got.Forces != 250 || cases < 1_000_000 || cases > 1_000_250 {
		t.Errorf("1,000,000 cases: %+v makes %d cases", got, cases)
	}
	if got.Reports*got.PerReport < got.Recommendations || (got.Reports-1)*got.PerReport >= got.Recommendations {
		t.Errorf("1,000,000 cases: %d reports for %d recommendations at %d a report", got.Reports, got.Recommendations, got.PerReport)
	}
}
