package permtest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apcvkit/apcvkit/internal/permtest"
)

// Want must agree with what this OS really reports.
func TestWant(t *testing.T) {
	dir := t.TempDir()
	for _, perm := range []os.FileMode{0o600, 0o640, 0o400, 0o644} {
		p := filepath.Join(dir, perm.String())
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), permtest.Want(perm, false); got != want {
			t.Errorf("file with %v: mode %v, Want says %v", perm, got, want)
		}
		os.Chmod(p, 0o600) // let TempDir remove it everywhere
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(sub)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), permtest.Want(0o700, true); got != want {
		t.Errorf("directory with 0700: mode %v, Want says %v", got, want)
	}
}
