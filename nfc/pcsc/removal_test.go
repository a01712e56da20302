//go:build cgo || windows

package pcsc_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

// tap presents a test phone on the reader at addr until the returned
// function takes it away (it waits for Serve to return). The test's cleanup
// takes it away too.
func tap(t testing.TB, addr string) (takeAway func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- vpcd.Serve(ctx, addr, new(pcsctest.Card), vpcd.Options{}) }()
	stopped := false
	takeAway = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("vpcd.Serve: %v", err)
		}
	}
	t.Cleanup(takeAway)
	return takeAway
}

// The tests that time a wait's return lengthen the waits' poll bound to
// longPoll (pcsc.LongPolls): a wait left to its poll then takes 10 s, while
// one cancelled or answered promptly returns within promptly even on a
// loaded machine (2 cores, load 25: up to 1.6 s was seen between a
// cancellation and the return, through the test, pcscd and vpcd). With the
// real 0.5 s bound the two could only be told apart by a few hundred ms.
const (
	longPoll = 10 * time.Second
	promptly = 3 * time.Second
)

// returnsWithin runs f in a goroutine and returns its error, failing the
// test if f has not returned within d.
func returnsWithin(t testing.TB, d time.Duration, f func() error) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return time.Since(start), err
	case <-time.After(d):
		t.Fatalf("no return within %v", d)
		return 0, nil
	}
}

func TestWaitForRemoval(t *testing.T) {
	addr, reader := pcsctest.Require(t, "pcsc2")
	pcsctest.WaitCard(t, reader, false, presentTimeout)
	c := newContext(t)
	ctx := context.Background()
	pcsc.LongPolls(t, longPoll)

	// An empty reader: at once, not after a poll.
	took, err := returnsWithin(t, longPoll/2, func() error { return c.WaitForRemoval(ctx, reader) })
	if err != nil || took > promptly {
		t.Errorf("empty reader: %v after %v, want nil at once", err, took)
	}

	// A phone on the reader: WaitForRemoval returns once it is taken away,
	// not before.
	takeAway := tap(t, addr)
	pcsctest.WaitCard(t, reader, true, presentTimeout)
	base := pcsctest.Snapshot()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- c.WaitForRemoval(ctx, reader) }()
	select {
	case err := <-done:
		t.Fatalf("WaitForRemoval returned %v with the phone still on the reader", err)
	case <-time.After(700 * time.Millisecond): // more than one pcscd poll
	}
	takeAway()
	away := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("WaitForRemoval = %v", err)
		}
		t.Logf("removal seen %v after the phone left (waited %v)", time.Since(away), time.Since(start))
	case <-time.After(presentTimeout):
		t.Fatal("removal not seen")
	}
	pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)

	if err := c.WaitForRemoval(ctx, "APCV No Such Reader 00 00"); !errors.Is(err, nfc.ErrUnknownReader) {
		t.Errorf("unknown reader: %v, want nfc.ErrUnknownReader", err)
	}
}

func TestWaitForRemovalContext(t *testing.T) {
	addr, reader := pcsctest.Require(t, "pcsc2")
	pcsctest.WaitCard(t, reader, false, presentTimeout)
	// Cleanups run last first: the phone leaves, then this waits for it.
	t.Cleanup(func() { pcsctest.WaitCard(t, reader, false, presentTimeout) })
	tap(t, addr)
	pcsctest.WaitCard(t, reader, true, presentTimeout)
	c := newContext(t)
	pcsc.LongPolls(t, longPoll)
	for _, tc := range []struct {
		name  string
		ctx   func() (context.Context, context.CancelFunc)
		after time.Duration
		want  error
	}{
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(150*time.Millisecond, cancel)
			return ctx, cancel
		}, 150 * time.Millisecond, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 150*time.Millisecond)
		}, 150 * time.Millisecond, context.DeadlineExceeded},
		{"already cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, 0, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := pcsctest.Snapshot()
			// The clock starts before the context: its deadline counts from
			// its making, and a late start would see it fire "early" (CI saw
			// 147 ms for a 150 ms deadline when it started after).
			start := time.Now()
			ctx, cancel := tc.ctx()
			defer cancel()
			_, err := returnsWithin(t, longPoll/2, func() error { return c.WaitForRemoval(ctx, reader) })
			took := time.Since(start)
			if !errors.Is(err, tc.want) {
				t.Errorf("WaitForRemoval = %v, want %v", err, tc.want)
			}
			// Not before ctx is done, and prompt: the PC/SC wait is
			// cancelled, not left to its (10 s) poll.
			if took < tc.after || took > tc.after+promptly {
				t.Errorf("returned after %v, want %v", took, tc.after)
			}
			pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
		})
	}
}

// TestWaitForCardRemoval: the phone read last was taken away and tapped
// again before the wait began: WaitForCardRemoval returns at once (a new
// tap), while WaitForRemoval waits for the new phone to leave. The Card is
// connected straight (Connect asks pcscd for the reader's card-event count)
// or right after WaitForPhone (Connect takes the count WaitForPhone saw):
// both know the card left.
func TestWaitForCardRemoval(t *testing.T) {
	for _, afterWait := range []bool{false, true} {
		name := "Connect"
		if afterWait {
			name = "WaitForPhone+Connect"
		}
		t.Run(name, func(t *testing.T) { testWaitForCardRemoval(t, afterWait) })
	}
}

