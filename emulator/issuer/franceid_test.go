package issuer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/franceid"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// fiWorld is an issuer that knows the person of a case profile, whose
// e-mail is verified, and the CNIe's record signed by the issuer's
// authority.
type fiWorld struct {
	iss    *issuer.Issuer
	nir    credential.NIR
	addr   string
	record franceid.Record
	dev    *ecdsa.PrivateKey
}

func newFIWorld(t *testing.T, opts issuer.Options, profile string) (*fiWorld, func(time.Duration)) {
	t.Helper()
	iss, fc := newIssuer(t, opts)
	p, err := phone.BuiltinProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.Register(issuer.Person{Family: p.Family, Departement: p.Departement}); err != nil {
		t.Fatal(err)
	}
	w := &fiWorld{iss: iss, nir: p.OuvrantDroit().NIR, addr: p.Email}
	ec := p.Family.EtatCivil
	w.record = franceid.Record{DocumentNumber: "X4RTBPFW4", IssuedOn: credential.Date{Year: 2022, Month: 6, Day: 15},
		ExpiresOn: credential.Date{Year: 2032, Month: 6, Day: 14},
		Identity: franceid.Identity{NomNaissance: ec.NomNaissance, Prenoms: ec.Prenoms, Sexe: p.OuvrantDroit().NIR.Sex(),
			DateNaissance: ec.DateNaissance, PaysNaissance: ec.PaysNaissance, CommuneNaissance: ec.CommuneNaissance}}
	if err := iss.CheckEligibilityFranceIdentite(w.nir); err != nil {
		t.Fatal(err)
	}
	if err := iss.SendEmailCode(w.nir, w.addr); err != nil {
		t.Fatal(err)
	}
	code, _, _ := iss.Mailbox(w.addr)
	if err := iss.VerifyEmailCode(w.nir, w.addr, code); err != nil {
		t.Fatal(err)
	}
	if w.dev, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	return w, fc.Advance
}

func (w *fiWorld) request(t *testing.T, sr franceid.SignedRecord) issuer.FranceIdentiteRequest {
	return issuer.FranceIdentiteRequest{NIR: w.nir, Email: w.addr, Device: issuer.DeviceInfo{OS: "android", Version: "14", Model: "X"},
		DeviceKey: &w.dev.PublicKey, CNIe: sr}
}

