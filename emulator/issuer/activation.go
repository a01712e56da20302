package issuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// The activation, server side: eligibility, e-mail code, request, validation
// within 48 h, collection within 7 days.

// ActivationState is where a person's latest activation request stands.
type ActivationState string

// Activation states.
const (
	ActivationNone      ActivationState = "none"               // never started
	ActivationStarted   ActivationState = "started"            // NIR accepted, steps in progress
	ActivationPending   ActivationState = "pending validation" // submitted, waiting for validation
	ActivationValidated ActivationState = "validated"          // credential issued, app not reopened yet
	ActivationCompleted ActivationState = "completed"          // reopened within 7 days
	ActivationExpired   ActivationState = "expired"            // not validated within 48 h
	ActivationLapsed    ActivationState = "lapsed"             // not reopened within 7 days: profile deleted
	ActivationRejected  ActivationState = "rejected"           // the back office rejected the request (Reject)
)

// sweepLocked applies the 48 h and 7-day rules to p at now.
func (i *Issuer) sweepLocked(p *person, now time.Time) {
	switch p.Activation {
	case ActivationPending:
		if now.After(p.SubmittedAt.Add(ValidationWindow)) {
			p.Activation, p.Held = ActivationExpired, nil
		}
	case ActivationValidated:
		if deadline := p.ValidatedAt.Add(ReopenWindow); now.After(deadline) {
			p.Activation, p.Held = ActivationLapsed, nil
			if p.Current != nil {
				i.revokeLocked(*p.Current, ReasonLapsed, deadline)
			}
		}
	}
}

// CheckEligibility is the activation's NIR step on the server: it returns
// ErrUnknownNIR, ErrBlocked or ErrNotEligible, or records that an activation
// started.
func (i *Issuer) CheckEligibility(nir credential.NIR) error {
	return i.checkEligibility(nir, false)
}

// checkEligibility is CheckEligibility; franceID leaves the départements
// out (CheckEligibilityFranceIdentite).
func (i *Issuer) checkEligibility(nir credential.NIR, franceID bool) error {
	return i.update(nir, func(p *person) error {
		if p.Blocked {
			return fmt.Errorf("issuer: %s: %w", nir.Masked(), ErrBlocked)
		}
		check := i.opts.Eligibility.Check
		if franceID {
			check = func(o credential.Organisme, _ string) error { return i.opts.Eligibility.CheckOrganisme(o) }
		}
		if err := check(p.Family.OuvrantDroit().Organisme, p.Departement); err != nil {
			return err
		}
		if p.Activation != ActivationPending && p.Activation != ActivationValidated {
			p.Activation = ActivationStarted
		}
		p.EmailVerified = false
		return nil
	})
}

// SendEmailCode sends a fresh 6-digit code to address (see Mailbox). A new
// code replaces the previous one.
func (i *Issuer) SendEmailCode(nir credential.NIR, address string) error {
	if address == "" {
		return fmt.Errorf("issuer: send e-mail code: no address: %w", ErrNoValidatedEmail)
	}
	n, err := rand.Int(i.opts.Rand, big.NewInt(1_000_000))
	if err != nil {
		return fmt.Errorf("issuer: send e-mail code: %w", err)
	}
	return i.update(nir, func(p *person) error {
		p.Email, p.EmailVerified = address, false
		code := fmt.Sprintf("%06d", n.Int64())
		i.mailbox[address] = mail{Code: code, SentAt: i.now()}
		i.sendLocked(address, SubjectEmailCode, emailCodeBody(code))
		return nil
	})
}

// Mailbox returns the last code sent to address and when, while it has not
// been used: the code of the e-mail the user reads (Mails has the e-mail
// itself).
// An issuer made by Open first re-reads its directory when another
// process saved it since.
func (i *Issuer) Mailbox(address string) (code string, sentAt time.Time, ok bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.refreshViewLocked("mailbox")
	m, ok := i.mailbox[address]
	return m.Code, m.SentAt, ok
}

