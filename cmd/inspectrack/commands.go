package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/config"
	"inspectrack/internal/database"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
)

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, fs, err := loadConfig("migrate", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usagef("migrate: want up, down N, version or force V")
	}
	n := 0
	switch rest[0] {
	case "up", "version":
		if len(rest) != 1 {
			return usagef("migrate %s: takes no number", rest[0])
		}
	case "down", "force":
		if len(rest) != 2 {
			return usagef("migrate %s: want a number", rest[0])
		}
		if n, err = strconv.Atoi(rest[1]); err != nil {
			return usagef("migrate %s: want a number, not %q", rest[0], rest[1])
		}
	default:
		return usagef("migrate: unknown action %q: want up, down N, version or force V", rest[0])
	}
	e, err := open(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer e.close()
	m, err := database.NewMigrator(e.connStr)
	if err != nil {
		return err
	}
	defer m.Close()
	switch rest[0] {
	case "up":
		err = m.Up()
	case "down":
		err = m.Down(n)
	case "force":
		err = m.Force(n)
	}
	if err != nil {
		return err
	}
	v, dirty, err := m.Version()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d", v)
	if dirty {
		fmt.Fprint(stdout, " (dirty)")
	}
	fmt.Fprintln(stdout)
	return nil
}

func cmdSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	// `seed bench --cases N`: the flag may follow the data set's name.
	var cases int
	addFlags := func(fs *flag.FlagSet) {
		fs.IntVar(&cases, "cases", 0, "seed bench: about this many cases (default: the national scale, about 100,000)")
	}
	if len(args) > 0 && args[0] == "bench" {
		args = append(args[1:], "bench")
	}
	cfg, fs, err := loadConfig("seed", args, getenv, stderr, addFlags)
	if err != nil {
		return err
	}
	if fs.NArg() == 1 && fs.Arg(0) == "bench" {
		return seedBench(ctx, cfg, seed.BenchSizeFor(cases), stdout, stderr)
	}
	if cases != 0 {
		return usagef("seed: --cases goes with `seed bench`")
	}
	if fs.NArg() != 1 || fs.Arg(0) != "demo" {
		return usagef("seed: want `seed demo` or `seed bench`")
	}
	e, err := open(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer e.close()
	if err := e.migrateUp(); err != nil {
		return err
	}
	if err := e.connect(ctx); err != nil {
		return err
	}
	// The demo's documents go where the portal's uploads go.
	blobs, err := e.blobStore(ctx)
	if err != nil {
		return err
	}
	res, err := seed.Demo(ctx, e.store, cfg.DemoPassword, auth.DefaultParams, seed.WithBlobs(blobs))
	if err != nil {
		return err
	}
	// On top of the story of 2017, its follow-up inspections of 2018 and a
	// report of the present, so the dashboard shows something current on
	// first run.
	if _, err := seed.StoryFollowUps(ctx, e.store); err != nil {
		return err
	}
	current, err := seed.Current(ctx, e.store, time.Now(), seed.WithBlobs(blobs))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo data: %d forces added, %d users added\n", res.ForcesAdded, len(res.UsersAdded))
	if current {
		fmt.Fprintf(stdout, "demo data: added %q, with dates around today\n", seed.CurrentReportTitle)
	}
	printDemoLogins(stdout, res.Password)
	return nil
}

func printDemoLogins(w io.Writer, password string) {
	fmt.Fprintln(w, "demo logins:")
	for _, u := range seed.DemoUsers {
		fmt.Fprintf(w, "  %-34s %s\n", u.Email, u.Role.Label())
	}
	switch password {
	case "":
		fmt.Fprintln(w, "  password: as printed when they were first created; set INSPECTRACK_DEMO_PASSWORD and seed again to reset it")
	default:
		fmt.Fprintf(w, "  password (all of them): %s\n", password)
	}
	fmt.Fprintln(w, "  second step: each asks for a code from an authenticator app after the password; get a current one with")
	fmt.Fprintln(w, "    bin/inspectrack user otp EMAIL      (for example: bin/inspectrack user otp manager@demo.test)")
}

