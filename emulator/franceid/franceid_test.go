package franceid_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/franceid"
)

var now = time.Date(2025, 3, 11, 17, 8, 0, 0, time.UTC)

func record() franceid.Record {
	return franceid.Record{DocumentNumber: "X4RTBPFW4",
		IssuedOn: credential.Date{Year: 2022, Month: 6, Day: 15}, ExpiresOn: credential.Date{Year: 2032, Month: 6, Day: 14},
		Identity: franceid.Identity{NomNaissance: "MARTIN", Prenoms: "Jean-Marie, Paul", Sexe: credential.SexMale,
			DateNaissance: credential.Date{Year: 1961, Month: 3, Day: 2}, PaysNaissance: "99100", CommuneNaissance: "92040"}}
}

func world(t *testing.T) (*franceid.Authority, franceid.App, *franceid.Card) {
	t.Helper()
	auth, err := franceid.NewAuthority(nil)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := auth.Sign(record())
	if err != nil {
		t.Fatal(err)
	}
	card, err := franceid.NewCard(sr, "2580", 0)
	if err != nil {
		t.Fatal(err)
	}
	return auth, franceid.App{Installed: true, Activated: true, Trust: franceid.Trust{Key: auth.PublicKey()}}, card
}

var okPhone = franceid.Phone{NFC: true, NFCOn: true}

func TestRead(t *testing.T) {
	_, app, card := world(t)
	sr, rec, err := app.Read(okPhone, card, "2580", now)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Identity != record().Identity || rec.DocumentNumber != "X4RTBPFW4" || len(sr.Signature) == 0 {
		t.Fatalf("record %+v", rec)
	}
	if _, err := app.Trust.Verify(sr, now); err != nil {
		t.Fatalf("the record read verifies again: %v", err)
	}
}

// TestReadRefusals: each refusal in the order the phone meets it.
func TestReadRefusals(t *testing.T) {
	_, app, card := world(t)
	for _, tc := range []struct {
		name string
		app  func(franceid.App) franceid.App
		ph   franceid.Phone
		card *franceid.Card
		want error
	}{
		{"not installed", func(a franceid.App) franceid.App { a.Installed = false; return a }, okPhone, card, franceid.ErrNotInstalled},
		{"rooted", nil, franceid.Phone{NFC: true, NFCOn: true, Rooted: true}, card, franceid.ErrModifiedSystem},
		{"bootloader unlocked", nil, franceid.Phone{NFC: true, NFCOn: true, BootloaderUnlocked: true}, card, franceid.ErrModifiedSystem},
		{"not activated", func(a franceid.App) franceid.App { a.Activated = false; return a }, okPhone, card, franceid.ErrNotActivated},
		{"no NFC", nil, franceid.Phone{}, card, franceid.ErrNoNFC},
		{"NFC off", nil, franceid.Phone{NFC: true}, card, franceid.ErrNFCOff},
		{"no CNIe", nil, okPhone, nil, franceid.ErrNoCNIe},
		{"no trusted key", func(a franceid.App) franceid.App { a.Trust = franceid.Trust{}; return a }, okPhone, card, franceid.ErrInvalidSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := app
			if tc.app != nil {
				a = tc.app(a)
			}
			_, rec, err := a.Read(tc.ph, tc.card, "2580", now)
			if !errors.Is(err, tc.want) || rec != nil {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var e *apcverr.Error
			if !errors.As(err, &e) || e.FR == "" || e.EN == "" {
				t.Fatalf("no desk message: %v", err)
			}
		})
	}
	if n := card.WrongPINs(); n != 0 {
		t.Fatalf("refusals before the card counted %d PINs", n)
	}
}

