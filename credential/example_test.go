package credential_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
)

// exampleSetup plays the issuer and the list authority: it issues a
// credential for family to a new device key and returns the verifier a
// reader would hold at time now.
func exampleSetup(family credential.Family, now time.Time) (*credential.Held, *ecdsa.PrivateKey, *credential.Verifier) {
	key := func() *ecdsa.PrivateKey { k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return k }
	root := credential.IssuerKey{Kid: []byte("root-1"), Key: key()}
	issuer := credential.IssuerKey{Kid: []byte("cnam-1"), Key: key()}
	device := key()

	held, err := credential.Issue(issuer, credential.Claims{
		Issuer: "CNAM", CredentialID: [8]byte{0x2a}, IssuedAt: now.Add(-24 * time.Hour), ValidUntil: now.AddDate(1, 0, 0),
		DevicePublicKey: &device.PublicKey, Family: family,
	}, nil)
	if err != nil {
		panic(err)
	}
	trust, _ := credential.SignTrustList(root, credential.TrustList{Seq: 1, IssuedAt: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour),
		Keys: []credential.TrustedKey{{Kid: issuer.Kid, Issuer: "CNAM", Key: &issuer.Key.PublicKey, NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)}}})
	revocation, _ := credential.SignRevocationList(root, credential.RevocationList{Seq: 1, IssuedAt: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour)})

	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: &root.Key.PublicKey, Now: func() time.Time { return now }})
	if err := v.SetTrustList(trust); err != nil {
		panic(err)
	}
	if err := v.SetRevocationList(revocation); err != nil {
		panic(err)
	}
	return held, device, v
}

// A phone shows a QR code; the reader verifies the scanned text and gets the
// AMO identity of every beneficiary. Only the masked NIR may be logged.
func ExampleVerifier_VerifyQR() {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	family := credential.Family{Beneficiaires: []credential.Beneficiary{
		{NIR: "278057512345675", NomFamille: "DUPONT", Prenoms: "Marie", DateNaissance: credential.Date{Year: 1978, Month: 5, Day: 14},
			RangNaissance: 1, Qualite: credential.QualiteAssure, Organisme: credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}},
		{NIR: "185052A00608435", NomFamille: "LEROY", Prenoms: "Paul", DateNaissance: credential.Date{Year: 1985, Month: 5},
			RangNaissance: 1, Qualite: credential.QualiteConjoint, Organisme: credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}},
	}}
	held, device, v := exampleSetup(family, now)

	// On the phone: the QR text, refreshed with a new counter each time.
	text, err := held.PresentQR(device, now.Add(-5*time.Second), 1)
	if err != nil {
		panic(err)
	}

	// At the desk.
	p, err := v.VerifyQR(text)
	if err != nil {
		fmt.Println(apcverr.Message(err, apcverr.FR))
		return
	}
	fmt.Println(p.Mode, len(p.Family.Beneficiaires), "bénéficiaires")
	for _, b := range p.Family.Beneficiaires {
		fmt.Println(b.NIR.Masked(), b.Qualite, b.DateNaissance)
	}
	// Output:
	// QR 2 bénéficiaires
	// 2 78 05 ** *** *** 75 assuré 14/05/1978
	// 1 85 05 ** *** *** 35 conjoint 00/05/1985
}

func ExampleParseNIR() {
	n, err := credential.ParseNIR("1 85 05 2a 006 084 35")
	fmt.Println(n.Format(), err, n.Sex())
	fmt.Println(n) // String is the masked form

	_, err = credential.ParseNIR("1 85 05 2B 006 084 35")
	var fe *credential.FieldError
	fmt.Println(errors.As(err, &fe), fe.Field, errors.Is(err, credential.ErrInvalidField))
	// Output:
	// 1 85 05 2A 006 084 35 <nil> M
	// 1 85 05 ** *** *** 35
	// true nir true
}

// Every refusal wraps a sentinel with a message for the desk, in French and
// in English.
func ExampleVerifier_VerifyQR_errors() {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	family := credential.Family{Beneficiaires: []credential.Beneficiary{
		{NIR: "278057512345675", NomFamille: "DUPONT", Prenoms: "Marie", DateNaissance: credential.Date{Year: 1978, Month: 5, Day: 14},
			RangNaissance: 1, Qualite: credential.QualiteAssure, Organisme: credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}},
	}}
	held, device, v := exampleSetup(family, now)

	old, _ := held.PresentQR(device, now.Add(-10*time.Minute), 1) // a screenshot
	_, err := v.VerifyQR(old)
	fmt.Println(errors.Is(err, credential.ErrQRExpired), apcverr.Code(err))
	fmt.Println(apcverr.Message(err, apcverr.FR))

	fresh, _ := held.PresentQR(device, now, 2)
	v.VerifyQR(fresh)
	_, err = v.VerifyQR(fresh) // read twice
	fmt.Println(apcverr.Message(err, apcverr.FR))
	fmt.Println(apcverr.Message(err, apcverr.EN))
	// Output:
	// true qr-expired
	// Ce QR code a expiré. Demandez au patient de l'actualiser dans l'appli.
	// Ce QR code a déjà été lu. Demandez au patient de l'actualiser dans l'appli.
	// This QR code has already been read. Ask the patient to refresh it in the app.
}

// The patient chooses who is being seen: the code carries that person and
// the ouvrant droit reduced to what billing needs of him (NIR, qualité,
// organisme), whatever the family's size; Selected names the person seen.
func ExampleHeld_PresentQRFor() {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	org := credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}
	family := credential.Family{Beneficiaires: []credential.Beneficiary{
		{NIR: "278057512345675", NomFamille: "DUPONT", Prenoms: "Marie", DateNaissance: credential.Date{Year: 1978, Month: 5, Day: 14},
			RangNaissance: 1, Qualite: credential.QualiteAssure, Organisme: org},
		{NIR: "185052A00608435", NomFamille: "LEROY", Prenoms: "Paul", DateNaissance: credential.Date{Year: 1985, Month: 5},
			RangNaissance: 1, Qualite: credential.QualiteConjoint, Organisme: org},
	}}
	held, device, v := exampleSetup(family, now)

	text, err := held.PresentQRFor(device, now, 1, 1, nil) // beneficiary 1, the conjoint
	if err != nil {
		panic(err)
	}
	p, err := v.VerifyQR(text)
	if err != nil {
		fmt.Println(apcverr.Message(err, apcverr.FR))
		return
	}
	seen := p.Family.Beneficiaires[p.Selected]
	od := p.Family.Beneficiaires[0]
	fmt.Println(p.Chosen, p.Selected, seen.NIR.Masked(), seen.Qualite, seen.DateNaissance)
	fmt.Printf("ouvrant droit %s, %s, organisme %s, name %q\n", od.NIR.Masked(), od.Qualite, od.Organisme, od.NomFamille)
	// Output:
	// true 1 1 85 05 ** *** *** 35 conjoint 00/05/1985
	// ouvrant droit 2 78 05 ** *** *** 75, assuré, organisme 01 261 9850, name ""
}
