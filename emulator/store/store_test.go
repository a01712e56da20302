package store_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/store"
	"github.com/apcvkit/apcvkit/internal/permtest"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		file string
		ok   bool
	}{
		{"plain", "state.json", true},
		{"empty name", "", false},
		{"path", "sub/state.json", false},
		{"parent", "../state.json", false},
		{"hidden", ".state.json", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := store.WriteFile(dir, tt.file, []byte("v1"), 0o600)
			if (err == nil) != tt.ok {
				t.Fatalf("WriteFile(%q) = %v", tt.file, err)
			}
		})
	}
	// Replacing keeps the permission asked for and leaves no temporary file.
	if err := store.WriteFile(dir, "state.json", []byte("v2"), 0o640); err != nil {
		t.Fatal(err)
	}
	got, err := store.ReadFile(dir, "state.json", 10)
	if err != nil || string(got) != "v2" {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "state.json")); fi.Mode().Perm() != permtest.Want(0o640, false) {
		t.Fatalf("mode %v, want %v", fi.Mode().Perm(), permtest.Want(0o640, false))
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("directory holds %d entries", len(ents))
	}
	// A target that cannot be replaced: error, old content kept, no temporary file.
	if err := os.Mkdir(filepath.Join(dir, "busy"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := store.WriteFile(dir, "busy", []byte("x"), 0o600); err == nil {
		t.Fatal("rename over a directory succeeded")
	}
	if n, _ := store.RemoveTemp(dir); n != 0 {
		t.Fatalf("a failed write left %d temporary files", n)
	}
	if err := store.WriteFile(filepath.Join(dir, "missing"), "f", nil, 0o600); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("write into a missing directory: %v", err)
	}
}

func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	if err := store.SyncDir(dir); err != nil {
		t.Fatalf("SyncDir(dir) = %v", err)
	}
	if err := store.SyncDir(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("SyncDir(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := store.ReadFile(dir, "none", 10); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if err := store.WriteFile(dir, "f", []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		max int64
		err error
	}{{10, nil}, {9, store.ErrTooLarge}, {0, store.ErrTooLarge}} {
		if _, err := store.ReadFile(dir, "f", tt.max); !errors.Is(err, tt.err) {
			t.Errorf("max %d: %v, want %v", tt.max, err, tt.err)
		}
	}
}

func TestRemoveTempAndMkdirAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := store.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := store.MkdirAll(dir, 0o700); err != nil { // exists: fine
		t.Fatal(err)
	}
	for _, n := range []string{".state.json.tmp-123", ".k.pem.tmp-9", "state.json", ".hidden", "x.tmp-1"} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600)
	}
	n, err := store.RemoveTemp(dir)
	if err != nil || n != 2 {
		t.Fatalf("RemoveTemp = %d, %v; want 2", n, err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 3 {
		t.Fatalf("%d entries left, want 3", len(ents))
	}
	file := filepath.Join(dir, "state.json")
	if err := store.MkdirAll(file, 0o700); err == nil {
		t.Fatal("MkdirAll over a file succeeded")
	}
}

func Example() {
	dir, _ := os.MkdirTemp("", "state")
	defer os.RemoveAll(dir)
	if err := store.WriteFile(dir, "counter", []byte("41"), 0o600); err != nil {
		panic(err)
	}
	if err := store.WriteFile(dir, "counter", []byte("42"), 0o600); err != nil { // durable on return
		panic(err)
	}
	b, _ := store.ReadFile(dir, "counter", 16)
	fmt.Println(string(b))
	// Output: 42
}

// A file open for reading is replaced once its reader closes it, and
// ReadFile amid a stream of replacements never fails: on Windows, where Go
// opens files without FILE_SHARE_DELETE and MoveFileEx cannot replace an
// open file, both failed with "Access denied" (an issuer's save while
// another instance on its directory read state.json) before WriteFile and
// ReadFile waited for the other handle. On Unix both hold without waiting.
// The readers read every millisecond, a busy service's rate: readers that
// never pause, so that one of them always holds the file, would keep a
// Windows writer out until busyWait ends (a limit of MoveFileEx, said in
// busyWait's doc).
func TestReplaceWhileOpen(t *testing.T) {
	dir := t.TempDir()
	if err := store.WriteFile(dir, "state.json", []byte("v0"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() {
		time.Sleep(100 * time.Millisecond)
		f.Close()
		close(closed)
	}()
	err = store.WriteFile(dir, "state.json", []byte("v1"), 0o600)
	<-closed
	if err != nil {
		t.Fatalf("WriteFile over a file open for reading: %v", err)
	}
	if got, err := store.ReadFile(dir, "state.json", 16); err != nil || string(got) != "v1" {
		t.Fatalf("after the replacement: %q, %v; want v1", got, err)
	}

	// Two readers while a writer replaces the file 200 times.
	done := make(chan struct{})
	var wg sync.WaitGroup
	var reads [2]int
	for r := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				got, err := store.ReadFile(dir, "state.json", 16)
				if err != nil || !strings.HasPrefix(string(got), "v") {
					t.Errorf("reader %d: %q, %v", r, got, err)
					return
				}
				reads[r]++
				time.Sleep(time.Millisecond)
			}
		}()
	}
	for n := 2; n < 202; n++ {
		if err := store.WriteFile(dir, "state.json", []byte(fmt.Sprintf("v%d", n)), 0o600); err != nil {
			t.Errorf("write %d amid reads: %v", n, err)
			break
		}
	}
	close(done)
	wg.Wait()
	if reads[0] == 0 || reads[1] == 0 {
		t.Errorf("reads during the writes: %v, want some by each reader", reads)
	}
	if got, err := store.ReadFile(dir, "state.json", 16); err != nil || string(got) != "v201" {
		t.Errorf("at the end: %q, %v; want v201", got, err)
	}
}
