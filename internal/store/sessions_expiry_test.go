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

// TestExpiredSessionIsNotFound: a session past its expiry (the absolute
// lifetime) signs nobody in, even before the sweep has deleted it.
func TestExpiredSessionIsNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ss := store.New(testdb.Pool(t), store.WithAuditKeys(testdb.AuditKeys())).Sessions()
	data, err := store.SessionCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"flash": "hello"})
	if err != nil {
		t.Fatal(err)
	}
	const expired, live = "expired-a-second-ago-0123456789abcdef", "live-for-a-minute-0123456789abcdef"
	if err := ss.CommitCtx(ctx, expired, data, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := ss.CommitCtx(ctx, live, data, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, found, err := ss.FindCtx(ctx, expired); err != nil || found {
		t.Errorf("an expired session: found %v, %v; want not found", found, err)
	}
	if _, found, err := ss.FindCtx(ctx, live); err != nil || !found {
		t.Errorf("a live session: found %v, %v; want found", found, err)
	}
}
