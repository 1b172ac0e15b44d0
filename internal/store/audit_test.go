package store_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// chainRow is an audit row as someone with write access to the database
// sees it.
type chainRow struct {
	id                                                                   int64
	at                                                                   time.Time
	actorID, forceID                                                     int64
	email, action, objType, objID, summary, requestID, clientAddr, keyID string
	prev, hash                                                           []byte
}

// attackerHash re-implements the chain's hash from the source, as an
// attacker who can read the code would: plain SHA-256 when key is nil,
// else HMAC-SHA-256 under key, naming keyID.
func attackerHash(r chainRow, key []byte) []byte {
	var b bytes.Buffer
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		b.Write(n[:])
		b.WriteString(s)
	}
	field(string(r.prev))
	field(strconv.FormatInt(r.id, 10))
	field(r.at.UTC().Format(time.RFC3339Nano))
	field(strconv.FormatInt(r.actorID, 10))
	field(r.email)
	field(r.action)
	field(r.objType)
	field(r.objID)
	field(strconv.FormatInt(r.forceID, 10))
	field(r.summary)
	field(r.requestID)
	field(r.clientAddr)
	if key == nil {
		sum := sha256.Sum256(b.Bytes())
		return sum[:]
	}
	field(r.keyID)
	m := hmac.New(sha256.New, key)
	m.Write(b.Bytes())
	return m.Sum(nil)
}

