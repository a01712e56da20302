//go:build !windows

package store

import (
	"errors"
	"os"
	"syscall"
)

// rename replaces newpath with oldpath; SyncDir(dir) then makes it durable.
func rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// SyncDir makes the entries of dir (creations, renames, removals) durable.
// File systems that cannot sync a directory (EINVAL, ENOTSUP) are not an
// error: they order metadata themselves or offer nothing better.
//
// On Windows, which has no directory flush, SyncDir only checks that dir is
// a directory: see sync_windows.go.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil
	}
	return err
}
