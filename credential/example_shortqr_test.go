package credential_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
)

// Protocol version 2: the phone shows a short QR code (48 characters for
// any family); the reader checks its window, has the issuer's online
// service resolve it (over mutual TLS, reader/online), and verifies the
// issuer-signed answer itself. The service's part is played here by
// VerifyTag (with the short QR key the issuer drew at issuance) and
// IssueResolution.
func ExampleVerifier_VerifyResolution() {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	key := func() *ecdsa.PrivateKey { k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return k }
	root, issuer, device := credential.IssuerKey{Kid: []byte("root-1"), Key: key()}, credential.IssuerKey{Kid: []byte("cnam-1"), Key: key()}, key()
	family := credential.Family{Beneficiaires: []credential.Beneficiary{
		{NIR: "278057512345675", NomFamille: "DUPONT", Prenoms: "Marie", DateNaissance: credential.Date{Year: 1978, Month: 5, Day: 14},
			RangNaissance: 1, Qualite: credential.QualiteAssure, Organisme: credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}},
	}}
	cid := [8]byte{0x2a}
	held, err := credential.Issue(issuer, credential.Claims{Issuer: "CNAM", CredentialID: cid, IssuedAt: now.Add(-24 * time.Hour),
		ValidUntil: now.AddDate(1, 0, 0), DevicePublicKey: &device.PublicKey, Family: family}, nil)
	if err != nil {
		panic(err)
	}
	trust, _ := credential.SignTrustList(root, credential.TrustList{Seq: 1, IssuedAt: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour),
		Keys: []credential.TrustedKey{{Kid: issuer.Kid, Issuer: "CNAM", Key: &issuer.Key.PublicKey, NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)}}})
	revocation, _ := credential.SignRevocationList(root, credential.RevocationList{Seq: 1, IssuedAt: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour)})
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: &root.Key.PublicKey, Now: func() time.Time { return now }})
	if v.SetTrustList(trust) != nil || v.SetRevocationList(revocation) != nil {
		panic("lists")
	}

	// On the phone.
	text, err := held.PresentShortQR(now.Add(-5 * time.Second))
	if err != nil {
		panic(err)
	}
	fmt.Println(len(text), "characters")

	// At the desk, before any network call.
	if _, err := v.CheckShortQRWindow(text); err != nil {
		fmt.Println(apcverr.Message(err, apcverr.FR))
		return
	}
	psHash := sha256.Sum256([]byte("DER of the professional's certificate"))
	requested := []credential.Group{credential.GroupAMO}

	// At the service: the tag, with the short QR key recorded at issuance
	// (the issuer's copy of held.ShortQRKey), then the answer.
	q, _ := credential.ParseShortQR(text)
	if err := q.VerifyTag(held.ShortQRKey); err != nil {
		panic(err)
	}
	answer, err := credential.IssueResolution(issuer, credential.Resolution{Issuer: "CNAM", CID: q.CID, ResolvedAt: now,
		IssuedAt: now.Add(-24 * time.Hour), ValidUntil: now.AddDate(1, 0, 0), TextHash: sha256.Sum256([]byte(text)),
		PSHash: psHash, Family: family, Groups: requested}, nil)
	if err != nil {
		panic(err)
	}

	// Back at the desk: the reader checks the answer itself.
	p, err := v.VerifyResolution(text, answer, psHash, requested)
	if err != nil {
		fmt.Println(apcverr.Message(err, apcverr.FR))
		return
	}
	fmt.Println(p.Mode, p.Short, p.Family.Beneficiaires[0].NIR.Masked())

	// The same code a second time: refused.
	_, err = v.VerifyResolution(text, answer, psHash, requested)
	fmt.Println(apcverr.Code(err))
	// Output:
	// 48 characters
	// QR true 2 78 05 ** *** *** 75
	// replayed
}
