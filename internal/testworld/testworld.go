// Package testworld builds, for tests and benchmarks, a complete small world:
// a list authority, an issuer key, a device key, a family issued a
// credential, signed trust and revocation lists, and a Verifier that trusts
// them at a fixed time. The family is fictitious; NIR keys are computed.
package testworld

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/credential"
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

func nir(body string) credential.NIR {
	k, err := credential.ComputeKey(body)
	if err != nil {
		panic(err)
	}
	return credential.NIR(fmt.Sprintf("%s%02d", body, k))
}

// Family returns a family of n beneficiaries (1..6), the ouvrant droit first.
func Family(n int) credential.Family {
	org := credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}
	maj := credential.Date{Year: 2026, Month: 9, Day: 1}
	od := credential.Beneficiary{
		NIR: nir("2780575123456"), NomFamille: "DUPONT-MARCHAND", NomUsage: "LEROY",
		Prenoms: "Marie-Hélène", DateNaissance: credential.Date{Year: 1978, Month: 5, Day: 14},
		RangNaissance: 1, Qualite: credential.QualiteAssure, Organisme: org, DateMiseAJour: maj,
	}
	od.INS = &credential.INS{Matricule: od.NIR, OID: credential.OIDInsNIR, NomsNaissance: "DUPONT-MARCHAND",
		PrenomsActe: "Marie Hélène Odile", Sexe: credential.SexFemale, DateNaissance: od.DateNaissance, LieuNaissance: "75115"}
	f := credential.Family{Beneficiaires: []credential.Beneficiary{od},
		EtatCivil: &credential.EtatCivil{NomNaissance: "DUPONT-MARCHAND", Prenoms: "Marie Hélène Odile",
			DateNaissance: od.DateNaissance, PaysNaissance: "99100", CommuneNaissance: "75115", TypeDocument: "CNI"}}
	others := []struct {
		body, prenoms string
		d             credential.Date
		q             credential.Qualite
	}{
		{"1790692012345", "Jean-Christophe", credential.Date{Year: 1979, Month: 6, Day: 3}, credential.QualiteConjoint},
		{"1100575234567", "Léo", credential.Date{Year: 2010, Month: 5, Day: 20}, credential.QualiteEnfant},
		{"2130592345678", "Zoé-Anaïs", credential.Date{Year: 2013, Month: 5, Day: 2}, credential.QualiteEnfant},
		{"115022A040123", "Paul", credential.Date{Year: 2015, Month: 2, Day: 11}, credential.QualiteEnfant},
		{"2180392456789", "Inès", credential.Date{Year: 2018, Month: 3, Day: 30}, credential.QualiteEnfant},
	}
	for i := 0; i < n-1 && i < len(others); i++ {
		o := others[i]
		b := credential.Beneficiary{NIR: nir(o.body), NomFamille: "LEROY", Prenoms: o.prenoms, DateNaissance: o.d,
			RangNaissance: 1, Qualite: o.q, Organisme: org, DateMiseAJour: maj}
		b.INS = &credential.INS{Matricule: b.NIR, OID: credential.OIDInsNIR, NomsNaissance: "LEROY",
			PrenomsActe: o.prenoms, Sexe: b.NIR.Sex(), DateNaissance: o.d, LieuNaissance: "92050"}
		f.Beneficiaires = append(f.Beneficiaires, b)
	}
	return f
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
