package clock_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func TestOrNilIsReal(t *testing.T) {
	if _, ok := clock.Or(nil).(clock.Real); !ok {
		t.Fatalf("Or(nil) = %T, want clock.Real", clock.Or(nil))
	}
	fc := clock.NewFake(t0)
	if clock.Or(fc) != clock.Clock(fc) {
		t.Fatal("Or(fake) did not return the fake")
	}
	before := time.Now()
	if got := clock.Now(nil); got.Before(before) {
		t.Fatalf("Now(nil) = %v, before %v", got, before)
	}
	if got := clock.Since(fc, t0.Add(-time.Hour)); got != time.Hour {
		t.Fatalf("Since = %v, want 1h", got)
	}
}

func TestRealTimer(t *testing.T) {
	tm := clock.Real{}.NewTimer(time.Millisecond)
	select {
	case <-tm.C():
	case <-time.After(5 * time.Second):
		t.Fatal("real timer did not fire")
	}
	done := make(chan struct{})
	clock.Real{}.AfterFunc(time.Millisecond, func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("real AfterFunc did not run")
	}
}

func TestFakeTimerBoundaries(t *testing.T) {
	tests := []struct {
		name    string
		timer   time.Duration
		advance time.Duration
		fired   bool
	}{
		{"one second early", 48 * time.Hour, 48*time.Hour - time.Second, false},
		{"exactly due", 48 * time.Hour, 48 * time.Hour, true},
		{"one second late", 48 * time.Hour, 48*time.Hour + time.Second, true},
		{"negative advance ignored", time.Second, -time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := clock.NewFake(t0)
			tm := fc.NewTimer(tt.timer)
			fc.Advance(tt.advance)
			select {
			case at := <-tm.C():
				if !tt.fired {
					t.Fatal("timer fired early")
				}
				if want := t0.Add(tt.timer); !at.Equal(want) {
					t.Fatalf("timer sent %v, want its due time %v", at, want)
				}
			default:
				if tt.fired {
					t.Fatal("timer did not fire")
				}
			}
			if tt.advance > 0 && !fc.Now().Equal(t0.Add(tt.advance)) {
				t.Fatalf("Now = %v, want %v", fc.Now(), t0.Add(tt.advance))
			}
		})
	}
}

func TestFakeOrderAndNowInsideCallbacks(t *testing.T) {
	fc := clock.NewFake(t0)
	var got []string
	fc.AfterFunc(3*time.Second, func() { got = append(got, fmt.Sprint("c@", fc.Now().Sub(t0))) })
	fc.AfterFunc(time.Second, func() {
		got = append(got, fmt.Sprint("a@", fc.Now().Sub(t0)))
		// a timer armed from a callback, due before the target, fires in the same Advance
		fc.AfterFunc(time.Second, func() { got = append(got, fmt.Sprint("b@", fc.Now().Sub(t0))) })
	})
	fc.Advance(10 * time.Second)
	want := "[a@1s b@2s c@3s]"
	if fmt.Sprint(got) != want {
		t.Fatalf("order = %v, want %v", got, want)
	}
	if fc.Pending() != 0 {
		t.Fatalf("Pending = %d after all fired", fc.Pending())
	}
}

func TestFakeStopReset(t *testing.T) {
	fc := clock.NewFake(t0)
	tm := fc.NewTimer(time.Minute)
	if !tm.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	if tm.Stop() {
		t.Fatal("second Stop returned true")
	}
	fc.Advance(time.Hour)
	select {
	case <-tm.C():
		t.Fatal("stopped timer fired")
	default:
	}
	if tm.Reset(time.Minute) {
		t.Fatal("Reset of a stopped timer reported pending")
	}
	fc.Advance(time.Minute)
	select {
	case <-tm.C():
	default:
		t.Fatal("reset timer did not fire")
	}
	fc.Set(t0) // backwards: ignored
	if fc.Now().Before(t0.Add(time.Hour + time.Minute)) {
		t.Fatal("Set moved the clock backwards")
	}
}

func TestFakeZeroDuration(t *testing.T) {
	fc := clock.NewFake(t0)
	select {
	case <-clock.After(fc, 0):
	default:
		t.Fatal("zero timer did not fire at once")
	}
	var mu sync.Mutex
	done := make(chan struct{})
	mu.Lock()
	fc.AfterFunc(0, func() { mu.Lock(); close(done); mu.Unlock() }) // must not deadlock
	mu.Unlock()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("zero AfterFunc did not run")
	}
}

func TestFakeConcurrent(t *testing.T) {
	fc := clock.NewFake(t0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	fired := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				fc.AfterFunc(time.Duration(i+j+1)*time.Millisecond, func() { mu.Lock(); fired++; mu.Unlock() })
				fc.Advance(time.Millisecond)
				_ = fc.Now()
			}
		}()
	}
	wg.Wait()
	fc.Advance(time.Hour)
	if fired != 8*50 {
		t.Fatalf("fired %d callbacks, want %d", fired, 8*50)
	}
}

func ExampleFake() {
	fc := clock.NewFake(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	deadline := fc.NewTimer(48 * time.Hour)
	fc.Advance(48*time.Hour - time.Second)
	select {
	case <-deadline.C():
		fmt.Println("expired")
	default:
		fmt.Println("still valid at", fc.Now().Format(time.DateTime))
	}
	fc.Advance(time.Second)
	fmt.Println("expired at", (<-deadline.C()).Format(time.DateTime))
	// Output:
	// still valid at 2025-03-03 08:59:59
	// expired at 2025-03-03 09:00:00
}
