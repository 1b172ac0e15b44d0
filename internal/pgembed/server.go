package pgembed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// maxSocketPath is the longest Unix socket path PostgreSQL accepts (sun_path is 108 bytes
	// with its terminating NUL).
	maxSocketPath = 107
	// maxLogSize is the size past which Start moves the server log to postgresql.log.1.
	maxLogSize = 10 << 20
	// maxFastStop bounds the wait for a fast shutdown before Stop escalates to an immediate one.
	maxFastStop = 30 * time.Second
	// minFastStop is the least time a fast shutdown is given, even when ctx is nearly done.
	minFastStop = 2 * time.Second
)

// socketName is the name PostgreSQL gives its socket file in the socket folder.
func socketName() string { return ".s.PGSQL." + strconv.Itoa(Port) }

// clusterName is the cluster_name setting: it shows in the ps title of every child process, which
// lets us recognise them when their working folder is hidden from us.
func clusterName(dir string) string { return "pgembed-" + shortHash(dir) }

// shortHash names things after a folder path.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// prepareFolders gives the folder to the cluster's user, creates the log and socket folders and
// decides where the socket goes.
func (c *Cluster) prepareFolders() error {
	if c.owner.switchUser {
		if err := makeTraversable(c.dir, c.owner, c.log); err != nil {
			return err
		}
		if err := chownTree(c.dir, c.owner); err != nil {
			return err
		}
	} else if fi, err := os.Stat(c.dataDir); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != c.owner.uid {
			return fmt.Errorf("pgembed: %s belongs to uid %d, not to this user (uid %d): run as that user, or as root",
				c.dataDir, st.Uid, c.owner.uid)
		}
	}
	if err := mkdirOwned(filepath.Join(c.dir, logSubdir), 0o700, c.owner); err != nil {
		return err
	}
	inside := filepath.Join(c.dir, socketSubdir)
	if err := mkdirOwned(inside, 0o700, c.owner); err != nil {
		return err
	}
	if err := os.Chmod(inside, 0o700); err != nil {
		return fmt.Errorf("pgembed: socket folder: %w", err)
	}
	if len(filepath.Join(inside, socketName())) <= maxSocketPath {
		c.socketDir = inside
		return nil
	}
	dir, err := c.shortSocketDir()
	if err != nil {
		return err
	}
	c.log.Debug("pgembed: the socket path in the cluster folder would pass the Unix limit of 107 bytes; using a private folder under /tmp",
		"too_long", filepath.Join(inside, socketName()), "socket_dir", dir)
	c.socketDir, c.tmpSocketDir = dir, true
	return nil
}

// shortSocketDir returns a private (0700) folder under /tmp for the socket. Its name follows from
// the cluster folder, so a server left by a killed run used the same one; if someone else owns a
// folder of that name, we make a fresh one with a random name.
func (c *Cluster) shortSocketDir() (string, error) {
	dir := "/tmp/pgembed-" + shortHash(c.dir)
	err := os.Mkdir(dir, 0o700)
	if err == nil {
		return dir, c.ownSocketDir(dir)
	}
	if errors.Is(err, fs.ErrExist) {
		fi, err := os.Lstat(dir)
		if err == nil && fi.IsDir() {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == c.owner.uid {
				return dir, c.ownSocketDir(dir)
			}
		}
		c.log.Warn("pgembed: socket folder name under /tmp is taken by someone else; using a random one", "taken", dir)
	}
	dir, err = os.MkdirTemp("/tmp", "pgembed-")
	if err != nil {
		return "", fmt.Errorf("pgembed: socket folder: %w", err)
	}
	return dir, c.ownSocketDir(dir)
}

// ownSocketDir makes a socket folder 0700 and gives it to the cluster's user.
func (c *Cluster) ownSocketDir(dir string) error {
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("pgembed: socket folder: %w", err)
	}
	if c.owner.switchUser {
		if err := os.Lchown(dir, c.owner.uid, c.owner.gid); err != nil {
			return fmt.Errorf("pgembed: socket folder: %w", err)
		}
	}
	return nil
}

