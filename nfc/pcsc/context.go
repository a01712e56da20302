//go:build cgo || windows

package pcsc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ebfe/scard"

	"github.com/apcvkit/apcvkit/nfc"
)

// pnpNotification is the pseudo-reader whose state changes when a reader is
// plugged or unplugged.
const pnpNotification = `\\?PnP?\Notification`

// establishMu serialises the calls that open sockets to pcscd, so that a
// card's own socket can be told apart (see context_fd_linux.go).
var establishMu sync.Mutex

// establish opens a PC/SC context and, where it can, finds its socket (-1
// otherwise).
func establish() (*scard.Context, int, error) {
	establishMu.Lock()
	defer establishMu.Unlock()
	before := unixSockets()
	sc, err := scard.EstablishContext()
	if err != nil {
		return nil, -1, wrap("establish context", err)
	}
	return sc, newSocket(before, unixSockets()), nil
}

// canceller is what cancel needs of a PC/SC context.
type canceller interface{ Cancel() error }

// cancel interrupts sc's blocking GetStatusChange calls (and, on Windows,
// its calls waiting on a card).
func cancel(sc canceller) {
	establishMu.Lock()
	defer establishMu.Unlock()
	_ = sc.Cancel()
}

// Context is a session with the PC/SC service (pcscd). Its methods may be
// called from several goroutines; Close must come last.
type Context struct {
	sc *scard.Context

	// OnEvent, if set before WaitForPhone is called, is told about readers
	// plugged in and unplugged while WaitForPhone waits. It is called from
	// WaitForPhone's goroutine.
	OnEvent func(Event)

	mu     sync.Mutex
	closed bool
	spare  *cardContext // a Card's context kept for the next Connect
	seen   readerSeen   // what the last WaitForPhone saw, for the next Connect
}

// readerSeen is the state of the reader on which WaitForPhone found a
// phone: its ATR and pcsc-lite's card-event count (see eventCount). The
// next Connect to that reader takes them (takeSeen) instead of asking pcscd
// again: on Linux that query (SCardGetStatusChange) costs about as much as
// a tenth of a whole tap.
type readerSeen struct {
	reader string
	atr    []byte
	events int
	at     time.Time
}

// seenFresh is how long what WaitForPhone saw stands for Connect. Past it,
// Connect asks pcscd itself.
const seenFresh = time.Second

// takeSeen returns, and forgets, what the last WaitForPhone saw of reader
// if it saw it less than seenFresh ago; the zero readerSeen otherwise.
func (c *Context) takeSeen(reader string) readerSeen {
	c.mu.Lock()
	s := c.seen
	c.seen = readerSeen{}
	c.mu.Unlock()
	if s.reader != reader || time.Since(s.at) >= seenFresh {
		return readerSeen{}
	}
	return s
}

// cardContext is the PC/SC context a Card works in, with its socket (-1
// when unknown) and its receive buffer. A Card closed cleanly gives it back
// to its Context, whose next Connect reuses it: a tap then costs no
// SCardEstablishContext (nor the search for its socket) and no new buffer.
// A Card whose call was cut (its socket shut down, or a call left hanging)
// never gives it back.
type cardContext struct {
	sc    *scard.Context
	fd    int
	buf   []byte        // for transmitInto, allocated on first use
	args  *transmitArgs // for transmitInto, allocated on first use
	watch watchdog      // the bound of Card.TransmitWithin's calls
}

// takeSpare returns the context kept by the last Card closed, or nil.
func (c *Context) takeSpare() *cardContext {
	c.mu.Lock()
	defer c.mu.Unlock()
	cc := c.spare
	c.spare = nil
	return cc
}

// putSpare keeps cc for the next Connect, or releases it when c is closed
// or already keeps one.
func (c *Context) putSpare(cc *cardContext) {
	c.mu.Lock()
	if !c.closed && c.spare == nil {
		c.spare = cc
		cc = nil
	}
	c.mu.Unlock()
	if cc != nil {
		_ = cc.sc.Release()
	}
}

