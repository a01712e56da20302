//go:build cgo || windows

package pcsc

import (
	"context"
	"errors"
	"fmt"

	"github.com/ebfe/scard"

	"github.com/apcvkit/apcvkit/nfc"
)

// WaitForRemoval waits until reader holds no card (the phone left the field)
// and returns nil; an empty reader returns at once. It is the PC/SC wait a
// desk needs between two reads, so that one tap is one read: pcscd notices a
// phone taken away at its next presence poll (within about 400 ms with
// vpcd).
//
// A reader that does not exist fails with nfc.ErrUnknownReader, one that is
// unplugged while WaitForRemoval waits with nfc.ErrReaderUnplugged (either
// way the phone is no longer on it). When ctx is done WaitForRemoval cancels
// the PC/SC wait and returns ctx.Err() (wrapped). Like WaitForPhone, it
// holds c for at most 0.5 s at a time.
//
// If the phone may have been taken away and tapped again before the call,
// use WaitForCardRemoval, which also returns for a new tap.
func (c *Context) WaitForRemoval(ctx context.Context, reader string) error {
	return c.waitForRemoval(ctx, reader, -1)
}

// WaitForCardRemoval waits until the card k connected to has left its
// reader: the reader is empty, or pcscd has counted a card leaving or
// arriving on it since k connected (the phone was taken away and tapped
// again before the call, or pcscd saw it go and come back between two of
// the calls's polls). k may be closed, or cut by a timeout. Errors are those
// of WaitForRemoval, except that a reader missing from the start is
// nfc.ErrReaderUnplugged. Without pcscd's card-event count (not every PC/SC
// implementation reports it) it waits for an empty reader.
func (c *Context) WaitForCardRemoval(ctx context.Context, k *Card) error {
	return c.waitForRemoval(ctx, k.reader, k.events)
}

func (c *Context) waitForRemoval(ctx context.Context, reader string, since int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pcsc: wait for removal: %w", err)
	}
	defer c.cancelWhenDone(ctx)()
	return waitForRemoval(ctx, c.sc, reader, since)
}

// eventCount is pcsc-lite's count of card insertions and removals on a
// reader, which it reports in the upper 16 bits of a reader's state.
func eventCount(s scard.StateFlag) int { return int(s>>16) & 0xFFFF }

// waitForRemoval is WaitForRemoval on sc. since is the reader's card-event
// count when the card arrived, or -1 if unknown: any other count means the
// card left.
func waitForRemoval(ctx context.Context, sc statusSource, reader string, since int) error {
	st := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	seen := false // the reader existed
	if since >= 0 {
		// pcsc-lite compares the count too and returns at once when it
		// moved.
		st[0].CurrentState = scard.StatePresent | scard.StateFlag(since)<<16
		seen = true
	}
	gone := func() error {
		if seen {
			return fmt.Errorf("pcsc: wait for removal from %q: %w", reader, nfc.ErrReaderUnplugged)
		}
		return fmt.Errorf("pcsc: wait for removal from %q: %w", reader, nfc.ErrUnknownReader)
	}
	for {
		err := sc.GetStatusChange(st, pollCap)
		if ctx.Err() != nil {
			return fmt.Errorf("pcsc: wait for removal: %w", ctx.Err())
		}
		switch {
		case err == nil:
			ev := st[0].EventState
			switch {
			case ev&(scard.StateUnknown|scard.StateUnavailable|scard.StateIgnore) != 0:
				return gone()
			case ev&scard.StateEmpty != 0, ev&scard.StatePresent == 0:
				return nil
			case since >= 0 && eventCount(ev) != since:
				return nil
			}
			seen = true
			st[0].CurrentState = ev &^ scard.StateChanged
		case errors.Is(err, scard.ErrTimeout), errors.Is(err, scard.ErrCancelled):
		case errors.Is(err, scard.ErrUnknownReader), errors.Is(err, scard.ErrReaderUnavailable):
			return gone()
		default:
			return wrap("wait for removal", err)
		}
	}
}