func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("user: want add, disable, reset-password or otp")
	}
	action := args[0]
	if action == "-h" || action == "--help" || action == "help" {
		fmt.Fprint(stdout, "usage: inspectrack user add | disable | reset-password | otp ...; inspectrack user ACTION -h for its flags\n")
		return nil
	}
	var email, name, role, force string
	var passwordStdin bool
	cfg, fs, err := loadConfig("user "+action, args[1:], getenv, stderr, func(fs *flag.FlagSet) {
		if action == "add" {
			fs.StringVar(&email, "email", "", "email address")
			fs.StringVar(&name, "name", "", "full name")
			fs.StringVar(&role, "role", "", "admin, manager, inspector or liaison")
			fs.StringVar(&force, "force", "", "force code (liaisons only), e.g. leicestershire")
		}
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")
	})
	if err != nil {
		return err
	}
	if action != "add" {
		if fs.NArg() != 1 {
			return usagef("user %s: want one email address", action)
		}
		email = fs.Arg(0)
	}
	password := ""
	if (action == "add" || action == "reset-password") && passwordStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("user %s: read password from stdin: %w", action, err)
		}
		password = strings.TrimRight(line, "\r\n")
		// The portal's one password policy (internal/auth), as on the web.
		if err := auth.ValidatePassword(password, email); err != nil {
			return fmt.Errorf("user %s: %w", action, err)
		}
	}
	generated := password == "" && action != "disable" && action != "otp"
	if generated {
		password = auth.GeneratePassword()
	}
	system := store.Actor{Email: "cli", RequestID: "cli-user-" + action}

	switch action {
	case "add":
		if !auth.Role(role).Valid() {
			return usagef("user add: --role must be admin, manager, inspector or liaison")
		}
		if (role == string(auth.RoleLiaison)) != (force != "") {
			return usagef("user add: a liaison needs --force, and only a liaison takes one")
		}
		if email == "" || name == "" {
			return usagef("user add: --email and --name are required")
		}
	case "disable", "reset-password", "otp":
	default:
		return usagef("user: unknown action %q: want add, disable, reset-password or otp", action)
	}

	e, err := open(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer e.close()
	if err := e.migrateUp(); err != nil {
		return err
	}
	if err := e.connect(ctx); err != nil {
		return err
	}
	// Disabling sets no password: only add and reset-password pay for the
	// argon2id hash (64 MiB and a core).
	var hash string
	if generated || password != "" {
		if hash, err = auth.HashPassword(password, auth.DefaultParams); err != nil {
			return err
		}
	}
	switch action {
	case "add":
		u, err := e.store.CreateUser(ctx, system, store.NewUser{Email: email, Name: name, Role: role, ForceCode: force, PasswordHash: hash})
		if err != nil {
			return fmt.Errorf("user add: %w", err)
		}
		fmt.Fprintf(stdout, "added %s (%s)\n", u.Email, auth.Role(u.Role).Label())
	case "disable":
		u, err := e.store.UserByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("user disable: %w", err)
		}
		if err := e.store.DisableUser(ctx, system, u.ID); err != nil {
			return fmt.Errorf("user disable: %w", err)
		}
		fmt.Fprintf(stdout, "disabled %s; their sessions have ended\n", u.Email)
		return nil
	case "reset-password":
		u, err := e.store.UserByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("user reset-password: %w", err)
		}
		if err := e.store.SetPassword(ctx, system, u.ID, hash, true); err != nil {
			return fmt.Errorf("user reset-password: %w", err)
		}
		fmt.Fprintf(stdout, "reset the password of %s; their sessions have ended\n", u.Email)
	case "otp":
		return userOTP(ctx, e.store, system, email, stdout)
	}
	if generated {
		fmt.Fprintf(stdout, "password (shown once): %s\n", password)
	}
	return nil
}

func cmdAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var checkpoints []store.AuditCheckpoint
	cfg, fs, err := loadConfig("audit", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.Func("checkpoint", "with verify: a line printed by `audit checkpoint`, or a file of them (repeatable)", func(v string) error {
			cps, err := readCheckpoints(v)
			checkpoints = append(checkpoints, cps...)
			return err
		})
	})
	if err != nil {
		return err
	}
	rest := fs.Args()
	verify := len(rest) == 1 && rest[0] == "verify"
	checkpoint := len(rest) == 1 && rest[0] == "checkpoint"
	note := len(rest) == 2 && rest[0] == "note" && strings.TrimSpace(rest[1]) != ""
	if !verify && !checkpoint && !note {
		return usagef("audit: want `audit verify [--checkpoint LINE_OR_FILE]...`, `audit checkpoint` or `audit note \"what was changed, and why\"`")
	}
	if len(checkpoints) > 0 && !verify {
		return usagef("audit: --checkpoint goes with `audit verify`")
	}
	e, err := open(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer e.close()
	if err := e.connect(ctx); err != nil {
		return err
	}
	switch {
	case note:
		// A change made outside the portal (by hand in psql) is recorded
		// here. (Running servers see the change itself at once: it moved
		// the data version, migration 000020.)
		system := store.Actor{Email: "cli", RequestID: "cli-audit-note"}
		ev := system.Event("manual.change", "", "", 0, strings.TrimSpace(rest[1]))
		if err := e.store.AuditOne(ctx, ev); err != nil {
			return fmt.Errorf("audit note: %w", err)
		}
		fmt.Fprintln(stdout, "noted in the audit trail")
		return nil
	case checkpoint:
		cp, err := e.store.AuditCheckpoint(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, cp.String())
		return nil
	}
	res, err := e.store.VerifyAudit(ctx, checkpoints...)
	if err != nil {
		return err
	}
	if res.BrokenID != 0 {
		fmt.Fprintf(stdout, "audit trail BROKEN at event %d after %d events checked: %s\n", res.BrokenID, res.Checked, res.Problem)
		return fmt.Errorf("audit verify: chain broken at event %d", res.BrokenID)
	}
	fmt.Fprintf(stdout, "audit trail intact: %d events verified", res.Checked)
	if res.Unkeyed > 0 {
		fmt.Fprintf(stdout, " (the first %d from before the chain was keyed)", res.Unkeyed)
	}
	if len(checkpoints) > 0 {
		fmt.Fprintf(stdout, ", passing through %d checkpoint(s)", len(checkpoints))
	}
	fmt.Fprintln(stdout)
	return nil
}

// readCheckpoints reads v as one checkpoint line or, failing that, as a
// file of them (blank lines and # comments skipped).
func readCheckpoints(v string) ([]store.AuditCheckpoint, error) {
	if cp, err := store.ParseAuditCheckpoint(v); err == nil {
		return []store.AuditCheckpoint{cp}, nil
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return nil, fmt.Errorf("neither a checkpoint nor a readable file: %w", err)
	}
	var cps []store.AuditCheckpoint
	for line := range strings.Lines(string(b)) {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cp, err := store.ParseAuditCheckpoint(line)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v, err)
		}
		cps = append(cps, cp)
	}
	if len(cps) == 0 {
		return nil, fmt.Errorf("%s holds no checkpoint", v)
	}
	return cps, nil
}