// NewContext opens a session with pcscd. It fails with an error wrapping
// nfc.ErrNoService when pcscd is not running.
func NewContext() (*Context, error) {
	sc, _, err := establish()
	if err != nil {
		return nil, err
	}
	return &Context{sc: sc}, nil
}

// Close ends the session. Cards connected through c stay usable until their
// own Close.
func (c *Context) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.spare != nil {
		_ = c.spare.sc.Release()
		c.spare = nil
	}
	return wrap("release context", c.sc.Release())
}

// ListReaders lists the readers pcscd knows, in its order. No reader is an
// empty list, not an error.
func (c *Context) ListReaders() ([]Reader, error) {
	names, err := c.sc.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("list readers", err)
	}
	states := make([]scard.ReaderState, len(names))
	for i, n := range names {
		states[i] = scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
	}
	// A zero timeout returns the current states at once, ATRs included.
	if err := c.sc.GetStatusChange(states, 0); err != nil {
		states = nil // names alone then
	}
	readers := make([]Reader, len(names))
	for i, n := range names {
		readers[i] = Reader{Name: n, Contactless: IsContactlessName(n)}
		if states != nil && states[i].EventState&scard.StatePresent != 0 && IsContactlessATR(states[i].Atr) {
			readers[i].Contactless = true
		}
	}
	return readers, nil
}

// pollCap bounds one GetStatusChange so that a cancellation that raced with
// the call's start is seen anyway. A variable only so that tests can
// lengthen it: a wait left to its poll then stands out by seconds from one
// cancelled promptly, however loaded the machine.
var pollCap = 500 * time.Millisecond

// WaitForPhone waits until a phone (any card) is present on one of readers
// and returns that reader's name; a phone already present counts.
//
// With no readers it watches every contactless reader, including readers
// plugged in while it waits. Named readers that are missing are watched from
// the moment they appear; if none of them exists at the start it fails with
// nfc.ErrUnknownReader, and if every one of them is unplugged while waiting,
// with nfc.ErrReaderUnplugged. OnEvent hears about every reader plugged in or
// unplugged. When ctx is done WaitForPhone cancels the PC/SC wait and returns
// ctx.Err() (wrapped).
//
// A phone left on the reader after a reading counts as present at once: wait
// for its removal (or a new tap) before reading again. While WaitForPhone
// polls, other calls on c may wait for the poll (at most 0.5 s); Cards are
// not affected, as each has a PC/SC context of its own.
func (c *Context) WaitForPhone(ctx context.Context, readers []string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("pcsc: wait for phone: %w", err)
	}
	defer c.cancelWhenDone(ctx)()
	st, err := waitForPhone(ctx, c.sc, readers, c.event)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.seen = readerSeen{reader: st.Reader, atr: st.Atr, events: eventCount(st.EventState), at: time.Now()}
	c.mu.Unlock()
	return st.Reader, nil
}

// cancelRetry is how often cancelWhenDone repeats its Cancel.
const cancelRetry = 20 * time.Millisecond

// cancelWhenDone makes c's blocking GetStatusChange calls return once ctx is
// done, until the returned stop is called (which waits for it). A Cancel
// that reaches pcscd before the wait has begun is lost (and the wait would
// run to its pollCap), so it is repeated every cancelRetry until stop.
func (c *Context) cancelWhenDone(ctx context.Context) (stop func()) {
	finished := make(chan struct{})
	exited := make(chan struct{})
	unregister := context.AfterFunc(ctx, func() {
		defer close(exited)
		t := time.NewTicker(cancelRetry)
		defer t.Stop()
		for {
			cancel(c.sc)
			select {
			case <-finished:
				return
			case <-t.C:
			}
		}
	})
	return func() {
		close(finished)
		if !unregister() {
			<-exited
		}
	}
}

// statusSource is the part of a PC/SC context that waitForPhone uses.
type statusSource interface {
	ListReaders() ([]string, error)
	GetStatusChange(states []scard.ReaderState, timeout time.Duration) error
}