// VerifyEmailCode checks the code the user typed: ErrEmailCodeWrong, or
// ErrEmailCodeExpired once more than EmailCodeValidity has passed since it
// was sent (exactly 1 hour is still valid). A used code is spent.
func (i *Issuer) VerifyEmailCode(nir credential.NIR, address, code string) error {
	return i.update(nir, func(p *person) error {
		m, ok := i.mailbox[address]
		if !ok || p.Email != address {
			return fmt.Errorf("issuer: e-mail code: none sent to this address: %w", ErrEmailCodeWrong)
		}
		if i.now().Sub(m.SentAt) > EmailCodeValidity {
			return fmt.Errorf("issuer: e-mail code: sent %v ago: %w", i.now().Sub(m.SentAt), ErrEmailCodeExpired)
		}
		if subtle.ConstantTimeCompare([]byte(code), []byte(m.Code)) != 1 {
			return fmt.Errorf("issuer: e-mail code: %w", ErrEmailCodeWrong)
		}
		delete(i.mailbox, address)
		p.EmailVerified = true
		return nil
	})
}

// Request is an activation request, sent once every step passed on the phone.
type Request struct {
	NIR       credential.NIR
	Email     string // must be the verified address
	Device    DeviceInfo
	DeviceKey *ecdsa.PublicKey // the phone's device key (P-256)
}

// Submit records an activation request, pending validation, and returns the
// ticket the phone collects the credential with. A newer request replaces a
// pending one.
func (i *Issuer) Submit(r Request) (string, error) {
	if r.DeviceKey == nil || r.DeviceKey.Curve != elliptic.P256() {
		return "", fmt.Errorf("issuer: submit: device key is not P-256: %w", credential.ErrInvalidField)
	}
	der, err := x509.MarshalPKIXPublicKey(r.DeviceKey)
	if err != nil {
		return "", fmt.Errorf("issuer: submit: device key: %w", credential.ErrInvalidField)
	}
	var t [16]byte
	if _, err := io.ReadFull(i.opts.Rand, t[:]); err != nil {
		return "", fmt.Errorf("issuer: submit: %w", err)
	}
	ticket := hex.EncodeToString(t[:])
	err = i.update(r.NIR, func(p *person) error {
		if p.Blocked {
			return fmt.Errorf("issuer: submit: %w", ErrBlocked)
		}
		if !p.EmailVerified || p.Email != r.Email {
			return fmt.Errorf("issuer: submit: %w", ErrNoValidatedEmail)
		}
		if p.Ticket != "" {
			delete(i.tickets, p.Ticket)
		}
		i.tickets[ticket] = r.NIR
		p.Ticket, p.Device, p.DeviceKey = ticket, r.Device, der
		p.Activation, p.SubmittedAt, p.ValidatedAt, p.Held, p.Rejection = ActivationPending, i.now(), time.Time{}, nil, ""
		i.opts.Logger.Info("issuer: activation request submitted", "ticket", ticket[:8]+"…")
		return nil
	})
	if err != nil {
		return "", err
	}
	return ticket, nil
}

// pendingLocked checks that p has a request waiting for the back office.
func pendingLocked(step string, p *person) error {
	switch {
	case p.Activation == ActivationExpired:
		return fmt.Errorf("issuer: %s: %w", step, ErrValidationExpired)
	case p.Activation != ActivationPending:
		return fmt.Errorf("issuer: %s: activation is %s: %w", step, p.Activation, ErrNoActivation)
	case p.Blocked:
		return fmt.Errorf("issuer: %s: %w", step, ErrBlocked)
	}
	return nil
}

