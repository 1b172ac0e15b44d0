package pgembed

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// owner is the operating-system user the cluster's files and processes belong to.
type owner struct {
	uid, gid   int
	switchUser bool // we are root: cluster commands run as SystemUser
}

// sysProcAttr makes a command run as the owner; nil when no switch is needed.
func (o owner) sysProcAttr() *syscall.SysProcAttr {
	if !o.switchUser {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{
		Uid:    uint32(o.uid),
		Gid:    uint32(o.gid),
		Groups: []uint32{}, // drop root's supplementary groups
	}}
}

// clusterOwner returns the current user, or, when running as root, SystemUser (created if
// missing): initdb and postgres refuse to run as root.
func clusterOwner(ctx context.Context, log *slog.Logger) (owner, error) {
	if os.Geteuid() != 0 {
		return owner{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	uid, gid, err := ensureSystemUser(ctx, log)
	if err != nil {
		return owner{}, err
	}
	return owner{uid: uid, gid: gid, switchUser: true}, nil
}

// ensureSystemUser looks SystemUser up and creates it with useradd when missing. Concurrent
// useradd runs can lose each other's entries, so creation is serialised by a lock file shared by
// every process on the machine, and the user is looked up again under that lock.
func ensureSystemUser(ctx context.Context, log *slog.Logger) (uid, gid int, err error) {
	if uid, gid, found, err := lookupSystemUser(); found || err != nil {
		return uid, gid, err
	}
	unlock, err := lockMachineWide(ctx, "inspectrack-pg.useradd.lock")
	if err != nil {
		return 0, 0, fmt.Errorf("pgembed: create user %s: %w", SystemUser, err)
	}
	defer unlock()
	if uid, gid, found, err := lookupSystemUser(); found || err != nil {
		return uid, gid, err
	}
	if err := addSystemUser(ctx); err != nil {
		return 0, 0, fmt.Errorf("pgembed: create user %s (needed because PostgreSQL refuses to run as root): %w", SystemUser, err)
	}
	uid, gid, found, err := lookupSystemUser()
	if err == nil && !found {
		err = errors.New("useradd succeeded but the user is not there")
	}
	if err != nil {
		return 0, 0, fmt.Errorf("pgembed: create user %s: %w", SystemUser, err)
	}
	log.Info("pgembed: created a system user to run PostgreSQL (it refuses to run as root)", "user", SystemUser, "uid", uid)
	return uid, gid, nil
}

// lookupSystemUser finds SystemUser; found is false when it does not exist.
func lookupSystemUser() (uid, gid int, found bool, err error) {
	u, err := user.Lookup(SystemUser)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("pgembed: look up user %s: %w", SystemUser, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, false, fmt.Errorf("pgembed: user %s: %w", SystemUser, err)
	}
	return uid, gid, true, nil
}

// lockMachineWide takes an exclusive flock on a file in /run/lock (or the first of /run,
// /var/lock, /tmp that exists), waiting for it until ctx ends or a minute passes.
func lockMachineWide(ctx context.Context, name string) (unlock func(), err error) {
	dir, err := firstExisting("", "/run/lock", "/run", "/var/lock", "/tmp")
	if err != nil {
		return nil, errors.New("no folder for a lock file")
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		if time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: held by another process for a minute", f.Name())
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// addSystemUser runs useradd --system --no-create-home --shell /usr/sbin/nologin.
func addSystemUser(ctx context.Context) error {
	useradd, err := firstExisting("useradd", "/usr/sbin/useradd", "/sbin/useradd")
	if err != nil {
		return errors.New("useradd not found: create the user yourself, or run as a non-root user")
	}
	shell, err := firstExisting("", "/usr/sbin/nologin", "/sbin/nologin", "/bin/false")
	if err != nil {
		shell = "/bin/false"
	}
	args := []string{"--system", "--no-create-home", "--shell", shell,
		"--comment", "inspectrack embedded PostgreSQL"}
	if _, err := user.LookupGroup(SystemUser); err == nil {
		args = append(args, "--gid", SystemUser)
	} else {
		args = append(args, "--user-group")
	}
	args = append(args, SystemUser)
	out, err := exec.CommandContext(ctx, useradd, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", useradd, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// firstExisting returns name found in PATH (when name is not empty), else the first of paths
// that exists.
func firstExisting(name string, paths ...string) (string, error) {
	if name != "" {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fs.ErrNotExist
}

// canSearch reports whether uid (with primary group gid and no other groups, as the cluster's
// processes run) may traverse a folder with these permissions.
func canSearch(fi fs.FileInfo, uid, gid int) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	switch {
	case uid == 0:
		return true
	case int(st.Uid) == uid:
		return perm&0o100 != 0
	case int(st.Gid) == gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// makeTraversable makes every ancestor of dir searchable by the owner. Where it is not, it adds
// only the search bit for others (o+x) and logs which folder it changed: a clone under /root
// (mode 0700) is the usual case.
func makeTraversable(dir string, own owner, log *slog.Logger) error {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("pgembed: check folder %s: %w", p, err)
		}
		if !canSearch(fi, own.uid, own.gid) {
			mode := fi.Mode().Perm() | 0o001
			if err := os.Chmod(p, mode|(fi.Mode()&(fs.ModeSticky|fs.ModeSetgid|fs.ModeSetuid))); err != nil {
				return fmt.Errorf("pgembed: let user %s traverse %s: %w", SystemUser, p, err)
			}
			log.Warn("pgembed: added the search bit for others (chmod o+x) so that PostgreSQL, running as "+
				SystemUser+", can reach its cluster folder", "folder", p, "mode", fmt.Sprintf("%04o", mode))
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// chownTree gives dir and everything in it to the owner, touching only what differs.
func chownTree(dir string, own owner) error {
	// A server of a killed run may still be creating and deleting files: skip what vanished.
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("pgembed: give %s to user %s: %w", dir, SystemUser, err)
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("pgembed: give %s to user %s: %w", path, SystemUser, err)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == own.uid && int(st.Gid) == own.gid {
			return nil
		}
		if err := os.Lchown(path, own.uid, own.gid); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("pgembed: give %s to user %s: %w", path, SystemUser, err)
		}
		return nil
	})
}

// mkdirOwned creates dir with perm unless it exists, and gives it to the owner.
func mkdirOwned(dir string, perm fs.FileMode, own owner) error {
	err := os.Mkdir(dir, perm)
	switch {
	case err == nil:
		if err := os.Chmod(dir, perm); err != nil { // undo the umask
			return fmt.Errorf("pgembed: create folder: %w", err)
		}
	case errors.Is(err, fs.ErrExist):
		fi, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("pgembed: create folder: %w", err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("pgembed: %s exists and is not a folder", dir)
		}
	default:
		return fmt.Errorf("pgembed: create folder: %w", err)
	}
	if own.switchUser {
		if err := os.Lchown(dir, own.uid, own.gid); err != nil {
			return fmt.Errorf("pgembed: give %s to user %s: %w", dir, SystemUser, err)
		}
	}
	return nil
}

// writeFileOwned writes a file that the cluster's processes must read.
func writeFileOwned(path string, data []byte, perm fs.FileMode, own owner) error {
	if err := os.WriteFile(path, data, perm); err != nil {
		return fmt.Errorf("pgembed: write %s: %w", path, err)
	}
	if own.switchUser {
		if err := os.Lchown(path, own.uid, own.gid); err != nil {
			return fmt.Errorf("pgembed: give %s to user %s: %w", path, SystemUser, err)
		}
	}
	return nil
}

// serverEnv is the environment of cluster commands: ours without PG* variables, which would
// change what pg_ctl and postgres do, and with the C locale so their messages are predictable.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}
