package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEvent is one entry of the append-only, hash-chained audit trail.
type AuditEvent struct {
	ID         int64
	OccurredAt time.Time
	ActorID    int64 // 0: anonymous or the system
	ActorEmail string
	Action     string // e.g. "login.success", "case.due_date.change"
	ObjectType string
	ObjectID   string
	ForceID    int64  // 0: not about one force
	Summary    string // short before/after description
	RequestID  string
	ClientAddr string
	KeyID      string // the AuditKey that keyed Hash; "": plain SHA-256, from before the chain was keyed
	PrevHash   []byte
	Hash       []byte
}

// Actor says who is acting and from where; handlers build it from the
// request and the signed-in user, and every audited store method takes it.
type Actor struct {
	UserID     int64
	Email      string
	Role       string
	ForceID    int64
	RequestID  string
	ClientAddr string
}

// Event starts an audit event of actor doing action to an object.
func (a Actor) Event(action, objectType string, objectID any, forceID int64, summary string) AuditEvent {
	return AuditEvent{
		ActorID: a.UserID, ActorEmail: a.Email, Action: action,
		ObjectType: objectType, ObjectID: fmt.Sprint(objectID), ForceID: forceID,
		Summary: summary, RequestID: a.RequestID, ClientAddr: a.ClientAddr,
	}
}

// hashEvent is the chain: HMAC-SHA-256 under key over the previous hash,
// every field of the event and the key's id, each length-prefixed (8 bytes,
// big-endian) so no two events encode alike. Events from before the chain
// was keyed (the zero key, KeyID "") have plain SHA-256 over the same fields
// without the key id. TestAuditHashKnownAnswer pins both.
func hashEvent(e AuditEvent, key AuditKey) []byte {
	return newChainHasher(key).sum(e)
}

// chainHasher computes hashEvent again and again under one key, reusing
// its buffer and HMAC state: the bench seed hashes a million events.
type chainHasher struct {
	key AuditKey
	mac hash.Hash
	b   bytes.Buffer
}

func newChainHasher(key AuditKey) *chainHasher {
	h := &chainHasher{key: key}
	if key.secret != nil {
		h.mac = hmac.New(sha256.New, key.secret)
	}
	return h
}

func (h *chainHasher) sum(e AuditEvent) []byte {
	h.b.Reset()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.b.Write(n[:])
		h.b.WriteString(s)
	}
	field(string(e.PrevHash))
	field(strconv.FormatInt(e.ID, 10))
	field(e.OccurredAt.UTC().Format(time.RFC3339Nano))
	field(strconv.FormatInt(e.ActorID, 10))
	field(e.ActorEmail)
	field(e.Action)
	field(e.ObjectType)
	field(e.ObjectID)
	field(strconv.FormatInt(e.ForceID, 10))
	field(e.Summary)
	field(e.RequestID)
	field(e.ClientAddr)
	if h.mac == nil {
		sum := sha256.Sum256(h.b.Bytes())
		return sum[:]
	}
	field(e.KeyID)
	h.mac.Reset()
	h.mac.Write(h.b.Bytes())
	return h.mac.Sum(nil)
}

// Audit appends e to the trail inside tx, so the event commits or rolls
// back with the change it records. Appending locks the chain's head row:
// concurrent writers extend the chain one at a time.
//
// tx must be one that Store.Tx (or a Store of InTx) passed in: it carries
// the Store's current audit key. Any other transaction is refused with
// ErrNoAuditKey.
func Audit(ctx context.Context, tx pgx.Tx, e AuditEvent) error {
	at, ok := tx.(auditTx)
	if !ok {
		return fmt.Errorf("store: audit %s: a transaction no Store opened: %w", e.Action, ErrNoAuditKey)
	}
	return AuditWith(ctx, at.Tx, at.key, e)
}

