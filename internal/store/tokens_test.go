package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"inspectrack/internal/database"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// rowsHold reports whether any row of table, as text, holds s.
func rowsHold(t *testing.T, pool *pgxpool.Pool, table, s string) bool {
	t.Helper()
	var n int
	q := `SELECT count(*) FROM ` + table + ` x WHERE strpos(to_jsonb(x)::text, $1) > 0 OR strpos(encode(convert_to(to_jsonb(x)::text, 'UTF8'), 'hex'), encode(convert_to($1, 'UTF8'), 'hex')) > 0`
	if err := pool.QueryRow(context.Background(), q, s).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func TestSessionTokensAreKeptOnlyAsHashes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	ss := store.New(pool, store.WithAuditKeys(testdb.AuditKeys())).Sessions()
	const token = "Zm9vYmFyLXNlc3Npb24tdG9rZW4tMDEyMzQ1Njc4OQ"
	data, err := store.SessionCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"flash": "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ss.CommitCtx(ctx, token, data, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if rowsHold(t, pool, "sessions", token) {
		t.Error("the sessions table holds the token itself")
	}
	if b, found, err := ss.FindCtx(ctx, token); err != nil || !found || string(b) != string(data) {
		t.Fatalf("find by token: %v %v", found, err)
	}
	if _, found, err := ss.FindCtx(ctx, token[:len(token)-1]+"x"); err != nil || found {
		t.Fatalf("find by another token: %v %v", found, err)
	}
	if err := ss.DeleteCtx(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, found, err := ss.FindCtx(ctx, token); err != nil || found {
		t.Fatalf("find after delete: %v %v", found, err)
	}
}

// TestTokensMadeBeforeHashingStillWork takes a database back to before the
// tokens were hashed, makes a session and a calendar token there as the
// old code did, migrates up, and uses both.
func TestTokensMadeBeforeHashingStillWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cs := testdb.ConnString(t)
	m, err := database.NewMigrator(cs)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for {
		v, _, err := m.Version()
		if err != nil {
			t.Fatal(err)
		}
		if v < 10 {
			break
		}
		if err := m.Down(1); err != nil {
			t.Fatal(err)
		}
	}
	pool, err := database.Connect(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	const session, calendar = "old-session-token-0123456789abcdefghijklmno", "old-calendar-token-0123456789abcdefghijklmn"
	// The schema of before the migration has no audit key id yet, so the
	// fixture cannot be audited through today's store: it tells the test
	// database's audit check so itself.
	var userID int64
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('inspectrack.audited', 'on', true)`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO users (email, name, role, password_hash, calendar_token)
			VALUES ('ina@example.test', 'Ina Inspector', 'inspector', 'x', $1) RETURNING id`, calendar).Scan(&userID)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, '\x00', now() + interval '1 hour')`, session); err != nil {
		t.Fatal(err)
	}
	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	pool.Reset() // the columns changed under the pool's prepared statements
	if _, found, err := st.Sessions().FindCtx(ctx, session); err != nil || !found {
		t.Errorf("a session from before the migration: found %v, %v", found, err)
	}
	if u, err := st.UserByCalendarToken(ctx, calendar); err != nil || u.ID != userID {
		t.Errorf("a calendar token from before the migration: user %d, %v", u.ID, err)
	}
	if rowsHold(t, pool, "sessions", session) || rowsHold(t, pool, "users", calendar) {
		t.Error("a token from before the migration is still kept in clear")
	}
}

func TestCalendarTokenEndsWhenTheAccountChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	for _, code := range []string{"force-a", "force-b"} {
		testdb.Exec(t, pool, `INSERT INTO forces (code, name, region, chief_officer_title, oversight_body)
			VALUES ($1, $1, 'South East', 'Chief Constable', 'Police and Crime Commissioner')`, code)
	}
	u, err := st.CreateUser(ctx, store.Actor{}, store.NewUser{Email: "lee@example.test", Name: "Lee Liaison",
		Role: "liaison", ForceCode: "force-a", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, change := range []struct {
		name string
		do   func() error
	}{
		{"password reset", func() error { return st.SetPassword(ctx, store.Actor{}, u.ID, "y", true) }},
		{"move to another force", func() error { return st.SetUserForce(ctx, store.Actor{}, u.ID, "force-b") }},
		{"disable", func() error { return st.DisableUser(ctx, store.Actor{}, u.ID) }},
	} {
		token := change.name + "-token-0123456789abcdefghijklmnopqrstuvw"
		if err := st.SetCalendarToken(ctx, store.Actor{}, u.ID, token); err != nil {
			t.Fatal(err)
		}
		if _, err := st.UserByCalendarToken(ctx, token); err != nil {
			t.Fatalf("%s: the token does not work before: %v", change.name, err)
		}
		if err := change.do(); err != nil {
			t.Fatalf("%s: %v", change.name, err)
		}
		if _, err := st.UserByCalendarToken(ctx, token); err == nil {
			t.Errorf("after %s the old calendar token still works", change.name)
		}
		if got, err := st.UserByID(ctx, u.ID); err != nil || got.HasCalendar {
			t.Errorf("after %s the user still has a calendar: %v", change.name, err)
		}
	}
	// A rehash at sign-in is not a reset: the calendar stays.
	if err := st.EnableUser(ctx, store.Actor{}, u.ID); err != nil {
		t.Fatal(err)
	}
	const token = "kept-token-0123456789abcdefghijklmnopqrstuvwx"
	if err := st.SetCalendarToken(ctx, store.Actor{}, u.ID, token); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPassword(ctx, store.Actor{}, u.ID, "z", false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UserByCalendarToken(ctx, token); err != nil {
		t.Errorf("a rehash ended the calendar: %v", err)
	}
}
