package issuer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// The online service's side of a short QR: the phone's code is resolved
// once, for a professional's certificate, and the reader verifies the
// answer; a second desk is refused the same code. Then the rights.
func ExampleIssuer_Resolve() {
	fc := clock.NewFake(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	iss, _ := issuer.New(issuer.Options{Clock: fc})
	profile, _ := phone.BuiltinProfile("isere-solo")
	_ = iss.Register(issuer.Person{Family: profile.Family, Departement: profile.Departement, Rights: profile.Rights})

	// The activation, server side, with the phone's device key.
	nir, mail := profile.OuvrantDroit().NIR, profile.Email
	dev, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_ = iss.CheckEligibility(nir)
	_ = iss.SendEmailCode(nir, mail)
	code, _, _ := iss.Mailbox(mail)
	_ = iss.VerifyEmailCode(nir, mail, code)
	ticket, _ := iss.Submit(issuer.Request{NIR: nir, Email: mail, Device: issuer.DeviceInfo{OS: "ios", Version: "17.5", Model: "iPhone 13"}, DeviceKey: &dev.PublicKey})
	_ = iss.Validate(nir)
	issued, _ := iss.Collect(ticket)

	// At the desk: the phone shows a short code; the service resolves it.
	text, _ := issued.Held.PresentShortQR(fc.Now())
	psHash := sha256.Sum256([]byte("DER of the professional's client certificate"))
	groups := []credential.Group{credential.GroupAMO, credential.GroupINS}
	answer, err := iss.Resolve(text, psHash, groups)
	fmt.Println(len(text), err)

	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: iss.ListAuthority(), Now: fc.Now})
	tl, _ := iss.TrustList()
	rl, _ := iss.RevocationList(fc.Now())
	_ = v.SetTrustList(tl)
	_ = v.SetRevocationList(rl)
	p, err := v.VerifyResolution(text, answer, psHash, groups)
	fmt.Println(err, p.Short, p.Groups, len(p.Family.Beneficiaires))

	_, err = iss.Resolve(text, sha256.Sum256([]byte("another desk")), groups)
	fmt.Println(errors.Is(err, service.ErrAlreadyResolved))

	rs, _ := iss.Rights([]rights.Who{rights.WhoOf(profile.Family.Beneficiaires[0])})
	fmt.Println(rs[0].Caisse, rs[0].C2S != nil, rs[0].MedecinTraitant)
	// Output:
	// 48 <nil>
	// <nil> true [AMO INS] 1
	// true
	// 381 true true
}
