package portal_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/portal"
)

// countingFile counts syncs.
type countingFile struct {
	failingFile
	syncs int
}

func (f *countingFile) Sync() error { f.syncs++; return f.File.Sync() }

// TestAppendNoSync: entries are in the file at once, one Sync covers them
// all, Close syncs what is left, and a write failure sticks.
func TestAppendNoSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cf := &countingFile{failingFile: failingFile{File: f, failAt: 4}}
	l := portal.NewAuditLog(cf, path)
	e := portal.AuditEntry{Time: time.Unix(0, 0).UTC(), Agent: "ps:10101234567", Action: "service/v2/resolve", Status: 200, Result: "ok"}
	for i := 0; i < 2; i++ {
		if err := l.AppendNoSync(e); err != nil {
			t.Fatal(err)
		}
	}
	if es, _, _ := portal.ReadAuditLog(path); len(es) != 2 || cf.syncs != 0 {
		t.Fatalf("%d entries, %d syncs before Sync", len(es), cf.syncs)
	}
	if err := l.Sync(); err != nil || cf.syncs != 1 {
		t.Fatalf("Sync: %v, %d syncs", err, cf.syncs)
	}
	if err := l.Sync(); err != nil || cf.syncs != 1 {
		t.Fatalf("a second Sync with nothing new synced again: %v, %d", err, cf.syncs)
	}
	if err := l.AppendNoSync(e); err != nil {
		t.Fatal(err)
	}
	if err := l.AppendNoSync(e); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("4th write: %v", err)
	}
	if err := l.Append(e); !errors.Is(err, syscall.ENOSPC) || !errors.Is(l.Err(), syscall.ENOSPC) {
		t.Fatalf("after a failure: %v / %v", err, l.Err())
	}
	l.Close()

	// Close syncs a log left dirty.
	path2 := filepath.Join(t.TempDir(), "audit.jsonl")
	f2, _ := os.OpenFile(path2, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	cf2 := &countingFile{failingFile: failingFile{File: f2}}
	l2 := portal.NewAuditLog(cf2, path2)
	l2.AppendNoSync(e)
	if err := l2.Close(); err != nil || cf2.syncs != 1 {
		t.Errorf("Close of a dirty log: %v, %d syncs", err, cf2.syncs)
	}
}
