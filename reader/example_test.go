package reader_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
	"github.com/apcvkit/apcvkit/reader"
)

// A phone tapped on a contactless reader. The emulator plays the issuer and
// the patient's phone, and field.New is an in-memory contactless reader;
// with a real one, pass a pcsc.OpenSource("") instead.
func ExampleOpen() {
	ctx := context.Background()
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	desk := field.New("desk")

	r, err := reader.Open(ctx, reader.Config{
		Enabled:       true,                     // the "ApCV function" setting
		ListAuthority: w.Issuer.ListAuthority(), // pinned key that signs the lists
		Lists:         w,                        // trust and revocation lists
		NFC:           []nfc.Source{desk},
	})
	if err != nil {
		fmt.Println(reader.Message(err, apcverr.EN))
		return
	}
	defer r.Close()

	phone, err := w.Applet() // the phone's contactless side
	if err != nil {
		fmt.Println(reader.Message(err, apcverr.EN)) // an iPhone: use the QR code
		return
	}
	desk.Tap(phone) // the patient taps
	id, err := r.Read(ctx)
	if err != nil {
		fmt.Println(reader.Message(err, apcverr.EN))
		return
	}
	defer id.Release()
	od := id.OuvrantDroit()
	fmt.Println(id.Mode, id.Source, id.Verification.Issuer)
	fmt.Println(od.NIR.Masked(), od.NomFamille, od.Prenoms, od.DateNaissance)
	// Output:
	// NFC nfc:desk CNAM-EMU
	// 2 88 02 ** *** *** 36 DURAND Camille 29/02/1988
}

// A QR code read from a camera: here, the phone's QR code rendered into a
// 1280×720 frame with blur, tilt and noise. A serial scanner
// (qrscan/serial) or a HID scanner plugs in the same way.
func ExampleReader_Read_qr() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := emulator.New(emulator.Options{Profile: "famille-6-drome"})
	if err != nil {
		fmt.Println(err)
		return
	}
	text, err := w.Phone.PresentQR() // what the app shows on screen
	if err != nil {
		fmt.Println(err)
		return
	}
	frame, err := qrimage.Frame(text, qrimage.Mild(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	// One still frame: every decoding strategy may be tried on it (a live
	// camera keeps the default budget of 250 ms per frame).
	cam := camera.NewSource(camera.Images(frame), camera.SourceOptions{Decode: camera.DecodeOptions{Budget: -1}})

	r, err := reader.Open(ctx, reader.Config{
		Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w,
		QR: []qrscan.Source{cam},
	})
	if err != nil {
		fmt.Println(reader.Message(err, apcverr.EN))
		return
	}
	defer r.Close()
	id, err := r.Read(ctx)
	if err != nil {
		fmt.Println(reader.Message(err, apcverr.EN))
		return
	}
	fmt.Println(id.Mode, id.Source, id.Groups)
	for _, b := range id.Beneficiaires {
		fmt.Println(b.NIR.Masked(), b.Qualite)
	}
	// Output:
	// QR camera [AMO]
	// 2 81 04 ** *** *** 03 assuré
	// 1 79 11 ** *** *** 56 conjoint
	// 2 09 06 ** *** *** 94 enfant
	// 1 13 02 ** *** *** 76 enfant
	// 2 13 02 ** *** *** 25 enfant
	// 1 18 09 ** *** *** 96 enfant
}

// A refused presentation: the app is locked. Read returns an error that
// errors.Is matches against the sentinel, and Message gives the text for
// the person at the desk. Call Read again for the next presentation.
func ExampleMessage() {
	ctx := context.Background()
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	desk := field.New("desk")
	r, err := reader.Open(ctx, reader.Config{
		Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w,
		NFC: []nfc.Source{desk},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()

	w.Phone.Lock() // the app went to the background
	phone, _ := w.Applet()
	desk.Tap(phone)
	_, err = r.Read(ctx)
	fmt.Println(errors.Is(err, nfc.ErrAppLocked))
	fmt.Println("FR:", reader.Message(err, apcverr.FR))
	fmt.Println("EN:", reader.Message(err, apcverr.EN))
	// Output:
	// true
	// FR: L'appli carte Vitale est verrouillée. Demandez au patient de saisir son code secret, puis de présenter à nouveau le téléphone.
	// EN: The carte Vitale app is locked. Ask the patient to enter their secret code, then present the phone again.
}

// After billing, the expense is sent to the patient's app, where it shows in
// Activités for 7 days. An identity read over NFC keeps the phone's session
// open for it, until PostReceipt, the next Read or Close; an identity read
// by QR goes through Config.Receipts (the app's backend; the emulator's
// World is one).
func ExampleReader_PostReceipt() {
	ctx := context.Background()
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	desk := field.New("desk")
	r, err := reader.Open(ctx, reader.Config{
		Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w,
		NFC: []nfc.Source{desk}, Receipts: w,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	phone, _ := w.Applet()
	desk.Tap(phone)
	id, err := r.Read(ctx)
	if err != nil {
		fmt.Println(reader.Message(err, apcverr.EN))
		return
	}

	err = r.PostReceipt(ctx, id, credential.Receipt{
		Beneficiary: 0, // index in id.Beneficiaires
		PSID:        "10101010101",
		PSName:      "Cabinet du Dr Martin",
		AmountCents: 3000,
		Date:        uint64(time.Now().Unix()),
	})
	if err != nil {
		fmt.Println(reader.Message(err, apcverr.EN))
		return
	}
	acts, _ := w.Phone.Activities() // what the patient sees in the app
	for _, a := range acts {
		fmt.Printf("%s: %d.%02d €\n", a.PSName, a.AmountCents/100, a.AmountCents%100)
	}
	// Output:
	// Cabinet du Dr Martin: 30.00 €
}

// A UI ranges over Events, usually in its own goroutine, until Close closes
// the channel. Here the events of one read are shown after Close: the
// channel keeps them until they are received.
func ExampleReader_Events() {
	ctx := context.Background()
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	desk := field.New("desk")
	r, err := reader.Open(ctx, reader.Config{
		Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w,
		NFC: []nfc.Source{desk},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	phone, _ := w.Applet()
	desk.Tap(phone)
	if _, err := r.Read(ctx); err != nil {
		fmt.Println(reader.Message(err, apcverr.EN))
	}
	r.Close()

	for e := range r.Events() {
		switch e.Kind {
		case reader.IdentityRead:
			fmt.Println(e.Kind, e.Source, e.Identity) // Identity prints masked
		case reader.Error, reader.DeviceRemoved:
			fmt.Println(e.Kind, e.Source, reader.Message(e.Err, apcverr.EN))
		default:
			fmt.Println(e.Kind, e.Source)
		}
	}
	// Output:
	// device-added nfc:desk
	// phone-detected nfc:desk
	// reading nfc:desk
	// identity nfc:desk identity via NFC 2 88 02 ** *** *** 36
}

// Version names the SDK's release (make dist links it in from git describe);
// under go run and go test it is "devel".
func ExampleVersion() {
	fmt.Println(reader.Version())
	// Output: devel
}
