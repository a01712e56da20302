// Package filelock takes an exclusive lock on a file shared by processes of
// one machine: flock(2) on Linux, macOS and the BSDs, LockFileEx on Windows.
// The lock belongs to the open file: it is released by Unlock, or by the
// system when the process dies (a killed holder never leaves the file
// locked).
//
// Limits: a local file lock. On a network share (NFS, SMB) file locks are
// unreliable; the file must be on a local disk.
package filelock

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// ErrTimeout: another process held the lock for longer than the wait.
var ErrTimeout = errors.New("filelock: lock held by another process")

// Lock is an exclusive lock held on a file.
type Lock struct {
	f *os.File
}

// Acquire opens (creating it, mode 0600) the file at path and takes its
// exclusive lock, waiting at most wait for another holder: past it, an
// error wrapping ErrTimeout. The lock also excludes other Locks of this
// process on the same file (each Acquire opens the file anew).
func Acquire(path string, wait time.Duration) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filelock: %w", err)
	}
	deadline := time.Now().Add(wait)
	pause := time.Millisecond
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("filelock: %s: %w", path, err)
		}
		if ok {
			return &Lock{f: f}, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			f.Close()
			return nil, fmt.Errorf("filelock: %s after %v: %w", path, wait, ErrTimeout)
		}
		time.Sleep(min(pause, left))
		pause = min(2*pause, 10*time.Millisecond)
	}
}

// Unlock releases the lock and closes the file. A second Unlock is a no-op.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("filelock: unlock: %w", err)
	}
	return nil
}
