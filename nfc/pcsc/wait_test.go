//go:build cgo || windows

package pcsc_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

func TestWaitForPhoneContext(t *testing.T) {
	_, empty := pcsctest.Require(t, "pcsc2")
	pcsctest.WaitCard(t, empty, false, presentTimeout)
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
			// its making, and a late start would see it fire "early".
			start := time.Now()
			ctx, cancel := tc.ctx()
			defer cancel()
			got, err := c.WaitForPhone(ctx, []string{empty})
			took := time.Since(start)
			if !errors.Is(err, tc.want) {
				t.Errorf("WaitForPhone = %q, %v; want %v", got, err, tc.want)
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

func TestWaitForPhone(t *testing.T) {
	addr, reader := pcsctest.Require(t, "pcsc2")
	_, other := pcsctest.Require(t, "pcsc")
	pcsctest.WaitCard(t, reader, false, presentTimeout)
	c := newContext(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// The phone comes 300 ms after the wait began.
	t.Cleanup(func() { pcsctest.WaitCard(t, reader, false, presentTimeout) })
	start := time.Now()
	ready := make(chan struct{})
	time.AfterFunc(300*time.Millisecond, func() { close(ready) })
	type result struct {
		reader string
		err    error
	}
	waited := make(chan result, 1)
	go func() {
		r, err := c.WaitForPhone(ctx, []string{other, reader})
		waited <- result{r, err}
	}()
	<-ready
	pcsctest.Serve(t, addr, new(pcsctest.Card), vpcd.Options{})
	res := <-waited
	got, err := res.reader, res.err
	if err != nil || got != reader {
		t.Fatalf("WaitForPhone = %q, %v; want %q", got, err, reader)
	}
	t.Logf("phone seen %v after the wait began", time.Since(start))

	// Every contactless reader: this one has a phone (others may too,
	// from other packages' tests).
	got, err = c.WaitForPhone(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	readers, err := c.ListReaders()
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(readers, func(r pcsc.Reader) bool { return r.Name == got }); i < 0 || !readers[i].Contactless {
		t.Errorf("WaitForPhone(nil) = %q, not a listed contactless reader", got)
	}

	if _, err := c.WaitForPhone(ctx, []string{"APCV No Such Reader 00 00"}); !errors.Is(err, nfc.ErrUnknownReader) {
		t.Errorf("unknown reader: %v, want nfc.ErrUnknownReader", err)
	}
}
