package apdu

import (
	"context"
	"time"
)

// Transport carries one command APDU to a card (or a phone's HCE applet) and
// returns its response APDU, status word included. It is the one interface
// every APDU carrier implements: PC/SC, the in-memory emulator, the
// ISO 14443-4 link model, and the Record and Playback fakes of package
// apdu/apdutest.
//
// A Transport carries one APDU per call and need not handle command
// chaining, 61xx or 6Cxx: callers go through Exchange, which does.
//
// Transmit must honour ctx: when ctx is done it returns ctx.Err() (wrapped)
// as soon as the carrier allows. It must not retain apdu after returning.
type Transport interface {
	Transmit(ctx context.Context, apdu []byte) ([]byte, error)
}

// TransportFunc adapts a function to the Transport interface.
type TransportFunc func(ctx context.Context, apdu []byte) ([]byte, error)

// Transmit calls f(ctx, apdu).
func (f TransportFunc) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	return f(ctx, apdu)
}

// Resetter is an optional capability of a Transport whose card side keeps a
// session, such as a phone's HCE applet: Reset ends that session as a field
// power cycle or reset does. Carriers (vpcd, the link model) call it when the
// field is switched off, switched on or reset. Find it by type assertion.
type Resetter interface {
	Reset()
}

// BoundedTransmitter is an optional capability of a Transport that bounds
// one exchange by a duration itself, more cheaply than a context with a
// deadline per APDU (nfc/pcsc's Card arms no timer per APDU): nfc.Read uses
// it for its per-APDU time limit. TransmitWithin is Transmit(ctx, apdu) that
// also fails once d has elapsed, with an error wrapping
// context.DeadlineExceeded. Find it by type assertion.
type BoundedTransmitter interface {
	TransmitWithin(ctx context.Context, apdu []byte, d time.Duration) ([]byte, error)
}
