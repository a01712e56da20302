package store

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// rename replaces newpath with oldpath and returns only once the rename is
// on disk: MoveFileEx with MOVEFILE_WRITE_THROUGH, retried while another
// handle holds newpath (busy). Windows gives programs no
// way to flush a directory (FlushFileBuffers needs a handle opened for
// writing, which a directory cannot have: "Access denied"), so the rename
// itself must be durable, and this is the documented way to make it so.
func rename(oldpath, newpath string) error {
	from, err := windows.UTF16PtrFromString(oldpath)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	to, err := windows.UTF16PtrFromString(newpath)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	err = retryBusy(func() error {
		return windows.MoveFileEx(from, to, windows.MOVEFILE_REPLACE_EXISTING|windows.MOVEFILE_WRITE_THROUGH)
	})
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

// busy reports whether err is Windows refusing a file another handle holds:
// a rename over a file open for reading (Go opens files without
// FILE_SHARE_DELETE, and MoveFileEx cannot replace an open file whatever
// its sharing), or an open meeting a rename under way ("Access denied",
// "sharing violation"). Such a handle is held for the time of a read, so
// retryBusy waits it out; a real access denial is returned after its wait.
func busy(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION)
}

// SyncDir makes the entries of dir durable as far as Windows lets a program
// do so: there is no directory flush there, so SyncDir checks that dir is a
// directory and returns. WriteFile does not depend on it (its rename is
// write-through); a directory MkdirAll created becomes durable with the
// first WriteFile into it, since NTFS commits its metadata journal in order;
// a temporary file RemoveTemp removed may come back after a power loss, and
// is removed again at the next open.
func SyncDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return &os.PathError{Op: "sync", Path: dir, Err: windows.ERROR_DIRECTORY}
	}
	return nil
}
