package issuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/franceid"
	"github.com/apcvkit/apcvkit/emulator/idmatch"
)

// The France Identité route of the activation (the article on the opening
// of the app to all, DESIGN.md §1b): the app reads the CNIe through France
// Identité, the health insurance verifies the card's signed record and
// matches its identity against the person it knows, and the app is active
// at once — no 48 h validation, no "finalise" e-mail, no 7-day reopening.

// Refusals of the France Identité route decided here.
var (
	// ErrFranceIdentiteMismatch is the app's message when the identity read
	// from the CNIe does not match the health insurance's record, quoted
	// from a reader of the article: "Erreur lors de la validation
	// d'identité, les informations d'état civil issues de votre CNI ne
	// correspondent pas à celles connues par votre organisme d'assurance
	// maladie". The error also wraps the matcher's cause first (an
	// *idmatch.MismatchError, see MatchIdentity), whose message names the
	// field, both values and what to do: the one apcverr.Message shows.
	ErrFranceIdentiteMismatch = apcverr.New("franceid-identity-mismatch",
		"Identity validation failed: the civil status read from your identity card does not match what your health insurance fund knows.",
		"Erreur lors de la validation d'identité, les informations d'état civil issues de votre CNI ne correspondent pas à celles connues par votre organisme d'assurance maladie.")
)

// FranceIdentiteAuthority returns the emulated State authority whose CNIe
// records the issuer trusts (Options.CNIeAuthority): the emulator's phones
// mint their profile's card with it.
func (i *Issuer) FranceIdentiteAuthority() *franceid.Authority { return i.opts.CNIeAuthority }

// CNIeTrust returns the trust France Identité and the issuer put in CNIe
// records.
func (i *Issuer) CNIeTrust() franceid.Trust {
	return franceid.Trust{Key: i.opts.CNIeAuthority.PublicKey()}
}

// CheckEligibilityFranceIdentite is CheckEligibility for the France
// Identité route: the deployed départements do not apply (the article: the
// route opens the app "à l'ensemble du territoire"; a reader: "pour activer
// tout de suite en dehors des 23 départements, oui faut les points 1 et 2"
// — a CNIe and an NFC phone); the organismes still do.
func (i *Issuer) CheckEligibilityFranceIdentite(nir credential.NIR) error {
	return i.checkEligibility(nir, true)
}

// FranceIdentiteRequest is an activation request through France Identité,
// sent once the card was read and the secret code chosen.
type FranceIdentiteRequest struct {
	NIR       credential.NIR
	Email     string // must be the verified address
	Device    DeviceInfo
	DeviceKey *ecdsa.PublicKey      // the phone's device key (P-256)
	CNIe      franceid.SignedRecord // the card's record as France Identité read it
}

// ActivateFranceIdentite activates the app at once: it verifies the CNIe's
// signed record itself (franceid.ErrInvalidSignature,
// franceid.ErrCardExpired: the phone is not trusted), matches the card's
// identity against the ouvrant droit as the video route does
// (MatchIdentity: package idmatch's rule, with the card's sex; a mismatch
// wraps the *idmatch.MismatchError, then ErrFranceIdentiteMismatch), and
// issues the
// credential: its état civil is the card's (type CNI, its sex, acquired
// today), the person's previous credential is revoked (one user, one active
// app), and the activation is completed — the phone holds an active app
// when this returns. ErrBlocked, ErrNotEligible and ErrNoValidatedEmail as
// for the video route.
func (i *Issuer) ActivateFranceIdentite(r FranceIdentiteRequest) (*Issued, error) {
	if r.DeviceKey == nil || r.DeviceKey.Curve != elliptic.P256() {
		return nil, fmt.Errorf("issuer: France Identité: device key is not P-256: %w", credential.ErrInvalidField)
	}
	var out *Issued
	err := i.update(r.NIR, func(p *person) error {
		switch {
		case p.Blocked:
			return fmt.Errorf("issuer: France Identité: %w", ErrBlocked)
		case !p.EmailVerified || p.Email != r.Email:
			return fmt.Errorf("issuer: France Identité: %w", ErrNoValidatedEmail)
		}
		if err := i.opts.Eligibility.CheckOrganisme(p.Family.OuvrantDroit().Organisme); err != nil {
			return err
		}
		now := i.now()
		rec, err := i.CNIeTrust().Verify(r.CNIe, now)
		if err != nil {
			i.opts.Logger.Info("issuer: France Identité record refused", "code", apcverr.Code(err))
			return fmt.Errorf("issuer: France Identité: %w", err)
		}
		doc := rec.Identity.EtatCivil(credential.DateOf(now))
		// The same matching as the video route's (MatchIdentity), with the
		// card's sex, which the video check's état civil does not have.
		if _, err := i.matchLocked(p, idmatch.DocumentOf(doc, doc.Sexe)); err != nil {
			return fmt.Errorf("issuer: France Identité: %w: %w", err, ErrFranceIdentiteMismatch)
		}
		fam := p.issuedFamily()
		fam.EtatCivil = &doc
		if err := fam.Validate(); err != nil {
			return fmt.Errorf("issuer: France Identité: card data: %w", err)
		}
		cr, held, err := i.issueLocked(r.NIR, r.Device, r.DeviceKey, fam, now)
		if err != nil {
			return fmt.Errorf("issuer: France Identité: %w", err)
		}
		if p.Current != nil {
			i.revokeLocked(*p.Current, ReasonNewDevice, now)
		}
		if p.Ticket != "" { // a pending video request is superseded
			delete(i.tickets, p.Ticket)
			p.Ticket = ""
		}
		id := cr.ID
		p.Document = &doc
		p.Current, p.Reissued, p.Device, p.DeviceKey = &id, nil, r.Device, cr.DeviceKey
		p.Activation, p.SubmittedAt, p.ValidatedAt, p.Held, p.Rejection = ActivationCompleted, now, now, nil, ""
		i.opts.Logger.Info("issuer: credential issued through France Identité", "credential", fmt.Sprintf("%x", id))
		out = &Issued{Held: held, CredentialID: id, ValidatedAt: now, Family: fam}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
