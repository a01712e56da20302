// Package leaktest checks, in tests, that the goroutines a test started
// have ended.
package leaktest

import (
	"runtime"
	"testing"
	"time"
)

// WaitGoroutines waits up to 10 s for the number of goroutines to fall back
// to before (runtime.NumGoroutine taken before the test started its own),
// then fails the test with every goroutine's stack.
func WaitGoroutines(t testing.TB, before int) {
	t.Helper()
	n := 0
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if n = runtime.NumGoroutine(); n <= before {
			return
		}
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
}
