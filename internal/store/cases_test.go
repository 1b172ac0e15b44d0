package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"inspectrack/internal/domain"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

var testActor = store.Actor{Email: "test", RequestID: "test"}

// newRecommendation gives a store with the 43 forces and a recommendation
// applied to all of them.
func newRecommendation(t *testing.T) (*store.Store, int64) {
	t.Helper()
	ctx := context.Background()
	st := store.New(testdb.Pool(t), store.WithAuditKeys(testdb.AuditKeys()))
	forces, err := seed.Forces()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.UpsertForces(ctx, testActor, forces); err != nil {
		t.Fatal(err)
	}
	rid, err := st.CreateReport(ctx, testActor, store.NewReport{Title: "A report", Kind: store.ReportNational, PublishedOn: domain.Date(2016, 12, 8)})
	if err != nil {
		t.Fatal(err)
	}
	fid, err := st.CreateFinding(ctx, testActor, rid, store.FindingInput{Kind: domain.FindingRecommendation, Reference: "R1", Body: "Do it."})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := st.ApplyFinding(ctx, testActor, fid); err != nil || res.Created != 43 {
		t.Fatalf("apply = %+v, %v", res, err)
	}
	return st, fid
}

func ptr(t time.Time) *time.Time { return &t }

// TestStageSQLAgreesWithDomain proves the SQL stage predicates that filter
// the case list mirror domain.DeriveStage: for cases on and around every
// boundary, and random ones, the cases each stage filter returns are
// exactly those DeriveStage puts at that stage.
func TestStageSQLAgreesWithDomain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, fid := newRecommendation(t)
	a := domain.Date(2017, 6, 10)
	d := func(n int) *time.Time { return ptr(domain.AddDays(a, n)) }
	// 23:30 UTC in June is 00:30 the next day in London (BST).
	lateNight := func(n int) *time.Time { return ptr(domain.AddDays(a, n).Add(23*time.Hour + 30*time.Minute)) }
	facts := []domain.CaseFacts{
		{},
		{RequestSentOn: d(-5), PlanDueOn: d(-1)},
		{RequestSentOn: d(-5), PlanDueOn: d(0)},
		{RequestSentOn: d(1), PlanDueOn: d(-1)},
		{RequestSentOn: d(-5), PlanDueOn: d(-2), FirstSubmittedAt: lateNight(-1)},
		{RequestSentOn: d(-5), PlanDueOn: d(-2), FirstSubmittedAt: lateNight(0)},
		{RequestSentOn: d(-5), PlanDueOn: d(-2), FirstSubmittedAt: d(-3), AssessmentStartedOn: d(0)},
		{RequestSentOn: d(-5), PlanDueOn: d(-2), FirstSubmittedAt: d(-3), AssessmentStartedOn: d(1)},
		{AssessmentStartedOn: d(-2), AssessmentPublishedOn: d(0)},
		{AssessmentPublishedOn: d(-3), FollowUpPlannedOn: d(-1)},
		{AssessmentPublishedOn: d(-3), FollowUpPlannedOn: d(0)},
		{AssessmentPublishedOn: d(-3), FollowUpPlannedOn: d(-1), FollowUpDoneOn: d(0)},
		{AssessmentPublishedOn: d(-3), FollowUpPlannedOn: d(-1), FollowUpDoneOn: d(1)},
		{ClosedOn: d(0), ClosedReason: domain.ClosedImplemented},
		{ClosedOn: d(1), ClosedReason: domain.ClosedSuperseded, FollowUpPlannedOn: d(5)},
		{RequestSentOn: d(-5), PlanDueOn: nil},
	}
	r := rand.New(rand.NewPCG(4, 2017))
	maybe := func() *time.Time {
		if r.IntN(3) == 0 {
			return nil
		}
		return d(r.IntN(7) - 3)
	}
	for len(facts) < 43 {
		f := domain.CaseFacts{RequestSentOn: maybe(), PlanDueOn: maybe(), AssessmentStartedOn: maybe(),
			AssessmentPublishedOn: maybe(), FollowUpPlannedOn: maybe(), FollowUpDoneOn: maybe()}
		if r.IntN(2) == 0 {
			f.FirstSubmittedAt = lateNight(r.IntN(7) - 3)
		}
		if r.IntN(4) == 0 {
			f.ClosedOn, f.ClosedReason = d(r.IntN(7)-3), domain.ClosedNotAccepted
		}
		facts = append(facts, f)
	}
	list, err := st.ListCases(ctx, store.Scope{}, store.CaseFilter{FindingID: fid, AsOf: a, PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Cases) != 43 {
		t.Fatalf("%d cases", len(list.Cases))
	}
	for i, c := range list.Cases {
		f := facts[i]
		var reason any
		if f.ClosedReason != "" {
			reason = string(f.ClosedReason)
		}
		testdb.Exec(t, st.Pool(), `UPDATE cases SET request_sent_on = $2, plan_due_on = $3, first_submitted_at = $4,
			assessment_started_on = $5, assessment_published_on = $6, follow_up_planned_on = $7, follow_up_done_on = $8,
			closed_on = $9, closed_reason = $10 WHERE id = $1`, c.ID, f.RequestSentOn, f.PlanDueOn, f.FirstSubmittedAt,
			f.AssessmentStartedOn, f.AssessmentPublishedOn, f.FollowUpPlannedOn, f.FollowUpDoneOn, f.ClosedOn, reason)
	}
	for _, asOf := range []time.Time{*d(-2), *d(-1), *d(0), *d(1), *d(2)} {
		list, err := st.ListCases(ctx, store.Scope{}, store.CaseFilter{FindingID: fid, AsOf: asOf, PerPage: 200})
		if err != nil {
			t.Fatal(err)
		}
		want := map[domain.Stage][]int64{}
		for _, c := range list.Cases {
			s := domain.DeriveStage(c.Facts(), asOf)
			want[s] = append(want[s], c.ID)
		}
		for _, stage := range domain.Stages() {
			got, err := st.ListCases(ctx, store.Scope{}, store.CaseFilter{FindingID: fid, AsOf: asOf, Stage: stage, PerPage: 200})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, c := range got.Cases {
				ids = append(ids, c.ID)
			}
			slices.Sort(ids)
			slices.Sort(want[stage])
			if !slices.Equal(ids, want[stage]) {
				t.Errorf("as of %s, stage %s: SQL gives %v, domain %v", asOf.Format("2006-01-02"), stage, ids, want[stage])
			}
		}
		// The stages kept for one day (cases.stage_today and their counts,
		// read when the list is of that day and of no one recommendation)
		// agree too, once the day is kept, and before that the list reckons
		// them.
		for _, keep := range []bool{false, true} {
			if keep {
				if err := st.MaintainDashboard(ctx, asOf, 0); err != nil {
					t.Fatal(err)
				}
			}
			for _, stage := range domain.Stages() {
				got, err := st.ListCases(ctx, store.Scope{}, store.CaseFilter{AsOf: asOf, Stage: stage, PerPage: 200})
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, c := range got.Cases {
					ids = append(ids, c.ID)
				}
				slices.Sort(ids)
				if !slices.Equal(ids, want[stage]) || got.Total != len(want[stage]) {
					t.Errorf("as of %s (kept: %v), stage %s: list gives %v of %d, domain %v", asOf.Format("2006-01-02"), keep, stage, ids, got.Total, want[stage])
				}
			}
		}
	}
}

