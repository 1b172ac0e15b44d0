// Command inspectrack is the inspection tracker portal: one binary that
// serves the web portal, migrates its database, seeds demo data and manages
// users. Run `inspectrack help` for the subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "inspectrack:", err)
	}
	os.Exit(exitCode(err))
}

// exitCode is the process's exit status for run's error: 0 for none, 2
// for a command line that cannot be run (as flag and the shells do), 1 for
// any other failure.
func exitCode(err error) int {
	var u usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return 2
	}
	return 1
}

// usageError is a command line that cannot be run: an unknown command or
// flag, or arguments missing or wrong.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// usagef is a usageError with a message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

const usage = `usage: inspectrack <command> [flags]

commands:
  serve [--no-migrate]            migrate the database, then serve the portal
  worker                          run the job queue's workers (messages) without the web server
  migrate up | down N | version | force V
  seed demo                       add demo data (idempotent) and print the demo logins
  user add --email E --name N --role R [--force CODE] [--password-stdin]
  user disable EMAIL
  user reset-password EMAIL [--password-stdin]
  user otp EMAIL                  print a current code of the user's authenticator app (the demo users')
  audit verify [--checkpoint LINE_OR_FILE]...
                                  check the audit trail's keyed hash chain (and that it
                                  passes through each checkpoint kept elsewhere)
  audit checkpoint                print the newest event's id, key id and keyed hash, to keep elsewhere
  audit note "TEXT"               record a change made outside the portal (by hand in psql)
  blobs copy --to s3://BUCKET/PREFIX
                                  copy the documents kept in PostgreSQL to object storage,
                                  each verified; run again to go on where it stopped
  blobs sweep [--dry-run] [--grace 24h]
                                  delete the objects under INSPECTRACK_BLOB_URL that no row names,
                                  older than the grace (left by uploads whose transaction rolled back)
  backup FILE                     write a backup of the database (pg_dump of the server's version)
  restore FILE                    restore a backup into an empty database
  seed bench [--cases N]          the national-scale data set (about N cases), in a database of its own
  version                         print the build: version, revision, time and Go
  help                            print this

Without DATABASE_URL every command starts (and stops) a private PostgreSQL
cluster under INSPECTRACK_DATA_DIR (default ./.data). Run a command with -h
for its flags; flags may come before or after its arguments. Exit status: 0
done, 1 failed, 2 the command line was wrong.
`

// run is the whole program, with its environment passed in so tests can
// drive it as the binary would be driven.
// A -h or --help of a command is not a failure.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, getenv, stdin, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return usagef("no command given")
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "worker":
		return cmdWorker(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, getenv, stdout, stderr)
	case "seed":
		return cmdSeed(ctx, rest, getenv, stdout, stderr)
	case "user":
		return cmdUser(ctx, rest, getenv, stdin, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, rest, getenv, stdout, stderr)
	case "blobs":
		return cmdBlobs(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, rest, getenv, stdout, stderr)
	case "restore":
		return cmdRestore(ctx, rest, getenv, stdout, stderr)
	case "version":
		return cmdVersion(rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usagef("unknown command %q", cmd)
}
