package reader_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/reader"
)

// The JSON form of a verified identity, masked, as `apcv read --json`
// prints it and the local agent serves it.
func ExampleIdentity_JSON() {
	id := sampleIdentity() // as Read returns it
	out, err := json.Marshal(id.JSON(true))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {"mode":"QR","source":"serial:/dev/ttyACM0","groups":["AMO"],"verification":{"issuer":"CNAM","issuerKid":"636e616d2d31","credentialId":"a102030405060708","issuedAt":"2026-11-22T09:30:00Z","validUntil":"2027-11-23T09:30:00Z","presentedAt":"2026-11-23T09:30:00Z","freshnessMs":1500,"counter":7},"beneficiaires":[{"nir":"2 78 05 ** *** *** 75","nomFamille":"D*****","prenoms":"M****","dateNaissance":"1978-**-**","rangNaissance":1,"qualite":0,"organisme":"012619850"}]}
}

// AppendJSON writes the identity's JSON form, what encoding/json writes for
// id.JSON(masked), without building it (the local agent answers reads with
// it), into a buffer that can be reused.
func ExampleIdentity_AppendJSON() {
	id := sampleIdentity() // as Read returns it
	var buf []byte
	buf = id.AppendJSON(buf[:0], true)
	want, _ := json.Marshal(id.JSON(true))
	fmt.Println(string(buf) == string(want))
	fmt.Println(string(buf))
	// Output:
	// true
	// {"mode":"QR","source":"serial:/dev/ttyACM0","groups":["AMO"],"verification":{"issuer":"CNAM","issuerKid":"636e616d2d31","credentialId":"a102030405060708","issuedAt":"2026-11-22T09:30:00Z","validUntil":"2027-11-23T09:30:00Z","presentedAt":"2026-11-23T09:30:00Z","freshnessMs":1500,"counter":7},"beneficiaires":[{"nir":"2 78 05 ** *** *** 75","nomFamille":"D*****","prenoms":"M****","dateNaissance":"1978-**-**","rangNaissance":1,"qualite":0,"organisme":"012619850"}]}
}

// sampleIdentity is a verified identity as Read returns it, for the
// examples: one beneficiary, read from a QR code on a serial scanner.
func sampleIdentity() *reader.Identity {
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	return &reader.Identity{
		Mode: credential.ModeQR, Source: "serial:/dev/ttyACM0", Groups: []credential.Group{credential.GroupAMO}, Selected: -1,
		Beneficiaires: []credential.Beneficiary{{NIR: "278057512345675", NomFamille: "DUPONT", Prenoms: "Marie",
			DateNaissance: credential.Date{Year: 1978, Month: 5, Day: 14}, RangNaissance: 1, Qualite: credential.QualiteAssure,
			Organisme: credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}}},
		Verification: reader.Verification{Issuer: "CNAM", IssuerKid: "636e616d2d31", CredentialID: "a102030405060708",
			IssuedAt: at.Add(-24 * time.Hour), ValidUntil: at.AddDate(1, 0, 0), PresentedAt: at, Freshness: 1500 * time.Millisecond, Counter: 7},
	}
}
