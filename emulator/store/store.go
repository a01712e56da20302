package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/internal/winshare"
)

// ErrTooLarge is returned by ReadFile for a file larger than its limit.
var ErrTooLarge = errors.New("store: file too large")

// tempPrefix and tempInfix name temporary files: "." + name + ".tmp-" + random.
const tempInfix = ".tmp-"

// WriteFile replaces dir/name with data, atomically and durably: data go to
// a temporary file in dir, which is synced, given perm, renamed over name,
// and then the rename itself is made durable (Unix: dir is synced; Windows:
// the rename is done write-through, see SyncDir). When it returns nil the
// new content is on stable storage; when it fails (or the process dies at
// any point) dir/name holds either its previous content or the new one.
// name must be a plain file name.
//
// On Windows perm sets only the read-only attribute (perm without 0o200, as
// os.Chmod does there): who may read the file is decided by the ACL dir
// passes on to it, so keep state directories in a per-user folder such as
// %LOCALAPPDATA%.
func WriteFile(dir, name string, data []byte, perm os.FileMode) (err error) {
	if name == "" || filepath.Base(name) != name || strings.HasPrefix(name, ".") {
		return fmt.Errorf("store: write %q: not a plain file name", name)
	}
	f, err := os.CreateTemp(dir, "."+name+tempInfix+"*")
	if err != nil {
		return fmt.Errorf("store: write %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: write %s: %w", name, err)
	}
	if err = rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("store: write %s: %w", name, err)
	}
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("store: write %s: %w", name, err)
	}
	return nil
}

// MkdirAll creates dir with perm (and its parents) and syncs the parent of
// every directory it created, so that the directory itself survives a crash.
func MkdirAll(dir string, perm os.FileMode) error {
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("store: %s: not a directory", dir)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := MkdirAll(parent, perm); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, perm); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("store: %w", err)
	}
	if err := SyncDir(parent); err != nil {
		return fmt.Errorf("store: sync %s: %w", parent, err)
	}
	return nil
}

// ReadFile reads dir/name, refusing more than max bytes with ErrTooLarge. A
// file never written returns an error wrapping fs.ErrNotExist.
//
// On Windows a file being replaced by another writer's rename may refuse
// to open for a moment: ReadFile then waits, as WriteFile's rename waits
// for a reader (busyWait).
func ReadFile(dir, name string, max int64) ([]byte, error) {
	var f *os.File
	err := winshare.Retry(busyWait, func() (err error) {
		f, err = os.Open(filepath.Join(dir, name))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: read: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("store: read %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("store: read %s: more than %d bytes: %w", name, max, ErrTooLarge)
	}
	return data, nil
}

// busyWait is how long ReadFile and WriteFile's rename wait for another
// handle on the file (winshare.Retry: Windows only). A reader holds
// state.json for the time of one read, a writer for one rename: on Windows
// WriteFile's rename failed with "Access denied" while another instance on
// the directory read the file. Readers that never pause, one of them
// always holding the file, keep a Windows writer out for busyWait, and the
// write then fails with that error: MoveFileEx replaces no open file.
const busyWait = 2 * time.Second

// IsTemp reports whether name is a temporary file left by WriteFile.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempInfix)
}

// RemoveTemp removes the temporary files a killed writer left in dir and
// returns how many it removed. Call it only when no writer is running on
// dir (when the directory is opened).
func RemoveTemp(dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	n := 0
	for _, e := range ents {
		if e.Type().IsRegular() && IsTemp(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, fmt.Errorf("store: %w", err)
			}
			n++
		}
	}
	if n > 0 {
		if err := SyncDir(dir); err != nil {
			return n, fmt.Errorf("store: %w", err)
		}
	}
	return n, nil
}
