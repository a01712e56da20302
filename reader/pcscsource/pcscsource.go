// Package pcscsource makes PC/SC contactless readers (package nfc/pcsc) a
// reader.NFCSource for the SDK facade. It needs cgo and libpcsclite.
//
//	src, err := pcscsource.Open("")            // every contactless reader
//	r, err := reader.Open(ctx, reader.Config{NFC: []reader.NFCSource{src}, ...})
package pcscsource

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
	"github.com/apcvkit/apcvkit/reader"
)

// Source is one PC/SC reader, or every contactless reader, as an NFC source.
type Source struct {
	ctx    *pcsc.Context
	reader string // "" means every contactless reader

	mu   sync.Mutex
	last string // the reader whose phone was handed out last
}

var _ reader.NFCSource = (*Source)(nil)

// Open establishes a PC/SC context for readerName ("" or "any": every
// contactless reader, including readers plugged in later).
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

// removalPoll is how often a phone that was read is checked for removal.
const removalPoll = 150 * time.Millisecond

// WaitPhone waits for a phone and connects to it. A phone that was handed
// out before must first leave the field, so that one tap is one read.
func (s *Source) WaitPhone(ctx context.Context) (reader.Phone, error) {
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if last != "" {
		if err := s.waitRemoval(ctx, last); err != nil {
			return nil, err
		}
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
	s.last = name
	s.mu.Unlock()
	return card, nil
}

// waitRemoval returns once reader holds no phone.
func (s *Source) waitRemoval(ctx context.Context, name string) error {
	for {
		card, err := s.ctx.Connect(ctx, name)
		switch {
		case err == nil:
			card.Close()
		case errors.Is(err, nfc.ErrNoPhone), errors.Is(err, nfc.ErrPhoneRemoved):
			s.mu.Lock()
			s.last = ""
			s.mu.Unlock()
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(removalPoll):
		}
	}
}

// Close releases the PC/SC context.
func (s *Source) Close() error { return s.ctx.Close() }

// Readers lists the PC/SC readers.
func Readers() ([]pcsc.Reader, error) {
	c, err := pcsc.NewContext()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ListReaders()
}
