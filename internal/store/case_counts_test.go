package store_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// TestKeptCaseCountsEqualCounting: the counts the lists show from
// case_counts (a force's cases and open cases, the case list's total)
// equal counting the cases, on any day, after cases close, reopen, move
// force and are added, whether the change came through the store or not.
func TestKeptCaseCountsEqualCounting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 5, 2, 3)
	rng := rand.New(rand.NewPCG(19, 1))
	check := func(round int) {
		t.Helper()
		for range 3 {
			asOf := domain.AddDays(propStart, rng.IntN(propDays+30)-15)
			summaries, err := w.st.ListForceSummaries(ctx, store.Scope{}, "", asOf)
			if err != nil {
				t.Fatal(err)
			}
			for _, fs := range summaries {
				var cases, open int
				err := w.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE closed_on IS NULL OR closed_on > $2)
					FROM cases WHERE force_id = $1`, fs.ID, asOf).Scan(&cases, &open)
				if err != nil {
					t.Fatal(err)
				}
				if fs.Open != open {
					t.Errorf("round %d, force %d as of %s: %d open kept, %d counted", round, fs.ID, asOf, fs.Open, open)
				}
				fp, err := w.st.ForcePage(ctx, store.Scope{}, fs.Code, asOf, 1, 10)
				if err != nil {
					t.Fatal(err)
				}
				if fp.Cases != cases || fp.Open != open {
					t.Errorf("round %d, force page %s: %d cases, %d open; counted %d, %d", round, fs.Code, fp.Cases, fp.Open, cases, open)
				}
			}
			for _, f := range []store.CaseFilter{{AsOf: asOf}, {AsOf: asOf, Region: "Region B"},
				{AsOf: asOf, ForceCode: summaries[0].Code}} {
				list, err := w.st.ListCases(ctx, store.Scope{}, f)
				if err != nil {
					t.Fatal(err)
				}
				var n int
				err = w.pool.QueryRow(ctx, `SELECT count(*) FROM cases c JOIN forces f ON f.id = c.force_id
					WHERE ($1 = '' OR f.region = $1) AND ($2 = '' OR f.code = $2)`, f.Region, f.ForceCode).Scan(&n)
				if err != nil {
					t.Fatal(err)
				}
				if list.Total != n {
					t.Errorf("round %d, case list %+v: total %d, counted %d", round, f, list.Total, n)
				}
			}
		}
	}
	for round := range 12 {
		for range 1 + rng.IntN(4) {
			w.randomise(t, rng, w.cases[rng.IntN(len(w.cases))])
		}
		if rng.IntN(3) == 0 {
			// A case moves to a force that has none for its recommendation.
			testdb.Exec(t, w.pool, `UPDATE cases c SET force_id = f.id FROM forces f
				WHERE c.id = (SELECT id FROM cases ORDER BY random() LIMIT 1)
				  AND NOT EXISTS (SELECT 1 FROM cases o WHERE o.finding_id = c.finding_id AND o.force_id = f.id)
				  AND f.id = (SELECT f2.id FROM forces f2 WHERE NOT EXISTS (SELECT 1 FROM cases o2
					WHERE o2.force_id = f2.id AND o2.finding_id = c.finding_id) LIMIT 1)`)
		}
		check(round)
	}
}
