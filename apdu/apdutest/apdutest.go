// Package apdutest holds fakes for package apdu, in the manner of periph's
// conntest: Record forwards every command to a real transport and keeps the
// exchanges; Playback answers a script of exchanges, in order, without any
// card. A test records a session once (or writes the few APDUs it needs by
// hand) and plays it back:
//
//	p := &apdutest.Playback{Exchanges: []apdutest.Exchange{{Command: sel, Response: fci}}}
//	_, err := nfc.Read(ctx, p, v, nfc.Options{})
//	if err := p.Close(); err != nil { t.Fatal(err) } // every exchange was used
//
// Playback fails on a command other than the next recorded one, and its
// Close fails when a recorded exchange was never used: a script and the code
// under test cannot drift apart unnoticed.
package apdutest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/apcvkit/apcvkit/apdu"
)

var (
	_ apdu.Transport = (*Record)(nil)
	_ apdu.Transport = (*Playback)(nil)
)

// Exchange is one command APDU and what the transport gave for it: a
// response APDU (status word included), or an error.
type Exchange struct {
	Command  []byte
	Response []byte
	Err      error
}

// ErrMismatch is wrapped by the errors of a Playback that was not used as
// its script says: an unexpected command, or exchanges left unused.
var ErrMismatch = errors.New("apdutest: playback mismatch")

// Record is an apdu.Transport that forwards every command to Transport and
// appends the exchange, error included, to Exchanges. Read Exchanges once
// the exchanges are over. Record never closes Transport.
type Record struct {
	Transport apdu.Transport
	Exchanges []Exchange

	mu sync.Mutex
}

// Transmit forwards cmd to r.Transport and records the exchange.
func (r *Record) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	resp, err := r.Transport.Transmit(ctx, cmd)
	r.mu.Lock()
	r.Exchanges = append(r.Exchanges, Exchange{Command: slices.Clone(cmd), Response: slices.Clone(resp), Err: err})
	r.mu.Unlock()
	return resp, err
}

// Playback is an apdu.Transport that plays Exchanges back in order: each
// command must equal the next recorded one, byte for byte, and gets its
// recorded response (a copy) or error. A command that does not, or that
// comes after the last exchange, fails with an error wrapping ErrMismatch;
// the first such failure is kept and Close returns it too. A done ctx fails
// Transmit with ctx's error, as a real transport does, and uses no exchange.
type Playback struct {
	Exchanges []Exchange

	mu       sync.Mutex
	used     int
	mismatch error
}

// Transmit answers cmd from the next recorded exchange.
func (p *Playback) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("apdutest: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.used >= len(p.Exchanges) {
		return nil, p.fail(fmt.Errorf("apdutest: unexpected command %X after the %d recorded exchanges: %w", cmd, len(p.Exchanges), ErrMismatch))
	}
	want := p.Exchanges[p.used]
	if !bytes.Equal(cmd, want.Command) {
		return nil, p.fail(fmt.Errorf("apdutest: exchange %d: command %X, recorded %X: %w", p.used+1, cmd, want.Command, ErrMismatch))
	}
	p.used++
	if want.Err != nil {
		return nil, want.Err
	}
	return slices.Clone(want.Response), nil
}

func (p *Playback) fail(err error) error {
	if p.mismatch == nil {
		p.mismatch = err
	}
	return err
}

// Used returns how many exchanges were played back.
func (p *Playback) Used() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.used
}

// Close reports whether p was used as recorded: it returns the first
// unexpected command, if any, or an error wrapping ErrMismatch when some
// recorded exchanges were never used. It does not reset p.
func (p *Playback) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mismatch != nil {
		return p.mismatch
	}
	if p.used < len(p.Exchanges) {
		return fmt.Errorf("apdutest: %d of %d recorded exchanges unused, the next one %X: %w",
			len(p.Exchanges)-p.used, len(p.Exchanges), p.Exchanges[p.used].Command, ErrMismatch)
	}
	return nil
}
