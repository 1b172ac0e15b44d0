package pgembed

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Reading /proc is how we find the server processes of a cluster whose Go process was killed:
// they are no children of ours, and a killed postmaster's children outlive it for a moment.

// procStat returns the state letter and parent pid of a process; ok is false when it is gone.
func procStat(pid int) (state byte, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// "pid (comm) S ppid ...": comm may hold spaces and parentheses, so cut at the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 2 || len(fields[0]) != 1 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(fields[1])
	return fields[0][0], ppid, true
}

// processAlive reports whether pid runs. A zombie is dead: it holds no resources, but nobody
// may have reaped it yet (PID 1 in a container often does not), and kill(pid, 0) still succeeds.
func processAlive(pid int) bool {
	state, _, ok := procStat(pid)
	return ok && state != 'Z' && state != 'X'
}

// belonging says whether a process belongs to a cluster.
type belonging int

const (
	notOurs belonging = iota
	ours
	unsure // a postgres whose folder we cannot see
)

// belongsTo tells whether process pid is a live postgres process of the cluster whose data
// directory is dataDir and whose cluster_name is name. Every postgres process works in its data
// directory, so /proc/<pid>/cwd decides; when that is hidden (root without CAP_SYS_PTRACE), the
// command line does: the postmaster's holds "-D <dataDir>", its children's show cluster_name.
func belongsTo(pid int, dataDir, name string) belonging {
	if !processAlive(pid) {
		return notOurs
	}
	base := "/proc/" + strconv.Itoa(pid)
	comm, err := os.ReadFile(base + "/comm")
	if err != nil {
		return notOurs
	}
	if c := strings.TrimSpace(string(comm)); c != "postgres" && c != "postmaster" {
		return notOurs
	}
	if cwd, err := os.Readlink(base + "/cwd"); err == nil {
		if sameDir(strings.TrimSuffix(cwd, " (deleted)"), dataDir) {
			return ours
		}
		return notOurs
	}
	raw, err := os.ReadFile(base + "/cmdline")
	if err != nil {
		return unsure
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00 "), "\x00")
	if strings.HasPrefix(args[0], "postgres: ") { // a child: its title is "postgres: <cluster_name>: ..."
		if strings.HasPrefix(args[0], "postgres: "+name+": ") {
			return ours
		}
		return notOurs
	}
	for i, a := range args {
		d, found := "", false
		switch {
		case a == "-D" && i+1 < len(args):
			d, found = args[i+1], true
		case strings.HasPrefix(a, "-D") && len(a) > 2:
			d, found = a[2:], true
		}
		if !found {
			continue
		}
		if !filepath.IsAbs(d) {
			return unsure
		}
		if sameDir(d, dataDir) {
			return ours
		}
		return notOurs
	}
	return unsure
}

// sameDir compares two folder paths, the first possibly not cleaned or with symlinks.
func sameDir(p, dataDir string) bool {
	if filepath.Clean(p) == dataDir {
		return true
	}
	resolved, err := filepath.EvalSymlinks(p)
	return err == nil && resolved == dataDir
}

// clusterProcesses lists the live postgres processes of the cluster.
func clusterProcesses(dataDir, name string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if belongsTo(pid, dataDir, name) == ours {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitFor polls cond until it holds or timeout passes, and reports whether it held.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signalAll sends sig to each pid, ignoring those already gone.
func signalAll(pids []int, sig syscall.Signal) {
	for _, pid := range pids {
		_ = syscall.Kill(pid, sig)
	}
}