func (w *fiWorld) signed(t *testing.T, rec franceid.Record) franceid.SignedRecord {
	t.Helper()
	sr, err := w.iss.FranceIdentiteAuthority().Sign(rec)
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

// TestActivateFranceIdentite: the issuer issues at once, with the card's
// état civil, and does not trust the phone: it verifies the record itself.
func TestActivateFranceIdentite(t *testing.T) {
	t.Run("accepted at once", func(t *testing.T) {
		w, _ := newFIWorld(t, issuer.Options{Eligibility: issuer.TrainingDeck()}, "franceid-hors-deploiement")
		got, err := w.iss.ActivateFranceIdentite(w.request(t, w.signed(t, w.record)))
		if err != nil {
			t.Fatal(err)
		}
		ec := got.Family.EtatCivil
		if ec == nil || ec.Sexe != credential.SexMale || ec.DateAcquisition != credential.DateOf(t0) || ec.TypeDocument != "CNI" {
			t.Fatalf("état civil %+v", ec)
		}
		view, err := w.iss.PersonView(w.nir)
		if err != nil || view.ActivationState != issuer.ActivationCompleted || view.AppState != issuer.AppActive {
			t.Fatalf("view %+v, %v", view, err)
		}
	})

	for _, tc := range []struct {
		name string
		edit func(t *testing.T, w *fiWorld, advance func(time.Duration)) franceid.SignedRecord
		want error
	}{
		{"record altered after signing", func(t *testing.T, w *fiWorld, _ func(time.Duration)) franceid.SignedRecord {
			sr := w.signed(t, w.record)
			sr.Data[len(sr.Data)-3] ^= 1
			return sr
		}, franceid.ErrInvalidSignature},
		{"signed by another authority", func(t *testing.T, w *fiWorld, _ func(time.Duration)) franceid.SignedRecord {
			rogue, err := franceid.NewAuthority(nil)
			if err != nil {
				t.Fatal(err)
			}
			sr, err := rogue.Sign(w.record)
			if err != nil {
				t.Fatal(err)
			}
			return sr
		}, franceid.ErrInvalidSignature},
		{"no signature", func(t *testing.T, w *fiWorld, _ func(time.Duration)) franceid.SignedRecord {
			sr := w.signed(t, w.record)
			sr.Signature = nil
			return sr
		}, franceid.ErrInvalidSignature},
		{"expired the day before", func(t *testing.T, w *fiWorld, _ func(time.Duration)) franceid.SignedRecord {
			r := w.record
			r.ExpiresOn = credential.DateOf(t0.AddDate(0, 0, -1))
			return w.signed(t, r)
		}, franceid.ErrCardExpired},
		{"read valid, expired when sent", func(t *testing.T, w *fiWorld, advance func(time.Duration)) franceid.SignedRecord {
			r := w.record
			r.ExpiresOn = credential.DateOf(t0)
			sr := w.signed(t, r)
			advance(24 * time.Hour) // past midnight in Paris the day after
			return sr
		}, franceid.ErrCardExpired},
		{"another person's card", func(t *testing.T, w *fiWorld, _ func(time.Duration)) franceid.SignedRecord {
			r := w.record
			r.Identity.DateNaissance.Day++
			return w.signed(t, r)
		}, issuer.ErrFranceIdentiteMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, advance := newFIWorld(t, issuer.Options{}, "franceid-hors-deploiement")
			sr := tc.edit(t, w, advance)
			_, err := w.iss.ActivateFranceIdentite(w.request(t, sr))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if view, _ := w.iss.PersonView(w.nir); view.AppState != issuer.AppNone {
				t.Fatalf("a credential after a refusal: %+v", view)
			}
		})
	}

	t.Run("e-mail not verified", func(t *testing.T) {
		w, _ := newFIWorld(t, issuer.Options{}, "franceid-hors-deploiement")
		r := w.request(t, w.signed(t, w.record))
		r.Email = "other@example.test"
		if _, err := w.iss.ActivateFranceIdentite(r); !errors.Is(err, issuer.ErrNoValidatedEmail) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("blocked", func(t *testing.T) {
		w, _ := newFIWorld(t, issuer.Options{}, "franceid-hors-deploiement")
		if err := w.iss.Block(w.nir); err != nil {
			t.Fatal(err)
		}
		if _, err := w.iss.ActivateFranceIdentite(w.request(t, w.signed(t, w.record))); !errors.Is(err, issuer.ErrBlocked) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("organisme not deployed", func(t *testing.T) {
		// The organismes rule applies to the France Identité route too.
		iss, _ := newIssuer(t, issuer.Options{Eligibility: issuer.Eligibility{Organismes: []string{"02"}}})
		nir := register(t, iss, "franceid-hors-deploiement")
		if err := iss.CheckEligibilityFranceIdentite(nir); !errors.Is(err, issuer.ErrNotEligible) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestVideoRouteAcquisitionDate: the video route stamps the état civil's
// acquisition date at the validation, and renewals keep it.
func TestVideoRouteAcquisitionDate(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	nir := register(t, iss, "isere-solo")
	fc.Advance(3 * time.Hour)
	got, _ := activate(t, iss, nir)
	want := credential.DateOf(fc.Now())
	if ec := got.Family.EtatCivil; ec == nil || ec.DateAcquisition != want {
		t.Fatalf("état civil %+v, want acquired %v", ec, want)
	}
	fc.Advance(30 * 24 * time.Hour)
	renewed, err := iss.Renew(got.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	if ec := renewed.Family.EtatCivil; ec == nil || ec.DateAcquisition != want {
		t.Fatalf("renewed état civil %+v, want acquired %v", ec, want)
	}
}

// TestFranceIdentitePersists: the état civil acquired from the card is part
// of the issuer's saved state: a restarted issuer renews with it.
func TestFranceIdentitePersists(t *testing.T) {
	dir := t.TempDir()
	_, fc := newIssuer(t, issuer.Options{}) // for its clock
	opts := issuer.Options{Clock: fc}
	first, err := issuer.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := phone.BuiltinProfile("franceid-prenom-tiret")
	if err != nil {
		t.Fatal(err)
	}
	ph, err := phone.New(p, phone.Options{Issuer: first, Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if err := ph.ActivateFranceIdentite("2580", "482915"); err != nil {
		t.Fatal(err)
	}
	id, _ := ph.CredentialID()
	again, err := issuer.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	fc.Advance(24 * time.Hour)
	renewed, err := again.Renew(id)
	if err != nil {
		t.Fatal(err)
	}
	ec := renewed.Family.EtatCivil
	if ec == nil || ec.Prenoms != "Jean-Marie" || ec.DateAcquisition != credential.DateOf(t0) || ec.Sexe != credential.SexMale {
		t.Fatalf("état civil after a restart %+v", ec)
	}
	if rec := renewed.Family.OuvrantDroit(); rec.Prenoms != "JEAN MARIE" {
		t.Fatalf("the insurance's record changed: %q", rec.Prenoms)
	}
}
