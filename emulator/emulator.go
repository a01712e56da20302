// Package emulator puts a whole ApCV world in one process: the issuer (keys,
// trust and revocation lists, Activités), a phone activated and unlocked for
// one of the built-in profiles, and the glue the reader facade needs (the
// phone's HCE applet, list and receipt services). Hardware testers use the
// pieces one by one (emulator/phone, emulator/issuer, emulator/vpcd,
// emulator/present/...); examples and the demo start here:
//
//	w, _ := emulator.New(emulator.Options{Profile: "famille-6-drome"})
//	r, _ := reader.Open(ctx, reader.Config{Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w, NFC: ...})
package emulator

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"path/filepath"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/reader"
)

// DefaultCode is the secret code New activates the phone with.
const DefaultCode = "482915"

// Options configure New.
type Options struct {
	Profile string      // built-in profile name (phone.Profiles) or profile JSON file; default "famille-6-drome"
	Code    string      // secret code; default DefaultCode
	Clock   clock.Clock // nil means real time
	// StateDir keeps the issuer (StateDir/issuer) and the phone
	// (StateDir/phones) across restarts; "" keeps everything in memory.
	StateDir string
	// NoNFC turns the phone's NFC off: QR only, as on an iPhone.
	NoNFC bool
}

// World is an issuer and one activated, unlocked phone.
type World struct {
	Issuer *issuer.Issuer
	Phone  *phone.Phone
	Clock  clock.Clock
	Code   string
}

var (
	_ reader.ListSource  = (*World)(nil)
	_ reader.ReceiptSink = (*World)(nil)
)

// New builds the world: it creates (or, with StateDir, reopens) an issuer,
// activates the profile's phone through every step of the activation (or
// reopens it), and unlocks it.
func New(opts Options) (*World, error) {
	if opts.Profile == "" {
		opts.Profile = "famille-6-drome"
	}
	if opts.Code == "" {
		opts.Code = DefaultCode
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	prof, err := phone.LoadOrBuiltin(opts.Profile)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	var iss *issuer.Issuer
	if opts.StateDir == "" {
		iss, err = issuer.New(issuer.Options{Clock: opts.Clock})
	} else {
		iss, err = issuer.Open(filepath.Join(opts.StateDir, "issuer"), issuer.Options{Clock: opts.Clock})
	}
	if err != nil {
		return nil, fmt.Errorf("emulator: issuer: %w", err)
	}
	popts := phone.Options{Issuer: iss, Clock: opts.Clock, NoNFC: opts.NoNFC}
	var ph *phone.Phone
	if opts.StateDir == "" {
		ph, err = phone.New(prof, popts)
	} else {
		ph, err = phone.Open(filepath.Join(opts.StateDir, "phones"), prof, popts)
	}
	if err != nil {
		return nil, fmt.Errorf("emulator: phone: %w", err)
	}
	if err := ph.ActivateOrUnlock(opts.Code); err != nil {
		return nil, fmt.Errorf("emulator: activate: %w", err)
	}
	return &World{Issuer: iss, Phone: ph, Clock: opts.Clock, Code: opts.Code}, nil
}

// TrustList returns the issuer's signed trust list (reader.ListSource).
func (w *World) TrustList(context.Context) ([]byte, error) { return w.Issuer.TrustList() }

// RevocationList returns the issuer's signed revocation list (reader.ListSource).
func (w *World) RevocationList(context.Context) ([]byte, error) {
	return w.Issuer.RevocationList(w.Clock.Now())
}

// PostReceipt stores a receipt for a QR identity in the Activités of the
// credential's app, as the app's backend does (reader.ReceiptSink).
func (w *World) PostReceipt(_ context.Context, cid [8]byte, r credential.Receipt) error {
	return w.Issuer.AddActivity(cid, activity(r))
}

func activity(r credential.Receipt) issuer.Activity {
	return issuer.Activity{Beneficiary: r.Beneficiary, PSID: r.PSID, PSName: r.PSName, AmountCents: r.AmountCents,
		Date: time.Unix(int64(r.Date), 0).UTC()}
}

// Applet returns the phone's HCE applet. A phone without NFC (an iPhone)
// has none: Applet fails with nfc.ErrNoNFC.
func (w *World) Applet() (*applet.Applet, error) { return Applet(w.Phone) }

// Applet returns ph's HCE applet, or nfc.ErrNoNFC for a phone without NFC.
func Applet(ph *phone.Phone) (*applet.Applet, error) {
	if err := ph.CheckNFC(); err != nil {
		return nil, fmt.Errorf("emulator: %s (%v): %w", ph.Device().Model, err, nfc.ErrNoNFC)
	}
	return applet.New(wallet{ph}, applet.Options{}), nil
}

// wallet adapts the phone to the applet. A locked app's error is
// phone.ErrLocked, which is nfc.ErrAppLocked: the applet answers as locked.
type wallet struct{ ph *phone.Phone }

func (w wallet) Present() (*credential.Held, *ecdsa.PrivateKey, error) { return w.ph.Wallet() }

func (w wallet) AddReceipt(r credential.Receipt) error { return w.ph.AddActivity(activity(r)) }
