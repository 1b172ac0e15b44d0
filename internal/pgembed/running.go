package pgembed

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// RunningConnString returns a connection string for database dbname of the cluster in dir that
// another process started and still holds (Start gave ErrInUse): a command such as `user otp`
// run beside `serve` uses that server rather than starting its own. Its socket folder and port
// are read from the server's own postmaster.pid, and a connection is tried before it is returned.
func RunningConnString(ctx context.Context, dir, dbname string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("pgembed: cluster folder %q: %w", dir, err)
	}
	if resolved, err := filepath.EvalSymlinks(dir); err == nil {
		dir = resolved
	}
	b, err := os.ReadFile(filepath.Join(dir, dataSubdir, "postmaster.pid"))
	if err != nil {
		return "", fmt.Errorf("pgembed: no running server in %s: %w", dir, err)
	}
	// postmaster.pid: pid, data folder, start time, port, socket folder, ...
	lines := strings.Split(string(b), "\n")
	if len(lines) < 5 {
		return "", fmt.Errorf("pgembed: %s: postmaster.pid is incomplete", dir)
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		return "", fmt.Errorf("pgembed: %s: port %q in postmaster.pid: %w", dir, lines[3], err)
	}
	socket := strings.TrimSpace(lines[4])
	conn := connString(socket, port, dbname)
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		return "", fmt.Errorf("pgembed: connect to the running server in %s: %w", dir, err)
	}
	_ = c.Close(ctx)
	return conn, nil
}
