//go:build cgo || windows

package pcsc_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

// session runs the six APDUs of pcsctest.Session6 and stops at the first
// error, returning how many APDUs were answered.
func session(ctx context.Context, c *pcsc.Context, reader string) (int, error) {
	k, err := c.Connect(ctx, reader)
	if err != nil {
		return 0, err
	}
	defer k.Close()
	for i, cmd := range pcsctest.Session6() {
		rsp, err := k.Transmit(ctx, cmd)
		if err != nil {
			return i, err
		}
		if len(rsp) < 2 || rsp[len(rsp)-2] != 0x90 {
			return i, fmt.Errorf("APDU %d: answer %X", i+1, rsp[max(0, len(rsp)-2):])
		}
	}
	return 6, k.Close()
}

// TestTearing takes the phone away before each APDU of a six-APDU session:
// the session fails with nfc.ErrPhoneRemoved at that APDU, the next tap
// reads fine, and nothing leaks.
func TestTearing(t *testing.T) {
	var count, removeAt atomic.Int32
	fault := func(_ int, _ []byte) vpcd.Fault {
		if count.Add(1) == removeAt.Load() {
			return vpcd.Fault{Remove: true, Away: 600 * time.Millisecond}
		}
		return vpcd.Fault{}
	}
	_, reader := phone(t, "pcsc", vpcd.Options{Fault: fault})
	c := newContext(t)
	ctx := context.Background()
	if n, err := session(ctx, c, reader); err != nil {
		t.Fatalf("warm-up session: %d APDUs, %v", n, err)
	}
	base := pcsctest.Snapshot()
	for at := 1; at <= 6; at++ {
		t.Run(fmt.Sprintf("before APDU %d", at), func(t *testing.T) {
			count.Store(0)
			removeAt.Store(int32(at))
			n, err := session(ctx, c, reader)
			removeAt.Store(0)
			if !errors.Is(err, nfc.ErrPhoneRemoved) {
				t.Fatalf("after %d APDUs: err = %v, want nfc.ErrPhoneRemoved", n, err)
			}
			if n != at-1 {
				t.Errorf("failed after %d APDUs, want %d", n, at-1)
			}
			// Depending on when pcscd polls, PC/SC reports the removal, or
			// vpcd answers nothing.
			var code scard.Error
			if errors.As(err, &code) {
				if code != scard.ErrNotTransacted && code != scard.ErrRemovedCard {
					t.Errorf("scard error %v (%#x), want ErrNotTransacted or ErrRemovedCard", code, uint32(code))
				}
			} else if !errors.Is(err, pcsc.ErrNoStatusWord) {
				t.Errorf("err = %v: neither a scard.Error nor ErrNoStatusWord", err)
			}
			t.Logf("torn: %v", err)
			pcsctest.WaitCard(t, reader, false, presentTimeout)
			pcsctest.WaitCard(t, reader, true, presentTimeout)
			if n, err := session(ctx, c, reader); err != nil {
				t.Fatalf("next tap: %d APDUs, %v", n, err)
			}
		})
	}
	pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
}

// TestConnectCloseNoLeak connects and closes 200 times.
func TestConnectCloseNoLeak(t *testing.T) {
	_, reader := phone(t, "pcsc", vpcd.Options{})
	c := newContext(t)
	ctx := context.Background()
	cycle := func() {
		k, err := c.Connect(ctx, reader)
		if err != nil {
			t.Fatal(err)
		}
		wantSW(t, mustTransmit(t, k, pcsctest.SelectCommand()), 0x9000)
		if err := k.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Transmit(ctx, pcsctest.SelectCommand()); !errors.Is(err, pcsc.ErrCardClosed) {
			t.Fatalf("Transmit after Close: %v, want ErrCardClosed", err)
		}
	}
	cycle()
	base := pcsctest.Snapshot()
	for range 200 {
		cycle()
	}
	pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
}

