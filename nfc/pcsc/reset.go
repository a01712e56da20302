//go:build cgo || windows

package pcsc

import (
	"context"

	"github.com/ebfe/scard"
)

// Reset power-cycles the phone in the field (SCardReconnect with
// SCARD_RESET_CARD) and begins a new transaction: the phone's applet session
// ends, as when the phone leaves the field and comes back (tearing). The
// conformance kit (nfc/conform) uses it; a reader has no reason to.
func (k *Card) Reset(ctx context.Context) error {
	return k.call(ctx, func() error {
		_ = k.card.EndTransaction(scard.LeaveCard) // ended anyway by the reset
		if err := k.card.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.ResetCard); err != nil {
			return wrap("reconnect", err)
		}
		return wrap("begin transaction", k.card.BeginTransaction())
	})
}
