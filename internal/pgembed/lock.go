package pgembed

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// dirLock is an exclusive flock on <Dir>/pgembed.lock. The kernel drops it when the process
// dies, however it dies, so a lock that is free means no live process owns the folder. The file
// is opened close-on-exec, so the server processes we start never inherit it.
type dirLock struct {
	f *os.File
}

// lockDir takes the folder's lock without waiting, and records our pid in the file so that the
// next process can say who holds it.
func lockDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgembed: open lock file: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		_ = f.Close()
		holder := "another process"
		if pid := readPIDLine(path); pid > 0 {
			holder = "process " + strconv.Itoa(pid)
		}
		return nil, fmt.Errorf("%w: %s is held by %s (lock file %s); stop it, or give this one another folder",
			ErrInUse, dir, holder, path)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("pgembed: lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dirLock{f: f}, nil
}

// release unlocks and closes the lock file; it keeps the file, since deleting a lock file
// lets two processes lock two different files.
func (l *dirLock) release() {
	if l == nil || l.f == nil {
		return
	}
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
	l.f = nil
}