func TestVerify(t *testing.T) {
	auth, _, _ := world(t)
	trust := franceid.Trust{Key: auth.PublicKey()}
	sr, err := auth.Sign(record())
	if err != nil {
		t.Fatal(err)
	}
	rogue, _ := franceid.NewAuthority(nil)
	forged, _ := rogue.Sign(record())
	expiring := record()
	expiring.ExpiresOn = credential.Date{Year: 2025, Month: 3, Day: 11}
	lastDay, _ := auth.Sign(expiring)
	altered := franceid.SignedRecord{Data: append([]byte(nil), sr.Data...), Signature: sr.Signature}
	altered.Data[10] ^= 0x20
	for _, tc := range []struct {
		name string
		sr   franceid.SignedRecord
		at   time.Time
		want error
	}{
		{"valid", sr, now, nil},
		{"forged", forged, now, franceid.ErrInvalidSignature},
		{"altered", altered, now, franceid.ErrInvalidSignature},
		{"empty", franceid.SignedRecord{}, now, franceid.ErrInvalidSignature},
		{"too large", franceid.SignedRecord{Data: make([]byte, franceid.MaxRecord+1), Signature: sr.Signature}, now, franceid.ErrInvalidSignature},
		{"last day, Paris evening", lastDay, time.Date(2025, 3, 11, 22, 59, 0, 0, time.UTC), nil},
		{"day after, Paris midnight", lastDay, time.Date(2025, 3, 11, 23, 0, 0, 0, time.UTC), franceid.ErrCardExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := trust.Verify(tc.sr, tc.at)
			if tc.want == nil {
				if err != nil || rec == nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || rec != nil {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSignRefusesIncompleteRecords(t *testing.T) {
	auth, _, _ := world(t)
	for name, edit := range map[string]func(*franceid.Record){
		"document number": func(r *franceid.Record) { r.DocumentNumber = "x" },
		"names":           func(r *franceid.Record) { r.Identity.Prenoms = " " },
		"sex":             func(r *franceid.Record) { r.Identity.Sexe = 0 },
		"lunar expiry":    func(r *franceid.Record) { r.ExpiresOn.Day = 0 },
	} {
		r := record()
		edit(&r)
		if _, err := auth.Sign(r); !errors.Is(err, credential.ErrInvalidField) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestPIN(t *testing.T) {
	_, _, card := world(t)
	if _, err := franceid.NewCard(franceid.SignedRecord{}, "123", 0); !errors.Is(err, credential.ErrInvalidField) {
		t.Fatalf("3-digit PIN: %v", err)
	}
	var pe *franceid.PINError
	if _, err := card.Read("1111"); !errors.As(err, &pe) || pe.Remaining != 2 {
		t.Fatalf("wrong PIN: %v", err)
	}
	if en := apcverr.Message(pe, apcverr.EN); en != "Wrong identity-card PIN. 2 attempt(s) left." {
		t.Fatalf("EN %q", en)
	}
	if _, err := card.Read("2580"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		card.Read("1111")
	}
	if _, err := card.Read("1111"); !errors.Is(err, franceid.ErrPINBlocked) {
		t.Fatalf("third wrong PIN: %v", err)
	}
	if _, err := card.Read("2580"); !errors.Is(err, franceid.ErrPINBlocked) {
		t.Fatalf("blocked card, right PIN: %v", err)
	}
}

func TestEtatCivil(t *testing.T) {
	id := record().Identity
	ec := id.EtatCivil(credential.DateOf(now))
	if ec.TypeDocument != "CNI" || ec.Sexe != credential.SexMale || ec.DateAcquisition != (credential.Date{Year: 2025, Month: 3, Day: 11}) ||
		ec.Prenoms != id.Prenoms || ec.CommuneNaissance != "92040" {
		t.Fatalf("%+v", ec)
	}
	if err := ec.Validate(); err != nil {
		t.Fatal(err)
	}
}

// Example reads a CNIe through France Identité: the chip releases its
// signed record to the right PIN, and the record verifies against the
// State's key.
func Example() {
	auth, _ := franceid.NewAuthority(nil)
	signed, _ := auth.Sign(franceid.Record{DocumentNumber: "X4RTBPFW4",
		IssuedOn: credential.Date{Year: 2022, Month: 6, Day: 15}, ExpiresOn: credential.Date{Year: 2032, Month: 6, Day: 14},
		Identity: franceid.Identity{NomNaissance: "MARTIN", Prenoms: "Jean-Marie", Sexe: credential.SexMale,
			DateNaissance: credential.Date{Year: 1961, Month: 3, Day: 2}, PaysNaissance: "99100", CommuneNaissance: "92040"}})
	card, _ := franceid.NewCard(signed, "2580", 0)
	app := franceid.App{Installed: true, Activated: true, Trust: franceid.Trust{Key: auth.PublicKey()}}
	phone := franceid.Phone{NFC: true, NFCOn: true}
	at := time.Date(2025, 3, 11, 17, 8, 0, 0, time.UTC)

	_, _, err := app.Read(phone, card, "0000", at)
	fmt.Println(apcverr.Message(err, apcverr.FR))
	_, rec, err := app.Read(phone, card, "2580", at)
	fmt.Println(err, rec.Identity.Sexe, rec.ExpiresOn)
	_, _, err = app.Read(franceid.Phone{NFC: true, NFCOn: true, Rooted: true}, card, "2580", at)
	fmt.Println(apcverr.Code(err))
	// Output:
	// Code PIN de la carte d'identité erroné. Il reste 2 essai(s).
	// <nil> M 14/06/2032
	// franceid-modified-system
}
