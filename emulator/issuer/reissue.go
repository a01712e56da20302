package issuer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// Re-issuance: a change of a person's data replaces the credential of their
// active app.

// UpdateFamily replaces the data of a known person (the ouvrant droit's NIR
// names them: it cannot change) — a new beneficiary, a new usage name, a
// move to another organisme — and re-issues the credential of their active
// app when the data differ: the new credential has a new CredentialID, the
// same device key and the current issuer key; the old one is revoked with
// ReasonReissued (so that readers refuse the old data once they hold a newer
// revocation list), its Activités move to the new one, and the phone fetches
// the new credential (Reissued) the next time it is used. Unchanged data
// issue nothing. ErrUnknownNIR for an unknown person.
func (i *Issuer) UpdateFamily(f credential.Family) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("issuer: update family: %w", err)
	}
	return i.update(f.OuvrantDroit().NIR, func(p *person) error {
		if sameFamily(p.Family, f) || sameFamily(p.issuedFamily(), f) {
			return nil
		}
		p.Family = clonePerson(Person{Family: f}).Family
		if d, ec := p.Document, f.EtatCivil; d != nil && (ec == nil || *ec != *d) {
			p.Document = nil // an état civil set here replaces the one acquired at activation
		}
		return i.reissueLocked(p)
	})
}

func sameFamily(a, b credential.Family) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// reissueLocked replaces p's current credential, if it is valid and not
// revoked, by a new one with p's data.
func (i *Issuer) reissueLocked(p *person) error {
	if p.Current == nil {
		return nil
	}
	old := i.creds[*p.Current]
	now := i.now()
	if old == nil || old.Revoked || !now.Before(old.ValidUntil) {
		return nil
	}
	if len(old.DeviceKey) == 0 {
		i.opts.Logger.Warn("issuer: no device key on record, credential not re-issued", "credential", fmt.Sprintf("%x", old.ID))
		return nil
	}
	_, err := i.replaceLocked("re-issue", p, old, ReasonReissued, now)
	return err
}

// replaceLocked issues p a new credential for the phone of old (same device
// key, p's current data, a new id, valid CredentialValidity from now),
// revokes old for reason, moves its Activités, and keeps the new one for
// the phone to fetch (Reissued).
func (i *Issuer) replaceLocked(what string, p *person, old *credRecord, reason RevokeReason, now time.Time) (*credRecord, error) {
	pub, err := x509.ParsePKIXPublicKey(old.DeviceKey)
	dev, ok := pub.(*ecdsa.PublicKey)
	if err != nil || !ok {
		return nil, fmt.Errorf("issuer: %s: device key: %w", what, credential.ErrInvalidField)
	}
	rec, held, err := i.issueLocked(old.NIR, old.Device, dev, p.issuedFamily(), now)
	if err != nil {
		return nil, fmt.Errorf("issuer: %s: %w", what, err)
	}
	i.revokeLocked(old.ID, reason, now)
	old.ReplacedBy = &rec.ID
	if as := i.activities[old.ID]; len(as) > 0 {
		i.activities[rec.ID] = as
		delete(i.activities, old.ID)
	}
	p.Current, p.Reissued = &rec.ID, held
	if p.Activation == ActivationValidated { // not picked up yet: the phone collects the new one
		p.Held = held
	}
	i.opts.Logger.Info("issuer: credential replaced", "credential", fmt.Sprintf("%x", old.ID), "new", fmt.Sprintf("%x", rec.ID), "reason", reason)
	return rec, nil
}

// Renew is the app opening online (the training deck: "at each opening of
// the app, with an Internet connection, the update starts by itself; the
// health insurance and INS data are updated"): the person's current
// credential id is replaced by a new credential for the same phone (same
// device key), with the person's current data, valid CredentialValidity
// from now — also when id has expired, which is how an app not opened for
// more than 90 days gets a valid credential again. The old credential is
// revoked with ReasonRenewed; a phone that lost the answer fetches it again
// with Reissued. ErrUnknownCredential when id is not the person's current
// credential, credential.ErrRevoked when it is revoked, ErrBlocked for a
// blocked person.
func (i *Issuer) Renew(id [8]byte) (*Issued, error) {
	var out *Issued
	err := i.change(func() error {
		c := i.creds[id]
		if c == nil {
			return fmt.Errorf("issuer: renew %x: %w", id, ErrUnknownCredential)
		}
		p, err := i.lookupLocked(c.NIR)
		if err != nil {
			return err
		}
		switch {
		case p.Blocked:
			return fmt.Errorf("issuer: renew %x: %w", id, ErrBlocked)
		case c.Revoked:
			return fmt.Errorf("issuer: renew %x: %s: %w", id, c.Reason, credential.ErrRevoked)
		case p.Current == nil || *p.Current != id || len(c.DeviceKey) == 0:
			return fmt.Errorf("issuer: renew %x: not the current credential: %w", id, ErrUnknownCredential)
		}
		now := i.now()
		rec, err := i.replaceLocked("renew", p, c, ReasonRenewed, now)
		if err != nil {
			return err
		}
		out = &Issued{Held: p.Reissued, CredentialID: rec.ID, ValidatedAt: now, Family: p.issuedFamily()}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Reissued returns the credential that replaced credential id after data
// changes or renewals (following every replacement to the latest), for the phone that
// holds id: ErrUnknownCredential when id is unknown or was not replaced,
// credential.ErrRevoked when the replacement itself was revoked since.
// Calling it again returns the same credential, so that a phone that crashed
// before storing it can fetch it again.
func (i *Issuer) Reissued(id [8]byte) (*Issued, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c := i.creds[id]
	if c == nil || c.ReplacedBy == nil {
		return nil, fmt.Errorf("issuer: re-issued credential of %x: %w", id, ErrUnknownCredential)
	}
	for c.ReplacedBy != nil && i.creds[*c.ReplacedBy] != nil {
		c = i.creds[*c.ReplacedBy]
	}
	p, err := i.lookupLocked(c.NIR)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Revoked:
		return nil, fmt.Errorf("issuer: re-issued credential %x: %s: %w", c.ID, c.Reason, credential.ErrRevoked)
	case p.Current == nil || *p.Current != c.ID || p.Reissued == nil:
		return nil, fmt.Errorf("issuer: re-issued credential of %x: %w", id, ErrUnknownCredential)
	}
	return &Issued{Held: p.Reissued, CredentialID: c.ID, ValidatedAt: c.IssuedAt, Family: p.issuedFamily()}, nil
}
