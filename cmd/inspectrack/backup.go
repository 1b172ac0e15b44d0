package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/database"
	"inspectrack/internal/pgembed"
)

// cmdBackup writes a backup of the whole database (the data, the audit
// trail, and the documents kept in PostgreSQL) to FILE with pg_dump of the
// server's own major version, in its custom format: one snapshot, so the
// backup is consistent while the portal serves. It is written beside FILE
// and renamed into place once pg_restore has read its table of contents,
// so FILE is never a backup cut short.
func cmdBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, fs, err := loadConfig("backup", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("backup: want `backup FILE`")
	}
	file := fs.Arg(0)
	e, err := open(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer e.close()
	info, err := inspectDatabase(ctx, e.connStr)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if info.tables == 0 {
		return fmt.Errorf("backup: database %s holds no tables: nothing to back up", info.name)
	}
	tools, err := pgembed.ClientTools(ctx, info.major)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp := file + ".partial"
	if err := os.Remove(tmp); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("backup: %w", err)
	}
	if err := runTool(ctx, filepath.Join(tools, "pg_dump"), e.connStr, "--format=custom", "--compress=6", "--file="+tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := runTool(ctx, filepath.Join(tools, "pg_restore"), "", "--list", tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: the backup written cannot be read back: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	st, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backup of %s (PostgreSQL %s, schema version %d) written to %s: %d bytes, %d tables, %d documents in it\n",
		info.name, info.major, info.schema, file, st.Size(), info.tables, info.documentsInDB)
	if info.documentsInBucket > 0 {
		fmt.Fprintf(stdout, "%d documents are kept in object storage and are NOT in this file: back the bucket up too (keep its versions)\n", info.documentsInBucket)
	}
	return nil
}

// cmdRestore restores a backup made by cmdBackup into the database, which
// must be empty (a new database): it never overwrites data. The restore is
// one transaction, so a failure leaves the database empty again. Owners and
// grants are not restored: everything belongs to the user restoring.
func cmdRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, fs, err := loadConfig("restore", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("restore: want `restore FILE`")
	}
	file := fs.Arg(0)
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	e, err := open(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer e.close()
	info, err := inspectDatabase(ctx, e.connStr)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if info.relations > 0 {
		return fmt.Errorf("restore: database %s is not empty (%d tables, sequences or views): restore only into a new, empty database (e.g. createdb %s_restored, then point DATABASE_URL at it)",
			info.name, info.relations, info.name)
	}
	tools, err := pgembed.ClientTools(ctx, info.major)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := runTool(ctx, filepath.Join(tools, "pg_restore"), e.connStr, "--no-owner", "--no-acl",
		"--exit-on-error", "--single-transaction", file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	m, err := database.NewMigrator(e.connStr)
	if err != nil {
		return err
	}
	defer m.Close()
	v, dirty, err := m.Version()
	if err != nil {
		return fmt.Errorf("restore: schema version: %w", err)
	}
	after, err := inspectDatabase(ctx, e.connStr)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "restored %s into %s: schema version %d%s, %d tables, %d documents in the database",
		file, info.name, v, map[bool]string{true: " (dirty)"}[dirty], after.tables, after.documentsInDB)
	if after.documentsInBucket > 0 {
		fmt.Fprintf(stdout, ", %d in object storage", after.documentsInBucket)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "next: inspectrack audit verify (with the audit key of the backed-up portal), then serve")
	return nil
}

// dbInfo is what backup and restore need to know of a database.
type dbInfo struct {
	name              string
	major             string // the server's major version, as its tools report it
	relations         int    // tables, sequences, views... outside the system schemas
	tables            int    // ordinary tables in public
	schema            uint   // golang-migrate's version, if any
	documentsInDB     int    // blobs read from PostgreSQL
	documentsInBucket int    // blobs kept only in object storage
}

func inspectDatabase(ctx context.Context, connStr string) (dbInfo, error) {
	var info dbInfo
	conn, err := pgx.Connect(ctx, connStr)
	if err != nil {
		return info, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	var num int
	const q = `SELECT current_database(), current_setting('server_version_num')::int,
		(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
			AND n.nspname NOT LIKE 'pg\_temp\_%' AND c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f')),
		(SELECT count(*) FROM pg_tables WHERE schemaname = 'public')`
	if err := conn.QueryRow(ctx, q).Scan(&info.name, &num, &info.relations, &info.tables); err != nil {
		return info, err
	}
	info.major = pgembed.ServerMajor(num)
	var has [3]bool
	const exist = `SELECT to_regclass('public.schema_migrations') IS NOT NULL,
		to_regclass('public.blobs') IS NOT NULL, to_regclass('public.blob_objects') IS NOT NULL`
	if err := conn.QueryRow(ctx, exist).Scan(&has[0], &has[1], &has[2]); err != nil {
		return info, err
	}
	if has[0] {
		var v int64
		if err := conn.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
			return info, err
		}
		info.schema = uint(v)
	}
	switch {
	case has[1] && has[2]:
		const docs = `SELECT count(*) FILTER (WHERE o.blob_id IS NULL OR b.chunks > 0 OR b.size = 0),
			count(*) FILTER (WHERE o.blob_id IS NOT NULL AND b.chunks = 0 AND b.size > 0)
			FROM blobs b LEFT JOIN blob_objects o ON o.blob_id = b.id`
		err = conn.QueryRow(ctx, docs).Scan(&info.documentsInDB, &info.documentsInBucket)
	case has[1]:
		err = conn.QueryRow(ctx, `SELECT count(*) FROM blobs`).Scan(&info.documentsInDB)
	}
	return info, err
}

// runTool runs a PostgreSQL client program with args, connected to
// connStr (when not empty) without putting its password on the command
// line, where any user of the machine could read it: it goes in the
// environment. Its error output comes back in the error.
func runTool(ctx context.Context, prog, connStr string, args ...string) error {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = os.Environ()
	if connStr != "" {
		dsn, password := splitPassword(connStr)
		cmd.Args = append(cmd.Args[:1], append([]string{"--dbname=" + dsn}, args...)...)
		if password != "" {
			cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
		}
	}
	cmd.Stdout = io.Discard
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(prog), err, strings.TrimSpace(errOut.String()))
	}
	return nil
}

var passwordKeyword = regexp.MustCompile(`(^|\s)password\s*=\s*('(\\.|[^'\\])*'|\S+)\s*`)

// splitPassword takes the password out of a connection string, URL or
// keyword=value, and returns the two.
func splitPassword(connStr string) (dsn, password string) {
	if u, err := url.Parse(connStr); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if u.User != nil {
			password, _ = u.User.Password()
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		if p := q.Get("password"); p != "" {
			password = p
			q.Del("password")
			u.RawQuery = q.Encode()
		}
		return u.String(), password
	}
	if m := passwordKeyword.FindStringSubmatch(connStr); m != nil {
		password = m[2]
		if strings.HasPrefix(password, "'") {
			password = strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(password[1 : len(password)-1])
		}
		connStr = strings.TrimSpace(passwordKeyword.ReplaceAllString(connStr, "$1"))
	}
	return connStr, password
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
