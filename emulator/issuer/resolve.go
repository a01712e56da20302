package issuer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/service"
)

// The online service's side of a short QR (protocol version 2,
// docs/PROTOCOL.md §15): Resolve.

// The short QR's window at the service: a code is resolved at most
// ShortQRWindow after the phone drew it, and at most ShortQRSkew before.
const (
	ShortQRWindow = 3 * time.Minute
	ShortQRSkew   = 30 * time.Second
)

// Resolve is the online service resolving a short QR text for a health
// professional whose client certificate's DER hashes to psHash (the
// caller, the service's handler, authenticated them). It returns the
// resolution (credential.IssueResolution) signed by the current issuer key,
// holding AMO and those of the other requested groups the holder has.
//
// In order: the text's form (credential.ParseShortQR's errors); the
// groups (ErrInvalidField for an unknown one); the credential
// (ErrUnknownCredential); the tag with the short QR key recorded at
// issuance (credential.ShortQR.VerifyTag, credential.ErrDeviceBinding); the window at the service's
// clock, ShortQRWindow after the draw and ShortQRSkew before
// (credential.ErrQRExpired); the credential revoked or its holder blocked
// (credential.ErrRevoked), expired (credential.ErrExpired); then single
// use: the service keeps, per credential, the newest draw time it resolved
// and refuses any time at or before it (service.ErrAlreadyResolved),
// whoever asks. That record is saved with the issuer's state before the
// resolution is signed: a code once answered is never answered again, even
// after a restart. The service learns which professional resolved which
// code and nothing more; nothing is logged but the credential id.
//
// The resolution is signed by the current key, also for a credential
// issued under an earlier one (a RotateKey since): readers bound the key's
// validity by the resolution time (docs/PROTOCOL.md §15.3, §15.5).
func (i *Issuer) Resolve(text string, psHash [32]byte, groups []credential.Group) ([]byte, error) {
	q, err := credential.ParseShortQR(text)
	if err != nil {
		return nil, fmt.Errorf("issuer: resolve: %w", err)
	}
	for _, g := range groups {
		if !slices.Contains(credential.AllGroups, g) {
			return nil, fmt.Errorf("issuer: resolve: group %v: %w", g, credential.ErrInvalidField)
		}
	}
	i.mu.Lock()
	c, err := i.credLocked(q.CID)
	var key32 [credential.ShortQRKeyLen]byte
	if c != nil {
		key32 = c.ShortQRKey
	}
	i.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("issuer: resolve %x: %w", q.CID, err)
	}
	if key32 == ([credential.ShortQRKeyLen]byte{}) {
		return nil, fmt.Errorf("issuer: resolve %x: no short QR key recorded: %w", q.CID, credential.ErrDeviceBinding)
	}
	if err := q.VerifyTag(key32); err != nil {
		return nil, fmt.Errorf("issuer: resolve %x: %w", q.CID, err)
	}
	var res credential.Resolution
	var key credential.IssuerKey
	err = i.change(func() error {
		// The state may have been re-read since (another process's
		// change): the record to check and update is the current one.
		if c = i.creds[q.CID]; c == nil {
			return fmt.Errorf("issuer: resolve %x: %w", q.CID, ErrUnknownCredential)
		}
		now := i.now().Add(i.serviceOffset)
		if q.Time.After(now.Add(ShortQRSkew)) || now.Sub(q.Time) > ShortQRWindow {
			return fmt.Errorf("issuer: resolve %x: drawn at %v, service time %v: %w", q.CID, q.Time, now, credential.ErrQRExpired)
		}
		p, err := i.lookupLocked(c.NIR) // applies the 7-day rule, which may revoke
		if err != nil {
			return err
		}
		switch {
		case c.Revoked || p.Blocked:
			return fmt.Errorf("issuer: resolve %x: %w", q.CID, credential.ErrRevoked)
		case now.After(c.ValidUntil):
			return fmt.Errorf("issuer: resolve %x: %w", q.CID, credential.ErrExpired)
		case c.LastResolved != 0 && q.Time.Unix() <= c.LastResolved:
			i.opts.Logger.Info("issuer: short QR already resolved", "credential", cidLog(q.CID))
			return fmt.Errorf("issuer: resolve %x: %w", q.CID, service.ErrAlreadyResolved)
		}
		fam := p.issuedFamily()
		res = credential.Resolution{Issuer: i.opts.Name, CID: q.CID, ResolvedAt: now, IssuedAt: c.IssuedAt,
			ValidUntil: c.ValidUntil, TextHash: sha256Text(text), PSHash: psHash, Family: fam, Groups: []credential.Group{credential.GroupAMO}}
		if slices.Contains(groups, credential.GroupINS) && slices.ContainsFunc(fam.Beneficiaires, func(b credential.Beneficiary) bool { return b.INS != nil }) {
			res.Groups = append(res.Groups, credential.GroupINS)
		}
		if slices.Contains(groups, credential.GroupEtatCivil) && fam.EtatCivil != nil {
			res.Groups = append(res.Groups, credential.GroupEtatCivil)
		}
		c.LastResolved = q.Time.Unix()
		key = i.keys[len(i.keys)-1].IssuerKey
		i.opts.Logger.Info("issuer: short QR resolved", "credential", cidLog(q.CID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	out, err := credential.IssueResolution(key, res, i.opts.Rand)
	if err != nil {
		return nil, fmt.Errorf("issuer: resolve: %w", err)
	}
	return out, nil
}

// credLocked returns the record of credential id. One this process does
// not know is looked for again in the state directory, where another
// process sharing it (`apcv qr` beside `apcv portal serve`) may have added
// it: ErrUnknownCredential only when it is in neither. i.mu is held.
func (i *Issuer) credLocked(id [8]byte) (*credRecord, error) {
	if c := i.creds[id]; c != nil {
		return c, nil
	}
	if i.dir != "" {
		if err := i.refreshLocked(); err != nil {
			return nil, err
		}
		if c := i.creds[id]; c != nil {
			return c, nil
		}
	}
	return nil, ErrUnknownCredential
}

// SetServiceClockOffset shifts the online service's clock (Resolve's) by d
// from the issuer's: a fault the emulator injects (a service whose clock
// is wrong), which readers must detect (credential.ErrServiceClockSkew).
func (i *Issuer) SetServiceClockOffset(d time.Duration) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.serviceOffset = d
}

func sha256Text(text string) [32]byte { return sha256.Sum256([]byte(text)) }

// cidLog is a credential id in the log, in hexadecimal: formatted only when
// the record is (slog.LogValuer), not on every resolution.
type cidLog [8]byte

// LogValue implements slog.LogValuer.
func (c cidLog) LogValue() slog.Value { return slog.StringValue(hex.EncodeToString(c[:])) }
