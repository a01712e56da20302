package pcsc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ebfe/scard"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/nfc"
)

// setupBound bounds each PC/SC call of Connect and Close whose ctx has no
// sooner deadline: they talk to pcscd rather than to the phone's applet,
// and must not hang the desk if the reader does. Transmit has no bound of
// its own: its ctx bounds it.
const setupBound = 5 * time.Second

// ErrCardClosed is returned by the calls made on a closed Card, or on a Card
// whose PC/SC session was cut to stop a hung call.
var ErrCardClosed = errors.New("pcsc: card closed")

// ErrNoStatusWord is wrapped, with nfc.ErrPhoneRemoved, when a transmit
// returns an answer shorter than a status word: vpcd does so when the phone
// leaves the field during the exchange, and no card answers that way.
var ErrNoStatusWord = errors.New("pcsc: answer without status word")

var _ apdu.Transport = (*Card)(nil)

// Card is a phone (or card) connected in shared mode inside a PC/SC
// transaction, so no other application interleaves its APDUs with ours. It
// implements apdu.Transport. Its methods may be called from several
// goroutines; calls are serialised.
//
// Every call is bounded by its ctx: give Transmit a ctx with a deadline
// (nfc.Read gives each APDU one, nfc.Options.APDUTimeout). PC/SC itself
// never times out a card that stops answering (pcscd waits forever for vpcd,
// and for some drivers): when ctx is done the Card cuts its own connection
// to pcscd so the blocked call returns, fails with an error wrapping
// nfc.ErrPhoneTimeout (a deadline) or ctx's error, and is unusable
// afterwards (Close it and connect again). On Linux with pcsc-lite this
// leaves no goroutine behind. Where the Card cannot find its connection
// (other systems), the blocked call is left running in a goroutine until the
// card answers or leaves, and Close waits for it.
type Card struct {
	reader string
	atr    []byte
	events int // the reader's card-event count at connection, -1 if unknown

	mu   sync.Mutex // serialises calls
	sc   *scard.Context
	card *scard.Card
	dead error // set once the Card cannot be used any more
	wg   sync.WaitGroup

	// The bound of the call in progress (see call1).
	ctxDone chan struct{}
	why     atomic.Int32

	fdMu     sync.Mutex
	fd       int  // the context's socket, -1 if unknown
	released bool // fd is closed (or may be reused)
}

// Connect connects to the phone on reader in shared mode (T=1 or T=0) and
// begins a transaction, each step bounded by ctx and by 5 s. An empty reader fails with nfc.ErrNoPhone, a missing
// one with nfc.ErrUnknownReader, a reader held exclusively by another
// application with nfc.ErrSharingViolation. The Card has a PC/SC context of
// its own, so a hung phone never blocks c.
func (c *Context) Connect(ctx context.Context, reader string) (*Card, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("pcsc: connect %q: context closed", reader)
	}
	sc, fd, err := establish()
	if err != nil {
		return nil, err
	}
	k := &Card{reader: reader, sc: sc, fd: fd, events: -1}
	ctx, cancel := context.WithTimeout(ctx, setupBound)
	defer cancel()
	err = k.call(ctx, func() error {
		card, err := sc.Connect(reader, scard.ShareShared, scard.ProtocolAny)
		if err != nil {
			return wrap(fmt.Sprintf("connect %q", reader), err)
		}
		k.card = card
		return nil
	})
	if err == nil {
		err = k.call(ctx, func() error {
			return wrap("begin transaction", k.card.BeginTransaction())
		})
	}
	if err == nil {
		err = k.call(ctx, func() error {
			st, err := k.card.Status()
			if err != nil {
				return wrap("status", err)
			}
			k.atr = st.Atr
			return nil
		})
	}
	if err == nil {
		// The reader's card-event count, for WaitForCardRemoval. Best
		// effort: a PC/SC that does not report it leaves -1.
		err = k.call(ctx, func() error {
			rs := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
			if sc.GetStatusChange(rs, 0) == nil && rs[0].EventState&scard.StatePresent != 0 {
				k.events = eventCount(rs[0].EventState)
			}
			return nil
		})
	}
	if err != nil {
		k.Close()
		return nil, err
	}
	return k, nil
}

