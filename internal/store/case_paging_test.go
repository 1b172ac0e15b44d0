package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// TestCaseListPagesByKeysetInEveryOrder walks the case list a page at a
// time, forward after each page's last case and back before each page's
// first, in every order either way and with a stage filter: the pages
// together are the whole list in its order, each case once, with cases
// sharing a due date, a missing due date and two recommendations of one
// report.
func TestCaseListPagesByKeysetInEveryOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, fid := newRecommendation(t)
	f1, err := st.Finding(ctx, fid)
	if err != nil {
		t.Fatal(err)
	}
	fid2, err := st.CreateFinding(ctx, testActor, f1.ReportID, store.FindingInput{Kind: domain.FindingRecommendation, Reference: "R2", Body: "Do more."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyFinding(ctx, testActor, fid2); err != nil {
		t.Fatal(err)
	}
	asOf := domain.Date(2017, 6, 10)
	if _, err := st.RecordRequest(ctx, testActor, fid, domain.Date(2017, 5, 1), domain.Date(2017, 6, 1)); err != nil {
		t.Fatal(err)
	}
	// Due dates on a few days, some cases of R2 with none, some plans in.
	testdb.Change(t, st.Pool(), func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE cases SET request_sent_on = DATE '2017-05-01', plan_due_on = DATE '2017-06-01' + (id % 5)::int
			WHERE finding_id = $1 AND id % 3 <> 0`, fid2)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE cases SET first_submitted_at = TIMESTAMPTZ '2017-05-20 10:00Z' WHERE id % 7 = 0`)
		return err
	})
	if err := st.MaintainDashboard(ctx, asOf, 0); err != nil {
		t.Fatal(err)
	}
	ids := func(cs []store.Case) []int64 {
		var out []int64
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, sort := range []string{"force", "region", "reference", "due", "stage"} {
		for _, desc := range []bool{false, true} {
			for _, stage := range []domain.Stage{"", domain.StagePlanOverdue} {
				name := fmt.Sprintf("%s desc=%v stage=%s", sort, desc, stage)
				f := store.CaseFilter{AsOf: asOf, Sort: sort, Desc: desc, Stage: stage, PerPage: 200}
				all, err := st.ListCases(ctx, store.Scope{}, f)
				if err != nil {
					t.Fatal(name, err)
				}
				if len(all.Cases) < 20 || all.Total != len(all.Cases) || all.More || all.HasPrev {
					t.Fatalf("%s: whole list %d cases of %d (more %v, before %v)", name, len(all.Cases), all.Total, all.More, all.HasPrev)
				}
				f.PerPage = 7
				var forward []int64
				var pages []store.CaseList
				for {
					page, err := st.ListCases(ctx, store.Scope{}, f)
					if err != nil {
						t.Fatal(name, err)
					}
					if page.Total != all.Total || page.HasPrev != (f.After != 0) {
						t.Fatalf("%s: page after %d: total %d, has a page before %v", name, f.After, page.Total, page.HasPrev)
					}
					pages = append(pages, page)
					forward = append(forward, ids(page.Cases)...)
					if !page.More {
						break
					}
					f.After = page.Cases[len(page.Cases)-1].ID
				}
				if !slices.Equal(forward, ids(all.Cases)) {
					t.Errorf("%s: forward pages give\n%v\nwant\n%v", name, forward, ids(all.Cases))
				}
				// Back from the last page: each page before a page's first
				// case is the page that came before it.
				f.After = 0
				for i := len(pages) - 1; i > 0; i-- {
					f.Before = pages[i].Cases[0].ID
					prev, err := st.ListCases(ctx, store.Scope{}, f)
					if err != nil {
						t.Fatal(name, err)
					}
					if !slices.Equal(ids(prev.Cases), ids(pages[i-1].Cases)) || prev.HasPrev != (i > 1) || !prev.More {
						t.Errorf("%s: page before %d: %v (before %v, more %v), want %v", name, f.Before, ids(prev.Cases), prev.HasPrev, prev.More, ids(pages[i-1].Cases))
					}
				}
			}
		}
	}
	// A liaison cannot page from another force's case.
	leics, err := st.ForceByCode(ctx, store.Scope{}, "leicestershire")
	if err != nil {
		t.Fatal(err)
	}
	other, err := st.CaseFor(ctx, store.Scope{}, fid, "sussex")
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.ListCases(ctx, store.Scope{ForceID: leics.ID}, store.CaseFilter{AsOf: asOf, After: other.ID})
	if err != nil || len(list.Cases) != 0 {
		t.Errorf("liaison paging after another force's case: %d cases, %v", len(list.Cases), err)
	}
}

// TestKeptStagesFollowAChangeInItsTransaction: once a day's stages are
// kept, a change moves its cases' kept stage and the counts the list shows
// as it commits, with no reckoning in between.
func TestKeptStagesFollowAChangeInItsTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, fid := newRecommendation(t)
	day := domain.Date(2017, 6, 10)
	if err := st.MaintainDashboard(ctx, day, 0); err != nil {
		t.Fatal(err)
	}
	count := func(stage domain.Stage) int {
		t.Helper()
		list, err := st.ListCases(ctx, store.Scope{}, store.CaseFilter{AsOf: day, Stage: stage, PerPage: 200})
		if err != nil {
			t.Fatal(err)
		}
		if list.Total != len(list.Cases) {
			t.Fatalf("%s: %d cases listed, %d counted", stage, len(list.Cases), list.Total)
		}
		return list.Total
	}
	if got := count(domain.StageAwaitingPlan); got != 43 {
		t.Fatalf("awaiting a plan before the request: %d", got)
	}
	if _, err := st.RecordRequest(ctx, testActor, fid, domain.Date(2017, 5, 1), domain.Date(2017, 6, 1)); err != nil {
		t.Fatal(err)
	}
	if a, o := count(domain.StageAwaitingPlan), count(domain.StagePlanOverdue); a != 0 || o != 43 {
		t.Errorf("after a request due on 1 June: %d awaiting, %d overdue, want 0 and 43", a, o)
	}
	c, err := st.CaseFor(ctx, store.Scope{}, fid, "sussex")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ChangeDueDate(ctx, testActor, store.Scope{}, c.ID, domain.Date(2017, 7, 1), "more time"); err != nil {
		t.Fatal(err)
	}
	if a, o := count(domain.StageAwaitingPlan), count(domain.StagePlanOverdue); a != 1 || o != 42 {
		t.Errorf("after one due date moved to July: %d awaiting, %d overdue, want 1 and 42", a, o)
	}
	// The next day is reckoned when the portal keeps it.
	if err := st.MaintainDashboard(ctx, time.Date(2017, 7, 2, 9, 0, 0, 0, time.UTC), 0); err != nil {
		t.Fatal(err)
	}
	day = domain.Date(2017, 7, 2)
	if a, o := count(domain.StageAwaitingPlan), count(domain.StagePlanOverdue); a != 0 || o != 43 {
		t.Errorf("on 2 July: %d awaiting, %d overdue, want 0 and 43", a, o)
	}
}
