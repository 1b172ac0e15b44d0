package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"inspectrack/internal/config"
	"inspectrack/internal/database"
	"inspectrack/internal/pgembed"
	"inspectrack/internal/store"
)

// env is what every command works with: its settings, logger and database.
type env struct {
	cfg     config.Config
	log     *slog.Logger
	connStr string
	cluster *pgembed.Cluster
	pool    *pgxpool.Pool
	store   *store.Store
}

// loadConfig parses the command's flags over the environment. extra adds
// the command's own flags before parsing.
func loadConfig(name string, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("inspectrack "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if extra != nil {
		extra(fs)
	}
	cfg, err := config.Load(getenv, fs, args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		err = usageError{err}
	}
	return cfg, fs, err
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// open connects to DATABASE_URL, or starts the embedded cluster when there
// is none. close undoes it.
func open(ctx context.Context, cfg config.Config, log *slog.Logger) (*env, error) {
	e := &env{cfg: cfg, log: log, connStr: cfg.DatabaseURL}
	if e.connStr == "" {
		dir := filepath.Join(cfg.DataDir, "postgres")
		log.Info("no DATABASE_URL: starting the embedded PostgreSQL cluster", "dir", dir)
		c, err := pgembed.Start(ctx, pgembed.Options{Dir: dir, Logger: log})
		if errors.Is(err, pgembed.ErrInUse) {
			// `make run` is serving from it: a command beside it (user otp,
			// audit verify) uses that server, and leaves it running.
			conn, rerr := pgembed.RunningConnString(ctx, dir, "inspectrack")
			if rerr != nil {
				return nil, errors.Join(err, rerr)
			}
			log.Info("the embedded PostgreSQL cluster is already running: using it", "dir", dir)
			e.connStr = conn
			return e, nil
		}
		if err != nil {
			return nil, err
		}
		e.cluster = c
		if err := c.EnsureDatabase(ctx, "inspectrack"); err != nil {
			e.close()
			return nil, err
		}
		e.connStr = c.ConnString("inspectrack")
	}
	return e, nil
}

// connect opens the pool (after migrations, which use their own
// connection), with a store holding the audit chain's keys.
func (e *env) connect(ctx context.Context) error {
	keys, err := auditKeys(e.cfg)
	if err != nil {
		return err
	}
	pool, err := database.Connect(ctx, e.connStr)
	if err != nil {
		return err
	}
	e.pool, e.store = pool, store.New(pool, store.WithAuditKeys(keys))
	return nil
}

// auditKeys reads the audit chain's keys the configuration names (see
// config.AuditKeys), generating the embedded default's key file if need be.
func auditKeys(cfg config.Config) (store.AuditKeys, error) {
	cur, old, err := cfg.AuditKeys()
	if err != nil {
		return store.AuditKeys{}, err
	}
	var ks store.AuditKeys
	if ks.Current, err = store.NewAuditKey(cur); err != nil {
		return ks, err
	}
	for _, o := range old {
		k, err := store.NewAuditKey(o)
		if err != nil {
			return ks, err
		}
		ks.Old = append(ks.Old, k)
	}
	return ks, nil
}

// migrateUp applies pending migrations; a dirty schema stops everything.
func (e *env) migrateUp() error {
	m, err := database.NewMigrator(e.connStr)
	if err != nil {
		return err
	}
	defer m.Close()
	before, _, err := m.Version()
	if err != nil {
		return err
	}
	if err := m.Up(); err != nil {
		return err
	}
	after, _, err := m.Version()
	if err != nil {
		return err
	}
	if after != before {
		e.log.Info("database migrated", "from", before, "to", after)
	}
	return nil
}

// checkSchema refuses a dirty schema when serving without migrating.
func (e *env) checkSchema() error {
	m, err := database.NewMigrator(e.connStr)
	if err != nil {
		return err
	}
	defer m.Close()
	return m.CheckClean()
}

func (e *env) close() {
	if e.pool != nil {
		e.pool.Close()
	}
	if e.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := e.cluster.Stop(ctx); err != nil {
			e.log.Error("stop embedded PostgreSQL", "err", err)
		}
	}
}
