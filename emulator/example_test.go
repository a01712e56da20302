package emulator_test

import (
	"context"
	"fmt"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/reader"
)

// New builds an issuer and a phone activated and unlocked for a built-in
// profile (phone.Profiles lists them). The World serves the reader its
// lists and receipts, and the phone presents itself over NFC (Applet) or
// as a QR code (Phone.PresentQR).
func ExampleNew() {
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	dev := w.Phone.Device()
	prof := w.Phone.Profile()
	fmt.Printf("%s, NFC %v, app %v\n", dev.Model, dev.HasNFC(), w.Phone.State())
	fmt.Println("ouvrant droit", prof.OuvrantDroit().NIR.Masked())

	qr, err := w.Phone.PresentQR()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("QR code:", qr[:len(credential.QRPrefix)]+"…") // refreshed at each call, valid 3 minutes

	// A reader trusts the world's issuer through its lists.
	ctx := context.Background()
	desk := field.New("desk")
	r, err := reader.Open(ctx, reader.Config{
		Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w, Receipts: w,
		NFC: []nfc.Source{desk},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	phone, err := w.Applet()
	if err != nil {
		fmt.Println(err)
		return
	}
	desk.Tap(phone)
	id, err := r.Read(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer id.Release()
	fmt.Println("read:", id)
	// Output:
	// Google Pixel 7, NFC true, app active (unlocked)
	// ouvrant droit 2 88 02 ** *** *** 36
	// QR code: APCV1:…
	// read: identity via NFC 2 88 02 ** *** *** 36
}