func waitForPhone(ctx context.Context, sc statusSource, readers []string, event func(Event)) (scard.ReaderState, error) {
	named := slices.Clone(readers)
	if len(named) > 0 {
		// The desk's common case, a phone already on a named reader: one
		// query, without listing the readers first (which pcsc-lite does
		// with a round trip to pcscd of its own).
		states := make([]scard.ReaderState, len(named))
		for i, n := range named {
			states[i] = scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware}
		}
		if sc.GetStatusChange(states, 0) == nil {
			for _, s := range states {
				if s.EventState&scard.StatePresent != 0 && s.EventState&(scard.StateMute|scard.StateUnknown|scard.StateUnavailable) == 0 {
					return s, nil
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return scard.ReaderState{}, fmt.Errorf("pcsc: wait for phone: %w", err)
		}
	}
	watch := func(name string) bool {
		if len(named) == 0 {
			return IsContactlessName(name)
		}
		return slices.Contains(named, name)
	}
	present, err := sc.ListReaders()
	if err != nil && !errors.Is(err, scard.ErrNoReadersAvailable) {
		return scard.ReaderState{}, wrap("wait for phone", err)
	}
	states := []scard.ReaderState{{Reader: pnpNotification, CurrentState: scard.StateUnaware}}
	for _, n := range present {
		if watch(n) {
			states = append(states, scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware})
		}
	}
	if len(named) > 0 && len(states) == 1 {
		return scard.ReaderState{}, fmt.Errorf("pcsc: wait for phone on %q: %w", named, nfc.ErrUnknownReader)
	}
	for {
		err := sc.GetStatusChange(states, pollCap)
		if ctx.Err() != nil {
			return scard.ReaderState{}, fmt.Errorf("pcsc: wait for phone: %w", ctx.Err())
		}
		changed := false // the set of readers may have changed
		switch {
		case err == nil:
			for _, s := range states[1:] {
				if s.EventState&scard.StatePresent != 0 && s.EventState&scard.StateMute == 0 {
					return s, nil
				}
				if s.EventState&(scard.StateUnknown|scard.StateUnavailable) != 0 {
					changed = true
				}
			}
			changed = changed || states[0].EventState&scard.StateChanged != 0
		case errors.Is(err, scard.ErrTimeout), errors.Is(err, scard.ErrCancelled):
		case errors.Is(err, scard.ErrUnknownReader), errors.Is(err, scard.ErrReaderUnavailable):
			changed = true // a reader went away before the call
		default:
			return scard.ReaderState{}, wrap("wait for phone", err)
		}
		for i := range states {
			states[i].CurrentState = states[i].EventState &^ scard.StateChanged
		}
		if !changed {
			continue
		}
		// The set of readers changed: find out how.
		now, lerr := sc.ListReaders()
		if lerr != nil && !errors.Is(lerr, scard.ErrNoReadersAvailable) {
			return scard.ReaderState{}, wrap("wait for phone: list readers", lerr)
		}
		kept := states[:1]
		for _, s := range states[1:] {
			if slices.Contains(now, s.Reader) {
				kept = append(kept, s)
			} else {
				event(Event{ReaderRemoved, s.Reader})
			}
		}
		states = kept
		for _, n := range now {
			if watch(n) && !slices.ContainsFunc(states, func(s scard.ReaderState) bool { return s.Reader == n }) {
				event(Event{ReaderAdded, n})
				states = append(states, scard.ReaderState{Reader: n, CurrentState: scard.StateUnaware})
			}
		}
		if len(named) > 0 && len(states) == 1 {
			return scard.ReaderState{}, fmt.Errorf("pcsc: wait for phone on %q: %w", named, nfc.ErrReaderUnplugged)
		}
	}
}

func (c *Context) event(e Event) {
	if c.OnEvent != nil {
		c.OnEvent(e)
	}
}