// seedBench builds the national-scale data set (see seed.Bench) in a
// database of its own, replacing it: DATABASE_URL must name a database
// whose name ends in _bench, or, with the embedded cluster, the data folder
// must be one for the bench (its name contains "bench"), so that the data
// people work with can never be replaced by mistake.
func seedBench(ctx context.Context, cfg config.Config, size seed.BenchSize, stdout, stderr io.Writer) error {
	start := time.Now()
	log := newLogger(cfg, stderr)
	if cfg.DatabaseURL != "" {
		pc, err := pgx.ParseConfig(cfg.DatabaseURL)
		if err != nil {
			return fmt.Errorf("seed bench: DATABASE_URL: %w", err)
		}
		if !strings.HasSuffix(pc.Database, "_bench") {
			return fmt.Errorf("seed bench: DATABASE_URL names database %q: the bench data set replaces its database, so it must be one whose name ends in _bench (e.g. inspectrack_bench)", pc.Database)
		}
		if err := recreateDatabase(ctx, cfg.DatabaseURL, pc.Database); err != nil {
			return err
		}
	} else if !strings.Contains(filepath.Base(filepath.Clean(cfg.DataDir)), "bench") {
		return fmt.Errorf("seed bench: the embedded cluster in %q is not a bench one: set INSPECTRACK_DATA_DIR to a folder whose name contains bench (e.g. .data/bench)", cfg.DataDir)
	}
	e, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer e.close()
	if e.cluster != nil {
		if err := recreateDatabase(ctx, e.connStr, "inspectrack"); err != nil {
			return err
		}
	}
	if err := e.migrateUp(); err != nil {
		return err
	}
	// Building a million rows, and walking them, takes longer than a
	// request's statement timeout allows: a pool without one.
	bpool, err := database.ConnectWithTimeout(ctx, e.connStr, 0)
	if err != nil {
		return err
	}
	defer bpool.Close()
	keys, err := auditKeys(cfg)
	if err != nil {
		return err
	}
	bst := store.New(bpool, store.WithAuditKeys(keys))
	password := cfg.DemoPassword
	if password == "" {
		password = auth.GeneratePassword()
	}
	res, err := seed.Bench(ctx, bst, password, auth.DefaultParams, time.Now(), size)
	if err != nil {
		return err
	}
	for _, st := range res.Steps {
		fmt.Fprintf(stdout, "  %-34s %8.1fs\n", st.Name, st.Took.Seconds())
	}
	verifyStart := time.Now()
	v, err := bst.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if v.BrokenID != 0 {
		return fmt.Errorf("seed bench: audit chain broken at event %d: %s", v.BrokenID, v.Problem)
	}
	fmt.Fprintf(stdout, "  %-34s %8.1fs\n", "audit chain verified", time.Since(verifyStart).Seconds())
	fmt.Fprintf(stdout, "bench data set: %d forces, %d reports, %d recommendations, %d cases, %d submissions with %d documents, %d assessments, %d follow-ups, %d audit events (chain intact) in %s\n",
		res.Forces, res.Reports, res.Recommendations, res.Cases, res.Submissions, res.Documents, res.Assessments,
		res.FollowUps, v.Checked, time.Since(start).Round(time.Second))
	var sampleCase int64
	const sample = `SELECT c.id FROM cases c JOIN forces f ON f.id = c.force_id
		WHERE f.code = 'leicestershire' ORDER BY c.id LIMIT 1 OFFSET 200`
	if err := bpool.QueryRow(ctx, sample).Scan(&sampleCase); err != nil {
		return fmt.Errorf("seed bench: sample case: %w", err)
	}
	fmt.Fprintf(stdout, "bench sample: case=%d force=leicestershire\n", sampleCase)
	printDemoLogins(stdout, password)
	return nil
}

// recreateDatabase drops and creates database name on the server of
// connStr, through its maintenance database.
func recreateDatabase(ctx context.Context, connStr, name string) error {
	pc, err := pgx.ParseConfig(connStr)
	if err != nil {
		return err
	}
	pc.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, pc)
	if err != nil {
		return fmt.Errorf("seed bench: connect to the maintenance database: %w", err)
	}
	defer conn.Close(ctx)
	id := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+id+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("seed bench: drop %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+id); err != nil {
		return fmt.Errorf("seed bench: create %s: %w", name, err)
	}
	return nil
}
