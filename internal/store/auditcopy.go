package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// CopyAuditEvents appends n audit events, event(0) to event(n-1), in that
// order, to the hash chain in one transaction, streaming them to COPY as
// their hashes are computed: the bench data set's million events in
// seconds. event gives what happened; the id, key and hashes are the
// store's. The events must be in time order.
func (s *Store) CopyAuditEvents(ctx context.Context, n int, event func(i int) AuditEvent) error {
	return s.Tx(ctx, func(tx pgx.Tx) error {
		var lastID int64
		var prev []byte
		if err := tx.QueryRow(ctx, `SELECT last_id, hash FROM audit_head FOR UPDATE`).Scan(&lastID, &prev); err != nil {
			return fmt.Errorf("store: copy audit: %w", err)
		}
		var first int64
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('audit_events', 'id'))`).Scan(&first); err != nil {
			return fmt.Errorf("store: copy audit: %w", err)
		}
		key := s.keys.Current
		if key.secret == nil {
			return fmt.Errorf("store: copy audit: %w", ErrNoAuditKey)
		}
		src := &auditCopyRows{n: n, event: event, first: first, prev: prev, key: key, hasher: newChainHasher(key)}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_events"}, []string{"id", "occurred_at", "actor_id",
			"actor_email", "action", "object_type", "object_id", "force_id", "summary", "request_id", "client_addr",
			"key_id", "prev_hash", "hash"}, src); err != nil {
			return fmt.Errorf("store: copy audit: %w", err)
		}
		last := first + int64(n) - 1
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('audit_events', 'id'), $1)`, last); err != nil {
			return fmt.Errorf("store: copy audit: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE audit_head SET last_id = $1, hash = $2`, last, src.prev); err != nil {
			return fmt.Errorf("store: copy audit: %w", err)
		}
		return nil
	})
}

// auditCopyRows feeds COPY one event at a time, chaining each hash to the
// one before.
type auditCopyRows struct {
	n      int
	event  func(i int) AuditEvent
	i      int
	first  int64
	prev   []byte
	key    AuditKey
	hasher *chainHasher
	row    []any
}

func (b *auditCopyRows) Next() bool {
	if b.i >= b.n {
		return false
	}
	e := b.event(b.i)
	e.ID, e.KeyID, e.PrevHash = b.first+int64(b.i), b.key.id, b.prev
	e.OccurredAt = e.OccurredAt.UTC().Truncate(time.Microsecond)
	e.Hash = b.hasher.sum(e)
	b.prev = e.Hash
	b.row = []any{e.ID, e.OccurredAt, e.ActorID, e.ActorEmail, e.Action, e.ObjectType, e.ObjectID, e.ForceID,
		e.Summary, e.RequestID, e.ClientAddr, e.KeyID, e.PrevHash, e.Hash}
	b.i++
	return true
}

func (b *auditCopyRows) Values() ([]any, error) { return b.row, nil }

func (b *auditCopyRows) Err() error { return nil }
