// Package store speaks SQL to PostgreSQL through pgx. One file per
// aggregate; each query is a const right above the code that runs it. Every
// query that lists or fetches force data for a liaison is scoped by force in
// the SQL itself, through the Scope a caller passes in.
package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// ErrNotFound is returned when a record does not exist or lies outside the
// caller's scope: the two are deliberately indistinguishable.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a record changed since the caller read it
// (an optimistic-locking version mismatch) or a unique key is taken.
var ErrConflict = errors.New("store: conflict")

// Store holds the pool every query runs on. Methods query through db(),
// so that a Store made by InTx runs them all inside one transaction.
type Store struct {
	pool *pgxpool.Pool
	// assessDays is the INSPECTRACK_ASSESS_DAYS the dashboard's items were
	// last made to count (0: not checked yet); see syncAssessDays.
	assessDays atomic.Int64
	tx         pgx.Tx    // set by InTx
	keys       AuditKeys // the audit chain's; see WithAuditKeys
	// jobs inserts River jobs (messages) in a change's transaction; it
	// works none: serve's worker client does (internal/jobs).
	jobs *river.Client[pgx.Tx]
}

// dbConn is what a pool and a transaction both offer.
type dbConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// db is where queries run: the transaction of InTx, else the pool.
func (s *Store) db() dbConn {
	if s.tx != nil {
		return s.tx
	}
	return s.pool
}

// InTx runs fn with a Store whose methods all run inside one transaction,
// their own transactions becoming savepoints: for bulk work such as
// seeding, where a commit per change would cost a disk flush each.
func (s *Store) InTx(ctx context.Context, fn func(*Store) error) error {
	return pgx.BeginFunc(ctx, s.db(), func(tx pgx.Tx) error {
		return fn(&Store{pool: s.pool, tx: tx, keys: s.keys, jobs: s.jobs})
	})
}

// New returns a Store on pool.
func New(pool *pgxpool.Pool, opts ...Option) *Store {
	s := &Store{pool: pool}
	// An insert-only client: no queues, no workers, nothing started.
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		panic("store: river client: " + err.Error()) // only for a config River refuses, which this is not
	}
	s.jobs = jobs
	for _, o := range opts {
		o(s)
	}
	return s
}

// DataVersion returns the data version: a number the database moves in
// the transaction of every change to a table a page reads, whoever makes
// it (migration 000020). The read cache files what it reads under it
// (internal/readcache); read it before the data it files.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db().QueryRow(ctx, `SELECT version FROM data_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: data version: %w", err)
	}
	return v, nil
}

// Pool exposes the pool for health checks.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Scope limits what a query may see. The zero Scope sees every force; a
// liaison's Scope carries their force and every force-data query adds
// `AND ($n::bigint IS NULL OR force_id = $n)` with ForceArg.
type Scope struct {
	ForceID int64 // 0: all forces
}

// ForceArg is the query argument that scopes by force: nil for all forces.
func (sc Scope) ForceArg() any {
	if sc.ForceID == 0 {
		return nil
	}
	return sc.ForceID
}

// Tx runs fn in a transaction, committing when fn returns nil. Audit events
// written through the same tx commit or roll back with the change: the tx
// carries the Store's audit key to Audit.
func (s *Store) Tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.db(), func(tx pgx.Tx) error {
		return fn(auditTx{Tx: tx, key: s.keys.Current})
	})
}

// notFound maps pgx's no-rows error to ErrNotFound, wrapping with where.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrNotFound)
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
}

// isUniqueViolation reports a unique constraint violation, optionally of
// the named constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" &&
		(constraint == "" || pgErr.ConstraintName == constraint)
}