// Validate validates the person's pending request (the identity check
// passed on the back office): it issues a credential bound to the request's
// device key, with a fresh credential id, revokes the person's previous
// credential (one user, one active app), and sends the "finalise your
// activation" e-mail (SubjectFinalise). ErrValidationExpired if it comes
// more than ValidationWindow after the submission (exactly 48 h is still in
// time); ErrNoActivation if nothing is pending.
func (i *Issuer) Validate(nir credential.NIR) error {
	return i.update(nir, func(p *person) error {
		if err := pendingLocked("validate", p); err != nil {
			return err
		}
		pub, err := x509.ParsePKIXPublicKey(p.DeviceKey)
		dev, ok := pub.(*ecdsa.PublicKey)
		if err != nil || !ok {
			return fmt.Errorf("issuer: validate: device key: %w", credential.ErrInvalidField)
		}
		now := i.now()
		doc := p.Document
		if ec := p.Family.EtatCivil; ec != nil {
			// The état civil is the document's as checked at activation:
			// acquired today, kept as is by later renewals.
			acquired := *ec
			if acquired.DateAcquisition.IsZero() {
				acquired.DateAcquisition = credential.DateOf(now)
			}
			p.Document = &acquired
		}
		rec, held, err := i.issueLocked(nir, p.Device, dev, p.issuedFamily(), now)
		if err != nil {
			p.Document = doc
			return fmt.Errorf("issuer: validate: %w", err)
		}
		if p.Current != nil {
			i.revokeLocked(*p.Current, ReasonNewDevice, now)
		}
		id := rec.ID
		p.Current, p.Reissued = &id, nil
		p.Activation, p.ValidatedAt, p.Held, p.Rejection = ActivationValidated, now, held, ""
		i.opts.Logger.Info("issuer: credential issued", "credential", fmt.Sprintf("%x", id))
		i.sendLocked(p.Email, SubjectFinalise, finaliseBody)
		return nil
	})
}

// Reject is the back office refusing the person's pending request, for
// reason (one of RejectReasons): no credential is issued, the person's
// current credential (an app on another phone) is left alone, and the
// "activation failed" e-mail (SubjectFailed) is sent, which does not say
// why; the app learns the reason when it is opened (Collect returns the
// reason's error, wrapping ErrActivationRejected). Same refusals as
// Validate; an unknown reason is ErrUnknownRejectReason.
func (i *Issuer) Reject(nir credential.NIR, reason RejectReason) error {
	if _, ok := rejectErrs[reason]; !ok {
		return fmt.Errorf("issuer: reject: reason %q: %w", reason, ErrUnknownRejectReason)
	}
	return i.update(nir, func(p *person) error {
		if err := pendingLocked("reject", p); err != nil {
			return err
		}
		p.Activation, p.Rejection, p.Held = ActivationRejected, reason, nil
		i.opts.Logger.Info("issuer: activation request rejected", "reason", string(reason))
		i.sendLocked(p.Email, SubjectFailed, failedBody)
		return nil
	})
}

// Issued is what the phone collects once its request is validated.
type Issued struct {
	Held         *credential.Held
	CredentialID [8]byte
	ValidatedAt  time.Time         // when the credential was issued
	Family       credential.Family // the data it certifies
}

// Collect is the phone reopening the app with its ticket. It returns the
// credential once validated and marks the activation completed; before
// that ErrPendingValidation, ErrValidationExpired after 48 h without
// validation, ErrProfileDeleted when the app is reopened more than
// ReopenWindow after the validation (exactly 7 days is still in time), and
// the reason's error (wrapping ErrActivationRejected; see RejectReasons)
// when the back office rejected the request; the ticket is then spent.
func (i *Issuer) Collect(ticket string) (*Issued, error) {
	var out *Issued
	err := i.change(func() error {
		nir, ok := i.tickets[ticket]
		if !ok {
			return fmt.Errorf("issuer: collect: unknown ticket: %w", ErrNoActivation)
		}
		p, err := i.lookupLocked(nir)
		if err != nil {
			return err
		}
		switch p.Activation {
		case ActivationPending:
			return fmt.Errorf("issuer: collect: %w", ErrPendingValidation)
		case ActivationExpired:
			return fmt.Errorf("issuer: collect: %w", ErrValidationExpired)
		case ActivationLapsed:
			return fmt.Errorf("issuer: collect: %w", ErrProfileDeleted)
		case ActivationRejected:
			delete(i.tickets, ticket)
			p.Ticket = ""
			return fmt.Errorf("issuer: collect: %w", p.Rejection.Err())
		case ActivationValidated:
			out = &Issued{Held: p.Held, CredentialID: *p.Current, ValidatedAt: p.ValidatedAt, Family: p.issuedFamily()}
			p.Activation, p.Held = ActivationCompleted, nil
			delete(i.tickets, ticket)
			p.Ticket = ""
			return nil
		}
		return fmt.Errorf("issuer: collect: activation is %s: %w", p.Activation, ErrNoActivation)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
