package issuer_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// The portal's view of a person, before and after activating on a phone.
func ExampleIssuer_PersonView() {
	fc := clock.NewFake(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	iss, err := issuer.New(issuer.Options{Clock: fc, Eligibility: issuer.TrainingDeck()})
	if err != nil {
		panic(err)
	}
	profile, _ := phone.BuiltinProfile("lunaire-1978")
	ph, err := phone.New(profile, phone.Options{Issuer: iss, Clock: fc})
	if err != nil {
		panic(err)
	}
	nir := profile.OuvrantDroit().NIR
	v, _ := iss.PersonView(nir)
	fmt.Println(v.Eligible, v.AppState, v.ActivationState)

	if err := ph.Activate("482915"); err != nil {
		panic(err)
	}
	v, _ = iss.PersonView(nir)
	fmt.Println(v.Eligible, v.AppState, v.ActivationState, v.Device.OS, v.Device.Version, v.Device.Model)

	iss.Block(nir)
	v, _ = iss.PersonView(nir)
	fmt.Println(v.Blocked, v.AppState, "-", v.RevokeReason, "-", ph.State())
	// Output:
	// true none none
	// true active completed android 13 Xiaomi Redmi Note 12
	// true revoked - user blocked - blocked
}

// The back office rejects a request: the e-mail says only that the
// activation failed, the app says why.
func ExampleIssuer_Reject() {
	fc := clock.NewFake(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	iss, err := issuer.New(issuer.Options{Clock: fc})
	if err != nil {
		panic(err)
	}
	profile, _ := phone.BuiltinProfile("isere-solo")
	ph, err := phone.New(profile, phone.Options{Issuer: iss, Clock: fc})
	if err != nil {
		panic(err)
	}
	nir := profile.OuvrantDroit().NIR
	// Every activation step up to the request; then the check fails.
	_ = ph.StartActivation()
	_ = ph.EnterNIR(string(nir))
	_ = ph.SendEmailCode(profile.Email)
	code, _, _ := iss.Mailbox(profile.Email)
	_ = ph.VerifyEmailCode(code)
	_ = ph.ConsentBiometrics(true)
	_ = ph.CheckIdentity(profile.IdentityDocument(), true)
	_ = ph.ChooseCode("482915", "482915")
	if err := ph.Submit(); err != nil {
		panic(err)
	}
	fc.Advance(24 * time.Hour)
	if err := iss.Reject(nir, issuer.RejectVideoUnusable); err != nil {
		panic(err)
	}
	m, _ := iss.LastMail(profile.Email)
	fmt.Println(m.Subject)
	err = ph.Open()
	fmt.Println(apcverr.Message(err, apcverr.FR))
	fmt.Println(ph.State())
	// Output:
	// Votre appli carte Vitale : L'activation a échoué
	// Activation refusée : la vidéo n'a pas pu être exploitée (trop sombre, floue ou coupée). Recommencez avec un bon éclairage.
	// not activated
}

// The France Identité route on the server: the card's record, verified
// against the State's key and matched with the insurance's record, gives a
// credential at once; a card whose first name is not the record's is
// refused with a message naming both.
func ExampleIssuer_ActivateFranceIdentite() {
	fc := clock.NewFake(time.Date(2025, 3, 11, 17, 8, 0, 0, time.UTC))
	iss, _ := issuer.New(issuer.Options{Clock: fc})
	for _, name := range []string{"franceid-prenom-tiret", "franceid-identite-differente"} {
		profile, _ := phone.BuiltinProfile(name) // its CNIe is minted with iss.FranceIdentiteAuthority()
		ph, _ := phone.New(profile, phone.Options{Issuer: iss, Clock: fc})
		err := ph.ActivateFranceIdentite("2580", "482915") // calls iss.ActivateFranceIdentite
		v, _ := iss.PersonView(profile.OuvrantDroit().NIR)
		fmt.Println(name, v.AppState)
		if err != nil {
			msg := apcverr.Message(err, apcverr.FR) // « Le prénom « Jean-Pierre » de votre pièce d'identité ne correspond pas à « Jean-Paul »… »
			fmt.Println(apcverr.Code(err), "names both first names:", strings.Contains(msg, "Jean-Pierre") && strings.Contains(msg, "Jean-Paul"))
		}
	}
	// Output:
	// franceid-prenom-tiret active
	// franceid-identite-differente none
	// identity-first-name names both first names: true
}