// TestHungPhone: a phone that never answers fails the call with
// nfc.ErrPhoneTimeout at ctx's deadline or at TransmitWithin's bound (nfc.Read's
// per-APDU limit), or with ctx's error when it is cancelled, leaves no
// goroutine, and the next tap works.
func TestHungPhone(t *testing.T) {
	// The phone answers long after every bound below, then the subtest waits
	// for that late answer: pcscd's reader thread, blocked meanwhile, is
	// free again before the next subtest (a phone cut off while pcscd still
	// waits for it confuses vpcd for several seconds). The call must return
	// within slack of its bound: a call not cut returns with the late answer
	// (hang), later than any loaded machine delays one that is cut.
	const (
		hang  = 3 * time.Second
		slack = 1500 * time.Millisecond
	)
	for _, tc := range []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		bound  time.Duration
		want   []error
		within time.Duration // TransmitWithin's bound, 0: Transmit
	}{
		{"ctx deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		},
			200 * time.Millisecond, []error{nfc.ErrPhoneTimeout, context.DeadlineExceeded}, 0},
		{"ctx cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}, 100 * time.Millisecond, []error{context.Canceled}, 0},
		{"TransmitWithin bound", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, 200 * time.Millisecond, []error{nfc.ErrPhoneTimeout, context.DeadlineExceeded}, 200 * time.Millisecond},
		{"TransmitWithin, ctx deadline first", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, 200 * time.Millisecond, []error{nfc.ErrPhoneTimeout, context.DeadlineExceeded}, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card, reader := phone(t, "pcsc", vpcd.Options{Fault: vpcd.Once(2, vpcd.Fault{Delay: hang})})
			c := newContext(t)
			base := pcsctest.Snapshot()
			k, err := c.Connect(context.Background(), reader)
			if err != nil {
				t.Fatal(err)
			}
			wantSW(t, mustTransmit(t, k, pcsctest.SelectCommand()), 0x9000)
			// The clock starts before the context: its deadline counts from
			// its making, and a late start would see it fire "early".
			start := time.Now()
			ctx, cancel := tc.ctx()
			defer cancel()
			cmd := pcsctest.Command(pcsctest.InsEcho, 0, 0, []byte{1, 2, 3})
			if tc.within > 0 {
				_, err = k.TransmitWithin(ctx, cmd, tc.within)
			} else {
				_, err = k.Transmit(ctx, cmd)
			}
			took := time.Since(start)
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want %v", err, want)
				}
			}
			if took < tc.bound || took > tc.bound+slack {
				t.Errorf("returned after %v, want %v (and well before the phone's answer at %v)", took, tc.bound, hang)
			}
			if _, err := k.Transmit(context.Background(), pcsctest.SelectCommand()); err == nil {
				t.Errorf("Transmit on a cut card succeeded")
			}
			if err := k.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if c.HasSpare() {
				t.Error("a Card cut short gave its context back for the next tap")
			}
			pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
			// The late answer: the card has had the hung APDU (the 2nd),
			// which it gets after the delay, and vpcd writes its answer
			// right after. Waited for, not slept for from start: on a
			// loaded machine the APDU may reach vpcd well after start.
			for late := time.Now().Add(hang + 10*time.Second); card.APDUs() < 2; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(late) {
					t.Fatalf("the hung phone never answered (%d APDUs)", card.APDUs())
				}
			}
			time.Sleep(100 * time.Millisecond) // for vpcd's write of the answer
		})
	}
	// The phone is back (a new tap, as the card that hung is gone with its
	// subtest): a session works.
	_, reader := phone(t, "pcsc", vpcd.Options{})
	pcsctest.WaitCard(t, reader, true, presentTimeout)
	c := newContext(t)
	if n, err := session(context.Background(), c, reader); err != nil {
		t.Fatalf("after a hung phone: %d APDUs, %v", n, err)
	}
}

// TestSharingViolation: a reader held exclusively by another application.
func TestSharingViolation(t *testing.T) {
	_, reader := phone(t, "pcsc", vpcd.Options{})
	other, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Release()
	held, err := other.Connect(reader, scard.ShareExclusive, scard.ProtocolAny)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Disconnect(scard.LeaveCard)
	c := newContext(t)
	k, err := c.Connect(context.Background(), reader)
	if err == nil {
		k.Close()
		t.Fatal("Connect succeeded on a reader held exclusively")
	}
	if !errors.Is(err, nfc.ErrSharingViolation) || !errors.Is(err, scard.ErrSharingViolation) {
		t.Errorf("err = %v, want nfc.ErrSharingViolation", err)
	}
}
