package jobs_test

import (
	"context"
	"testing"
	"time"

	"inspectrack/internal/testdb"
)

// TestCleanupDeletesExpiredSessionsAndOldFailedSignIns: the periodic
// clean-up (run on start by the elected leader) deletes what has expired
// and keeps what is live.
func TestCleanupDeletesExpiredSessionsAndOldFailedSignIns(t *testing.T) {
	t.Parallel()
	pool, st := fixture(t)
	testdb.Exec(t, pool, `INSERT INTO sessions (token_hash, data, expiry) VALUES
		(sha256('expired'), '\x00', now() - interval '1 minute'), (sha256('live'), '\x00', now() + interval '1 hour')`)
	testdb.Exec(t, pool, `INSERT INTO login_failures (email_sha256, client_addr, failed_at) VALUES
		(sha256('old'), '192.0.2.1', now() - interval '25 hours'), (sha256('recent'), '192.0.2.1', now() - interval '1 hour')`)
	work(t, pool, st, nil)
	count := func(q string) int {
		var n int
		if err := pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(30 * time.Second)
	for count(`SELECT count(*) FROM sessions WHERE token_hash = sha256('expired')`)+count(`SELECT count(*) FROM login_failures WHERE email_sha256 = sha256('old')`) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("after 30 s the expired session or the old failed sign-in is still there")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := count(`SELECT count(*) FROM sessions WHERE token_hash = sha256('live')`); n != 1 {
		t.Error("the clean-up deleted a live session")
	}
	if n := count(`SELECT count(*) FROM login_failures WHERE email_sha256 = sha256('recent')`); n != 1 {
		t.Error("the clean-up deleted a failed sign-in of the last day")
	}
}
