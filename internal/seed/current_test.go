package seed_test

import (
	"context"
	"testing"
	"time"

	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// TestDemoDataNeverSaysSentWithoutAPlan: a case the demo marks as having
// sent its plan has that plan, with its documents, sent at that time, and
// the other way round; so no page says "Sent on time" beside "Nothing yet".
func TestDemoDataNeverSaysSentWithoutAPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	if _, err := seed.Demo(ctx, st, "pw for the test", cheap); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Current(ctx, st, time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var sentWithoutPlan, planNotSent, withoutDocuments, plans int
	err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM cases c WHERE c.first_submitted_at IS NOT NULL AND NOT EXISTS (
			SELECT 1 FROM submissions s WHERE s.case_id = c.id AND s.kind = 'plan' AND s.submitted_at = c.first_submitted_at)),
		(SELECT count(*) FROM cases c WHERE c.first_submitted_at IS NULL AND EXISTS (
			SELECT 1 FROM submissions s WHERE s.case_id = c.id AND s.kind = 'plan')),
		(SELECT count(*) FROM submissions s WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.submission_id = s.id)),
		(SELECT count(*) FROM submissions s JOIN cases c ON c.id = s.case_id JOIN findings f ON f.id = c.finding_id
			JOIN reports r ON r.id = f.report_id WHERE r.title = $1)`, seed.CurrentReportTitle).
		Scan(&sentWithoutPlan, &planNotSent, &withoutDocuments, &plans)
	if err != nil {
		t.Fatal(err)
	}
	if sentWithoutPlan != 0 || planNotSent != 0 || withoutDocuments != 0 {
		t.Errorf("%d cases marked sent without a plan sent then, %d with a plan not marked sent, %d submissions without documents",
			sentWithoutPlan, planNotSent, withoutDocuments)
	}
	if plans == 0 {
		t.Error("the current demo report has no plans at all")
	}
}
