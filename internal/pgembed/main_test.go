package pgembed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// childDirEnv makes the test binary act as a program that starts a cluster in that folder,
// creates a table, prints "ready <postmaster pid>", and stops the cluster when its stdin closes.
// Tests kill it with SIGKILL to play a portal that crashed.
const childDirEnv = "PGEMBED_TEST_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		os.Exit(runChild(dir))
	}
	os.Exit(m.Run())
}

func runChild(dir string) int {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := Start(ctx, Options{Dir: dir, Logger: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	conn, err := pgx.Connect(ctx, c.ConnString(DefaultDatabase))
	if err == nil {
		_, err = conn.Exec(ctx, `create table if not exists made_by_child (id int)`)
		_ = conn.Close(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		_ = c.Stop(ctx)
		return 1
	}
	fmt.Printf("ready %d\n", c.postmasterPID())
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := c.Stop(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	fmt.Println("stopped")
	return 0
}

// child is the test binary running runChild.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *syncBuffer
}

// startChild runs a child on dir and waits for its "ready" line; it returns the postmaster pid.
func startChild(t *testing.T, dir string) (*child, int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ch := &child{cmd: exec.Command(exe), lines: make(chan string, 10), stderr: &syncBuffer{}}
	ch.cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	ch.cmd.Stderr = ch.stderr
	if ch.stdin, err = ch.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := ch.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = ch.cmd.Process.Kill()
		_ = ch.cmd.Wait()
	})
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			ch.lines <- s.Text()
		}
		close(ch.lines)
	}()
	line := ch.next(t)
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "ready "))
	if !strings.HasPrefix(line, "ready ") || err != nil {
		t.Fatalf("child said %q, want \"ready <pid>\"; its log:\n%s", line, ch.stderr)
	}
	return ch, pid
}

// next returns the child's next line of output.
func (ch *child) next(t *testing.T) string {
	t.Helper()
	select {
	case line, ok := <-ch.lines:
		if !ok {
			t.Fatalf("child exited without a word; its log:\n%s", ch.stderr)
		}
		return line
	case <-time.After(2 * time.Minute):
		t.Fatalf("child said nothing for 2 minutes; its log:\n%s", ch.stderr)
		return ""
	}
}

// killHard kills the child with SIGKILL and reaps it.
func (ch *child) killHard(t *testing.T) {
	t.Helper()
	if err := ch.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = ch.cmd.Wait()
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testLogger logs into a buffer that is printed when the test fails.
func testLogger(t *testing.T) (*slog.Logger, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pgembed log:\n%s", buf)
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// needBinaries skips the test on a machine without PostgreSQL server
// binaries, or fails it when CI=true: CI must run it (make test installs
// them).
func needBinaries(t *testing.T) {
	t.Helper()
	if _, err := FindBinaries(); errors.Is(err, ErrNoServerBinaries) {
		if os.Getenv("CI") == "true" {
			t.Fatal("no PostgreSQL server binaries: make ensure-postgres-binaries (sudo apt-get install postgresql):", err)
		}
		t.Skip("no PostgreSQL server binaries on this machine (make ensure-postgres-binaries):", err)
	}
}

// startCluster starts a cluster in dir and stops it when the test ends.
func startCluster(t *testing.T, dir string) *Cluster {
	t.Helper()
	log, _ := testLogger(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Dir: dir, Logger: log})
	if err != nil {
		t.Fatalf("Start(%s): %v", dir, err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

// stop stops c and fails the test on error.
func stop(t *testing.T, c *Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

// queryInt runs a query returning one integer in database dbname.
func queryInt(t *testing.T, c *Cluster, dbname, sql string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.ConnString(dbname))
	if err != nil {
		t.Fatalf("connect with %q: %v", c.ConnString(dbname), err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// exec runs statements in database dbname.
func execSQL(t *testing.T, c *Cluster, dbname, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.ConnString(dbname))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// postgresProcessesIn lists live processes of the cluster in dataDir, written apart from the
// package's own search on purpose: every postgres process of a cluster works in its data
// directory; where /proc/<pid>/cwd is hidden (root without CAP_SYS_PTRACE), the postmaster's
// command line names the data directory and its children's name the cluster.
func postgresProcessesIn(t *testing.T, dataDir string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	childTitle := "postgres: " + clusterName(filepath.Dir(dataDir)) + ": "
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		base := filepath.Join("/proc", e.Name())
		if cwd, err := os.Readlink(filepath.Join(base, "cwd")); err == nil {
			if cwd != dataDir {
				continue
			}
		} else {
			cmdline, err := os.ReadFile(filepath.Join(base, "cmdline"))
			args := strings.Split(string(cmdline), "\x00")
			if err != nil || !(slices.Contains(args, dataDir) || strings.HasPrefix(args[0], childTitle)) {
				continue
			}
		}
		if stat, err := os.ReadFile(filepath.Join(base, "stat")); err == nil {
			if f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(f) > 0 && f[0] == "Z" {
				continue // a zombie: dead, only not reaped
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// clusterUID is the uid the cluster's processes should run as.
func clusterUID(t *testing.T) int {
	t.Helper()
	if os.Geteuid() != 0 {
		return os.Geteuid()
	}
	u, err := user.Lookup(SystemUser)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	return uid
}

// processUID reads the real uid of a process from /proc/<pid>/status; ok is false when the
// process has gone meanwhile (a backend ending, say).
func processUID(t *testing.T, pid int) (uid int, ok bool) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
		return 0, false
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, found := strings.CutPrefix(line, "Uid:"); found {
			uid, err := strconv.Atoi(strings.Fields(rest)[0])
			if err != nil {
				t.Fatal(err)
			}
			return uid, true
		}
	}
	t.Fatalf("no Uid line in /proc/%d/status", pid)
	return -1, false
}