// AuditWith is Audit with the key given, for code that holds a transaction
// but no Store (testdb's fixtures).
func AuditWith(ctx context.Context, tx pgx.Tx, key AuditKey, e AuditEvent) error {
	if key.secret == nil {
		return fmt.Errorf("store: audit %s: %w", e.Action, ErrNoAuditKey)
	}
	const lockHead = `SELECT last_id, hash FROM audit_head FOR UPDATE`
	var lastID int64
	if err := tx.QueryRow(ctx, lockHead).Scan(&lastID, &e.PrevHash); err != nil {
		return fmt.Errorf("store: audit %s: lock head: %w", e.Action, err)
	}
	const nextID = `SELECT nextval(pg_get_serial_sequence('audit_events', 'id'))`
	if err := tx.QueryRow(ctx, nextID).Scan(&e.ID); err != nil {
		return fmt.Errorf("store: audit %s: id: %w", e.Action, err)
	}
	// PostgreSQL keeps microseconds; hash what will be read back.
	e.OccurredAt = time.Now().UTC().Truncate(time.Microsecond)
	e.KeyID = key.id
	e.Hash = hashEvent(e, key)
	const insert = `
		INSERT INTO audit_events (id, occurred_at, actor_id, actor_email, action, object_type,
			object_id, force_id, summary, request_id, client_addr, key_id, prev_hash, hash)
		OVERRIDING SYSTEM VALUE
		VALUES ($1, $2, NULLIF($3, 0), $4, $5, $6, $7, NULLIF($8, 0), $9, $10, $11, $12, $13, $14)`
	if _, err := tx.Exec(ctx, insert, e.ID, e.OccurredAt, e.ActorID, e.ActorEmail, e.Action,
		e.ObjectType, e.ObjectID, e.ForceID, e.Summary, e.RequestID, e.ClientAddr, e.KeyID, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("store: audit %s: insert: %w", e.Action, err)
	}
	const moveHead = `UPDATE audit_head SET last_id = $1, hash = $2`
	if _, err := tx.Exec(ctx, moveHead, e.ID, e.Hash); err != nil {
		return fmt.Errorf("store: audit %s: move head: %w", e.Action, err)
	}
	return nil
}

// AuditOne records an event that stands alone (a sign-in, a denial) in its
// own transaction.
func (s *Store) AuditOne(ctx context.Context, e AuditEvent) error {
	return s.Tx(ctx, func(tx pgx.Tx) error { return Audit(ctx, tx, e) })
}

// VerifyResult is what walking the audit chain found.
type VerifyResult struct {
	Checked  int64
	BrokenID int64 // 0 when the chain is whole
	Problem  string
	Unkeyed  int64           // events from before the chain was keyed, all at its start
	Last     AuditCheckpoint // the newest event checked
}

