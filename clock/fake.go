package clock

import (
	"slices"
	"sync"
	"time"
)

// Fake is a clock that moves only when told to. It is safe for concurrent
// use. Timers fall due in Advance or Set: channel timers receive the fake
// time without blocking (buffer of one, like time.Timer), AfterFunc
// functions run synchronously in the caller of Advance, after the clock's
// lock is released, in due order. A timer made with a duration of zero or
// less fires at once (an AfterFunc then runs in its own goroutine, as with
// time.AfterFunc). Time never goes backwards.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64 // orders timers with the same due time
	timers []*fakeTimer
}

// NewFake returns a fake clock set at start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d (a negative d is ignored) and fires
// the timers that fall due.
func (f *Fake) Advance(d time.Duration) {
	if d < 0 {
		d = 0
	}
	f.mu.Lock()
	f.setLocked(f.now.Add(d))
}

// Set moves the clock to t if t is later than the fake time and fires the
// timers that fall due.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	if t.Before(f.now) {
		t = f.now
	}
	f.setLocked(t)
}

// setLocked is called with f.mu held and releases it. Timers are fired one
// at a time so that an AfterFunc that arms a new timer due before the target
// time sees it fire in the same call.
func (f *Fake) setLocked(target time.Time) {
	for {
		i := -1 // the earliest timer due by target
		for j, t := range f.timers {
			if !t.when.After(target) && (i < 0 || t.before(f.timers[i])) {
				i = j
			}
		}
		if i < 0 {
			break
		}
		t := f.timers[i]
		f.timers = slices.Delete(f.timers, i, i+1)
		if t.when.After(f.now) {
			f.now = t.when
		}
		now := f.now
		f.mu.Unlock()
		t.fire(now)
		f.mu.Lock()
	}
	f.now = target
	f.mu.Unlock()
}

// Pending returns the number of timers waiting to fire.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// NewTimer returns a timer that fires when the fake time reaches Now()+d.
func (f *Fake) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{clock: f, c: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// AfterFunc returns a timer that calls fn when the fake time reaches Now()+d.
func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	t := &fakeTimer{clock: f, fn: fn}
	t.Reset(d)
	return t
}

type fakeTimer struct {
	clock *Fake
	c     chan time.Time
	fn    func()
	when  time.Time // guarded by clock.mu
	seq   uint64    // guarded by clock.mu
}

func (t *fakeTimer) before(u *fakeTimer) bool {
	return t.when.Before(u.when) || (t.when.Equal(u.when) && t.seq < u.seq)
}

func (t *fakeTimer) fire(now time.Time) {
	if t.fn != nil {
		t.fn()
		return
	}
	select {
	case t.c <- now:
	default: // like time.Timer: a value already waits
	}
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	f := t.clock
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.removeLocked(t)
}

func (f *Fake) removeLocked(t *fakeTimer) bool {
	i := slices.Index(f.timers, t)
	if i < 0 {
		return false
	}
	f.timers = slices.Delete(f.timers, i, i+1)
	return true
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	f := t.clock
	f.mu.Lock()
	pending := f.removeLocked(t)
	if d < 0 {
		d = 0
	}
	t.when = f.now.Add(d)
	now := f.now
	if d == 0 {
		// Due now: fire at once, as time.Timer would; an AfterFunc runs in
		// its own goroutine, as with time.AfterFunc, so that a caller
		// holding a lock the function takes does not deadlock.
		f.mu.Unlock()
		if t.fn != nil {
			go t.fn()
		} else {
			t.fire(now)
		}
		return pending
	}
	f.seq++
	t.seq = f.seq
	f.timers = append(f.timers, t)
	f.mu.Unlock()
	return pending
}

var _ Clock = (*Fake)(nil)
