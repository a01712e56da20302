package issuer_test

import (
	"fmt"
	"time"

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