// VerifyAudit walks the whole chain in id order, recomputing every hash
// with the Store's keys (current and old), and reports the first event
// whose stored hash or link does not match, or that differs from one of
// checkpoints, or a checkpoint the chain no longer reaches.
//
// Events without a key (from before the chain was keyed) are accepted only
// as a prefix sealed by a keyed event after them: an unkeyed event after a
// keyed one, or an unkeyed newest event, is reported.
//
// It reads one snapshot (repeatable read), so events appended while it runs
// neither break nor extend what it checks, and lifts the statement timeout:
// at national scale the walk takes longer than any page query may.
func (s *Store) VerifyAudit(ctx context.Context, checkpoints ...AuditCheckpoint) (res VerifyResult, err error) {
	tx, err := s.db().Begin(ctx)
	if err != nil {
		return res, fmt.Errorf("store: verify audit: %w", err)
	}
	defer tx.Rollback(ctx)
	for _, q := range []string{`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`, `SET LOCAL statement_timeout = 0`} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return res, fmt.Errorf("store: verify audit: %w", err)
		}
	}
	pinned := map[int64]AuditCheckpoint{}
	for _, c := range checkpoints {
		pinned[c.ID] = c
	}
	const q = `
		SELECT id, occurred_at, COALESCE(actor_id, 0), actor_email, action, object_type, object_id,
			COALESCE(force_id, 0), summary, request_id, client_addr, key_id, prev_hash, hash
		FROM audit_events ORDER BY id`
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return res, fmt.Errorf("store: verify audit: %w", err)
	}
	defer rows.Close()
	prev := make([]byte, sha256.Size)
	keyed := false
	hashers := map[string]*chainHasher{} // by key id; reused, as the walk may be a million events long
	var e AuditEvent
	for rows.Next() {
		if err := rows.Scan(&e.ID, &e.OccurredAt, &e.ActorID, &e.ActorEmail, &e.Action, &e.ObjectType,
			&e.ObjectID, &e.ForceID, &e.Summary, &e.RequestID, &e.ClientAddr, &e.KeyID, &e.PrevHash, &e.Hash); err != nil {
			return res, fmt.Errorf("store: verify audit: scan: %w", err)
		}
		res.Checked++
		key, known := s.keys.byID(e.KeyID)
		h := hashers[key.id]
		if h == nil {
			h = newChainHasher(key)
			hashers[key.id] = h
		}
		cp, isPinned := pinned[e.ID]
		switch {
		case !bytes.Equal(e.PrevHash, prev):
			res.Problem = fmt.Sprintf("event %d does not link to the event before it (a row was removed or re-linked)", e.ID)
		case e.KeyID == "" && keyed:
			res.Problem = fmt.Sprintf("event %d carries no key although events before it do: it was written or re-hashed without the key", e.ID)
		case e.KeyID != "" && !known:
			res.Problem = fmt.Sprintf("events from %d on were keyed with key %s, which is not among the keys given (the current one and the old ones): give it to verify them", e.ID, e.KeyID)
		case !hmac.Equal(h.sum(e), e.Hash):
			res.Problem = fmt.Sprintf("event %d was altered: its content no longer matches its hash %s", e.ID, hex.EncodeToString(e.Hash)[:16])
		case isPinned && (cp.KeyID != e.KeyID || cp.Hash != hex.EncodeToString(e.Hash)):
			res.Problem = fmt.Sprintf("event %d differs from the checkpoint kept of it: the trail up to it was rewritten", e.ID)
		}
		if res.Problem != "" {
			res.BrokenID = e.ID
			return res, nil
		}
		delete(pinned, e.ID)
		if e.KeyID == "" {
			res.Unkeyed++
		}
		keyed = keyed || e.KeyID != ""
		prev = e.Hash
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("store: verify audit: %w", err)
	}
	res.Last = AuditCheckpoint{ID: e.ID, KeyID: e.KeyID, Hash: hex.EncodeToString(e.Hash)}
	for id := range pinned {
		res.BrokenID = id
		res.Problem = fmt.Sprintf("the checkpoint kept of event %d is not in the trail, which ends at event %d: the chain was cut short", id, e.ID)
		return res, nil
	}
	if res.Checked > 0 && !keyed {
		res.BrokenID = e.ID
		res.Problem = fmt.Sprintf("no event carries a key, up to the newest (%d): nothing seals the chain against a rewrite; append one with the key (inspectrack audit note) and verify again", e.ID)
		return res, nil
	}
	const head = `SELECT last_id, hash FROM audit_head`
	var lastID int64
	var headHash []byte
	if err := tx.QueryRow(ctx, head).Scan(&lastID, &headHash); err != nil {
		return res, fmt.Errorf("store: verify audit: head: %w", err)
	}
	if !bytes.Equal(headHash, prev) {
		res.BrokenID, res.Problem = lastID, fmt.Sprintf("the newest events are missing: the chain's head is event %d but the table ends earlier", lastID)
	}
	return res, nil
}

// AuditCheckpoint verifies the chain and returns a checkpoint of its
// newest event, to be kept outside the database.
func (s *Store) AuditCheckpoint(ctx context.Context) (AuditCheckpoint, error) {
	res, err := s.VerifyAudit(ctx)
	if err != nil {
		return AuditCheckpoint{}, err
	}
	if res.BrokenID != 0 {
		return AuditCheckpoint{}, fmt.Errorf("store: audit checkpoint: the chain is broken at event %d: %s", res.BrokenID, res.Problem)
	}
	if res.Checked == 0 {
		return AuditCheckpoint{}, errors.New("store: audit checkpoint: the trail is empty")
	}
	return res.Last, nil
}

// AuditFilter selects events for the audit pages.
type AuditFilter struct {
	ActorID    int64
	ObjectType string
	ObjectID   string
	Limit      int
	BeforeID   int64 // page backwards from here; 0: newest
}

// ListAudit returns events newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	const q = `
		SELECT id, occurred_at, COALESCE(actor_id, 0), actor_email, action, object_type, object_id,
			COALESCE(force_id, 0), summary, request_id, client_addr
		FROM audit_events
		WHERE ($1::bigint = 0 OR actor_id = $1)
		  AND ($2 = '' OR object_type = $2)
		  AND ($3 = '' OR object_id = $3)
		  AND ($4::bigint = 0 OR id < $4)
		ORDER BY id DESC
		LIMIT $5`
	rows, err := s.db().Query(ctx, q, f.ActorID, f.ObjectType, f.ObjectID, f.BeforeID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEvent, error) {
		var e AuditEvent
		err := r.Scan(&e.ID, &e.OccurredAt, &e.ActorID, &e.ActorEmail, &e.Action, &e.ObjectType,
			&e.ObjectID, &e.ForceID, &e.Summary, &e.RequestID, &e.ClientAddr)
		return e, err
	})
}
