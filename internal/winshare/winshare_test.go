package winshare

import (
	"errors"
	"io/fs"
	"testing"
	"time"
)

// Retry returns f's first error that is not Busy at once, and calls f
// once on success; on Windows a Busy error is retried until f succeeds.
func TestRetry(t *testing.T) {
	calls := 0
	if err := Retry(time.Second, func() error { calls++; return nil }); err != nil || calls != 1 {
		t.Errorf("success: %v after %d calls, want nil after 1", err, calls)
	}
	calls = 0
	start := time.Now()
	if err := Retry(time.Second, func() error { calls++; return fs.ErrNotExist }); !errors.Is(err, fs.ErrNotExist) || calls != 1 || time.Since(start) > 500*time.Millisecond {
		t.Errorf("not busy: %v after %d calls in %v, want ErrNotExist at once", err, calls, time.Since(start))
	}
	if busyErr == nil {
		return // nothing is Busy on this system
	}
	calls = 0
	if err := Retry(time.Minute, func() error {
		if calls++; calls < 4 {
			return busyErr
		}
		return nil
	}); err != nil || calls != 4 {
		t.Errorf("busy three times: %v after %d calls, want nil after 4", err, calls)
	}
	calls = 0
	start = time.Now()
	if err := Retry(20*time.Millisecond, func() error { calls++; return busyErr }); !Busy(err) || calls < 2 || time.Since(start) < 20*time.Millisecond {
		t.Errorf("busy for good: %v after %d calls in %v, want busy after the wait", err, calls, time.Since(start))
	}
}