func testWaitForCardRemoval(t *testing.T, afterWait bool) {
	addr, reader := pcsctest.Require(t, "pcsc2")
	pcsctest.WaitCard(t, reader, false, presentTimeout)
	c := newContext(t)
	pcsc.LongPolls(t, longPoll)
	takeAway := tap(t, addr)
	pcsctest.WaitCard(t, reader, true, presentTimeout)
	k0, err := c.Connect(context.Background(), reader) // straight: the reference
	if err != nil {
		t.Fatal(err)
	}
	k0.Close()
	if afterWait {
		if got, err := c.WaitForPhone(context.Background(), []string{reader}); err != nil || got != reader {
			t.Fatalf("WaitForPhone = %q, %v", got, err)
		}
	}
	k, err := c.Connect(context.Background(), reader)
	if err != nil {
		t.Fatal(err)
	}
	if k.Events() < 0 || k.Events() != k0.Events() || !bytes.Equal(k.ATR(), k0.ATR()) || len(k.ATR()) == 0 {
		t.Errorf("card-event count %d, ATR % X; connected straight: %d, % X", k.Events(), k.ATR(), k0.Events(), k0.ATR())
	}
	wantSW(t, mustTransmit(t, k, pcsctest.SelectCommand()), 0x9000)
	k.Close()

	// Still the same phone: both wait.
	for name, wait := range map[string]func(context.Context) error{
		"WaitForRemoval":     func(ctx context.Context) error { return c.WaitForRemoval(ctx, reader) },
		"WaitForCardRemoval": func(ctx context.Context) error { return c.WaitForCardRemoval(ctx, k) },
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
		if err := wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s with the phone still there: %v, want the deadline", name, err)
		}
		cancel()
	}

	// Taken away and tapped again.
	takeAway()
	pcsctest.WaitCard(t, reader, false, presentTimeout)
	t.Cleanup(func() { pcsctest.WaitCard(t, reader, false, presentTimeout) })
	tap(t, addr)
	pcsctest.WaitCard(t, reader, true, presentTimeout)
	took, err := returnsWithin(t, longPoll/2, func() error { return c.WaitForCardRemoval(context.Background(), k) })
	if err != nil || took > promptly {
		t.Errorf("WaitForCardRemoval after a new tap: %v after %v, want nil at once", err, took)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	if err := c.WaitForRemoval(ctx, reader); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitForRemoval with the new phone there: %v, want the deadline", err)
	}
}

// TestCancelRacesWait cancels the waits just as they begin: a Cancel that
// reaches pcscd before its wait has started must not leave the wait to run
// to its poll bound (0.5 s, lengthened to longPoll here so that a lost
// Cancel stands out from a loaded machine's delays).
func TestCancelRacesWait(t *testing.T) {
	_, empty := pcsctest.Require(t, "pcsc")
	addr, full := pcsctest.Require(t, "pcsc2")
	pcsctest.WaitCard(t, full, false, presentTimeout)
	t.Cleanup(func() { pcsctest.WaitCard(t, full, false, presentTimeout) })
	tap(t, addr)
	pcsctest.WaitCard(t, full, true, presentTimeout)
	pcsctest.WaitCard(t, empty, false, presentTimeout)
	c := newContext(t)
	pcsc.LongPolls(t, longPoll)
	k, err := c.Connect(context.Background(), full)
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	base := pcsctest.Snapshot()
	for name, wait := range map[string]func(context.Context) error{
		"WaitForPhone": func(ctx context.Context) error {
			_, err := c.WaitForPhone(ctx, []string{empty})
			return err
		},
		"WaitForRemoval":     func(ctx context.Context) error { return c.WaitForRemoval(ctx, full) },
		"WaitForCardRemoval": func(ctx context.Context) error { return c.WaitForCardRemoval(ctx, k) },
	} {
		var slowest time.Duration
		for i := range 40 {
			ctx, cancel := context.WithCancel(context.Background())
			// Cancelled from another goroutine released at the same moment
			// as the wait (as when a Read ends while its source starts
			// waiting again), then later and later.
			go1 := make(chan struct{})
			go func() {
				<-go1
				for range i * 50 { // about 0 to 40 µs later
					runtime.Gosched()
				}
				cancel()
			}()
			start := time.Now()
			close(go1)
			err := wait(ctx)
			took := time.Since(start)
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("%s: %v, want context.Canceled", name, err)
			}
			if took > promptly { // a wait left to its poll takes longPoll
				t.Fatalf("%s (run %d): returned %v after its cancellation, want well under the %v poll", name, i+1, took, longPoll)
			}
			slowest = max(slowest, took)
		}
		t.Logf("%s: slowest return after a cancellation %v", name, slowest)
	}
	pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
}
