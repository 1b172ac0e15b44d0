package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// TestRemindersGoOutOnTheRightLondonDayAcrossTheClockChanges: reminders 7
// and 1 days before a plan is due and chasers the day after and weekly go
// out from 07:00 on the right local day, around the last Sunday of March
// (clocks forward) and of October (clocks back), once each however often
// the schedule runs; a liaison who turned reminders off gets none.
func TestRemindersGoOutOnTheRightLondonDayAcrossTheClockChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	if _, err := seed.Demo(ctx, st, "correct horse battery staple", auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	// One Leicestershire case, awaiting its plan; Sussex's liaison has
	// turned reminders off and their case is due on the same days.
	var leics, sussex int64
	for code, dst := range map[string]*int64{"leicestershire": &leics, "sussex": &sussex} {
		if err := pool.QueryRow(ctx, `SELECT c.id FROM cases c JOIN forces f ON f.id = c.force_id
			WHERE f.code = $1 AND c.closed_on IS NULL ORDER BY c.id LIMIT 1`, code).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	testdb.Exec(t, pool, `UPDATE users SET notify_reminders = false WHERE email = 'liaison.sussex@demo.test'`)
	setDue := func(due string) {
		testdb.Exec(t, pool, `UPDATE cases SET request_sent_on = '2027-01-04', plan_due_on = $2, first_submitted_at = NULL WHERE id = ANY($1)`,
			[]int64{leics, sussex}, due)
	}
	count := func(kind string, caseID int64) int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbound_messages WHERE kind = $1 AND params->>'path' = '/cases/' || $2::bigint`, kind, caseID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	at := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	steps := []struct {
		due, now, kind string
		want           int // messages of kind for the case so far
	}{
		// Due Monday 29 March 2027; the clocks go forward at 01:00 GMT on Sunday 28th.
		{"2027-03-29", "2027-03-22T06:59:00Z", "reminder", 0}, // 06:59 GMT on the 22nd: before 07:00
		{"2027-03-29", "2027-03-22T07:00:00Z", "reminder", 1}, // 7 days before, 07:00 GMT
		{"2027-03-29", "2027-03-22T19:00:00Z", "reminder", 1}, // the same day again: once
		{"2027-03-29", "2027-03-28T05:59:00Z", "reminder", 1}, // 06:59 BST on the 28th: not yet
		{"2027-03-29", "2027-03-28T06:00:00Z", "reminder", 2}, // 07:00 BST: 1 day before
		{"2027-03-29", "2027-03-29T12:00:00Z", "reminder", 2}, // the due day itself: nothing
		{"2027-03-29", "2027-03-29T23:30:00Z", "chaser", 0},   // 00:30 BST on the 30th, London's next day, but before 07:00
		{"2027-03-29", "2027-03-30T06:00:00Z", "chaser", 1},   // 07:00 BST on the 30th: the day after
		{"2027-03-29", "2027-04-05T06:30:00Z", "chaser", 1},   // 07:30 BST on 5 April: not a week on
		{"2027-03-29", "2027-04-06T06:30:00Z", "chaser", 2},   // 6 April: a week after the first chaser
		// Due Monday 1 November 2027; the clocks go back at 01:00 GMT on Sunday 31 October.
		{"2027-11-01", "2027-10-31T06:30:00Z", "reminder", 2}, // 06:30 GMT (it would be 07:30 BST): not yet
		{"2027-11-01", "2027-10-31T07:00:00Z", "reminder", 3}, // 07:00 GMT on the 31st: 1 day before
		{"2027-11-01", "2027-11-02T07:00:00Z", "chaser", 3},   // the day after
	}
	for _, s := range steps {
		setDue(s.due)
		if _, err := st.SendReminders(ctx, at(s.now)); err != nil {
			t.Fatal(err)
		}
		if got := count(s.kind, leics); got != s.want {
			t.Errorf("due %s, at %s: %d %s messages for Leicestershire's case, want %d", s.due, s.now, got, s.kind, s.want)
		}
	}
	if n := count("reminder", sussex) + count("chaser", sussex); n != 0 {
		t.Errorf("%d reminders to a liaison who turned them off", n)
	}
	// A plan received stops them.
	setDue("2027-11-01")
	testdb.Exec(t, pool, `UPDATE cases SET first_submitted_at = '2027-11-03T10:00:00Z' WHERE id = $1`, leics)
	if _, err := st.SendReminders(ctx, at("2027-11-09T07:00:00Z")); err != nil {
		t.Fatal(err)
	}
	if got := count("chaser", leics); got != 3 {
		t.Errorf("%d chasers after the plan arrived, want still 3", got)
	}
}

// TestTheWeeklyDigestGoesToManagersOnMondayFrom0700London: on the Monday
// after the clocks go forward, 06:59 BST sends nothing and 07:00 BST sends
// one digest to each manager who wants it, once, with the dashboard's
// counts and its link.
func TestTheWeeklyDigestGoesToManagersOnMondayFrom0700London(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	if _, err := seed.Demo(ctx, st, "correct horse battery staple", auth.Params{MemoryKiB: 1024, Time: 1, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	digests := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbound_messages WHERE kind = 'digest'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var managers int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = 'manager' AND disabled_at IS NULL`).Scan(&managers); err != nil || managers == 0 {
		t.Fatalf("%d managers (%v)", managers, err)
	}
	for _, step := range []struct {
		now  string
		want int
	}{
		{"2027-03-28T07:00:00Z", 0},        // Sunday
		{"2027-03-29T05:59:00Z", 0},        // Monday 06:59 BST
		{"2027-03-29T06:00:00Z", managers}, // Monday 07:00 BST
		{"2027-03-29T09:00:00Z", managers}, // again that Monday: once
		{"2027-03-30T07:00:00Z", managers}, // Tuesday
	} {
		now, _ := time.Parse(time.RFC3339, step.now)
		if _, err := st.SendDigest(ctx, now, 30); err != nil {
			t.Fatal(err)
		}
		if got := digests(); got != step.want {
			t.Errorf("at %s: %d digests, want %d", step.now, got, step.want)
		}
	}
	var counts string
	if err := pool.QueryRow(ctx, `SELECT params->>'counts' FROM outbound_messages WHERE kind = 'digest' LIMIT 1`).Scan(&counts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(counts, "Plan overdue: ") {
		t.Errorf("the digest's counts read %q", counts)
	}
}