// readChain returns every audit row in id order.
func readChain(t *testing.T, pool *pgxpool.Pool) []chainRow {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT id, occurred_at, COALESCE(actor_id, 0), COALESCE(force_id, 0),
		actor_email, action, object_type, object_id, summary, request_id, client_addr, key_id, prev_hash, hash
		FROM audit_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (chainRow, error) {
		var c chainRow
		err := r.Scan(&c.id, &c.at, &c.actorID, &c.forceID, &c.email, &c.action, &c.objType, &c.objID, &c.summary,
			&c.requestID, &c.clientAddr, &c.keyID, &c.prev, &c.hash)
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tamper runs fn with the append-only trigger off, as a superuser can,
// then writes chain back from index from on (ids kept) and moves the head
// to its last row.
func tamper(t *testing.T, pool *pgxpool.Pool, chain []chainRow, from int, deleteIDs ...int64) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`); err != nil {
			return err
		}
		for _, id := range deleteIDs {
			if _, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE id = $1`, id); err != nil {
				return err
			}
		}
		// Hashes are unique: clear the rewritten ones first.
		for _, r := range chain[from:] {
			if _, err := tx.Exec(ctx, `UPDATE audit_events SET hash = decode(md5(random()::text), 'hex') WHERE id = $1`, r.id); err != nil {
				return err
			}
		}
		for _, r := range chain[from:] {
			if _, err := tx.Exec(ctx, `UPDATE audit_events SET summary = $2, key_id = $3, prev_hash = $4, hash = $5 WHERE id = $1`,
				r.id, r.summary, r.keyID, r.prev, r.hash); err != nil {
				return err
			}
		}
		last := chain[len(chain)-1]
		if _, err := tx.Exec(ctx, `UPDATE audit_head SET last_id = $1, hash = $2`, last.id, last.hash); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`)
		return err
	})
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

// rehash recomputes the chain from index from on, linking each row to the
// one before it, as an attacker covering an edit would.
func rehash(chain []chainRow, from int, key []byte, keyID string) {
	for i := from; i < len(chain); i++ {
		if i > 0 {
			chain[i].prev = chain[i-1].hash
		}
		chain[i].keyID = keyID
		chain[i].hash = attackerHash(chain[i], key)
	}
}

// keyedStore is a store on a fresh database, audited with the tests' key,
// holding n events.
func keyedStore(t *testing.T, n int) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	pool := testdb.Pool(t)
	st := store.New(pool, store.WithAuditKeys(testdb.AuditKeys()))
	for i := range n {
		ev := store.Actor{Email: "someone@demo.test"}.Event("test.event", "case", i+1, 0, "event "+strconv.Itoa(i+1))
		if err := st.AuditOne(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	return st, pool
}

func verify(t *testing.T, st *store.Store, checkpoints ...store.AuditCheckpoint) store.VerifyResult {
	t.Helper()
	res, err := st.VerifyAudit(context.Background(), checkpoints...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRewritingAnEventAndRehashingWithoutTheKeyFailsVerify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		key   []byte // the attacker's
		keyID func(real string) string
	}{
		{"as plain SHA-256, claiming no key", nil, func(string) string { return "" }},
		{"under a guessed key, claiming the real key's id", bytes.Repeat([]byte{7}, 32), func(real string) string { return real }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, pool := keyedStore(t, 6)
			if res := verify(t, st); res.BrokenID != 0 || res.Checked != 6 {
				t.Fatalf("untouched chain: %+v", res)
			}
			chain := readChain(t, pool)
			const k = 2
			chain[k].summary = "nothing happened"
			rehash(chain, k, tc.key, tc.keyID(chain[0].keyID))
			tamper(t, pool, chain, k)
			if res := verify(t, st); res.BrokenID != chain[k].id {
				t.Fatalf("verify after a rewrite of event %d: %+v", chain[k].id, res)
			}
		})
	}
}

func TestRewritingTheWholeChainAsUnkeyedFailsVerify(t *testing.T) {
	t.Parallel()
	st, pool := keyedStore(t, 4)
	chain := readChain(t, pool)
	chain[1].summary = "nothing happened"
	rehash(chain, 0, nil, "")
	tamper(t, pool, chain, 0)
	if res := verify(t, st); res.BrokenID == 0 {
		t.Fatalf("a chain rewritten from its first event without the key verified: %+v", res)
	}
}

func TestRelinkingAroundADeletedEventFailsVerify(t *testing.T) {
	t.Parallel()
	st, pool := keyedStore(t, 6)
	chain := readChain(t, pool)
	const k = 3
	gone := chain[k].id
	chain = append(chain[:k], chain[k+1:]...)
	rehash(chain, k, nil, chain[0].keyID) // k+1 now links to k-1; forward without the key
	tamper(t, pool, chain, k, gone)
	if res := verify(t, st); res.BrokenID != chain[k].id {
		t.Fatalf("verify after event %d was cut out and its neighbours relinked: %+v", gone, res)
	}
}

func TestVerifyWithAWrongKeyFails(t *testing.T) {
	t.Parallel()
	st, pool := keyedStore(t, 3)
	other, err := store.NewAuditKey(bytes.Repeat([]byte("another key, 32 bytes or longer!"), 1))
	if err != nil {
		t.Fatal(err)
	}
	wrong := store.New(pool, store.WithAuditKeys(store.AuditKeys{Current: other}))
	res := verify(t, wrong)
	if res.BrokenID != readChain(t, pool)[0].id {
		t.Fatalf("verify with a key that did not write the chain: %+v", res)
	}
	if want := readChain(t, pool)[0].keyID; !bytes.Contains([]byte(res.Problem), []byte(want)) {
		t.Errorf("the problem does not name the key id %s that is missing: %q", want, res.Problem)
	}
	if res := verify(t, st); res.BrokenID != 0 {
		t.Fatalf("the right key: %+v", res)
	}
}

func TestACheckpointKeptElsewhereDetectsARewriteBySomeoneWithTheKey(t *testing.T) {
	t.Parallel()
	st, pool := keyedStore(t, 5)
	cp, err := st.AuditCheckpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := store.ParseAuditCheckpoint(cp.String())
	if err != nil || parsed != cp {
		t.Fatalf("checkpoint %q parsed back as %+v, %v", cp.String(), parsed, err)
	}
	for i := range 3 {
		if err := st.AuditOne(context.Background(), store.AuditEvent{Action: "test.later", Summary: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if res := verify(t, st, cp); res.BrokenID != 0 || res.Checked != 8 {
		t.Fatalf("an honest chain against its checkpoint: %+v", res)
	}

	chain := readChain(t, pool)
	chain[1].summary = "nothing happened"
	rehash(chain, 1, testdb.AuditKeySecret(), chain[0].keyID)
	tamper(t, pool, chain, 1)
	if res := verify(t, st); res.BrokenID != 0 {
		t.Fatalf("with the key, a rewrite re-hashes cleanly (so the key alone cannot catch it): %+v", res)
	}
	if res := verify(t, st, cp); res.BrokenID != cp.ID {
		t.Fatalf("the checkpoint did not catch the rewrite: %+v", res)
	}
}

func TestACheckpointDetectsATruncatedChain(t *testing.T) {
	t.Parallel()
	st, pool := keyedStore(t, 5)
	cp, err := st.AuditCheckpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	chain := readChain(t, pool)
	kept := chain[:3]
	tamper(t, pool, kept, len(kept), chain[3].id, chain[4].id)
	if res := verify(t, st); res.BrokenID != 0 {
		t.Fatalf("a cut tail with the head moved back is invisible without a checkpoint: %+v", res)
	}
	if res := verify(t, st, cp); res.BrokenID != cp.ID {
		t.Fatalf("the checkpoint did not catch the truncation: %+v", res)
	}
}

func TestAuditHashKnownAnswer(t *testing.T) {
	e := store.AuditEvent{
		ID: 42, OccurredAt: time.Date(2026, 12, 3, 14, 5, 6, 123456000, time.UTC), ActorID: 7,
		ActorEmail: "inspector@demo.test", Action: "case.due_date.change", ObjectType: "case", ObjectID: "1001",
		ForceID: 12, Summary: "due 2027-01-31 (was 2026-12-31)", RequestID: "req-1", ClientAddr: "192.0.2.1",
		PrevHash: bytes.Repeat([]byte{0xab}, 32),
	}
	key, err := store.NewAuditKey([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	// Computed outside Go (Python's hmac and hashlib) from the encoding
	// documented at hashEvent; a change of encoding must change these.
	const (
		wantKeyID = "655564e3c1e60d92"
		wantKeyed = "5b9ad82f35c8e49388737fd4820eaa82559d0fcef9c075b7367edf9f74dff1e7"
		wantPlain = "82c44d3db327d8c0492ee46a59e91922021faddbefcbb874f56b8f6d76c7abf8"
	)
	if key.ID() != wantKeyID {
		t.Errorf("key id %s, want %s", key.ID(), wantKeyID)
	}
	if got := store.HashEvent(e, store.AuditKey{}); got != wantPlain {
		t.Errorf("unkeyed digest %s, want %s", got, wantPlain)
	}
	e.KeyID = key.ID()
	if got := store.HashEvent(e, key); got != wantKeyed {
		t.Errorf("keyed digest %s, want %s", got, wantKeyed)
	}
}

func TestEventsFromBeforeTheKeyVerifyOnlyAsASealedPrefix(t *testing.T) {
	t.Parallel()
	st, pool := keyedStore(t, 3)
	legacy := readChain(t, pool)
	rehash(legacy, 0, nil, "") // as the chain was before it was keyed
	tamper(t, pool, legacy, 0)
	if res := verify(t, st); res.BrokenID != legacy[2].id {
		t.Fatalf("an unkeyed chain with no keyed event after it verified: %+v", res)
	}
	if err := st.AuditOne(context.Background(), store.AuditEvent{Action: "manual.change", Summary: "audit chain keyed"}); err != nil {
		t.Fatal(err)
	}
	if res := verify(t, st); res.BrokenID != 0 || res.Unkeyed != 3 || res.Checked != 4 {
		t.Fatalf("an unkeyed prefix sealed by a keyed event: %+v", res)
	}
}

func TestAfterRotationTheOldKeyStillVerifiesItsEvents(t *testing.T) {
	t.Parallel()
	first, pool := keyedStore(t, 2)
	old := testdb.AuditKeys().Current
	next, err := store.NewAuditKey([]byte("the next audit key, after rotation, 32+ bytes"))
	if err != nil {
		t.Fatal(err)
	}
	rotated := store.New(pool, store.WithAuditKeys(store.AuditKeys{Current: next, Old: []store.AuditKey{old}}))
	for range 2 {
		if err := rotated.AuditOne(context.Background(), store.AuditEvent{Action: "test.after_rotation"}); err != nil {
			t.Fatal(err)
		}
	}
	chain := readChain(t, pool)
	if chain[1].keyID != old.ID() || chain[2].keyID != next.ID() {
		t.Fatalf("key ids across the rotation: %s then %s", chain[1].keyID, chain[2].keyID)
	}
	if res := verify(t, rotated); res.BrokenID != 0 || res.Checked != 4 {
		t.Fatalf("the rotated store, holding the old key: %+v", res)
	}
	if res := verify(t, first); res.BrokenID != chain[2].id {
		t.Fatalf("a store without the new key: %+v", res)
	}
	forgot := store.New(pool, store.WithAuditKeys(store.AuditKeys{Current: next}))
	if res := verify(t, forgot); res.BrokenID != chain[0].id || !bytes.Contains([]byte(res.Problem), []byte(old.ID())) {
		t.Fatalf("a store that forgot the old key must name it: %+v", res)
	}
}

func TestAStoreWithoutAKeyCannotAppend(t *testing.T) {
	t.Parallel()
	st := store.New(testdb.Pool(t))
	err := st.AuditOne(context.Background(), store.AuditEvent{Action: "test.unkeyed"})
	if !errors.Is(err, store.ErrNoAuditKey) {
		t.Fatalf("append without a key: %v", err)
	}
}

func TestAuditCheckpointParsing(t *testing.T) {
	good := "inspectrack-audit-checkpoint id=42 key=655564e3c1e60d92 hash=" + strings.Repeat("ab", 32)
	if c, err := store.ParseAuditCheckpoint(good); err != nil || c.String() != good {
		t.Fatalf("%q: %+v %v", good, c, err)
	}
	for _, bad := range []string{"", "id=42", good + " extra=1", strings.Replace(good, "id=42", "id=-1", 1),
		strings.Replace(good, "key=655564e3c1e60d92", "key=xyz", 1), good[:len(good)-2], strings.Replace(good, "id=", "di=", 1)} {
		if c, err := store.ParseAuditCheckpoint(bad); err == nil {
			t.Errorf("%q parsed as %+v", bad, c)
		}
	}
}
