// Package testlog gives tests a *slog.Logger that writes through t.Log, at
// debug level, so that the records of the code under test show with
// `go test -v` and with a failing test's output:
//
//	opts := vpcd.Options{Logger: testlog.New(t)}
//
// Records that arrive after the test has ended (from a goroutine still
// winding down) are dropped: t.Log would panic.
package testlog

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
)

// New returns a logger writing to t.Log until t ends.
func New(t testing.TB) *slog.Logger {
	w := &writer{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type writer struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Helper()
		w.t.Log(string(bytes.TrimSuffix(p, []byte("\n"))))
	}
	return len(p), nil
}
