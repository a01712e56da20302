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
	return publish(i, "trust list", credential.SignTrustList, func() credential.TrustList {
		now := i.now()
		tl := credential.TrustList{IssuedAt: now, NextUpdate: now.Add(i.opts.TrustListNextUpdate)}
		for _, k := range i.keys {
			if now.After(k.NotAfter.Add(i.opts.CredentialValidity)) {
				continue // nothing it signed is valid any more
			}
			tl.Keys = append(tl.Keys, credential.TrustedKey{Kid: slices.Clone(k.Kid), Issuer: i.opts.Name,
				Key: &k.Key.PublicKey, NotBefore: k.NotBefore, NotAfter: k.NotAfter})
		}
		i.trustSeq++
		tl.Seq = i.trustSeq
		return tl
	})
}

// RevocationList returns the revocation list as issued at now, signed by
// the list authority: the unexpired credentials revoked at least
// PublicationDelay before now. Its next update is now+RevocationNextUpdate;
// each call has a higher Seq.
func (i *Issuer) RevocationList(now time.Time) ([]byte, error) {
	now = now.Truncate(time.Second)
	return publish(i, "revocation list", credential.SignRevocationList, func() credential.RevocationList {
		for _, p := range i.persons {
			i.sweepLocked(p, i.now())
		}
		rl := credential.RevocationList{IssuedAt: now, NextUpdate: now.Add(i.opts.RevocationNextUpdate), Revoked: [][8]byte{}}
		for id, c := range i.creds {
			if c.Revoked && !now.Before(c.RevokedAt.Add(i.opts.PublicationDelay)) && now.Before(c.ValidUntil) {
				rl.Revoked = append(rl.Revoked, id)
			}
		}
		i.revSeq++
		rl.Seq = i.revSeq
		return rl
	})
}

// publish makes a list with fill under the lock, commits (the sequence
// number fill takes must never go back: it is on disk before the list
// leaves), then signs it with the list authority outside the lock.
func publish[L any](i *Issuer, what string, sign func(credential.IssuerKey, L) ([]byte, error), fill func() L) ([]byte, error) {
	var list L
	var root credential.IssuerKey
	if err := i.change(func() error { list, root = fill(), i.root; return nil }); err != nil {
		return nil, err
	}
	raw, err := sign(root, list)
	if err != nil {
		return nil, fmt.Errorf("issuer: %s: %w", what, err)
	}
	return raw, nil
}
