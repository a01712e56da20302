package filelock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// A second holder (another open of the file, as another process has) waits,
// times out with ErrTimeout, and gets the lock once the first releases it.
func TestExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.lock")
	a, err := Acquire(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(path, 20*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("second Acquire while held: %v, want ErrTimeout", err)
	}
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := a.Unlock(); err != nil {
		t.Fatalf("second Unlock: %v", err)
	}
	b, err := Acquire(path, time.Second)
	if err != nil {
		t.Fatalf("Acquire after Unlock: %v", err)
	}
	b.Unlock()
}

// Another process: the child holds the lock until its stdin closes; the
// parent cannot take it meanwhile, and can once the child is gone.
func TestOtherProcess(t *testing.T) {
	if p := os.Getenv("FILELOCK_HOLD"); p != "" {
		l, err := Acquire(p, time.Second)
		if err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("held\n")
		var b [1]byte
		os.Stdin.Read(b[:]) // until the parent closes it
		l.Unlock()
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "state.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestOtherProcess$")
	cmd.Env = append(os.Environ(), "FILELOCK_HOLD="+path)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var buf [5]byte
	if n, err := out.Read(buf[:]); err != nil || string(buf[:n]) != "held\n" {
		t.Fatalf("child: %q %v", buf[:n], err)
	}
	if _, err := Acquire(path, 50*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Acquire while the child holds it: %v, want ErrTimeout", err)
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	l, err := Acquire(path, time.Second)
	if err != nil {
		t.Fatalf("Acquire after the child: %v", err)
	}
	l.Unlock()
}
