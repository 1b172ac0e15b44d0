package store_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

func TestSessionCodecRoundTrip(t *testing.T) {
	deadline := time.Date(2026, 11, 27, 15, 4, 5, 6, time.UTC)
	values := map[string]any{store.SessionUserID: int64(42), "epoch": 3, "seen": int64(-1), "flash": "Plan sent: “version 2”.",
		"empty": "", "ok": true, "no": false}
	b, err := store.SessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	gotDeadline, got, err := store.SessionCodec{}.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !gotDeadline.Equal(deadline) || !maps.Equal(got, values) {
		t.Errorf("decoded %v %v, want %v %v", gotDeadline, got, deadline, values)
	}
}

func TestSessionCodecReadsGobSessions(t *testing.T) {
	deadline := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	values := map[string]any{store.SessionUserID: int64(7), "epoch": 1}
	b, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	gotDeadline, got, err := store.SessionCodec{}.Decode(b)
	if err != nil || !gotDeadline.Equal(deadline) || !maps.Equal(got, values) {
		t.Errorf("decoded %v %v %v, want %v %v", gotDeadline, got, err, deadline, values)
	}
}

func TestSessionCodecRefusesWhatItCannotKeepOrRead(t *testing.T) {
	if _, err := (store.SessionCodec{}).Encode(time.Now(), map[string]any{"when": time.Now()}); err == nil {
		t.Error("a time.Time value was encoded; want an error")
	}
	good, err := store.SessionCodec{}.Encode(time.Now(), map[string]any{"flash": "saved", "epoch": 2})
	if err != nil {
		t.Fatal(err)
	}
	// Every cut of a good encoding, and a few bytes of nonsense, must give
	// an error, never a panic or values made up.
	for n := 1; n < len(good); n++ {
		if _, v, err := (store.SessionCodec{}).Decode(good[:n]); err == nil {
			t.Errorf("decoded %d of %d bytes into %v; want an error", n, len(good), v)
		}
	}
	bad := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 'k', 'x', 1}
	if _, _, err := (store.SessionCodec{}).Decode(bad); err == nil {
		t.Error("an unknown type byte decoded; want an error")
	}
}

func TestSessionIsReadWithItsUser(t *testing.T) {
	ctx := context.Background()
	st := store.New(testdb.Pool(t), store.WithAuditKeys(testdb.AuditKeys()))
	u, err := st.CreateUser(ctx, store.Actor{}, store.NewUser{Email: "ina@example.test", Name: "Ina Inspector",
		Role: "inspector", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	ss := st.Sessions()
	data, err := store.SessionCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{store.SessionUserID: u.ID, "epoch": 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := ss.CommitCtx(ctx, "signed-in", data, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	anon, err := store.SessionCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"flash": "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ss.CommitCtx(ctx, "anonymous", anon, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	rctx := store.WithSessionUser(ctx)
	if b, found, err := ss.FindCtx(rctx, "signed-in"); err != nil || !found || string(b) != string(data) {
		t.Fatalf("find: %v %v", found, err)
	}
	got, ok := store.SessionUserFrom(rctx)
	if !ok || got.ID != u.ID || got.Email != "ina@example.test" || got.Role != "inspector" || got.SessionEpoch != 1 {
		t.Errorf("user read with the session: %+v %v", got, ok)
	}

	// The user as it is now, not as it was at sign-in.
	if err := st.DisableUser(ctx, store.Actor{}, u.ID); err != nil {
		t.Fatal(err)
	}
	rctx = store.WithSessionUser(ctx)
	if _, _, err := ss.FindCtx(rctx, "signed-in"); err != nil {
		t.Fatal(err)
	}
	if got, ok := store.SessionUserFrom(rctx); !ok || got.DisabledAt == nil || got.SessionEpoch != 2 {
		t.Errorf("after disabling, the user read with the session: %+v %v", got, ok)
	}

	rctx = store.WithSessionUser(ctx)
	if _, found, err := ss.FindCtx(rctx, "anonymous"); err != nil || !found {
		t.Fatalf("find anonymous: %v %v", found, err)
	}
	if got, ok := store.SessionUserFrom(rctx); ok {
		t.Errorf("a session without a user read user %+v", got)
	}
}
