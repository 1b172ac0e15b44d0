// Command inspectrack is the inspection tracker portal: one binary that
// serves the web portal, migrates its database, seeds demo data and manages
// users. Run `inspectrack help` for the subcommands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "inspectrack:", err)
		os.Exit(1)
	}
}

const usage = `usage: inspectrack <command> [flags]

commands:
  serve [--no-migrate]            migrate the database, then serve the portal
  migrate up | down N | version | force V
  seed demo                       add demo data (idempotent) and print the demo logins
  user add --email E --name N --role R [--force CODE] [--password-stdin]
  user disable EMAIL
  user reset-password EMAIL [--password-stdin]
  audit verify [--checkpoint LINE_OR_FILE]...
                                  check the audit trail's keyed hash chain (and that it
                                  passes through each checkpoint kept elsewhere)
  audit checkpoint                print the newest event's id, key id and keyed hash, to keep elsewhere
  audit note "TEXT"               record a change made outside the portal (by hand in psql)

Without DATABASE_URL every command starts (and stops) a private PostgreSQL
cluster under INSPECTRACK_DATA_DIR (default ./.data). Run a command with -h
for its flags.
`

// run is the whole program, with its environment passed in so tests can
// drive it as the binary would be driven.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, getenv, stdout, stderr)
	case "seed":
		return cmdSeed(ctx, rest, getenv, stdout, stderr)
	case "user":
		return cmdUser(ctx, rest, getenv, stdin, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