// recoverFromEarlierRun deals with what a killed earlier run left behind. We hold the folder's
// lock, so any server still running on this data directory has lost its Go process: we stop it.
// Then nothing of this cluster runs, and a postmaster.pid or socket lock file left by a killed
// postmaster is stale: we remove it, since postgres would refuse to start if its pid has been
// reused by a live process (or by an unreaped zombie).
func (c *Cluster) recoverFromEarlierRun(ctx context.Context) error {
	pidFile := filepath.Join(c.dataDir, "postmaster.pid")
	procs := c.processes()
	if pid := readPIDLine(pidFile); pid > 0 && !slices.Contains(procs, pid) &&
		belongsTo(pid, c.dataDir, c.clusterName) == unsure {
		return fmt.Errorf("pgembed: %s names process %d, a postgres that may be serving this cluster: stop it, or remove the file if it does not",
			pidFile, pid)
	}
	if len(procs) > 0 {
		c.log.Warn("pgembed: a PostgreSQL server of an earlier run is still running on this folder (its program was killed); stopping it",
			"data", c.dataDir, "pids", procs)
		if err := c.shutdown(ctx); err != nil {
			return err
		}
	}
	if pid := readPIDLine(pidFile); pid > 0 || fileExists(pidFile) {
		if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("pgembed: remove stale %s: %w", pidFile, err)
		}
		c.log.Info("pgembed: removed the stale postmaster.pid of a server that was killed", "pid", pid, "data", c.dataDir)
	}
	for _, name := range []string{socketName(), socketName() + ".lock"} {
		p := filepath.Join(c.socketDir, name)
		if err := os.Remove(p); err == nil {
			c.log.Info("pgembed: removed a stale socket file", "path", p)
		}
	}
	return nil
}

// processes lists the live postgres processes of this cluster.
func (c *Cluster) processes() []int { return clusterProcesses(c.dataDir, c.clusterName) }

// initdb creates the cluster unless it exists. initdb works in a side folder that is renamed
// into place when it succeeds, so an interrupted initdb never looks like a cluster.
func (c *Cluster) initdb(ctx context.Context) error {
	if fileExists(filepath.Join(c.dataDir, "PG_VERSION")) {
		return nil
	}
	entries, err := os.ReadDir(c.dataDir)
	switch {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("pgembed: %s is not empty but holds no PostgreSQL cluster (no PG_VERSION): move it away", c.dataDir)
	case err == nil:
		if err := os.Remove(c.dataDir); err != nil {
			return fmt.Errorf("pgembed: initdb: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("pgembed: initdb: %w", err)
	}

	tmp := filepath.Join(c.dir, initdbSubdir)
	if err := os.RemoveAll(tmp); err != nil { // left by an interrupted initdb: it never held data
		return fmt.Errorf("pgembed: initdb: %w", err)
	}
	c.log.Info("pgembed: creating a new PostgreSQL cluster (initdb)", "data", c.dataDir, "version", c.version)
	err = c.run(ctx, "initdb", "-D", tmp, "--auth=trust", "--username="+SuperUser,
		"--encoding=UTF8", "--locale=C")
	if err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("pgembed: initdb: %w", err)
	}
	if err := ensureInclude(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, c.dataDir); err != nil {
		return fmt.Errorf("pgembed: initdb: %w", err)
	}
	return nil
}

// includeLine makes postgresql.conf read our settings; it goes last so they win.
const includeLine = "include_if_exists = '" + confName + "'"

// ensureInclude appends includeLine to the cluster's postgresql.conf unless it is there.
func ensureInclude(dataDir string) error {
	path := filepath.Join(dataDir, "postgresql.conf")
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("pgembed: configuration: %w", err)
	}
	if strings.Contains(string(b), includeLine) {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("pgembed: configuration: %w", err)
	}
	_, err = fmt.Fprintf(f, "\n# Added by pgembed (inspectrack): the settings it needs, rewritten at each start.\n%s\n", includeLine)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgembed: configuration: %w", err)
	}
	return nil
}

// writeConfig writes the settings the cluster runs with: only a Unix socket in its private
// folder, no TCP, and modest sizes for a small machine. fsync stays on: it is real data.
func (c *Cluster) writeConfig() error {
	if err := ensureInclude(c.dataDir); err != nil {
		return err
	}
	conf := fmt.Sprintf(`# Written by pgembed (inspectrack) at every start: edits here are lost.
# Change other settings in postgresql.conf or with ALTER SYSTEM.
listen_addresses = ''
port = %d
unix_socket_directories = %s
unix_socket_permissions = 0700
cluster_name = %s
max_connections = 100
shared_buffers = 128MB
fsync = on
synchronous_commit = on
full_page_writes = on
logging_collector = off
log_destination = 'stderr'
`, Port, confQuote(`"`+c.socketDir+`"`), confQuote(c.clusterName))
	return writeFileOwned(filepath.Join(c.dataDir, confName), []byte(conf), 0o600, c.owner)
}

// confQuote quotes a postgresql.conf string value.
func confQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}

// rotateLog moves a large server log aside, keeping one old file.
func (c *Cluster) rotateLog() {
	fi, err := os.Stat(c.logFile)
	if err != nil || fi.Size() < maxLogSize {
		return
	}
	if err := os.Rename(c.logFile, c.logFile+".1"); err != nil {
		c.log.Warn("pgembed: could not rotate the server log", "file", c.logFile, "err", err)
	}
}

