//go:build cgo || windows

package pcsc

import (
	"bytes"
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

// setupBound bounds each PC/SC call of Connect and Close (as well as their
// ctx): they talk to pcscd rather than to the phone's applet, and must not
// hang the desk if the reader does. Transmit has no bound of its own: its
// ctx bounds it (and TransmitWithin's d).
const setupBound = 5 * time.Second

var _ apdu.Transport = (*Card)(nil)

// Card is a phone (or card) connected in shared mode inside a PC/SC
// transaction, so no other application interleaves its APDUs with ours. It
// implements apdu.Transport. Its methods may be called from several
// goroutines; calls are serialised.
//
// Every call is bounded by its ctx: give Transmit a ctx with a deadline
// (nfc.Read gives each APDU one, nfc.Options.APDUTimeout). PC/SC itself
// never times out a card that stops answering (pcscd waits forever for vpcd,
// and for some drivers): when ctx is done the call fails with an error
// wrapping nfc.ErrPhoneTimeout (a deadline) or ctx's error, and the Card is
// unusable afterwards (Close it and connect again). How the blocked PC/SC
// call itself is ended depends on the system:
//
//   - Linux (pcsc-lite): SCardCancel does not interrupt SCardTransmit there,
//     so the Card shuts down its own context's socket to pcscd (found at
//     Connect, see context_fd_linux.go); the call returns at once and no
//     goroutine stays behind.
//   - Windows and macOS, and Linux when the socket could not be told apart:
//     the call runs in a goroutine; when ctx is done the Card calls
//     SCardCancel on its own context (repeated for up to a second, in case
//     the first reaches the service before the call waits), which Windows
//     documents as ending the context's calls that wait on the card. Close
//     then waits for that goroutine for at most that second. If the call
//     still has not returned (a driver that ignores the cancel), Close
//     returns anyway and the goroutine releases the context when the card
//     finally answers or leaves.
type Card struct {
	reader string
	atr    []byte
	events int // the reader's card-event count at connection, -1 if unknown

	mu   sync.Mutex // serialises calls
	sc   scContext
	card scCard
	dead error // set once the Card cannot be used any more

	// The call left running after a cut, when the socket could not be
	// shut down (see callInGoroutine): hung is closed when it returns.
	hung       chan struct{}
	cancelling sync.WaitGroup // the SCardCancel loop after a cut

	// The bound of the call in progress (see call1).
	ctxDone chan struct{}
	why     atomic.Int32

	// The transmit in progress, under mu, where it runs on the caller's
	// goroutine (see transmitWithin), and the function that makes it.
	txCmd, txRsp []byte
	txFunc       func() error

	// The context's owner, to which Close gives it back (see cardContext).
	owner *Context
	cc    *cardContext

	fdMu     sync.Mutex
	fd       int  // the context's socket, -1 if unknown
	released bool // fd is closed (or may be reused)
	finished bool // the hung call has returned
	orphaned bool // Close gave up waiting for the hung call: it releases sc
}

// scContext is the part of a PC/SC context (*scard.Context) a connected
// Card uses; scCard the part of a card handle (*scard.Card). Tests drive the
// cut of a hung call through fakes of them.
type (
	scContext interface {
		Cancel() error
		Release() error
	}
	scCard interface {
		Transmit(cmd []byte) ([]byte, error)
		BeginTransaction() error
		EndTransaction(scard.Disposition) error
		Reconnect(scard.ShareMode, scard.Protocol, scard.Disposition) error
		Disconnect(scard.Disposition) error
	}
)

// Connect connects to the phone on reader in shared mode (T=1 or T=0) and
// begins a transaction, each step bounded by ctx and by 5 s. An empty reader fails with nfc.ErrNoPhone, a missing
// one with nfc.ErrUnknownReader, a reader held exclusively by another
// application with nfc.ErrSharingViolation. The Card has a PC/SC context of
// its own, so a hung phone never blocks c.
//
// The Card's context is made for the first Card, and then taken over from
// the last Card of c closed cleanly: a tap costs two PC/SC calls, not a new
// PC/SC session. The card's ATR and the reader's card-event count (see
// WaitForCardRemoval) come from WaitForPhone when it has just found the
// phone on reader (c's last WaitForPhone, less than a second ago, as the
// desk's wait-connect-read does); otherwise Connect asks pcscd for them, a
// third call. (A phone taken away and tapped again between that
// WaitForPhone and Connect then reads as a new tap once more.) If pcscd was restarted (or
// stopped) in between, the kept context is dead: Connect then makes a new
// one, and fails with nfc.ErrNoService only if that fails too.
func (c *Context) Connect(ctx context.Context, reader string) (*Card, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("pcsc: connect %q: context closed", reader)
	}
	seen := c.takeSeen(reader)
	if cc := c.takeSpare(); cc != nil {
		k, err := c.connect(ctx, reader, cc, seen)
		if err == nil || !staleContext(err) {
			return k, err
		}
		// The kept context belongs to a pcscd gone since: start afresh.
	}
	sc, fd, err := establish()
	if err != nil {
		return nil, err
	}
	return c.connect(ctx, reader, &cardContext{sc: sc, fd: fd}, seen)
}

