package pcsc

import (
	"context"
	"errors"
	"sync"

	"github.com/apcvkit/apcvkit/internal/waithint"
	"github.com/apcvkit/apcvkit/nfc"
)

// Source is one PC/SC reader, or every contactless reader, as an nfc.Source.
// WaitPhone returns a *Card. A Source serves one WaitPhone at a time (the
// reader facade's way); Close must come last.
type Source struct {
	ctx    *Context
	reader string // "" means every contactless reader

	mu   sync.Mutex
	last *Card // the phone handed out last, until it has left the field
}

var _ nfc.Source = (*Source)(nil)

// OpenSource establishes a PC/SC context for readerName ("" or "any": every
// contactless reader, including readers plugged in later). It fails with an
// error wrapping nfc.ErrNoService when pcscd is not running.
func OpenSource(readerName string) (*Source, error) {
	if readerName == "any" {
		readerName = ""
	}
	c, err := NewContext()
	if err != nil {
		return nil, err
	}
	return &Source{ctx: c, reader: readerName}, nil
}

// Name returns "pcsc:" and the reader name ("pcsc:*" for every reader).
func (s *Source) Name() string {
	if s.reader == "" {
		return "pcsc:*"
	}
	return "pcsc:" + s.reader
}

// WaitPhone waits for a phone and connects to it; the nfc.Phone is a *Card.
// A phone handed out before must first leave the field (or be taken away
// and tapped again), so that one tap is one read; a phone whose read was
// torn has left already once pcscd saw it go.
//
// Errors wrap the nfc sentinels: nfc.ErrUnknownReader or
// nfc.ErrReaderUnplugged when the named reader is missing, nfc.ErrNoService
// when pcscd stopped, ctx's error when ctx is done.
func (s *Source) WaitPhone(ctx context.Context) (nfc.Phone, error) {
	waithint.Waiting(ctx) // PC/SC waits: a phone to leave, or to come
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if last != nil {
		err := s.ctx.WaitForCardRemoval(ctx, last)
		// A reader unplugged took the phone with it: WaitForPhone decides
		// what a missing reader means.
		if err != nil && !errors.Is(err, nfc.ErrReaderUnplugged) && !errors.Is(err, nfc.ErrUnknownReader) {
			return nil, err
		}
		s.mu.Lock()
		s.last = nil
		s.mu.Unlock()
	}
	var readers []string
	if s.reader != "" {
		readers = []string{s.reader}
	}
	name, err := s.ctx.WaitForPhone(ctx, readers)
	if err != nil {
		return nil, err
	}
	card, err := s.ctx.Connect(ctx, name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.last = card
	s.mu.Unlock()
	return card, nil
}

// Close releases the PC/SC context. Phones handed out stay usable until
// their own Close.
func (s *Source) Close() error { return s.ctx.Close() }

// Readers lists the PC/SC readers, marking the contactless ones, with a
// context of its own.
func Readers() ([]Reader, error) {
	c, err := NewContext()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ListReaders()
}
