package desk

import (
	"context"
	"fmt"
	"sync"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/internal/waithint"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
)

// emulated is the in-memory emulated phone of Config.Emulate and the desk
// device it is presented on: a contactless reader or a QR scanner.
type emulated struct {
	w      *emulator.World
	cfg    Emulate
	nfc    *emuReader  // mode "nfc"
	qr     *emuScanner // mode "qr"
	device string      // the device's name in events
}

// newEmulated builds the world and the device, and fills rc with them.
func newEmulated(e Emulate, rc *reader.Config) (*emulated, error) {
	w, err := emulator.New(emulator.Options{Profile: e.Profile})
	if err != nil {
		return nil, err
	}
	if e.Locked {
		w.Phone.Lock()
	}
	if e.Revoked {
		id, ok := w.Phone.CredentialID()
		if !ok {
			return nil, fmt.Errorf("desk: emulate: the phone holds no credential to revoke: %w", ErrBadConfig)
		}
		if err := w.Issuer.Revoke(id, issuer.ReasonAgent); err != nil {
			return nil, err
		}
	}
	em := &emulated{w: w, cfg: e}
	rc.ListAuthority, rc.Lists, rc.Receipts = w.Issuer.ListAuthority(), w, w
	if e.Mode == "qr" {
		em.qr = &emuScanner{name: "qr:emulated", wake: make(chan struct{}, 1), done: make(chan struct{})}
		em.device = em.qr.name
		for range e.Presented {
			if err := em.presentQR(); err != nil {
				return nil, err
			}
		}
		rc.QR = append(rc.QR, em.qr)
		return em, nil
	}
	a, err := w.Applet()
	if err != nil {
		return nil, err
	}
	em.nfc = &emuReader{name: "emulated", card: a, slot: make(chan struct{}, 1), done: make(chan struct{})}
	em.device = "nfc:" + em.nfc.name
	rc.NFC = append(rc.NFC, em.nfc)
	return em, nil
}

// present is the patient presenting the phone as a Read starts: tapped on
// the reader, or its QR code shown to the scanner unless one is already
// waiting there. It reports whether the phone was presented.
func (em *emulated) present() (bool, error) {
	if em.cfg.Absent {
		return false, nil
	}
	if em.qr != nil {
		if em.qr.waiting() > 0 {
			return false, nil
		}
		return true, em.presentQR()
	}
	em.nfc.tap()
	return true, nil
}

func (em *emulated) presentQR() error {
	c := phone.QRChoice{Kind: phone.QRFamily}
	if b := em.cfg.Beneficiary; b != nil {
		c = phone.QRChoice{Kind: phone.QRBeneficiary, Beneficiary: *b}
	}
	text, err := em.w.Phone.PresentQRAs(c)
	if err != nil {
		return err
	}
	em.qr.add(text)
	return nil
}

// emuReader is the in-memory contactless reader the emulated phone is
// tapped on: at most one tap waits (a tap made for a Read that was
// cancelled is not read twice).
type emuReader struct {
	name string
	card apdu.Transport
	slot chan struct{}

	closeOnce sync.Once
	done      chan struct{}
}

var _ nfc.Source = (*emuReader)(nil)

func (r *emuReader) Name() string { return r.name }

func (r *emuReader) tap() {
	select {
	case r.slot <- struct{}{}:
	default: // a tap is already waiting
	}
}

func (r *emuReader) WaitPhone(ctx context.Context) (nfc.Phone, error) {
	select {
	case <-r.slot: // tapped already
		return r.tapped(), nil
	default:
	}
	waithint.Waiting(ctx)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-r.done:
		return nil, fmt.Errorf("desk: emulated reader: %w", nfc.ErrReaderUnplugged)
	case <-r.slot:
		return r.tapped(), nil
	}
}

// tapped is the phone of a tap taken from r.slot.
func (r *emuReader) tapped() nfc.Phone {
	if rs, ok := r.card.(apdu.Resetter); ok {
		rs.Reset() // a new tap powers the phone's applet up again
	}
	return &emuPhone{card: r.card, done: r.done}
}

func (r *emuReader) Close() error {
	r.closeOnce.Do(func() { close(r.done) })
	return nil
}

// emuPhone is the emulated phone in the field, until the reader closes it.
type emuPhone struct {
	card apdu.Transport
	done <-chan struct{}

	mu      sync.Mutex
	removed bool
}

func (p *emuPhone) Transmit(ctx context.Context, b []byte) ([]byte, error) {
	p.mu.Lock()
	removed := p.removed
	p.mu.Unlock()
	select {
	case <-p.done:
		return nil, fmt.Errorf("desk: emulated reader: %w", nfc.ErrReaderUnplugged)
	default:
	}
	if removed {
		return nil, fmt.Errorf("desk: emulated reader: %w", nfc.ErrPhoneRemoved)
	}
	return p.card.Transmit(ctx, b)
}

func (p *emuPhone) Close() error {
	p.mu.Lock()
	p.removed = true
	p.mu.Unlock()
	return nil
}

// emuScanner is the in-memory QR scanner the emulated phone's QR codes are
// shown to, in order.
type emuScanner struct {
	name string
	wake chan struct{} // a text was added

	mu    sync.Mutex
	texts []string

	closeOnce sync.Once
	done      chan struct{}
}

var _ qrscan.Source = (*emuScanner)(nil)

func (s *emuScanner) Name() string { return s.name }

func (s *emuScanner) add(text string) {
	s.mu.Lock()
	s.texts = append(s.texts, text)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *emuScanner) waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.texts)
}

func (s *emuScanner) Next(ctx context.Context) (qrscan.Scan, error) {
	for {
		s.mu.Lock()
		if len(s.texts) > 0 {
			text := s.texts[0]
			s.texts[0] = ""
			s.texts = s.texts[1:]
			s.mu.Unlock()
			return qrscan.Scan{Text: text, Source: s.name}, nil
		}
		s.mu.Unlock()
		waithint.Waiting(ctx) // no code shown yet: the patient is awaited
		select {
		case <-ctx.Done():
			return qrscan.Scan{}, ctx.Err()
		case <-s.done:
			return qrscan.Scan{}, fmt.Errorf("desk: emulated scanner: %w", qrscan.ErrDeviceGone)
		case <-s.wake:
		}
	}
}

func (s *emuScanner) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	return nil
}
