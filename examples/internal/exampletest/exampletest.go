// Package exampletest holds what the examples' tests share: an output
// buffer a test can wait on while the example runs, and a lists directory
// written from an emulated world.
package exampletest

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator"
)

// Buffer is an io.Writer safe for concurrent use whose content a test can
// wait on.
type Buffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced at each Write
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return n, err
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitFor waits until the output contains s, failing the test after
// timeout.
func (b *Buffer) WaitFor(t testing.TB, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		found := strings.Contains(b.buf.String(), s)
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		b.mu.Unlock()
		if found {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("output does not show %q within %v; it is:\n%s", s, timeout, b.String())
		}
	}
}

// WriteLists writes w's list authority key and signed lists into a new
// lists directory (as `apcv emulate --lists-out` does) and returns it.
func WriteLists(t testing.TB, w *emulator.World) string {
	t.Helper()
	dir := t.TempDir()
	if err := w.WriteLists(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	return dir
}
