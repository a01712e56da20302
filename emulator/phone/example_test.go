package phone_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

func Example() {
	fc := clock.NewFake(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	iss, err := issuer.New(issuer.Options{Clock: fc, Eligibility: issuer.TrainingDeck()})
	if err != nil {
		panic(err)
	}
	profile, err := phone.BuiltinProfile("isere-solo")
	if err != nil {
		panic(err)
	}
	ph, err := phone.New(profile, phone.Options{Issuer: iss, Clock: fc})
	if err != nil {
		panic(err)
	}
	fmt.Println(ph.Device().Model, "NFC:", ph.Device().HasNFC())

	if err := ph.ChooseCode("123456", "123456"); err != nil { // too early, and too simple anyway
		fmt.Println(apcverr.Message(err, apcverr.FR))
	}
	if err := ph.Activate("482915"); err != nil {
		panic(err)
	}
	fmt.Println(ph.State())

	err = ph.Unlock("000111")
	var ce *phone.CodeError
	if errors.As(err, &ce) {
		fmt.Println(apcverr.Message(err, apcverr.EN))
	}
	if err := ph.Unlock("482915"); err != nil {
		panic(err)
	}
	fmt.Println(ph.State())

	fc.Advance(5 * time.Minute) // idle
	fmt.Println(ph.State())
	_, _, err = ph.Wallet()
	fmt.Println(errors.Is(err, phone.ErrLocked))
	// Output:
	// Google Pixel 7 NFC: true
	// Terminez d'abord l'étape précédente de l'activation.
	// active (locked)
	// Wrong secret code. 4 attempt(s) left.
	// active (unlocked)
	// active (locked)
	// true
}

// The app opened 91 days after its activation: online it renews its
// 90-day credential; offline it keeps the expired one.
func ExamplePhone_Open() {
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
	if err := ph.Activate("482915"); err != nil {
		panic(err)
	}
	updated, _ := ph.UpdatedAt()
	fmt.Println("mise à jour", updated.Format("02/01/2006"))

	fc.Advance(91 * 24 * time.Hour)
	ph.SetOnline(false)
	_ = ph.Open()
	updated, _ = ph.UpdatedAt()
	fmt.Println("offline: mise à jour", updated.Format("02/01/2006"))

	ph.SetOnline(true)
	if err := ph.Open(); err != nil {
		panic(err)
	}
	updated, _ = ph.UpdatedAt()
	fmt.Println("online: mise à jour", updated.Format("02/01/2006"))
	// Output:
	// mise à jour 03/03/2025
	// offline: mise à jour 03/03/2025
	// online: mise à jour 02/06/2025
}

// ExamplePhone_ActivateFranceIdentite activates, through France Identité,
// a person living outside the training deck's 23 départements: the video
// route refuses them, France Identité activates the app at once, on the
// same virtual clock, with the card's état civil.
func ExamplePhone_ActivateFranceIdentite() {
	fc := clock.NewFake(time.Date(2025, 3, 11, 17, 8, 0, 0, time.UTC))
	iss, err := issuer.New(issuer.Options{Clock: fc, Eligibility: issuer.TrainingDeck()})
	if err != nil {
		panic(err)
	}
	profile, err := phone.BuiltinProfile("franceid-hors-deploiement") // emulator/profiles/cases
	if err != nil {
		panic(err)
	}
	ph, err := phone.New(profile, phone.Options{Issuer: iss, Clock: fc})
	if err != nil {
		panic(err)
	}
	err = ph.Activate("482915") // the video route
	fmt.Println(apcverr.Code(err))

	if err := ph.ActivateFranceIdentite("2580", "482915"); err != nil {
		panic(err)
	}
	ec := ph.Profile().Family.EtatCivil
	fmt.Println(ph.State(), ph.Route(), ec.TypeDocument, ec.Sexe, ec.DateAcquisition)
	// Output:
	// not-eligible
	// active (locked) france-identite CNI M 11/03/2025
}

// ExampleFault shows a fault profile: the app of January stopping at
// start-up, as a reader of the article saw it.
func ExampleFault() {
	iss, _ := issuer.New(issuer.Options{})
	profile, _ := phone.BuiltinProfile("crash-division-zero")
	ph, _ := phone.New(profile, phone.Options{Issuer: iss})
	err := ph.StartActivation()
	var ce *phone.CrashError
	if errors.As(err, &ce) {
		fmt.Println(ce.Fault, "—", ce.Log)
	}
	fmt.Println(apcverr.Code(err))
	// Output:
	// division-by-zero-at-start — opération illégale: division par zéro
	// app-crashed
}
