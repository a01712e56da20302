// Package field is an in-memory contactless field, an nfc.Source: the
// emulated phone is tapped on it, and the reader facade sees a contactless
// reader. It needs no PC/SC and no hardware, so examples and tests can read a
// phone in process.
//
//	f := field.New("desk")
//	a, _ := world.Applet() // the emulated phone's applet (emulator.World)
//	f.Tap(a)               // the patient taps
//	r, _ := reader.Open(ctx, reader.Config{NFC: []nfc.Source{f}, ...})
package field

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/internal/waithint"
	"github.com/apcvkit/apcvkit/nfc"
)

// Field is an in-memory NFC field. It implements nfc.Source.
type Field struct {
	name string
	taps chan apdu.Transport

	mu     sync.Mutex
	closed bool
	done   chan struct{}
}

var _ nfc.Source = (*Field)(nil)

// New returns an empty field.
func New(name string) *Field {
	return &Field{name: name, taps: make(chan apdu.Transport, 8), done: make(chan struct{})}
}

// Name returns the field's name.
func (f *Field) Name() string { return f.name }

// Tap brings a phone into the field. If the card implements apdu.Resetter,
// it is reset, as a power-up in a real field does. Tap fails once the field
// is closed or when 8 taps are already waiting.
func (f *Field) Tap(card apdu.Transport) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return fmt.Errorf("field: tap: %w", nfc.ErrReaderUnplugged)
	}
	select {
	case f.taps <- card:
		return nil
	default:
		return errors.New("field: tap: too many phones waiting")
	}
}

// WaitPhone returns the next phone tapped.
func (f *Field) WaitPhone(ctx context.Context) (nfc.Phone, error) {
	waithint.Waiting(ctx)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-f.done:
		return nil, fmt.Errorf("field %s: %w", f.name, nfc.ErrReaderUnplugged)
	case card := <-f.taps:
		if r, ok := card.(apdu.Resetter); ok {
			r.Reset()
		}
		return &phone{card: card, done: f.done}, nil
	}
}

// Close unplugs the field: WaitPhone fails with nfc.ErrReaderUnplugged.
func (f *Field) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.done)
	}
	return nil
}

type phone struct {
	card apdu.Transport
	done <-chan struct{}

	mu      sync.Mutex
	removed bool
}

func (p *phone) Transmit(ctx context.Context, b []byte) ([]byte, error) {
	p.mu.Lock()
	removed := p.removed
	p.mu.Unlock()
	select {
	case <-p.done:
		return nil, fmt.Errorf("field: %w", nfc.ErrReaderUnplugged)
	default:
	}
	if removed {
		return nil, fmt.Errorf("field: %w", nfc.ErrPhoneRemoved)
	}
	return p.card.Transmit(ctx, b)
}

// Close takes the phone out of the field.
func (p *phone) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removed = true
	return nil
}
