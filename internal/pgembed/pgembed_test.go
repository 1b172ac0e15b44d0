package pgembed

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestStartQueryStop(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	dir := t.TempDir()
	// What an initdb killed half-way leaves: it must not stop the start.
	if err := os.MkdirAll(filepath.Join(dir, "data.initdb", "base"), 0o700); err != nil {
		t.Fatal(err)
	}

	c := startCluster(t, dir)

	if got := queryInt(t, c, DefaultDatabase, "select 1"); got != 1 {
		t.Fatalf("select 1 = %d", got)
	}
	settings := map[string]string{
		"listen_addresses": "",
		"fsync":            "on",
		"max_connections":  "100",
		"shared_buffers":   "128MB",
		"port":             strconv.Itoa(Port),
		"server_encoding":  "UTF8",
		"lc_collate":       "C",
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.ConnString(DefaultDatabase))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range settings {
		var got string
		if err := conn.QueryRow(ctx, "select current_setting($1)", name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	var user string
	if err := conn.QueryRow(ctx, "select current_user").Scan(&user); err != nil {
		t.Fatal(err)
	}
	if user != SuperUser {
		t.Errorf("current_user = %q, want %q", user, SuperUser)
	}
	conn.Close(ctx)

	// The socket folder is private to the cluster's user.
	fi, err := os.Stat(c.socketDir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("socket folder mode = %o, want 700", fi.Mode().Perm())
	}
	if uid := int(fi.Sys().(*syscall.Stat_t).Uid); uid != clusterUID(t) {
		t.Errorf("socket folder owner = %d, want %d", uid, clusterUID(t))
	}
	if !strings.HasPrefix(c.socketDir, dir) {
		t.Errorf("socket folder %s is not in the cluster folder %s", c.socketDir, dir)
	}

	// EnsureDatabase creates once, then finds it.
	for range 2 {
		if err := c.EnsureDatabase(ctx, "other db"); err != nil {
			t.Fatal(err)
		}
	}
	if got := queryInt(t, c, "other db", "select 2"); got != 2 {
		t.Fatalf("select 2 = %d", got)
	}

	if pids := postgresProcessesIn(t, c.DataDir()); len(pids) == 0 {
		t.Fatal("no postgres process works in the data folder while the cluster runs")
	}
	stop(t, c)
	if pids := postgresProcessesIn(t, c.DataDir()); len(pids) > 0 {
		t.Fatalf("postgres processes %v of the cluster still run after Stop", pids)
	}
	if fileExists(filepath.Join(c.DataDir(), "postmaster.pid")) {
		t.Error("postmaster.pid is still there after Stop")
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if fileExists(filepath.Join(dir, "data.initdb")) {
		t.Error("the interrupted initdb's folder is still there")
	}
}

func TestRestartKeepsData(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	// A space in the path: the socket path must be quoted in the config and the conn string.
	dir := filepath.Join(t.TempDir(), "with space", "pg")

	c := startCluster(t, dir)
	execSQL(t, c, DefaultDatabase, `create table kept (id int); insert into kept values (42)`)
	stop(t, c)

	log, buf := testLogger(t)
	c, err := Start(context.Background(), Options{Dir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, c)
	if got := queryInt(t, c, DefaultDatabase, "select id from kept"); got != 42 {
		t.Fatalf("kept row = %d, want 42", got)
	}
	if strings.Contains(buf.String(), "initdb") && strings.Contains(buf.String(), "creating a new") {
		t.Error("the second start ran initdb again")
	}
}

func TestStartAfterGoProcessKilled(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	dir := t.TempDir()

	ch, postmaster := startChild(t, dir)
	ch.killHard(t)
	if !processAlive(postmaster) {
		t.Fatal("the postmaster died with the child; the test needs it orphaned")
	}

	log, buf := testLogger(t)
	c, err := Start(context.Background(), Options{Dir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, c)
	if processAlive(postmaster) {
		t.Errorf("the orphaned postmaster %d still runs", postmaster)
	}
	if c.postmasterPID() == postmaster {
		t.Errorf("Start kept the orphaned postmaster %d", postmaster)
	}
	if !strings.Contains(buf.String(), "still running") {
		t.Error("Start did not log that it stopped the orphaned server")
	}
	if got := queryInt(t, c, DefaultDatabase, "select count(*) from pg_tables where tablename = 'made_by_child'"); got != 1 {
		t.Fatal("the table the child made is gone")
	}
}

func TestStartAfterPostmasterKilled(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	neighbour := startCluster(t, t.TempDir())
	dir := t.TempDir()

	ch, postmaster := startChild(t, dir)
	if err := syscall.Kill(postmaster, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(10*time.Second, func() bool { return !processAlive(postmaster) })
	ch.killHard(t)

	pidFile := filepath.Join(dir, "data", "postmaster.pid")
	socketLock := filepath.Join(dir, "socket", ".s.PGSQL."+strconv.Itoa(Port)+".lock")
	for _, f := range []string{pidFile, socketLock} {
		if !fileExists(f) {
			t.Fatalf("%s is gone; the test needs the stale file", f)
		}
	}
	// Make it harder: the stale pids now name live processes, as after pid reuse. postgres
	// itself would refuse to start on such files.
	sleeper := exec.Command("sleep", "300")
	if os.Geteuid() == 0 {
		sleeper.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
			Uid: uint32(clusterUID(t)), Gid: uint32(clusterUID(t)), Groups: []uint32{}}}
		if gid := groupOf(t, SystemUser); gid >= 0 {
			sleeper.SysProcAttr.Credential.Gid = uint32(gid)
		}
	}
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	replaceFirstLine(t, pidFile, strconv.Itoa(neighbour.postmasterPID()))
	replaceFirstLine(t, socketLock, strconv.Itoa(sleeper.Process.Pid))

	log, _ := testLogger(t)
	c, err := Start(context.Background(), Options{Dir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, c)
	if got := queryInt(t, c, DefaultDatabase, "select count(*) from pg_tables where tablename = 'made_by_child'"); got != 1 {
		t.Fatal("the table the child made is gone")
	}
	if !processAlive(sleeper.Process.Pid) {
		t.Error("Start killed the unrelated process named in the stale socket lock file")
	}
	if got := queryInt(t, neighbour, DefaultDatabase, "select 1"); got != 1 || !processAlive(neighbour.postmasterPID()) {
		t.Error("Start disturbed the other cluster named in the stale postmaster.pid")
	}
}

func TestStopAfterPostmasterDied(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	dir := t.TempDir()
	c := startCluster(t, dir)
	execSQL(t, c, DefaultDatabase, `create table survived (id int); insert into survived values (7)`)

	if err := syscall.Kill(c.postmasterPID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	stop(t, c)
	if pids := postgresProcessesIn(t, c.DataDir()); len(pids) > 0 {
		t.Fatalf("postgres processes %v still run after Stop", pids)
	}

	c = startCluster(t, dir)
	if got := queryInt(t, c, DefaultDatabase, "select id from survived"); got != 7 {
		t.Fatalf("row = %d, want 7", got)
	}
}

func TestFailedStartShowsServerLog(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	dir := t.TempDir()
	c := startCluster(t, dir)
	stop(t, c)
	conf := filepath.Join(c.DataDir(), "postgresql.conf")
	f, err := os.OpenFile(conf, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("no_such_setting_here = 1\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()

	log, _ := testLogger(t)
	_, err = Start(context.Background(), Options{Dir: dir, Logger: log})
	if err == nil {
		t.Fatal("Start succeeded with a broken configuration")
	}
	t.Logf("Start failed as it should: %v", err)
	for _, want := range []string{"last lines of the server log", "no_such_setting_here"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if pids := postgresProcessesIn(t, c.DataDir()); len(pids) > 0 {
		t.Errorf("postgres processes %v run after the failed Start", pids)
	}
	// The failed Start released the folder.
	_, err = Start(context.Background(), Options{Dir: dir, Logger: log})
	if errors.Is(err, ErrInUse) {
		t.Errorf("the failed Start kept the folder locked: %v", err)
	}
}

func TestSecondStartReturnsErrInUse(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	dir := t.TempDir()
	ch, postmaster := startChild(t, dir)

	log, _ := testLogger(t)
	_, err := Start(context.Background(), Options{Dir: dir, Logger: log})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("Start while another process holds the folder: %v, want ErrInUse", err)
	}
	t.Logf("Start failed as it should: %v", err)
	for _, want := range []string{dir, strconv.Itoa(ch.cmd.Process.Pid)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if !processAlive(postmaster) {
		t.Fatal("the failed Start stopped the running server")
	}

	// The holder stops cleanly; then the folder is free.
	if err := ch.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if line := ch.next(t); line != "stopped" {
		t.Fatalf("child said %q, want stopped; its log:\n%s", line, ch.stderr)
	}
	if err := ch.cmd.Wait(); err != nil {
		t.Fatalf("child: %v; its log:\n%s", err, ch.stderr)
	}
	c := startCluster(t, dir)
	if got := queryInt(t, c, DefaultDatabase, "select 1"); got != 1 {
		t.Fatal("select 1 after the holder left")
	}
}

func TestSecondStartInSameProcessReturnsErrInUse(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	dir := t.TempDir()
	c := startCluster(t, dir)

	log, _ := testLogger(t)
	_, err := Start(context.Background(), Options{Dir: dir, Logger: log})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Start on a running folder: %v, want ErrInUse", err)
	}
	if got := queryInt(t, c, DefaultDatabase, "select 1"); got != 1 {
		t.Fatal("the first cluster stopped answering")
	}
}

func TestRunningConnStringReachesTheClusterAnotherProcessHolds(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	dir := t.TempDir()
	startCluster(t, dir)

	conn, err := RunningConnString(context.Background(), dir, DefaultDatabase)
	if err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var one int
	if err := c.QueryRow(context.Background(), "select 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("select 1: %d, %v", one, err)
	}
	if _, err := RunningConnString(context.Background(), t.TempDir(), DefaultDatabase); err == nil {
		t.Error("a folder with no running server gave a connection string")
	}
}

func TestClusterRunsAsSystemUserWhenRoot(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	if os.Geteuid() != 0 {
		t.Skip("only root switches to the system user")
	}
	c := startCluster(t, t.TempDir())
	uid := clusterUID(t)
	if uid == 0 {
		t.Fatal("the system user is root")
	}
	if got, _ := processUID(t, c.postmasterPID()); got != uid {
		t.Errorf("postmaster runs as uid %d, want %d (%s)", got, uid, SystemUser)
	}
	for _, pid := range postgresProcessesIn(t, c.DataDir()) {
		if got, ok := processUID(t, pid); ok && got != uid {
			t.Errorf("postgres process %d runs as uid %d, want %d", pid, got, uid)
		}
	}
	fi, err := os.Stat(c.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	if got := int(fi.Sys().(*syscall.Stat_t).Uid); got != uid {
		t.Errorf("data folder belongs to uid %d, want %d", got, uid)
	}
	// Root connects over the socket although the folder is the system user's 0700.
	if got := queryInt(t, c, DefaultDatabase, "select 1"); got != 1 {
		t.Fatal("root cannot query")
	}
}

func TestRootMakesAncestorsTraversable(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	if os.Geteuid() != 0 {
		t.Skip("only root runs the cluster as another user")
	}
	closed := filepath.Join(t.TempDir(), "closed")
	if err := os.Mkdir(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	log, buf := testLogger(t)
	c, err := Start(context.Background(), Options{Dir: filepath.Join(closed, "pg"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(t, c)
	fi, err := os.Stat(closed)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o701 {
		t.Errorf("mode of %s = %o, want 701 (only o+x added)", closed, fi.Mode().Perm())
	}
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "folder="+closed) {
		t.Errorf("no warning names %s; log:\n%s", closed, buf)
	}
}

func TestLongSocketPathUsesShortTmpFolder(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	dir := filepath.Join(t.TempDir(), strings.Repeat("long", 25))
	log, buf := testLogger(t)
	c, err := Start(context.Background(), Options{Dir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	sock := c.socketDir
	if !strings.HasPrefix(sock, "/tmp/pgembed-") || len(filepath.Join(sock, socketName())) > maxSocketPath {
		t.Errorf("socket folder = %s, want a short folder under /tmp", sock)
	}
	fi, err := os.Lstat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 || int(fi.Sys().(*syscall.Stat_t).Uid) != clusterUID(t) {
		t.Errorf("socket folder mode %o owner %d, want 700 and %d", fi.Mode().Perm(), fi.Sys().(*syscall.Stat_t).Uid, clusterUID(t))
	}
	if !strings.Contains(buf.String(), "level=DEBUG") || !strings.Contains(buf.String(), "/tmp") {
		t.Error("no debug log says the socket went under /tmp")
	}
	if got := queryInt(t, c, DefaultDatabase, "select 1"); got != 1 {
		t.Fatal("select 1")
	}
	stop(t, c)
	if fileExists(sock) {
		t.Errorf("Stop left the socket folder %s", sock)
	}
}

func TestEmptyBinDirReturnsErrNoServerBinaries(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "pg")
	log, _ := testLogger(t)
	_, err := Start(context.Background(), Options{Dir: dir, Logger: log, BinDir: t.TempDir()})
	if !errors.Is(err, ErrNoServerBinaries) {
		t.Fatalf("Start with an empty BinDir: %v, want ErrNoServerBinaries", err)
	}
	t.Logf("Start failed as it should: %v", err)
	for _, want := range []string{"postgresql", "apt-get install postgresql", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if fileExists(dir) {
		t.Error("Start created the cluster folder although it could not run a server")
	}
}

func TestVersionMismatchIsRefused(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	dir := t.TempDir()
	versionFile := filepath.Join(dir, "data", "PG_VERSION")
	if err := os.MkdirAll(filepath.Dir(versionFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(versionFile, []byte("9.4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	log, _ := testLogger(t)
	_, err := Start(context.Background(), Options{Dir: dir, Logger: log})
	if err == nil || !strings.Contains(err.Error(), "created by PostgreSQL 9.4") {
		t.Fatalf("Start on a 9.4 cluster: %v, want an error naming the version", err)
	}
	if !fileExists(versionFile) {
		t.Error("Start deleted the cluster's files")
	}
}

func TestNonEmptyDataFolderWithoutClusterIsRefused(t *testing.T) {
	t.Parallel()
	needBinaries(t)
	dir := t.TempDir()
	precious := filepath.Join(dir, "data", "precious.txt")
	if err := os.MkdirAll(filepath.Dir(precious), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(precious, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	log, _ := testLogger(t)
	_, err := Start(context.Background(), Options{Dir: dir, Logger: log})
	if err == nil || !strings.Contains(err.Error(), "no PG_VERSION") {
		t.Fatalf("Start on a folder of other files: %v, want a refusal", err)
	}
	if !fileExists(precious) {
		t.Error("Start deleted a file in the data folder")
	}
}

func TestOptionsAreChecked(t *testing.T) {
	t.Parallel()
	log, _ := testLogger(t)
	cases := map[string]Options{
		"no logger": {Dir: t.TempDir()},
		"no dir":    {Logger: log},
		"quote":     {Dir: filepath.Join(t.TempDir(), `a"b`), Logger: log},
	}
	for name, opts := range cases {
		if _, err := Start(context.Background(), opts); err == nil {
			t.Errorf("%s: Start succeeded", name)
		}
	}
}

// replaceFirstLine replaces the first line of a file, keeping its mode and owner.
func replaceFirstLine(t *testing.T, path, line string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), "\n")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n" + rest); err != nil {
		t.Fatal(err)
	}
}

// groupOf returns the primary gid of a user, or -1.
func groupOf(t *testing.T, name string) int {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		return -1
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return -1
	}
	return gid
}

// postmasterPID (for the tests) returns the process id of the postmaster started by Start.
func (c *Cluster) postmasterPID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pid
}
