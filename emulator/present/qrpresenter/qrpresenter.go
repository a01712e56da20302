package qrpresenter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// DefaultEvery is the default refresh period: well inside the few minutes
// a reader accepts a QR text after its device-signed time.
const DefaultEvery = 30 * time.Second

// Options configure a Presenter. The zero value refreshes every DefaultEvery
// on the real clock.
type Options struct {
	Every time.Duration // refresh period; 0 or less means DefaultEvery
	Clock clock.Clock   // nil means real time
	// Choice is the code shown (phone.PresentQRAs): the zero value is the
	// whole family.
	Choice phone.QRChoice
}

// Presenter shows a phone's current QR text. It is safe for concurrent use.
type Presenter struct {
	ph     *phone.Phone
	every  time.Duration
	clock  clock.Clock
	choice phone.QRChoice

	mu   sync.Mutex
	text string    // on screen, "" when none
	at   time.Time // when text was made
}

// New returns the presenter of ph's QR screen. Nothing is generated before
// the first Current or Run.
func New(ph *phone.Phone, opts Options) *Presenter {
	if opts.Every <= 0 {
		opts.Every = DefaultEvery
	}
	return &Presenter{ph: ph, every: opts.Every, clock: clock.Or(opts.Clock), choice: opts.Choice}
}

// Every returns the refresh period.
func (p *Presenter) Every() time.Duration { return p.every }

// Current returns the QR text on screen: the one made less than Every ago,
// or a fresh one (the phone's next counter) once Every has elapsed since it
// was made. It fails with the phone's error, wrapped, when the app cannot
// show a code (phone.ErrLocked, phone.ErrRevoked, phone.ErrNotActivated...);
// the screen is then cleared and the next successful call makes a new text.
func (p *Presenter) Current() (string, error) {
	text, _, err := p.current()
	return text, err
}

// current returns the text on screen and when it is due for renewal.
func (p *Presenter) current() (string, time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	if p.text != "" && now.Before(p.at.Add(p.every)) {
		// Still on screen, as long as the app is still open (a locked or
		// revoked app hides its code at once).
		if _, _, err := p.ph.Wallet(); err != nil {
			p.text = ""
			return "", time.Time{}, fmt.Errorf("qrpresenter: %w", err)
		}
		return p.text, p.at.Add(p.every), nil
	}
	text, err := p.ph.PresentQRAs(p.choice)
	if err != nil {
		p.text = ""
		return "", time.Time{}, fmt.Errorf("qrpresenter: %w", err)
	}
	p.text, p.at = text, now
	return text, now.Add(p.every), nil
}

// Run shows the current text at once and each refreshed one, by calling
// show (from Run's goroutine, never concurrently), until ctx is done — it
// then returns ctx.Err() — or the app cannot show a code: it returns that
// error (see Current). Waits are on the presenter's clock.
func (p *Presenter) Run(ctx context.Context, show func(text string)) error {
	if show == nil {
		return errors.New("qrpresenter: run: nil show function")
	}
	last := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		text, due, err := p.current()
		if err != nil {
			return err
		}
		if text != last {
			show(text)
			last = text
		}
		t := p.clock.NewTimer(due.Sub(p.clock.Now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C():
		}
	}
}
