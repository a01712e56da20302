package issuer

import (
	"fmt"
	"slices"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// The signed lists readers load: trust list and revocation list.

// TrustList returns the trust list signed by the list authority: every
// issuer key still needed to verify unexpired credentials. Each call has a
// higher Seq.
func (i *Issuer) TrustList() ([]byte, error) {
	var tl credential.TrustList
	var root credential.IssuerKey
	err := i.change(func() error { // the sequence number must never go back: saved before the list leaves
		now := i.now()
		tl = credential.TrustList{IssuedAt: now, NextUpdate: now.Add(i.opts.TrustListNextUpdate)}
		for _, k := range i.keys {
			if now.After(k.NotAfter.Add(i.opts.CredentialValidity)) {
				continue // nothing it signed is valid any more
			}
			tl.Keys = append(tl.Keys, credential.TrustedKey{Kid: slices.Clone(k.Kid), Issuer: i.opts.Name,
				Key: &k.Key.PublicKey, NotBefore: k.NotBefore, NotAfter: k.NotAfter})
		}
		i.trustSeq++
		tl.Seq = i.trustSeq
		root = i.root
		return nil
	})
	if err != nil {
		return nil, err
	}
	raw, err := credential.SignTrustList(root, tl)
	if err != nil {
		return nil, fmt.Errorf("issuer: trust list: %w", err)
	}
	return raw, nil
}

// RevocationList returns the revocation list as issued at now, signed by
// the list authority: the unexpired credentials revoked at least
// PublicationDelay before now. Its next update is now+RevocationNextUpdate;
// each call has a higher Seq.
func (i *Issuer) RevocationList(now time.Time) ([]byte, error) {
	now = now.Truncate(time.Second)
	rl := credential.RevocationList{IssuedAt: now, NextUpdate: now.Add(i.opts.RevocationNextUpdate), Revoked: [][8]byte{}}
	var root credential.IssuerKey
	err := i.change(func() error { // the sequence number must never go back: saved before the list leaves
		for _, p := range i.persons {
			i.sweepLocked(p, i.now())
		}
		for id, c := range i.creds {
			if c.Revoked && !now.Before(c.RevokedAt.Add(i.opts.PublicationDelay)) && now.Before(c.ValidUntil) {
				rl.Revoked = append(rl.Revoked, id)
			}
		}
		i.revSeq++
		rl.Seq = i.revSeq
		root = i.root
		return nil
	})
	if err != nil {
		return nil, err
	}
	raw, err := credential.SignRevocationList(root, rl)
	if err != nil {
		return nil, fmt.Errorf("issuer: revocation list: %w", err)
	}
	return raw, nil
}