// Reader returns the name of the reader the card is on.
func (k *Card) Reader() string { return k.reader }

// ATR returns the card's answer to reset as read at connection.
func (k *Card) ATR() []byte { return k.atr }

// Transmit sends one command APDU and returns the response APDU, status word
// included. A phone taken away fails with an error wrapping
// nfc.ErrPhoneRemoved, a phone that has not answered by ctx's deadline with
// nfc.ErrPhoneTimeout; errors.As finds the scard.Error when PC/SC gave one.
// Without a deadline on ctx, Transmit waits as long as the phone stays.
func (k *Card) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	var rsp []byte
	err := k.call(ctx, func() error {
		var err error
		rsp, err = k.card.Transmit(cmd)
		return wrap("transmit", err)
	})
	if err == nil && len(rsp) < 2 {
		// vpcd answers nothing when the phone left during the exchange.
		return nil, fmt.Errorf("pcsc: transmit: %w (%w)", nfc.ErrPhoneRemoved, ErrNoStatusWord)
	}
	return rsp, err
}

// Close ends the transaction and disconnects, leaving the card as it is
// (SCARD_LEAVE_CARD): no reset, so another application or the next
// transaction is not charged a power cycle; the phone's applet session ends
// when the phone leaves the field or the next reader selects it. Close waits
// for any call still running (see Card) and is safe to call more than once.
func (k *Card) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.sc == nil {
		return nil
	}
	var errs []error
	if k.card != nil && k.dead == nil {
		ctx, cancel := context.WithTimeout(context.Background(), setupBound)
		errs = append(errs,
			k.call1(ctx, func() error { return wrap("end transaction", k.card.EndTransaction(scard.LeaveCard)) }),
			k.call1(ctx, func() error { return wrap("disconnect", k.card.Disconnect(scard.LeaveCard)) }))
		cancel()
	}
	k.wg.Wait()
	k.fdMu.Lock()
	k.released = true
	k.fdMu.Unlock()
	_ = k.sc.Release() // fails when the socket was cut; the fd is closed anyway
	k.sc, k.card = nil, nil
	if k.dead == nil {
		k.dead = ErrCardClosed
	}
	return errors.Join(errs...)
}

// call runs f, one PC/SC call, under the Card's lock and bounds.
func (k *Card) call(ctx context.Context, f func() error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.call1(ctx, f)
}

// abort cuts the context's socket, unless it is already closed.
func (k *Card) abort() {
	k.fdMu.Lock()
	defer k.fdMu.Unlock()
	if !k.released && k.fd >= 0 {
		shutdownSocket(k.fd)
	}
}

// Why a call was cut short.
const cutContext = 1

// call1 is call with k.mu held. The channel is the Card's, reused from call
// to call.
func (k *Card) call1(ctx context.Context, f func() error) error {
	if k.dead != nil {
		return k.dead
	}
	if k.sc == nil {
		return ErrCardClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pcsc: %w", err)
	}
	if k.fd < 0 {
		return k.callInGoroutine(ctx, f)
	}
	k.why.Store(0)
	var stop func() bool
	if ctx.Done() != nil {
		if k.ctxDone == nil {
			k.ctxDone = make(chan struct{}, 1)
		}
		stop = context.AfterFunc(ctx, k.onContextDone)
	}
	err := f()
	if stop != nil && !stop() {
		<-k.ctxDone
	}
	if k.why.Load() == cutContext {
		k.dead = ctxError(ctx)
		return k.dead
	}
	return err
}

func (k *Card) onContextDone() {
	if k.why.CompareAndSwap(0, cutContext) {
		k.abort()
	}
	k.ctxDone <- struct{}{}
}

// ctxError is the error of a call cut short by ctx: a deadline is the
// phone's timeout too.
func ctxError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("pcsc: %w (%w)", nfc.ErrPhoneTimeout, ctx.Err())
	}
	return fmt.Errorf("pcsc: %w", ctx.Err())
}

// callInGoroutine bounds f when the socket cannot be cut: f keeps running
// after ctx is done, tracked by k.wg.
func (k *Card) callInGoroutine(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		done <- f()
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		k.dead = ctxError(ctx)
	}
	return k.dead
}