// startServer runs pg_ctl start and waits until the server accepts connections.
func (c *Cluster) startServer(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout+15*time.Second)
	defer cancel()
	secs := strconv.Itoa(int(math.Ceil(timeout.Seconds())))
	err := c.run(ctx, "pg_ctl", "start", "-D", c.dataDir, "-l", c.logFile, "-w", "-t", secs, "-s")
	if err != nil {
		return fmt.Errorf("pgembed: start server: %w%s", err, c.logTail())
	}
	pid := readPIDLine(filepath.Join(c.dataDir, "postmaster.pid"))
	if pid == 0 || !processAlive(pid) {
		return fmt.Errorf("pgembed: start server: pg_ctl reported success but no server runs%s", c.logTail())
	}
	c.mu.Lock()
	c.pid = pid
	c.mu.Unlock()
	return nil
}

// shutdown stops every process of the cluster: pg_ctl stop -m fast, then -m immediate, and waits
// until none is left. Children of a killed postmaster get SIGQUIT, then SIGKILL. ctx only
// shortens the fast shutdown: the escalation always runs.
func (c *Cluster) shutdown(ctx context.Context) error {
	procs := c.processes()
	if len(procs) == 0 {
		return nil
	}
	fast := maxFastStop
	if deadline, ok := ctx.Deadline(); ok {
		fast = min(fast, time.Until(deadline))
	}
	fast = max(fast, minFastStop)

	// The postmaster is the one postmaster.pid names; without a (true) pid file, the process
	// whose parent is not of the cluster.
	pm := readPIDLine(filepath.Join(c.dataDir, "postmaster.pid"))
	viaPgCtl := pm > 0 && slices.Contains(procs, pm)
	if !viaPgCtl {
		pm = 0
		for _, p := range procs {
			if _, ppid, ok := procStat(p); ok && !slices.Contains(procs, ppid) {
				pm = p
				break
			}
		}
	}
	if pm > 0 && !c.stopPostmaster(pm, viaPgCtl, "fast", fast) {
		c.log.Warn("pgembed: fast shutdown did not finish in time; trying an immediate one", "pid", pm, "waited", fast)
		c.stopPostmaster(pm, viaPgCtl, "immediate", 10*time.Second)
	}

	gone := func() bool { return len(c.processes()) == 0 }
	if waitFor(5*time.Second, gone) {
		return nil
	}
	left := c.processes()
	c.log.Warn("pgembed: server processes are still running after shutdown; sending SIGQUIT", "pids", left)
	signalAll(left, syscall.SIGQUIT)
	if waitFor(5*time.Second, gone) {
		return nil
	}
	left = c.processes()
	c.log.Warn("pgembed: server processes ignored SIGQUIT; sending SIGKILL", "pids", left)
	signalAll(left, syscall.SIGKILL)
	if waitFor(10*time.Second, gone) {
		return nil
	}
	return fmt.Errorf("pgembed: stop server: processes %v of %s did not exit", c.processes(), c.dataDir)
}

// stopPostmaster asks postmaster pm for a shutdown in mode ("fast" or "immediate") with
// pg_ctl stop, or with the matching signal when no postmaster.pid names it, and reports whether
// it exited within timeout. We wait ourselves rather than with pg_ctl -w, which waits for
// postmaster.pid to go: a postmaster killed meanwhile never removes it, and kill(2) still
// succeeds on its zombie until someone reaps it.
func (c *Cluster) stopPostmaster(pm int, viaPgCtl bool, mode string, timeout time.Duration) bool {
	if viaPgCtl {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := c.run(ctx, "pg_ctl", "stop", "-D", c.dataDir, "-m", mode, "-W", "-s")
		cancel()
		if err != nil && processAlive(pm) {
			c.log.Warn("pgembed: pg_ctl stop failed", "mode", mode, "err", err)
		}
	} else {
		sig := syscall.SIGINT // fast shutdown
		if mode == "immediate" {
			sig = syscall.SIGQUIT
		}
		_ = syscall.Kill(pm, sig)
	}
	return waitFor(timeout, func() bool { return !processAlive(pm) })
}

// run runs one of the server binaries as the cluster's user and returns its output in the error.
func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Dir = "/" // our working folder may be closed to the cluster's user
	cmd.Env = serverEnv()
	cmd.SysProcAttr = c.owner.sysProcAttr()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// If we die, initdb and pg_ctl die too (the server pg_ctl starts does not: it is not
	// a direct child, and we find it again on the next start).
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.WaitDelay = 5 * time.Second
	began := time.Now()
	out, err := cmd.CombinedOutput()
	c.log.Debug("pgembed: ran "+name, "args", args, "took", time.Since(began).Round(time.Millisecond),
		"output", strings.TrimSpace(string(out)))
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// logTail returns the last lines of the server log, to put in an error.
func (c *Cluster) logTail() string {
	f, err := os.Open(c.logFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 4096
	if fi, err := f.Stat(); err == nil && fi.Size() > window {
		_, _ = f.Seek(-window, io.SeekEnd)
	}
	b, err := io.ReadAll(f)
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "\nlast lines of the server log " + c.logFile + ":\n" + strings.Join(lines, "\n")
}

// fileExists reports whether path exists.
func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
