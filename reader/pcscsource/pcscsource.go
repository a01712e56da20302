package pcscsource

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
	"github.com/apcvkit/apcvkit/reader"
)

// Source is one PC/SC reader, or every contactless reader, as an NFC source.
// WaitPhone returns a *pcsc.Card. A Source serves one WaitPhone at a time
// (the facade's way); Close must come last.
type Source struct {
	ctx    *pcsc.Context
	reader string // "" means every contactless reader

	mu   sync.Mutex
	last *pcsc.Card // the phone handed out last, until it has left the field
}

var _ reader.NFCSource = (*Source)(nil)

// Open establishes a PC/SC context for readerName ("" or "any": every
// contactless reader, including readers plugged in later). It fails with an
// error wrapping nfc.ErrNoService when pcscd is not running.
func Open(readerName string) (*Source, error) {
	if readerName == "any" {
		readerName = ""
	}
	c, err := pcsc.NewContext()
	if err != nil {
		return nil, fmt.Errorf("pcscsource: %w", err)
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

// WaitPhone waits for a phone and connects to it; the reader.Phone is a
// *pcsc.Card. A phone handed out before must first leave the field (or be
// taken away and tapped again), so that one tap is one read; a phone whose
// read was torn has left already once pcscd saw it go.
//
// Errors wrap the nfc sentinels of package nfc/pcsc: nfc.ErrUnknownReader or
// nfc.ErrReaderUnplugged when the named reader is missing, nfc.ErrNoService
// when pcscd stopped, ctx's error when ctx is done.
func (s *Source) WaitPhone(ctx context.Context) (reader.Phone, error) {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if last != nil {
		err := s.ctx.WaitForCardRemoval(ctx, last)
		// A reader unplugged took the phone with it: WaitForPhone decides
		// what a missing reader means.
		if err != nil && !errors.Is(err, nfc.ErrReaderUnplugged) && !errors.Is(err, nfc.ErrUnknownReader) {
			return nil, fmt.Errorf("pcscsource: %w", err)
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
		return nil, fmt.Errorf("pcscsource: %w", err)
	}
	card, err := s.ctx.Connect(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("pcscsource: %w", err)
	}
	s.mu.Lock()
	s.last = card
	s.mu.Unlock()
	return card, nil
}

// Close releases the PC/SC context. Phones handed out stay usable until
// their own Close.
func (s *Source) Close() error { return s.ctx.Close() }

// Readers lists the PC/SC readers, marking the contactless ones.
func Readers() ([]pcsc.Reader, error) {
	c, err := pcsc.NewContext()
	if err != nil {
		return nil, fmt.Errorf("pcscsource: %w", err)
	}
	defer c.Close()
	return c.ListReaders()
}
