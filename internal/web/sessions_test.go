package web

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// sessionRow reads the session's stored bytes and expiry.
func sessionRow(t *testing.T, ts *testServer, c *client) (data []byte, expiry time.Time) {
	t.Helper()
	ck := sessionCookie(c, ts.ts.URL)
	if ck == nil {
		t.Fatal("no session cookie")
	}
	if err := ts.store.Pool().QueryRow(context.Background(), `SELECT data, expiry FROM sessions WHERE token = $1`, ck.Value).Scan(&data, &expiry); err != nil {
		t.Fatal(err)
	}
	return data, expiry
}

// TestIdleSessionsEndAndBusyOnesAreNotRewrittenEveryRequest: a session idle
// longer than the idle timeout (30 minutes) is over; one in use stays
// signed in, and is written at most once a minute rather than on every page.
func TestIdleSessionsEndAndBusyOnesAreNotRewrittenEveryRequest(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	c := ts.as("inspector@demo.test")
	wantStatus(t, c.get("/settings"), http.StatusOK)
	before, _ := sessionRow(t, ts, c)
	ts.setClock(ts.clock().Add(20 * time.Second))
	wantStatus(t, c.get("/settings"), http.StatusOK)
	if after, _ := sessionRow(t, ts, c); string(after) != string(before) {
		t.Error("the session was rewritten by a request 20 seconds after the last")
	}
	// Busy: a page every 25 minutes for two hours keeps the session.
	for range 5 {
		ts.setClock(ts.clock().Add(25 * time.Minute))
		wantStatus(t, c.get("/settings"), http.StatusOK)
	}
	if after, _ := sessionRow(t, ts, c); string(after) == string(before) {
		t.Error("the session's last request was never recorded")
	}
	// Idle for 31 minutes: signed out.
	ts.setClock(ts.clock().Add(31 * time.Minute))
	res := c.get("/settings")
	wantStatus(t, res, http.StatusSeeOther)
	ts.setClock(ts.clock().Add(-31 * time.Minute))
	wantStatus(t, c.get("/settings"), http.StatusSeeOther) // destroyed, not just hidden
}
