// Package database connects to PostgreSQL and migrates its schema.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"inspectrack/migrations"
)

// StatementTimeout bounds every query, so a stuck query answers an error
// instead of holding a request (and a connection) forever.
const StatementTimeout = 10 * time.Second

// Connect opens a pool on connString (a URL or keyword/value string),
// each statement bounded by StatementTimeout. It does not wait for the
// server: a pool that starts while the database is down reconnects by
// itself once it is back.
func Connect(ctx context.Context, connString string) (*pgxpool.Pool, error) {
	return ConnectWithTimeout(ctx, connString, StatementTimeout)
}

// ConnectWithTimeout is Connect with statements bounded by timeout
// instead (0: unbounded, for building a data set of a million rows).
func ConnectWithTimeout(ctx context.Context, connString string, timeout time.Duration) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("database: parse connection string: %w", err)
	}
	cfg.ConnConfig.ConnectTimeout = 3 * time.Second
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(timeout.Milliseconds())
	cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = "60000"
	cfg.ConnConfig.RuntimeParams["application_name"] = "inspectrack"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// PostgreSQL's JIT compiles a plan it guesses costly before running
	// it: on the national data set that was half of /plans' 1.4 s (715 ms
	// compiling 71 functions), never paid back by a page's queries.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.HealthCheckPeriod = 15 * time.Second
	// A connection that broke while the server restarted is found here,
	// before a request gets it.
	cfg.PrepareConn = func(ctx context.Context, c *pgx.Conn) (bool, error) {
		return !c.IsClosed(), nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: open pool: %w", err)
	}
	return pool, nil
}

// IsUnavailable reports whether err means the database could not be
// reached or went away, as opposed to a query that is wrong: the first
// answers 503, the second 500.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr):
		return true
	case errors.As(err, &pgErr):
		// Class 08: connection exception; 57P01..57P03: admin shutdown,
		// crash shutdown, cannot connect now (starting up).
		return pgErr.Code[:2] == "08" || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	case pgconn.SafeToRetry(err), pgconn.Timeout(err):
		return true
	}
	return false
}

// Migrator runs the embedded migrations under golang-migrate's advisory
// lock, so several instances starting at once migrate exactly once.
type Migrator struct {
	m    *migrate.Migrate
	db   *sql.DB
	conn string
}

// ErrDirty is returned when an earlier migration failed half-way.
var ErrDirty = errors.New("database: the schema is dirty")

// NewMigrator connects a migrator to connString.
func NewMigrator(connString string) (*Migrator, error) {
	cc, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("database: parse connection string: %w", err)
	}
	db := stdlib.OpenDB(*cc)
	driver, err := migratepgx.WithInstance(db, &migratepgx.Config{StatementTimeout: 5 * time.Minute})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("database: migration driver: %w", err)
	}
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("database: migration files: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("database: migrator: %w", err)
	}
	return &Migrator{m: m, db: db, conn: connString}, nil
}

// Close releases the migrator's connection.
func (m *Migrator) Close() error {
	srcErr, dbErr := m.m.Close()
	return errors.Join(srcErr, dbErr)
}

// Version reports the schema version and whether it is dirty; version 0
// means nothing has been applied.
func (m *Migrator) Version() (uint, bool, error) {
	v, dirty, err := m.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("database: schema version: %w", err)
	}
	return v, dirty, nil
}

// Up applies every pending migration. A dirty schema is never forced: the
// operator must look at it and run `inspectrack migrate force V`.
func (m *Migrator) Up() error {
	if err := m.CheckClean(); err != nil {
		return err
	}
	if err := m.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("database: migrate up: %w", err)
	}
	return m.river(rivermigrate.DirectionUp)
}

// RiverFrom is the first of our migrations the job queue's tables
// (River's, made by its own migrator) go with: migrating up runs River's
// migrations after ours, migrating down below it removes River's tables.
const RiverFrom = 15

// river migrates River's tables (river_job, river_leader, ...) up to the
// version this build's River wants, or all the way down, under an
// advisory lock, so instances starting at once run them once. River's
// migrations run one transaction each (one adds an enum value that a later
// statement of the same migration set uses).
func (m *Migrator) river(dir rivermigrate.Direction) error {
	ctx := context.Background()
	lock, err := pgx.Connect(ctx, m.conn)
	if err != nil {
		return fmt.Errorf("database: river migrations: %w", err)
	}
	defer lock.Close(ctx)
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_lock(7436529015)`); err != nil {
		return fmt.Errorf("database: river migrations: lock: %w", err)
	}
	defer lock.Exec(ctx, `SELECT pg_advisory_unlock(7436529015)`)
	if dir == rivermigrate.DirectionDown {
		var exists bool
		if err := lock.QueryRow(ctx, `SELECT to_regclass('river_migration') IS NOT NULL`).Scan(&exists); err != nil || !exists {
			return err
		}
	}
	cfg, err := pgxpool.ParseConfig(m.conn)
	if err != nil {
		return fmt.Errorf("database: river migrations: %w", err)
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("database: river migrations: %w", err)
	}
	defer pool.Close()
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("database: river migrator: %w", err)
	}
	opts := &rivermigrate.MigrateOpts{}
	if dir == rivermigrate.DirectionDown {
		opts.TargetVersion = -1
	}
	if _, err := migrator.Migrate(ctx, dir, opts); err != nil {
		return fmt.Errorf("database: river migrations %s: %w", dir, err)
	}
	return nil
}

// Down rolls back n migrations.
func (m *Migrator) Down(n int) error {
	if n <= 0 {
		return fmt.Errorf("database: migrate down: want a positive number of steps, got %d", n)
	}
	if err := m.CheckClean(); err != nil {
		return err
	}
	before, _, err := m.Version()
	if err != nil {
		return err
	}
	if err := m.m.Steps(-n); err != nil {
		return fmt.Errorf("database: migrate down %d: %w", n, err)
	}
	after, _, err := m.Version()
	if err != nil {
		return err
	}
	if before >= RiverFrom && after < RiverFrom {
		return m.river(rivermigrate.DirectionDown)
	}
	return nil
}

// Force records version v as applied and clean, without running anything:
// the repair after a failed migration has been fixed by hand.
func (m *Migrator) Force(v int) error {
	if err := m.m.Force(v); err != nil {
		return fmt.Errorf("database: force version %d: %w", v, err)
	}
	return nil
}

// CheckClean returns ErrDirty, with how to repair it, when an earlier
// migration failed part-way.
func (m *Migrator) CheckClean() error {
	v, dirty, err := m.Version()
	if err != nil {
		return err
	}
	if dirty {
		return fmt.Errorf("%w at version %d: a migration failed part-way. Inspect the database, repair it by hand, then run `inspectrack migrate force %d` (if the failed migration is fully undone, force %d)", ErrDirty, v, v, v-1)
	}
	return nil
}
