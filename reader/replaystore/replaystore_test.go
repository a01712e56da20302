package replaystore_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/reader/replaystore"
)

var t0 = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

const ttl = 3*time.Minute + 30*time.Second

func open(t *testing.T, path string) *replaystore.Store {
	t.Helper()
	s, err := replaystore.Open(path, replaystore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAccept: the rules of credential.ReplayCache, across two Stores on one
// file (as two processes would hold them).
func TestAccept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "replay.db")
	a, b := open(t, path), open(t, path)
	cid := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	other := [8]byte{9}
	for _, step := range []struct {
		name   string
		s      *replaystore.Store
		cid    [8]byte
		ctr    uint32
		at     time.Time
		replay bool
	}{
		{"first", a, cid, 5, t0, false},
		{"same counter, other store", b, cid, 5, t0.Add(time.Second), true},
		{"lower counter", b, cid, 4, t0.Add(2 * time.Second), true},
		{"higher counter", b, cid, 6, t0.Add(3 * time.Second), false},
		{"other credential", a, other, 1, t0.Add(4 * time.Second), false},
		{"6 again, within the window", a, cid, 6, t0.Add(ttl), true},
		{"6 again, past the window", a, cid, 6, t0.Add(3*time.Second + ttl + time.Second), false},
	} {
		err := step.s.Accept(step.cid, step.ctr, step.at, ttl)
		if step.replay != errors.Is(err, credential.ErrReplayed) || (!step.replay && err != nil) {
			t.Fatalf("%s: %v", step.name, err)
		}
		if step.replay && apcverr.Code(err) == "" {
			t.Errorf("%s: no desk code: %v", step.name, err)
		}
	}
}

// TestExpiry: entries past the window are deleted as the store is used.
func TestExpiry(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "replay.db"))
	for i := range 50 {
		if err := s.Accept([8]byte{byte(i)}, 1, t0, ttl); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.Len(); n != 50 {
		t.Fatalf("Len = %d, want 50", n)
	}
	if err := s.Accept([8]byte{0xFF}, 1, t0.Add(ttl+time.Second), ttl); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Len(); n != 1 {
		t.Fatalf("after the window: Len = %d, want 1", n)
	}
}

// TestFull: a store full of live entries refuses rather than forget one.
func TestFull(t *testing.T) {
	s, err := replaystore.Open(filepath.Join(t.TempDir(), "replay.db"), replaystore.Options{MaxEntries: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.Accept([8]byte{byte(i)}, 1, t0, ttl); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Accept([8]byte{7}, 1, t0, ttl); !errors.Is(err, credential.ErrReplayed) {
		t.Fatalf("full store: %v", err)
	}
	if err := s.Accept([8]byte{7}, 1, t0.Add(ttl+time.Second), ttl); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// TestUnavailable: a file that is not a store, or one locked longer than
// LockTimeout, refuses with ErrUnavailable — never accepts unchecked.
func TestUnavailable(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "replay.db")
	if err := os.WriteFile(bad, []byte("not a database, but long enough to be read as a page header................"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := replaystore.Open(bad, replaystore.Options{LockTimeout: 100 * time.Millisecond}); !errors.Is(err, replaystore.ErrUnavailable) || apcverr.Code(err) != "replay-store-unavailable" {
		t.Fatalf("garbage file: %v", err)
	}
}

// TestConcurrent: goroutines racing on one credential and counter: exactly
// one is accepted.
func TestConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "replay.db")
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range 8 {
		s := open(t, path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Accept([8]byte{42}, 9, t0, ttl)
			if err == nil {
				mu.Lock()
				accepted++
				mu.Unlock()
			} else if !errors.Is(err, credential.ErrReplayed) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if accepted != 1 {
		t.Fatalf("%d accepted, want 1", accepted)
	}
}
