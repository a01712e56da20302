package store

import (
	"os"

	"golang.org/x/sys/windows"

	"github.com/apcvkit/apcvkit/internal/winshare"
)

// rename replaces newpath with oldpath and returns only once the rename is
// on disk: MoveFileEx with MOVEFILE_WRITE_THROUGH, retried while another
// handle holds newpath (busyWait). Windows gives programs no
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
	err = winshare.Retry(busyWait, func() error {
		return windows.MoveFileEx(from, to, windows.MOVEFILE_REPLACE_EXISTING|windows.MOVEFILE_WRITE_THROUGH)
	})
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
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
