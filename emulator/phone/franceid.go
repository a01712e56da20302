package phone

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"

	"github.com/apcvkit/apcvkit/emulator/franceid"
	"github.com/apcvkit/apcvkit/emulator/issuer"
)

// The France Identité route (RouteFranceIdentite), from the article on the
// opening of the app to all and its readers' comments:
//
//	StartActivationFranceIdentite (prerequisites as StartActivation, but no
//	camera or microphone; an iOS app older than 5.12.2: ErrAppUpdateNeeded)
//	→ EnterNIR (eligibility without the deployed départements)
//	→ SendEmailCode / VerifyEmailCode
//	→ ReadCNIe (France Identité: franceid.ErrNotInstalled, ErrNotActivated,
//	  ErrModifiedSystem, ErrNoNFC, ErrNFCOff, ErrNoCNIe, ErrWrongPIN,
//	  ErrPINBlocked, ErrInvalidSignature, ErrCardExpired)
//	→ ChooseCode → Submit: the issuer matches the card's identity against
//	  its record (issuer.ErrFranceIdentiteMismatch wrapping the cause) and
//	  the app is ActiveLocked at once — no 48 h, no reopening.
//
// Every step needs the connection (ErrOffline).

// Refusals of the France Identité route, re-exported from franceid and the
// issuer so that a phone user needs one package: the same values.
var (
	ErrFranceIdentiteNotInstalled = franceid.ErrNotInstalled
	ErrFranceIdentiteNotActivated = franceid.ErrNotActivated
	ErrModifiedSystem             = franceid.ErrModifiedSystem
	ErrNoNFCReader                = franceid.ErrNoNFC
	ErrNFCOff                     = franceid.ErrNFCOff
	ErrNoCNIe                     = franceid.ErrNoCNIe
	ErrCNIeWrongPIN               = franceid.ErrWrongPIN
	ErrCNIePINBlocked             = franceid.ErrPINBlocked
	ErrCNIeInvalidSignature       = franceid.ErrInvalidSignature
	ErrCNIeExpired                = franceid.ErrCardExpired
	ErrFranceIdentiteMismatch     = issuer.ErrFranceIdentiteMismatch
)

// makeCard mints the profile's CNIe: signed by the issuer's State
// authority, or by a rogue one when the profile says it is forged.
func (p *Phone) makeCard() error {
	c := p.profile.CNIe
	if c == nil {
		return nil
	}
	rec, err := p.profile.cnieRecord()
	if err != nil {
		return fmt.Errorf("phone: CNIe: %w", err)
	}
	auth := p.iss.FranceIdentiteAuthority()
	if c.Forged {
		if auth, err = franceid.NewAuthority(p.opts.Rand); err != nil {
			return fmt.Errorf("phone: CNIe: %w", err)
		}
	}
	signed, err := auth.Sign(rec)
	if err != nil {
		return fmt.Errorf("phone: CNIe: %w", err)
	}
	p.card, err = franceid.NewCard(signed, c.PIN, 0)
	return err
}

// Card returns the profile's CNIe (nil when it has none): its PIN counter
// is the chip's.
func (p *Phone) Card() *franceid.Card { return p.card }

// StartActivationFranceIdentite begins (or restarts) the activation
// through France Identité (RouteFranceIdentite); refused as StartActivation.
func (p *Phone) StartActivationFranceIdentite() error {
	return p.startActivation(RouteFranceIdentite)
}

// Route returns the route of the activation in progress or, once the app
// holds a credential, of the activation that gave it.
func (p *Phone) Route() Route {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hasCred && p.state != Activating {
		return p.activeRoute
	}
	return p.act.route
}

// ReadCNIe is France Identité reading the person's CNIe with pin, once the
// e-mail address is verified: see franceid.App.Read for its refusals, in
// the order the phone meets them (the app, the system, NFC, the card).
// A wrong PIN counts on the card's chip (franceid.PINError), which blocks
// at the third.
func (p *Phone) ReadCNIe(pin string) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if err := p.needLocked("read CNIe", func(a *activation) bool { return a.route == RouteFranceIdentite }, ErrActivationStep); err != nil {
		return err
	}
	d := p.profile.Device
	app := franceid.App{
		Installed: d.FranceIdentite == FranceIdentiteInstalled || d.FranceIdentite == FranceIdentiteActivated,
		Activated: d.FranceIdentite == FranceIdentiteActivated,
		Trust:     p.iss.CNIeTrust(),
	}
	ph := franceid.Phone{NFC: d.NFC, NFCOn: !d.NFCOff && !p.opts.NoNFC, Rooted: d.Rooted, BootloaderUnlocked: d.BootloaderUnlocked}
	sr, _, err := app.Read(ph, p.card, pin, p.clock.Now())
	if err != nil {
		return fmt.Errorf("phone: read CNIe: %w", err)
	}
	p.act.cnie, p.act.identity = &sr, true
	return nil
}

// submitFranceIdentiteLocked sends the France Identité request: the issuer
// verifies and matches the card, and the app is active at once.
func (p *Phone) submitFranceIdentiteLocked() error {
	if p.act.cnie == nil {
		return fmt.Errorf("phone: submit: the CNIe was not read: %w", ErrActivationStep)
	}
	dev, err := ecdsa.GenerateKey(elliptic.P256(), p.opts.Rand)
	if err != nil {
		return fmt.Errorf("phone: submit: device key: %w", err)
	}
	d := p.profile.Device
	iss, err := p.iss.ActivateFranceIdentite(issuer.FranceIdentiteRequest{NIR: p.act.nir, Email: p.act.email,
		Device: issuer.DeviceInfo{OS: string(d.OS), Version: d.Version, Model: d.Model}, DeviceKey: &dev.PublicKey,
		CNIe: *p.act.cnie})
	if err != nil {
		return fmt.Errorf("phone: submit: %w", err)
	}
	p.takeLocked(iss)
	p.device, p.code, p.activeRoute = dev, p.act.code, RouteFranceIdentite
	p.pending, p.ticket, p.act, p.codeFails = nil, "", activation{}, 0
	p.state = ActiveLocked
	return nil
}

// ActivateFranceIdentite runs the France Identité route with the profile's
// own answers (its NIR, its e-mail and the code from the issuer's mailbox,
// its CNIe read with pin) and the secret code: the tester's shortcut. The
// app ends ActiveLocked, at once.
func (p *Phone) ActivateFranceIdentite(pin, code string) error {
	return p.activateWith(p.StartActivationFranceIdentite,
		func() error { return p.ReadCNIe(pin) },
		func() error { return p.ChooseCode(code, code) },
		p.Submit)
}
