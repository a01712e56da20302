package link

import (
	"context"
	"runtime"
	"time"
)

// Clock is the Link's source of time: it measures the phone's processing
// and, in real-time mode, paces frames. A nil Clock in Config means the
// system clock; tests inject a fake to make timing deterministic.
type Clock interface {
	Now() time.Time
	// WaitUntil returns when Now() has reached t, or ctx.Err() as soon as
	// ctx is done.
	WaitUntil(ctx context.Context, t time.Time) error
}

// spinWindow is how long before a deadline the system clock stops sleeping
// and spins (yielding with Gosched): timer wake-ups come late by tens of
// microseconds on an idle machine and by hundreds on a loaded one. Measured
// with BenchmarkNFCLink (benchmarks/) at load average 3 on 2 cores: with
// 50 µs a tap at 424 kbit/s took 1.20× its airtime, with 400 µs 1.06×.
// Spinning costs CPU only in real-time mode, which benchmarks and demos use.
const spinWindow = 400 * time.Microsecond

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) WaitUntil(ctx context.Context, t time.Time) error {
	if d := time.Until(t) - spinWindow; d > 0 {
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
	for time.Now().Before(t) {
		if err := ctx.Err(); err != nil {
			return err
		}
		runtime.Gosched()
	}
	return ctx.Err()
}
