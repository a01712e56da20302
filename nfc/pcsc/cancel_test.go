//go:build cgo || windows

package pcsc

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/apcvkit/apcvkit/nfc"
)

// The cut of a hung call where the context's socket cannot be shut down
// (Windows, macOS): SCardCancel on the Card's own context. Wine's winscard
// is a stub and no pcscd exists there, so these tests drive that path with
// a fake context and card that behave as winscard documents (a cancel ends
// the context's calls waiting on the card, with SCARD_E_CANCELLED) or as a
// driver that ignores the cancel. On Linux, the socket path is tested
// through the real pcscd (faults_test.go).

// fakeSC is a PC/SC context whose cards hang in Transmit until Cancel
// (honourCancel) or until answer is closed.
type fakeSC struct {
	honourCancel bool
	cancels      atomic.Int32
	releases     atomic.Int32

	once      sync.Once
	cancelled chan struct{} // closed by the first Cancel when honourCancel
	answer    chan struct{} // closed by the test: the card answers at last
	entered   chan struct{} // the Transmit has begun
}

func newFakeSC(honourCancel bool) *fakeSC {
	return &fakeSC{honourCancel: honourCancel, cancelled: make(chan struct{}),
		answer: make(chan struct{}), entered: make(chan struct{}, 1)}
}

func (f *fakeSC) Cancel() error {
	f.cancels.Add(1)
	if f.honourCancel {
		f.once.Do(func() { close(f.cancelled) })
	}
	return nil
}

func (f *fakeSC) Release() error { f.releases.Add(1); return nil }

func (f *fakeSC) Transmit(cmd []byte) ([]byte, error) {
	f.entered <- struct{}{}
	select {
	case <-f.cancelled:
		return nil, scard.ErrCancelled
	case <-f.answer:
		return []byte{0x90, 0x00}, nil
	}
}

func (f *fakeSC) BeginTransaction() error                { return nil }
func (f *fakeSC) EndTransaction(scard.Disposition) error { return nil }
func (f *fakeSC) Reconnect(scard.ShareMode, scard.Protocol, scard.Disposition) error {
	return nil
}
func (f *fakeSC) Disconnect(scard.Disposition) error { return nil }

// fakeCard returns a Card on f as Connect makes it where the socket is not
// known (fd -1: Windows, macOS).
func fakeCard(f *fakeSC) *Card {
	return &Card{reader: "fake", sc: f, card: f, fd: -1, events: -1}
}

// settle waits until the number of goroutines is back to before.
func settle(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left running (was %d)", runtime.NumGoroutine(), before)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCancelCutsHungTransmit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		wantIs error
	}{
		{"APDU deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 60*time.Millisecond)
		}, nfc.ErrPhoneTimeout},
		{"ctx cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(30*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"ctx deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 30*time.Millisecond)
		}, nfc.ErrPhoneTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			f := newFakeSC(true)
			k := fakeCard(f)
			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			_, err := k.Transmit(ctx, []byte{0x00, 0xA4, 0x04, 0x00})
			if !errors.Is(err, tc.wantIs) {
				t.Fatalf("Transmit: %v; want %v", err, tc.wantIs)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("Transmit returned after %v", d)
			}
			// The Card is dead: no new call reaches the card.
			if _, err := k.Transmit(context.Background(), []byte{0x00}); !errors.Is(err, tc.wantIs) {
				t.Errorf("second Transmit: %v; want the first error", err)
			}
			if err := k.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if f.cancels.Load() == 0 {
				t.Error("no SCardCancel sent")
			}
			if n := f.releases.Load(); n != 1 {
				t.Errorf("context released %d times, want 1", n)
			}
			settle(t, before)
		})
	}
}

// A driver that ignores SCardCancel: the caller still gets its error on
// time, Close does not hang on the card, and the goroutine left with the
// call releases the context when the card answers at last.
func TestCancelIgnored(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFakeSC(false)
	k := fakeCard(f)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Millisecond)
	defer cancel()
	if _, err := k.Transmit(ctx, []byte{0x00, 0xB0, 0x00, 0x00}); !errors.Is(err, nfc.ErrPhoneTimeout) {
		t.Fatalf("Transmit: %v; want ErrPhoneTimeout", err)
	}
	start := time.Now()
	if err := k.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v with a hung call", d)
	}
	if n := f.cancels.Load(); n != cancelTries {
		t.Errorf("%d cancels sent, want %d", n, cancelTries)
	}
	if n := f.releases.Load(); n != 0 {
		t.Fatalf("context released %d times while its call still runs", n)
	}
	close(f.answer)
	deadline := time.Now().Add(3 * time.Second)
	for f.releases.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	settle(t, before)
	if n := f.releases.Load(); n != 1 {
		t.Errorf("context released %d times after the call returned, want 1", n)
	}
}

// A card that answers in time: no cancel, the answer is returned, and Close
// releases the context once.
func TestNoCancelWhenAnswered(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFakeSC(true)
	close(f.answer)
	k := fakeCard(f)
	rsp, err := k.Transmit(context.Background(), []byte{0x00, 0xA4, 0x04, 0x00})
	if err != nil || len(rsp) != 2 || rsp[0] != 0x90 {
		t.Fatalf("Transmit = % x, %v", rsp, err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if f.cancels.Load() != 0 || f.releases.Load() != 1 {
		t.Errorf("cancels %d, releases %d; want 0, 1", f.cancels.Load(), f.releases.Load())
	}
	settle(t, before)
}
