package issuer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"reflect"
	"runtime"
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
// (ErrUnknownCredential); the device signature with the device key recorded
// at activation (credential.ErrDeviceBinding); the window at the service's
// clock, ShortQRWindow after the draw and ShortQRSkew before
// (credential.ErrQRExpired); the credential revoked or its holder blocked
// (credential.ErrRevoked), expired (credential.ErrExpired); then single
// use: the service keeps, per credential, the newest draw time it resolved
// and refuses any time at or before it (service.ErrAlreadyResolved),
// whoever asks. That record is saved with the issuer's state before the
// resolution is returned: a code once answered is never answered again,
// even after a restart. The service learns which professional resolved which
// code and nothing more; nothing is logged but the credential id.
//
// The resolution is signed by the current key, also for a credential
// issued under an earlier one (a RotateKey since): readers bound the key's
// validity by the resolution time (docs/PROTOCOL.md §15.3, §15.5).
//
// On a machine with more than one CPU, the device signature is checked
// while the resolution is built and signed, the two ECDSA operations in
// parallel; a resolution signed for a code whose device signature turns
// out wrong is dropped unanswered, and nothing is recorded before both are
// done. Single use is then recorded under the lock with every check made
// again against the state of that moment; a resolution signed from a state
// another change has since altered is signed again from the new one.
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
	// The device signature is checked outside the lock (a credential's
	// device key never changes): desks do not queue behind it.
	i.mu.Lock()
	c, ok := i.creds[q.CID]
	var devDER []byte
	if ok {
		devDER = c.DeviceKey
	}
	i.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("issuer: resolve %x: %w", q.CID, ErrUnknownCredential)
	}
	pub, err := x509.ParsePKIXPublicKey(devDER)
	dev, isEC := pub.(*ecdsa.PublicKey)
	if err != nil || !isEC {
		return nil, fmt.Errorf("issuer: resolve %x: no device key recorded: %w", q.CID, credential.ErrDeviceBinding)
	}
	checkDevice := func(err error) error {
		if err != nil {
			return fmt.Errorf("issuer: resolve %x: %w", q.CID, err)
		}
		return nil
	}
	var devDone chan error // the parallel check's outcome; nil: checked already
	if runtime.GOMAXPROCS(0) > 1 {
		devDone = make(chan error, 1)
		go func() { devDone <- q.VerifyDevice(dev) }()
	} else if err := checkDevice(q.VerifyDevice(dev)); err != nil {
		return nil, err
	}
	// device waits for the device signature's check: every path below
	// goes through it before answering, and its error comes first.
	device := func() error {
		if devDone == nil {
			return nil
		}
		err := <-devDone
		devDone = nil
		return checkDevice(err)
	}

	// The resolution as the state stands, signed outside the lock while
	// the device signature is checked; nothing recorded yet.
	i.mu.Lock()
	now := i.now().Add(i.serviceOffset)
	seen := i.changes
	res, key, err := i.resolutionLocked(c, q, text, psHash, groups, now, false)
	i.mu.Unlock()
	if err != nil {
		if derr := device(); derr != nil {
			return nil, derr
		}
		return nil, err
	}
	out, serr := credential.IssueResolution(key, res, i.opts.Rand)
	if err := device(); err != nil {
		return nil, err // out, if any, is dropped: never answered
	}
	if serr != nil {
		return nil, fmt.Errorf("issuer: resolve: %w", serr)
	}

	// Single use, recorded and saved before the answer leaves: the checks
	// again, on the state of now (the 7-day rule applied), at the time the
	// resolution states.
	err = i.change(func() error {
		if i.creds[q.CID] != c {
			return fmt.Errorf("issuer: resolve %x: %w", q.CID, ErrUnknownCredential)
		}
		cur, curKey, err := i.resolutionLocked(c, q, text, psHash, groups, now, true)
		if err != nil {
			return err
		}
		if i.changes != seen && (!reflect.DeepEqual(cur, res) || !bytes.Equal(curKey.Kid, key.Kid)) {
			res, key, out = cur, curKey, nil // changed meanwhile: signed again below
		}
		c.LastResolved = q.Time.Unix()
		i.opts.Logger.Info("issuer: short QR resolved", "credential", fmt.Sprintf("%x", q.CID))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		if out, err = credential.IssueResolution(key, res, i.opts.Rand); err != nil {
			return nil, fmt.Errorf("issuer: resolve: %w", err)
		}
	}
	return out, nil
}

// resolutionLocked checks, at the service time now, the window, the
// credential's standing and single use of q, and returns the resolution to
// sign and the key to sign it with. With sweep, the person's 7-day rule is
// applied first (lookupLocked, a change: call it from change); without, the
// state is only read. i.mu held.
func (i *Issuer) resolutionLocked(c *credRecord, q credential.ShortQR, text string, psHash [32]byte, groups []credential.Group, now time.Time, sweep bool) (credential.Resolution, credential.IssuerKey, error) {
	if q.Time.After(now.Add(ShortQRSkew)) || now.Sub(q.Time) > ShortQRWindow {
		return credential.Resolution{}, credential.IssuerKey{}, fmt.Errorf("issuer: resolve %x: drawn at %v, service time %v: %w", q.CID, q.Time, now, credential.ErrQRExpired)
	}
	var p *person
	if sweep {
		var err error
		if p, err = i.lookupLocked(c.NIR); err != nil { // applies the 7-day rule, which may revoke
			return credential.Resolution{}, credential.IssuerKey{}, err
		}
	} else if p = i.persons[c.NIR]; p == nil {
		return credential.Resolution{}, credential.IssuerKey{}, fmt.Errorf("issuer: %s: %w", c.NIR.Masked(), ErrUnknownNIR)
	}
	switch {
	case c.Revoked || p.Blocked:
		return credential.Resolution{}, credential.IssuerKey{}, fmt.Errorf("issuer: resolve %x: %w", q.CID, credential.ErrRevoked)
	case now.After(c.ValidUntil):
		return credential.Resolution{}, credential.IssuerKey{}, fmt.Errorf("issuer: resolve %x: %w", q.CID, credential.ErrExpired)
	case c.LastResolved != 0 && q.Time.Unix() <= c.LastResolved:
		i.opts.Logger.Info("issuer: short QR already resolved", "credential", fmt.Sprintf("%x", q.CID))
		return credential.Resolution{}, credential.IssuerKey{}, fmt.Errorf("issuer: resolve %x: %w", q.CID, service.ErrAlreadyResolved)
	}
	fam := p.issuedFamily()
	res := credential.Resolution{Issuer: i.opts.Name, CID: q.CID, ResolvedAt: now, IssuedAt: c.IssuedAt,
		ValidUntil: c.ValidUntil, TextHash: sha256Text(text), PSHash: psHash, Family: fam, Groups: []credential.Group{credential.GroupAMO}}
	if slices.Contains(groups, credential.GroupINS) && slices.ContainsFunc(fam.Beneficiaires, func(b credential.Beneficiary) bool { return b.INS != nil }) {
		res.Groups = append(res.Groups, credential.GroupINS)
	}
	if slices.Contains(groups, credential.GroupEtatCivil) && fam.EtatCivil != nil {
		res.Groups = append(res.Groups, credential.GroupEtatCivil)
	}
	return res, i.keys[len(i.keys)-1].IssuerKey, nil
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