// staleContext reports whether err says that the PC/SC context is not (or
// no longer) known to the service: pcscd was restarted or stopped.
func staleContext(err error) bool {
	var code scard.Error
	if !errors.As(err, &code) {
		return false
	}
	switch code {
	case scard.ErrNoService, scard.ErrServiceStopped, scard.ErrInvalidHandle:
		return true
	}
	return false
}

// connect is Connect in the context cc, which the Card owns from then on,
// with what WaitForPhone saw of the reader (seen.reader == "" if nothing).
func (c *Context) connect(ctx context.Context, reader string, cc *cardContext, seen readerSeen) (*Card, error) {
	sc := cc.sc
	k := &Card{reader: reader, sc: sc, fd: cc.fd, events: -1, owner: c, cc: cc}
	if seen.reader == reader && len(seen.atr) > 0 {
		k.atr, k.events = seen.atr, seen.events
	}
	var card *scard.Card
	err := k.callSetup(ctx, func() error {
		var err error
		card, err = sc.Connect(reader, scard.ShareShared, scard.ProtocolAny)
		return wrap(fmt.Sprintf("connect %q", reader), err)
	})
	if err == nil {
		k.card = card
		err = k.callSetup(ctx, func() error {
			return wrap("begin transaction", card.BeginTransaction())
		})
	}
	if err == nil && k.atr == nil {
		// Unless WaitForPhone has just seen them: the ATR and the reader's
		// card-event count (for WaitForCardRemoval) in one call; the count is best effort (a
		// PC/SC that does not report it leaves -1), and the ATR comes from
		// SCardStatus when the reader's state does not give it.
		err = k.callSetup(ctx, func() error {
			rs := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
			if sc.GetStatusChange(rs, 0) == nil && rs[0].EventState&scard.StatePresent != 0 {
				k.events = eventCount(rs[0].EventState)
				k.atr = rs[0].Atr
			}
			if len(k.atr) > 0 {
				return nil
			}
			st, err := card.Status()
			if err != nil {
				return wrap("status", err)
			}
			k.atr = st.Atr
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
	return k.transmitWithin(ctx, cmd, 0)
}

var _ apdu.BoundedTransmitter = (*Card)(nil)

// TransmitWithin is Transmit bounded by d as well as by ctx (nfc.Read's
// per-APDU limit): a phone that has not answered within d fails the call
// with an error wrapping nfc.ErrPhoneTimeout and context.DeadlineExceeded,
// and the Card is cut as for ctx's deadline. Where the Card can shut its
// socket down (Linux), d costs no timer per APDU: one timer per PC/SC
// context checks the bound of the call in progress when it fires (see
// watchdog); elsewhere d is a context deadline.
func (k *Card) TransmitWithin(ctx context.Context, cmd []byte, d time.Duration) ([]byte, error) {
	return k.transmitWithin(ctx, cmd, d)
}

func (k *Card) transmitWithin(ctx context.Context, cmd []byte, d time.Duration) ([]byte, error) {
	var rsp []byte
	var f func() error
	var out *[]byte // the goroutine's answer (rsp stays off the heap)
	k.mu.Lock()
	if k.fd >= 0 {
		// The call runs on this goroutine (call1): it passes cmd and the
		// answer through k, with a function made once per Card, rather
		// than through a closure allocated per APDU.
		if k.txFunc == nil {
			k.txFunc = k.transmitCall
		}
		k.txCmd, f = cmd, k.txFunc
	} else {
		// A goroutine may outlive the call (callInGoroutine): it gets its
		// own function and answer.
		out = new([]byte)
		f = func() error {
			r, err := k.transmit(cmd)
			*out = r
			return wrap("transmit", err)
		}
	}
	var err error
	if d > 0 {
		err = k.callWithin(ctx, d, f)
	} else {
		err = k.call1(ctx, 0, f)
	}
	if k.fd >= 0 {
		rsp, k.txCmd, k.txRsp = k.txRsp, nil, nil
	} else if err == nil {
		rsp = *out // the goroutine has returned: callInGoroutine received its result
	}
	k.mu.Unlock()
	if err != nil {
		return nil, err // rsp is not read: a call cut short may still write it
	}
	if len(rsp) < 2 {
		// vpcd answers nothing when the phone left during the exchange.
		return nil, fmt.Errorf("pcsc: transmit: %w (%w)", nfc.ErrPhoneRemoved, ErrNoStatusWord)
	}
	return rsp, nil
}

// transmitCall is the call of Transmit where it runs on the caller's
// goroutine: k.txCmd to k.txRsp, under k.mu.
func (k *Card) transmitCall() error {
	var err error
	k.txRsp, err = k.transmit(k.txCmd)
	return wrap("transmit", err)
}

// transmit is one SCardTransmit. Where it can (transmitInto), the answer
// is received in the context's buffer, reused from APDU to APDU and from
// tap to tap, and copied out at its size.
func (k *Card) transmit(cmd []byte) ([]byte, error) {
	card, ok := k.card.(*scard.Card)
	if !hasTransmitInto || !ok || k.cc == nil {
		return k.card.Transmit(cmd)
	}
	if k.cc.buf == nil {
		k.cc.buf, k.cc.args = make([]byte, recvBufferSize), new(transmitArgs)
	}
	n, err := transmitInto(card, cmd, k.cc.buf, k.cc.args)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(k.cc.buf[:n]), nil
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
		ctx := context.Background()
		errs = append(errs,
			k.callWithin(ctx, setupBound, func() error { return wrap("end transaction", k.card.EndTransaction(scard.LeaveCard)) }),
			k.callWithin(ctx, setupBound, func() error { return wrap("disconnect", k.card.Disconnect(scard.LeaveCard)) }))
	}
	k.cancelling.Wait() // at most cancelTries × cancelRetry
	// A context whose calls all ended well goes back to the owner for the
	// next Connect; one that was cut or left a call behind does not.
	reuse := k.owner != nil && k.cc != nil && k.card != nil && k.dead == nil && k.hung == nil && errors.Join(errs...) == nil
	k.fdMu.Lock()
	k.released = true
	release := k.hung == nil || k.finished
	k.orphaned = !release
	k.fdMu.Unlock()
	switch {
	case reuse:
		k.owner.putSpare(k.cc)
	case release:
		_ = k.sc.Release() // fails when the socket was cut; the fd is closed anyway
	} // else the hung call's goroutine releases it when the call returns
	k.sc = nil // closed; k.card stays, as a hung call may still read it
	if k.dead == nil {
		k.dead = ErrCardClosed
	}
	return errors.Join(errs...)
}

// call runs f, one PC/SC call, under the Card's lock and ctx's bound.
func (k *Card) call(ctx context.Context, f func() error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.call1(ctx, 0, f)
}

// callSetup runs f, one PC/SC call of Connect, under the Card's lock,
// bounded by ctx and setupBound.
func (k *Card) callSetup(ctx context.Context, f func() error) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.callWithin(ctx, setupBound, f)
}

// callWithin is call1 bounded by d as well, by the context's watchdog where
// the socket is known, by a context deadline elsewhere.
func (k *Card) callWithin(ctx context.Context, d time.Duration, f func() error) error {
	if k.fd < 0 || k.cc == nil {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return k.call1(ctx, 0, f)
	}
	return k.call1(ctx, d, f)
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
const (
	cutContext  = 1 // ctx is done
	cutDeadline = 2 // the call's own bound (TransmitWithin) has passed
)

// call1 is call with k.mu held, bounded by d too when d > 0 (only when the
// socket is known: see TransmitWithin). The channel is the Card's, reused
// from call to call.
func (k *Card) call1(ctx context.Context, d time.Duration, f func() error) error {
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
	if d > 0 {
		k.cc.watch.begin(k, d)
	}
	err := f()
	if d > 0 {
		k.cc.watch.end()
	}
	if stop != nil && !stop() {
		<-k.ctxDone
	}
	switch k.why.Load() {
	case cutContext:
		k.dead = ctxError(ctx)
		return k.dead
	case cutDeadline:
		k.dead = fmt.Errorf("pcsc: %w (%w)", nfc.ErrPhoneTimeout, context.DeadlineExceeded)
		return k.dead
	}
	return err
}

// onDeadline cuts the call in progress, whose bound has passed (the
// watchdog calls it with its lock held: the call's end waits for it).
func (k *Card) onDeadline() {
	if k.why.CompareAndSwap(0, cutDeadline) {
		k.abort()
	}
}

// watchdog bounds the calls made in a PC/SC context (one Card at a time)
// by a duration each without a timer per call: begin records the call's
// deadline and arms the one timer only if it is not armed already (or armed
// for later); when the timer fires it cuts the call in progress if that
// call's deadline has passed, re-arms itself for that deadline if not, and
// stays unarmed if no call is in progress. Taps of short APDUs thus arm it
// about once per bound (nfc.Read's 2 s by default), and a context handed
// to the next Card keeps it. A late firing after the context's last call
// finds no call and does nothing.
type watchdog struct {
	mu       sync.Mutex
	t        *time.Timer
	fires    time.Time // when the armed timer fires; zero when unarmed
	deadline time.Time // of the call in progress; zero when none
	k        *Card     // whose call it is
}

// begin records the deadline of k's call bounded by d, which starts now;
// k.onDeadline is called, with w's lock held, if it passes before end.
func (w *watchdog) begin(k *Card, d time.Duration) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.deadline, w.k = now.Add(d), k
	if !w.fires.IsZero() && !w.fires.After(w.deadline) {
		return // armed to fire sooner: it will re-arm for this call
	}
	w.fires = w.deadline
	if w.t == nil {
		w.t = time.AfterFunc(d, w.fire)
	} else {
		w.t.Reset(d)
	}
}

// end says the call has returned.
func (w *watchdog) end() {
	w.mu.Lock()
	w.deadline, w.k = time.Time{}, nil
	w.mu.Unlock()
}

func (w *watchdog) fire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.deadline.IsZero() {
		w.fires = time.Time{}
		return
	}
	if left := time.Until(w.deadline); left > 0 {
		w.fires = w.deadline
		w.t.Reset(left)
		return
	}
	w.fires = time.Time{}
	w.k.onDeadline()
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

// callInGoroutine bounds f when the socket cannot be shut down: f runs in a
// goroutine; when ctx is done the Card is dead and SCardCancel is sent on its
// context until f returns (see Card). The goroutine outlives the call only
// when f is blocked; it then releases the context itself if Close has given
// up waiting for it.
func (k *Card) callInGoroutine(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	returned := make(chan struct{})
	sc := k.sc
	go func() {
		err := f()
		k.fdMu.Lock()
		k.finished = true // before returned is closed: see Close
		orphaned := k.orphaned
		k.fdMu.Unlock()
		close(returned)
		done <- err
		if orphaned {
			_ = sc.Release()
		}
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		k.dead = ctxError(ctx)
	}
	k.hung = returned
	k.cancelling.Add(1)
	go func() {
		defer k.cancelling.Done()
		cancelUntil(sc, returned)
	}()
	return k.dead
}

// How long a Card repeats SCardCancel on a hung call: cancelTries times,
// every cancelRetry (one second in all).
const cancelTries = 50

// cancelUntil sends SCardCancel on sc until returned is closed, at most
// cancelTries times. A cancel that reaches the service before the call
// waits is lost, hence the repetition.
func cancelUntil(sc canceller, returned <-chan struct{}) {
	t := time.NewTicker(cancelRetry)
	defer t.Stop()
	for range cancelTries {
		cancel(sc)
		select {
		case <-returned:
			return
		case <-t.C:
		}
	}
}
