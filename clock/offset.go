package clock

import (
	"sync"
	"time"
)

// Offset is the real clock shifted by an offset that Advance increases: a
// virtual clock that keeps ticking with real time. The emulator runs on one
// when a tester wants a world in the past or the future that desks using
// the real time can still read ("apcv emulate --clock-offset D --advance
// D"): the phone activated 91 days ago (offset -91d), then 91 days
// advanced, holds a credential that a real desk finds expired now.
//
// Its timers are real timers: a duration is waited in real time, and
// Advance does not fire them (use a Fake for that). It is safe for
// concurrent use.
type Offset struct {
	mu  sync.Mutex
	off time.Duration
}

// NewOffset returns a clock d ahead of the real time (behind when d < 0).
func NewOffset(d time.Duration) *Offset { return &Offset{off: d} }

// Now returns the real time plus the offset.
func (o *Offset) Now() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return time.Now().Add(o.off)
}

// Advance moves the clock forward by d (a negative d is ignored).
func (o *Offset) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.off += d
}

// Offset returns how far ahead of the real time the clock is.
func (o *Offset) Offset() time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.off
}

// NewTimer returns a real timer for d.
func (o *Offset) NewTimer(d time.Duration) Timer { return Real{}.NewTimer(d) }

// AfterFunc calls f after d of real time.
func (o *Offset) AfterFunc(d time.Duration, f func()) Timer { return Real{}.AfterFunc(d, f) }

var _ Clock = (*Offset)(nil)
