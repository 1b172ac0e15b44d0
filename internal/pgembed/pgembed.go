// Package pgembed runs a private PostgreSQL cluster from the server binaries installed on the
// machine, so the portal works without DATABASE_URL.
//
// The cluster lives in one folder (Options.Dir):
//
//	<Dir>/pgembed.lock        flock held by the Go process for the Cluster's lifetime (holds its pid)
//	<Dir>/data/               the PostgreSQL data directory (PGDATA), created by initdb on first use
//	<Dir>/socket/             the Unix socket folder (0700); the only way in, no TCP
//	<Dir>/log/postgresql.log  the server log
//
// When the process runs as root, every cluster command runs as the unprivileged system user
// SystemUser, because initdb and postgres refuse to run as root.
package pgembed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// SuperUser is the PostgreSQL superuser that initdb creates; ConnString connects as it.
	SuperUser = "inspectrack"
	// DefaultDatabase is the database Start creates once in a new cluster.
	DefaultDatabase = "inspectrack"
	// SystemUser is the operating-system user the cluster runs as when the process is root.
	SystemUser = "inspectrack-pg"
	// Port is the port number of the cluster. Nothing listens on TCP: the number only names
	// the socket file (.s.PGSQL.5432) in the cluster's private socket folder.
	Port = 5432
	// DefaultStartTimeout bounds how long Start waits for the server to accept connections.
	DefaultStartTimeout = 60 * time.Second
)

// Names inside the cluster folder.
const (
	lockName     = "pgembed.lock"
	dataSubdir   = "data"
	initdbSubdir = "data.initdb" // initdb works here, then it is renamed to data
	socketSubdir = "socket"
	logSubdir    = "log"
	logName      = "postgresql.log"
	confName     = "pgembed.conf"
)

var (
	// ErrNoServerBinaries means initdb, pg_ctl and postgres were not found. Start wraps it
	// in an error that names the package to install and says that DATABASE_URL is the
	// alternative.
	ErrNoServerBinaries = errors.New("pgembed: no PostgreSQL server binaries (initdb, pg_ctl, postgres) found")

	// ErrInUse means another live process holds the cluster folder (its lock file is locked).
	ErrInUse = errors.New("pgembed: cluster folder is in use by another process")
)

// Options configures Start.
type Options struct {
	// Dir is the cluster folder, e.g. ".data/postgres". It is created if missing; the data in
	// it is kept between runs.
	Dir string
	// Logger receives progress and warnings. Required.
	Logger *slog.Logger
	// BinDir, when set, is the folder whose initdb, pg_ctl and postgres are used instead of
	// searching the machine (see FindBinaries).
	BinDir string
	// StartTimeout bounds the wait for the server to accept connections; zero means
	// DefaultStartTimeout.
	StartTimeout time.Duration
}

// Cluster is a running private PostgreSQL server. Stop it with Stop.
type Cluster struct {
	log          *slog.Logger
	dir          string // absolute, symlinks resolved
	dataDir      string
	socketDir    string
	tmpSocketDir bool // socketDir is a short folder under /tmp, removed by Stop
	logFile      string
	binDir       string
	version      string // major version of the binaries, e.g. "15"
	clusterName  string // cluster_name setting: marks this cluster's processes in ps
	owner        owner
	lock         *dirLock

	mu      sync.Mutex
	pid     int
	stopped bool
}