func TestApplyingTwiceCreatesNothingNew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, fid := newRecommendation(t)
	res, err := st.ApplyFinding(ctx, testActor, fid)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 0 || res.InScope != 43 {
		t.Errorf("second apply = %+v, want nothing created of 43", res)
	}
}

func TestLiaisonScopeHidesOtherForcesCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, fid := newRecommendation(t)
	leics, err := st.ForceByCode(ctx, store.Scope{}, "leicestershire")
	if err != nil {
		t.Fatal(err)
	}
	sc := store.Scope{ForceID: leics.ID}
	list, err := st.ListCases(ctx, sc, store.CaseFilter{AsOf: domain.Date(2017, 6, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || len(list.Cases) != 1 || list.Cases[0].ForceCode != "leicestershire" {
		t.Fatalf("liaison list = %d of %d", len(list.Cases), list.Total)
	}
	other, err := st.CaseFor(ctx, store.Scope{}, fid, "sussex")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Case(ctx, sc, other.ID); err == nil {
		t.Error("a Leicestershire scope reads Sussex's case")
	}
	if err := st.ChangeDueDate(ctx, testActor, sc, other.ID, domain.Date(2017, 6, 7), "asked"); err == nil {
		t.Error("a Leicestershire scope changes Sussex's due date")
	}
}

func TestRecordRequestThenCorrectKeepsChangedDueDates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, fid := newRecommendation(t)
	if _, err := st.RecordRequest(ctx, testActor, fid, domain.Date(2017, 5, 16), domain.Date(2017, 5, 15)); err == nil {
		t.Fatal("a due date before the letter was accepted")
	}
	res, err := st.RecordRequest(ctx, testActor, fid, domain.Date(2017, 5, 16), domain.Date(2017, 5, 31))
	if err != nil || res.Cases != 43 || res.DueChanged != 43 {
		t.Fatalf("record = %+v, %v", res, err)
	}
	sussex, _ := st.CaseFor(ctx, store.Scope{}, fid, "sussex")
	if err := st.ChangeDueDate(ctx, testActor, store.Scope{}, sussex.ID, domain.Date(2017, 6, 7), "Force asked for a week more"); err != nil {
		t.Fatal(err)
	}
	res, err = st.RecordRequest(ctx, testActor, fid, domain.Date(2017, 5, 16), domain.Date(2017, 6, 2))
	if err != nil || !res.Changed || res.DueChanged != 42 {
		t.Fatalf("correct = %+v, %v", res, err)
	}
	sussex, _ = st.Case(ctx, store.Scope{}, sussex.ID)
	if !sussex.PlanDueOn.Equal(domain.Date(2017, 6, 7)) {
		t.Errorf("Sussex due %v, want its own 7 June kept", sussex.PlanDueOn)
	}
	changes, err := st.CaseDateChanges(ctx, store.Scope{}, sussex.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 3 || changes[2].Reason != "Force asked for a week more" || !changes[2].Old.Equal(domain.Date(2017, 5, 31)) {
		t.Errorf("changes = %+v", changes)
	}
}

func TestCriteriaReorderAndFixedOnceCasesExist(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.Pool(t), store.WithAuditKeys(testdb.AuditKeys()))
	forces, _ := seed.Forces()
	if _, _, err := st.UpsertForces(ctx, testActor, forces); err != nil {
		t.Fatal(err)
	}
	rid, _ := st.CreateReport(ctx, testActor, store.NewReport{Title: "R", Kind: store.ReportNational, PublishedOn: domain.Date(2016, 12, 8)})
	fid, err := st.CreateFinding(ctx, testActor, rid, store.FindingInput{Kind: domain.FindingRecommendation, Body: "x",
		Scope: store.ScopeListed, ForceCodes: []string{"kent", "sussex"},
		Criteria: []store.NewCriterion{{Title: "A"}, {Title: "B"}, {Title: "C"}}})
	if err != nil {
		t.Fatal(err)
	}
	titles := func() string {
		cs, err := st.Criteria(ctx, fid)
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for i, c := range cs {
			if c.Position != i+1 {
				t.Errorf("criterion %q at position %d, want %d", c.Title, c.Position, i+1)
			}
			s += c.Title
		}
		return s
	}
	cs, _ := st.Criteria(ctx, fid)
	if err := st.MoveItem(ctx, testActor, store.Criteria, fid, cs[2].ID, -1); err != nil {
		t.Fatal(err)
	}
	if got := titles(); got != "ACB" {
		t.Errorf("after moving C up: %s", got)
	}
	if err := st.MoveItem(ctx, testActor, store.Criteria, fid, cs[0].ID, -1); err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveItem(ctx, testActor, store.Criteria, fid, cs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := st.AddCriterion(ctx, testActor, fid, "D", ""); err != nil {
		t.Fatal(err)
	}
	if got := titles(); got != "CBD" {
		t.Errorf("after removing A and adding D: %s", got)
	}
	res, err := st.ApplyFinding(ctx, testActor, fid)
	if err != nil || res.Created != 2 {
		t.Fatalf("apply to listed forces = %+v, %v", res, err)
	}
	if err := st.AddCriterion(ctx, testActor, fid, "E", ""); err == nil {
		t.Error("a criterion was added after cases exist")
	}
	if err := st.RemoveItem(ctx, testActor, store.Categories, fid, 1); err == nil {
		t.Error("a category was removed after cases exist")
	}
}

// BenchmarkListCasesByStage measures a page of the case list filtered and
// sorted by the stage computed in SQL, over 4,300 cases (100
// recommendations at 43 forces).
func BenchmarkListCasesByStage(b *testing.B) {
	ctx := context.Background()
	st := store.New(testdb.Pool(b), store.WithAuditKeys(testdb.AuditKeys()))
	forces, _ := seed.Forces()
	if _, _, err := st.UpsertForces(ctx, testActor, forces); err != nil {
		b.Fatal(err)
	}
	rid, err := st.CreateReport(ctx, testActor, store.NewReport{Title: "Bench", Kind: store.ReportNational, PublishedOn: domain.Date(2016, 12, 8)})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		fid, err := st.CreateFinding(ctx, testActor, rid, store.FindingInput{Kind: domain.FindingRecommendation, Body: "x", Reference: fmt.Sprint("R", i)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.ApplyFinding(ctx, testActor, fid); err != nil {
			b.Fatal(err)
		}
		if _, err := st.RecordRequest(ctx, testActor, fid, domain.Date(2017, 5, 16), domain.AddDays(domain.Date(2017, 5, 20), i%20)); err != nil {
			b.Fatal(err)
		}
	}
	f := store.CaseFilter{AsOf: domain.Date(2017, 6, 1), Stage: domain.StagePlanOverdue, Sort: "stage", PerPage: 25}
	b.ResetTimer()
	for b.Loop() {
		list, err := st.ListCases(ctx, store.Scope{}, f)
		if err != nil || list.Total == 0 {
			b.Fatal(list.Total, err)
		}
	}
}

// TestPlanStatusSQLAgreesWithDomain proves planStatusSQL, which counts the
// plans overview in the database, mirrors domain.PlanStatusOf: for cases
// with random dates around the as-of days (first plans sent late at night,
// which is the next day in London, later versions that must not count),
// every case's status is the domain's, and the overview counts them.
func TestPlanStatusSQLAgreesWithDomain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, fid := newRecommendation(t)
	u, err := st.CreateUser(ctx, testActor, store.NewUser{Email: "ina@example.test", Name: "Ina", Role: "inspector", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	a := domain.Date(2017, 6, 10)
	d := func(n int) *time.Time { return ptr(domain.AddDays(a, n)) }
	// 23:30 UTC in June is 00:30 the next day in London (BST).
	lateNight := func(n int) *time.Time { return ptr(domain.AddDays(a, n).Add(23*time.Hour + 30*time.Minute)) }
	r := rand.New(rand.NewPCG(5, 2017))
	maybe := func() *time.Time {
		if r.IntN(3) == 0 {
			return nil
		}
		return d(r.IntN(7) - 3)
	}
	list, err := st.ListCases(ctx, store.Scope{}, store.CaseFilter{FindingID: fid, AsOf: a, PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	type firstPlan struct{ at, due *time.Time }
	facts := map[int64]domain.CaseFacts{}
	plans := map[int64]firstPlan{}
	var ids []int64
	for _, c := range list.Cases {
		f := domain.CaseFacts{RequestSentOn: maybe(), PlanDueOn: maybe()}
		if r.IntN(4) == 0 {
			f.ClosedOn, f.ClosedReason = d(r.IntN(7)-3), domain.ClosedNotAccepted
		}
		if r.IntN(3) > 0 {
			f.FirstSubmittedAt = lateNight(r.IntN(7) - 3)
		}
		testdb.Exec(t, st.Pool(), `UPDATE cases SET request_sent_on = $2, plan_due_on = $3, first_submitted_at = $4,
			closed_on = $5, closed_reason = $6 WHERE id = $1`, c.ID, f.RequestSentOn, f.PlanDueOn, f.FirstSubmittedAt,
			f.ClosedOn, nilIfEmpty(string(f.ClosedReason)))
		if f.FirstSubmittedAt != nil && r.IntN(4) > 0 {
			// The first plan, and sometimes a second whose lateness must
			// not count.
			p := firstPlan{at: f.FirstSubmittedAt, due: maybe()}
			for v, plan := range []firstPlan{p, {at: d(3), due: d(-3)}}[:1+r.IntN(2)] {
				testdb.Exec(t, st.Pool(), `INSERT INTO submissions (case_id, kind, version, submitted_by, submitted_at, due_on)
					VALUES ($1, 'plan', $2, $3, $4, $5)`, c.ID, v+1, u.ID, plan.at, plan.due)
			}
			plans[c.ID] = p
		}
		facts[c.ID] = f
		ids = append(ids, c.ID)
	}
	for _, asOf := range []time.Time{*d(-3), *d(-2), *d(-1), *d(0), *d(1), *d(2), *d(3)} {
		got, err := store.PlanStatusesOf(st, ctx, ids, asOf)
		if err != nil {
			t.Fatal(err)
		}
		want := map[domain.PlanStatus]int{}
		for _, id := range ids {
			late := 0
			if p, ok := plans[id]; ok {
				late = domain.LateDays(p.due, *p.at)
			}
			w, _ := domain.PlanStatusOf(facts[id], late, asOf)
			want[w]++
			if got[id] != w {
				t.Errorf("as of %s, case %d %+v, first plan %+v: SQL says %q, domain %q",
					asOf.Format(time.DateOnly), id, facts[id], plans[id], got[id], w)
			}
		}
		overview, err := st.PlanOverview(ctx, store.Scope{}, asOf, 1, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range overview.Rows {
			if o.FindingID != fid {
				continue
			}
			for _, status := range domain.PlanStatuses() {
				if o.Counts[status] != want[status] {
					t.Errorf("as of %s: overview counts %d %s, domain %d", asOf.Format(time.DateOnly), o.Counts[status], status, want[status])
				}
			}
			if o.Forces != len(ids) {
				t.Errorf("overview: %d forces, want %d", o.Forces, len(ids))
			}
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
