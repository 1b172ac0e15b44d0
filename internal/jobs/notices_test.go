package jobs_test

import (
	"context"
	"testing"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// TestWorkflowNoticesGoToThePeopleTheyConcern seeds the demo story through
// the store's own paths and reads who each kind of notice was filed for.
func TestWorkflowNoticesGoToThePeopleTheyConcern(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	if _, err := seed.Demo(ctx, st, "correct horse battery staple", auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	// Every kind goes only to the role it is for, and each is filed under
	// the audit event of its change.
	for kind, role := range map[string]string{"request_issued": "liaison", "assessment_submitted": "manager", "letter_published": "liaison"} {
		if n := count(`SELECT count(*) FROM outbound_messages WHERE kind = $1`, kind); n == 0 {
			t.Errorf("no %s notice from the demo story", kind)
		}
		if n := count(`SELECT count(*) FROM outbound_messages m JOIN users u ON u.id = m.user_id WHERE m.kind = $1 AND u.role <> $2`, kind, role); n != 0 {
			t.Errorf("%d %s notices went to someone not a %s", n, kind, role)
		}
	}
	// A plan received: to whoever sent it, naming its version.
	if n := count(`SELECT count(*) FROM outbound_messages m WHERE m.kind = 'plan_received'`); n == 0 {
		t.Error("no plan_received notice from the demo story")
	}
	if n := count(`SELECT count(*) FROM outbound_messages m JOIN submissions s ON m.params->>'path' = '/submissions/' || s.id
		WHERE m.kind = 'plan_received' AND (m.user_id <> s.submitted_by OR m.params->>'version' <> s.version::text)`); n != 0 {
		t.Errorf("%d plan_received notices went to someone other than the sender, or named another version", n)
	}
	if n := count(`SELECT count(*) FROM outbound_messages m LEFT JOIN audit_events e ON e.id = m.event_id WHERE e.id IS NULL`); n != 0 {
		t.Errorf("%d messages are for no audit event", n)
	}
	// A request for plans reaches every active liaison of every force it
	// covers, once per case.
	if n := count(`SELECT count(*) FROM cases c JOIN users u ON u.force_id = c.force_id AND u.role = 'liaison' AND u.disabled_at IS NULL
		WHERE c.request_sent_on IS NOT NULL AND c.closed_on IS NULL AND NOT EXISTS (
			SELECT FROM outbound_messages m WHERE m.kind = 'request_issued' AND m.user_id = u.id AND m.params->>'path' = '/cases/' || c.id)`); n != 0 {
		t.Errorf("%d liaisons were not told of a request for their force's plan", n)
	}
	// A liaison hears only of their own force.
	if n := count(`SELECT count(*) FROM outbound_messages m JOIN users u ON u.id = m.user_id JOIN forces f ON f.id = u.force_id
		WHERE u.role = 'liaison' AND m.params ? 'force' AND m.params->>'force' <> f.name`); n != 0 {
		t.Errorf("%d notices told a liaison about another force", n)
	}
	// A follow-up planned at Leicestershire: its liaison is told.
	var caseID int64
	if err := pool.QueryRow(ctx, `SELECT c.id FROM cases c JOIN forces f ON f.id = c.force_id
		WHERE f.code = 'leicestershire' AND c.closed_on IS NULL AND (c.follow_up_planned_on IS NULL OR c.follow_up_done_on IS NOT NULL)
		ORDER BY c.id LIMIT 1`).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	insp, err := st.UserByEmail(ctx, "inspector@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	ia := store.Actor{UserID: insp.ID, Email: insp.Email, Role: insp.Role}
	if _, err := st.ScheduleFollowUp(ctx, ia, store.Scope{}, caseID, store.NewFollowUp{PlannedOn: time.Date(2030, 3, 5, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM outbound_messages m JOIN users u ON u.id = m.user_id
		WHERE m.kind = 'follow_up_scheduled' AND u.email = 'liaison.leicestershire@demo.test' AND m.params->>'planned' = '5 March 2030'`); n != 1 {
		t.Errorf("%d follow-up notices to Leicestershire's liaison, want 1", n)
	}
}
