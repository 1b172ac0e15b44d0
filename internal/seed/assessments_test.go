package seed_test

import (
	"context"
	"testing"

	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

func TestSeedingTwicePublishesTheStorysAssessmentsOnce(t *testing.T) {
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
		`SELECT count(*) FROM assessments WHERE state = 'published'`:                                 43,
		`SELECT count(*) FROM letters WHERE published_at IS NOT NULL AND letter_date = '2017-10-02'`: 43,
		`SELECT count(*) FROM assessment_findings`:                                                   43 * 4,
		`SELECT count(*) FROM assessment_events WHERE action = 'publish'`:                            43,
		`SELECT count(*) FROM letter_templates`:                                                      1,
		`SELECT count(*) FROM overview_publications`:                                                 1,
		`SELECT count(*) FROM cases WHERE assessment_published_on = '2017-10-02' AND assessment_started_on BETWEEN '2017-06-01' AND '2017-06-30'`: 43,
		// Only Leicestershire's is the real letter; the others say they are not.
		`SELECT count(*) FROM assessments WHERE summary LIKE 'Illustrative demo data:%'`:                                 42,
		`SELECT count(*) FROM letters WHERE composed_text LIKE '%This is illustrative demo data, not the inspectorate%'`: 42,
		`SELECT count(*) FROM audit_events WHERE action = 'assessment.publish'`:                                          43,
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
	var byCategory = map[string]int{}
	rows, err := pool.Query(ctx, `SELECT cat.key, count(*) FROM assessments a JOIN categories cat ON cat.id = a.category_id GROUP BY cat.key`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		byCategory[k] = n
	}
	want := map[string]int{"insufficient_information": 11, "plan_not_started": 15, "plan_started": 15, "all_in_place": 2}
	for k, n := range want {
		if byCategory[k] != n {
			t.Errorf("%s: %d forces, want %d", k, byCategory[k], n)
		}
	}
}
