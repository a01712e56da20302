package issuer

import (
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// Revocations: by the issuer (new phone, re-issue, lapse), by an agent, by
// blocking a person.

// RevokeReason says why a credential was revoked.
type RevokeReason string

// Revocation reasons.
const (
	ReasonNewDevice RevokeReason = "activated on another phone"
	ReasonAgent     RevokeReason = "revoked by an agent"
	ReasonBlocked   RevokeReason = "user blocked"
	ReasonLockout   RevokeReason = "secret code locked out"
	ReasonForgotten RevokeReason = "secret code forgotten"
	ReasonDeleted   RevokeReason = "profile deleted by the user"
	ReasonLapsed    RevokeReason = "app not reopened within 7 days"
	// ReasonReissued: the person's data changed and a new credential (new
	// id, same phone) replaced this one; the phone fetches it (Reissued).
	ReasonReissued RevokeReason = "re-issued after a data change"
	// ReasonRenewed: the app was opened online and renewed its credential
	// (Renew): a new credential (new id, same phone) replaced this one.
	ReasonRenewed RevokeReason = "renewed at the app's opening"
)

// Status is a credential's standing.
type Status struct {
	Revoked bool
	Reason  RevokeReason
	Blocked bool // the holder is blocked
}

// CredentialStatus returns the standing of credential id.
func (i *Issuer) CredentialStatus(id [8]byte) (Status, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c, err := i.credLocked(id)
	if err != nil {
		return Status{}, fmt.Errorf("issuer: credential %x: %w", id, err)
	}
	p, err := i.lookupLocked(c.NIR) // applies the 7-day rule
	if err != nil {
		return Status{}, err
	}
	return Status{Revoked: c.Revoked, Reason: c.Reason, Blocked: p.Blocked}, nil
}

// Revoke revokes credential id (idempotent: a second call keeps the first
// reason and time).
func (i *Issuer) Revoke(id [8]byte, reason RevokeReason) error {
	return i.change(func() error {
		if _, ok := i.creds[id]; !ok {
			return fmt.Errorf("issuer: revoke %x: %w", id, ErrUnknownCredential)
		}
		i.revokeLocked(id, reason, i.now())
		return nil
	})
}

func (i *Issuer) revokeLocked(id [8]byte, reason RevokeReason, at time.Time) {
	c := i.creds[id]
	if c == nil || c.Revoked {
		return
	}
	c.Revoked, c.RevokedAt, c.Reason = true, at, reason
	i.opts.Logger.Info("issuer: credential revoked", "credential", fmt.Sprintf("%x", id), "reason", reason)
}

// RevokeDevice revokes the person's current app (an agent's action). It is
// not an error when the person has no active app.
func (i *Issuer) RevokeDevice(nir credential.NIR) error {
	return i.update(nir, func(p *person) error {
		if p.Current != nil {
			i.revokeLocked(*p.Current, ReasonAgent, i.now())
		}
		return nil
	})
}

// Block blocks a person: their current credential is revoked, a pending
// activation is dropped, and they cannot activate until Unblock.
func (i *Issuer) Block(nir credential.NIR) error {
	return i.update(nir, func(p *person) error {
		p.Blocked = true
		if p.Current != nil {
			i.revokeLocked(*p.Current, ReasonBlocked, i.now())
		}
		if p.Activation == ActivationPending || p.Activation == ActivationValidated || p.Activation == ActivationStarted {
			p.Activation, p.Held = ActivationNone, nil
			delete(i.tickets, p.Ticket)
			p.Ticket = ""
		}
		return nil
	})
}

// Unblock lets a blocked person activate again; revoked credentials stay
// revoked.
func (i *Issuer) Unblock(nir credential.NIR) error {
	return i.update(nir, func(p *person) error {
		p.Blocked = false
		return nil
	})
}
