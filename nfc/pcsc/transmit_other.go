//go:build (cgo || windows) && !linux

package pcsc

import "github.com/ebfe/scard"

// Outside Linux the card's answers come from ebfe/scard's Card.Transmit,
// which allocates its own buffer (see transmit_pcsclite.go).

const (
	recvBufferSize  = 0
	hasTransmitInto = false
)

type transmitArgs struct{}

func transmitInto(*scard.Card, []byte, []byte, *transmitArgs) (int, error) {
	return 0, scard.ErrUnsupportedFeature
}
