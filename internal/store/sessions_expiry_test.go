package store_test

import (
	"context"
	"testing"
	"time"

	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// TestDeleteExpiredDeletesOnlyExpiredSessions: the sweep removes sessions
// past their expiry and keeps every live one.
func TestDeleteExpiredDeletesOnlyExpiredSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(testdb.Pool(t), store.WithAuditKeys(testdb.AuditKeys()))
	ss := st.Sessions()
	data, err := store.SessionCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"flash": "hello"})
	if err != nil {
		t.Fatal(err)
	}
	sessions := map[string]time.Duration{
		"expired-an-hour-ago-0123456789abcdef":  -time.Hour,
		"expired-a-second-ago-0123456789abcdef": -time.Second,
		"live-for-a-minute-0123456789abcdef":    time.Minute,
		"live-for-twelve-hours-0123456789abcd":  12 * time.Hour,
	}
	for token, in := range sessions {
		if err := ss.CommitCtx(ctx, token, data, time.Now().Add(in)); err != nil {
			t.Fatal(err)
		}
	}
	n, err := ss.DeleteExpired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("DeleteExpired deleted %d sessions, want the 2 expired", n)
	}
	// Count the rows rather than look tokens up: how a token is kept
	// (hashed or not) is not this test's business.
	var left int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 2 {
		t.Errorf("%d sessions left, want the 2 live ones", left)
	}
	for token, in := range sessions {
		if in < 0 {
			continue
		}
		if _, found, err := ss.FindCtx(ctx, token); err != nil || !found {
			t.Errorf("live session %s: found %v, %v", token, found, err)
		}
	}
}
