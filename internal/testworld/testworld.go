// Package testworld builds, for tests and benchmarks, a complete small world:
// a list authority, an issuer key, a device key, a family issued a
// credential, signed trust and revocation lists, and a Verifier that trusts
// them at a fixed time. The family is internal/testfamily's: fictitious,
// with computed NIR keys.
package testworld

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testfamily"
)

// World is one issued phone and the reader-side trust it needs.
type World struct {
	Root, Issuer credential.IssuerKey
	Device       *ecdsa.PrivateKey
	Held         *credential.Held
	CID          [8]byte
	Now          time.Time
	TrustList    []byte
	Revocation   []byte
	Family       credential.Family
}

// Now is the fixed time of every world.
var Now = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// Family returns a family of n beneficiaries (1..6), the ouvrant droit
// first: internal/testfamily's family, each ayant droit with an INS.
func Family(n int) credential.Family {
	return testfamily.Family(min(n, 6), testfamily.Options{INS: true})
}

func key() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

// New returns a world with a family of n beneficiaries.
func New(n int) *World {
	w := &World{
		Root:   credential.IssuerKey{Kid: []byte("root-1"), Key: key()},
		Issuer: credential.IssuerKey{Kid: []byte("cnam-1"), Key: key()},
		Device: key(),
		CID:    [8]byte{0xA1, 2, 3, 4, 5, 6, 7, 8},
		Now:    Now,
		Family: Family(n),
	}
	var err error
	w.Held, err = credential.Issue(w.Issuer, credential.Claims{Issuer: "CNAM", CredentialID: w.CID,
		IssuedAt: w.Now.Add(-24 * time.Hour), ValidUntil: w.Now.Add(365 * 24 * time.Hour),
		DevicePublicKey: &w.Device.PublicKey, Family: w.Family}, rand.Reader)
	if err != nil {
		panic(err)
	}
	w.TrustList, err = credential.SignTrustList(w.Root, credential.TrustList{Seq: 1, IssuedAt: w.Now.Add(-time.Hour),
		NextUpdate: w.Now.Add(24 * time.Hour), Keys: []credential.TrustedKey{{Kid: w.Issuer.Kid, Issuer: "CNAM",
			Key: &w.Issuer.Key.PublicKey, NotBefore: w.Now.Add(-1000 * time.Hour), NotAfter: w.Now.Add(1000 * time.Hour)}}})
	if err != nil {
		panic(err)
	}
	w.Revocation, err = credential.SignRevocationList(w.Root, credential.RevocationList{Seq: 1,
		IssuedAt: w.Now.Add(-time.Hour), NextUpdate: w.Now.Add(time.Hour)})
	if err != nil {
		panic(err)
	}
	return w
}

// Verifier returns a Verifier trusting the world's lists, at clock now()
// (nil means the world's fixed time).
func (w *World) Verifier(now func() time.Time) *credential.Verifier {
	if now == nil {
		now = func() time.Time { return w.Now }
	}
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: &w.Root.Key.PublicKey, Now: now})
	if err := v.SetTrustList(w.TrustList); err != nil {
		panic(err)
	}
	if err := v.SetRevocationList(w.Revocation); err != nil {
		panic(err)
	}
	return v
}

// Wallet is an always-unlocked wallet over the world's credential, with a
// switch to lock it and a record of receipts.
type Wallet struct {
	W        *World
	Locked   error // when non-nil, Present returns it
	Receipts []credential.Receipt
}

// Present returns the credential and device key, or w.Locked.
func (w *Wallet) Present() (*credential.Held, *ecdsa.PrivateKey, error) {
	if w.Locked != nil {
		return nil, nil, w.Locked
	}
	return w.W.Held, w.W.Device, nil
}

// AddReceipt records r.
func (w *Wallet) AddReceipt(r credential.Receipt) error {
	w.Receipts = append(w.Receipts, r)
	return nil
}