// Start starts the cluster in opts.Dir, creating it with initdb on first use, and returns when
// the server accepts connections and DefaultDatabase exists. A server left running by a killed
// earlier run is stopped first, and stale lock files of a crashed server are removed; data is
// never deleted. If another live process holds the folder, Start returns an error wrapping
// ErrInUse; without server binaries, one wrapping ErrNoServerBinaries.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Logger == nil {
		return nil, errors.New("pgembed: Options.Logger is required")
	}
	if opts.Dir == "" {
		return nil, errors.New("pgembed: Options.Dir is required")
	}
	startTimeout := opts.StartTimeout
	if startTimeout <= 0 {
		startTimeout = DefaultStartTimeout
	}
	begun := time.Now()

	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgembed: cluster folder %q: %w", opts.Dir, err)
	}
	if err := checkPathChars(dir); err != nil {
		return nil, err
	}
	binDir, version, err := chooseBinaries(ctx, opts.BinDir, filepath.Join(dir, dataSubdir))
	if err != nil {
		return nil, err
	}
	own, err := clusterOwner(ctx, opts.Logger)
	if err != nil {
		return nil, err
	}
	if err := makeClusterDir(dir, own); err != nil {
		return nil, err
	}
	if resolved, err := filepath.EvalSymlinks(dir); err == nil {
		dir = resolved // /proc shows the server's working folder with symlinks resolved
	}
	if err := checkPathChars(dir); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}

	c := &Cluster{
		log:         opts.Logger,
		dir:         dir,
		dataDir:     filepath.Join(dir, dataSubdir),
		logFile:     filepath.Join(dir, logSubdir, logName),
		binDir:      binDir,
		version:     version,
		clusterName: clusterName(dir),
		owner:       own,
		lock:        lock,
	}
	ok := false
	defer func() {
		if !ok {
			c.release()
		}
	}()

	if err := c.prepareFolders(); err != nil {
		return nil, err
	}
	if err := c.recoverFromEarlierRun(ctx); err != nil {
		return nil, err
	}
	if err := c.initdb(ctx); err != nil {
		return nil, err
	}
	if err := c.writeConfig(); err != nil {
		return nil, err
	}
	c.rotateLog()
	if err := c.startServer(ctx, startTimeout); err != nil {
		if stopErr := c.shutdown(context.WithoutCancel(ctx)); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
		return nil, err
	}
	if err := c.EnsureDatabase(ctx, DefaultDatabase); err != nil {
		if stopErr := c.shutdown(context.WithoutCancel(ctx)); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
		return nil, err
	}
	ok = true
	c.log.Info("pgembed: PostgreSQL started",
		"version", c.version, "data", c.dataDir, "socket", c.socketDir, "pid", c.pid,
		"bin", c.binDir, "took", time.Since(begun).Round(time.Millisecond))
	return c, nil
}

// Stop shuts the server down and releases the cluster folder. It asks for a fast shutdown
// (pg_ctl stop -m fast) and waits up to 30 s, or until ctx's deadline if that is sooner (but at
// least 2 s); then it escalates to an immediate shutdown and finally to SIGKILL, so that when it
// returns nil no postgres process of this cluster remains. Calling Stop again does nothing.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	if c.pid > 0 && !processAlive(c.pid) {
		c.log.Warn("pgembed: the PostgreSQL server had already exited before Stop; see its log",
			"pid", c.pid, "log", c.logFile)
	}
	if err := c.shutdown(ctx); err != nil {
		return err // keep the folder locked: a server may still be running
	}
	c.release()
	c.stopped = true
	c.log.Info("pgembed: PostgreSQL stopped", "data", c.dataDir)
	return nil
}

// release drops the folder lock and the short socket folder under /tmp, if one was used.
func (c *Cluster) release() {
	if c.tmpSocketDir && c.socketDir != "" {
		// Empty once the server has stopped; Remove refuses a folder that is not.
		_ = os.Remove(c.socketDir)
	}
	c.lock.release()
}

// ConnString returns a pgx keyword/value connection string for database dbname, over the
// cluster's Unix socket, as SuperUser.
func (c *Cluster) ConnString(dbname string) string { return connString(c.socketDir, Port, dbname) }

// connString is the keyword/value connection string for database dbname over the Unix socket
// in socketDir at port, as SuperUser.
func connString(socketDir string, port int, dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		quoteConnValue(socketDir), port, quoteConnValue(SuperUser), quoteConnValue(dbname))
}

// EnsureDatabase creates database name unless it exists.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		return fmt.Errorf("pgembed: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	const existsSQL = `select exists (select 1 from pg_database where datname = $1)`
	var exists bool
	if err := conn.QueryRow(ctx, existsSQL, name).Scan(&exists); err != nil {
		return fmt.Errorf("pgembed: database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "create database "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created meanwhile
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgembed: create database %q: %w", name, err)
	}
	c.log.Info("pgembed: created database", "name", name)
	return nil
}

// DataDir returns the PostgreSQL data directory (PGDATA) of the cluster.
func (c *Cluster) DataDir() string { return c.dataDir }

// quoteConnValue quotes a keyword/value connection string value when it needs it.
func quoteConnValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r\\'") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}

// checkPathChars refuses folder names that pg_ctl cannot pass through its shell command line
// (it wraps paths in double quotes) or that would break the configuration file.
func checkPathChars(dir string) error {
	if i := strings.IndexAny(dir, "\"$`\\\n\r"); i >= 0 {
		return fmt.Errorf("pgembed: cluster folder %q: the character %q is not supported in its path", dir, dir[i])
	}
	return nil
}

// makeClusterDir creates dir (0700) and any missing parents (0755, so the cluster user can
// traverse them).
func makeClusterDir(dir string, own owner) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("pgembed: create folder: %w", err)
	}
	if err := mkdirOwned(dir, 0o700, own); err != nil {
		return err
	}
	return nil
}

// readPIDLine returns the number on the first line of a file, or 0.
func readPIDLine(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
