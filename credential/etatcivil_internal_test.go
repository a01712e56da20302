package credential

// The état civil's fields of minor version 2 (sexe, date d'acquisition, at
// extension keys 100 and 101 of the ETAT_CIVIL group): written, read back,
// ignored by a reader of version 1, absent from a credential of version 1.

import (
	"errors"
	"testing"
)

// wireEtatCivilV1 is the ETAT_CIVIL group as a reader of version 1 knows it.
type wireEtatCivilV1 struct {
	NomNaissance     string `cbor:"1,keyasint"`
	Prenoms          string `cbor:"2,keyasint"`
	DateNaissance    uint32 `cbor:"3,keyasint"`
	PaysNaissance    string `cbor:"4,keyasint"`
	CommuneNaissance string `cbor:"5,keyasint,omitempty"`
	TypeDocument     string `cbor:"6,keyasint"`
}

func testEtatCivil() *EtatCivil {
	return &EtatCivil{NomNaissance: "MARTIN", Prenoms: "Jean-Marie Paul", DateNaissance: Date{1961, 3, 2},
		PaysNaissance: "99100", CommuneNaissance: "92040", TypeDocument: "CNI",
		Sexe: SexMale, DateAcquisition: Date{2026, 12, 6}}
}

func TestEtatCivilVersion2(t *testing.T) {
	ec := testEtatCivil()
	raw, err := marshal(toWireEtatCivil(ec))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("read back", func(t *testing.T) {
		var f Family
		if err := f.decodeGroup(GroupEtatCivil, raw); err != nil {
			t.Fatal(err)
		}
		if *f.EtatCivil != *ec {
			t.Fatalf("got %+v, want %+v", *f.EtatCivil, *ec)
		}
	})

	t.Run("reader of version 1 ignores them", func(t *testing.T) {
		var old wireEtatCivilV1
		if err := unmarshal("ETAT_CIVIL group", raw, &old); err != nil {
			t.Fatalf("a reader of version 1 refuses the group: %v", err)
		}
		if old.NomNaissance != ec.NomNaissance || old.Prenoms != ec.Prenoms || old.CommuneNaissance != ec.CommuneNaissance ||
			old.DateNaissance != encodeDate(ec.DateNaissance) || old.TypeDocument != "CNI" {
			t.Fatalf("version 1 reading: %+v", old)
		}
	})

	t.Run("credential of version 1", func(t *testing.T) {
		w := toWireEtatCivil(ec)
		old := wireEtatCivilV1{w.NomNaissance, w.Prenoms, w.DateNaissance, w.PaysNaissance, w.CommuneNaissance, w.TypeDocument}
		raw1, err := marshal(old)
		if err != nil {
			t.Fatal(err)
		}
		var f Family
		if err := f.decodeGroup(GroupEtatCivil, raw1); err != nil {
			t.Fatal(err)
		}
		want := *ec
		want.Sexe, want.DateAcquisition = 0, Date{}
		if *f.EtatCivil != want {
			t.Fatalf("got %+v, want %+v", *f.EtatCivil, want)
		}
	})

	t.Run("unknown extension beside them", func(t *testing.T) {
		w := toWireEtatCivil(ec)
		raw2, err := marshal(struct {
			NomNaissance     string `cbor:"1,keyasint"`
			Prenoms          string `cbor:"2,keyasint"`
			DateNaissance    uint32 `cbor:"3,keyasint"`
			PaysNaissance    string `cbor:"4,keyasint"`
			CommuneNaissance string `cbor:"5,keyasint,omitempty"`
			TypeDocument     string `cbor:"6,keyasint"`
			Sexe             uint8  `cbor:"100,keyasint"`
			DateAcquisition  uint32 `cbor:"101,keyasint"`
			Later            string `cbor:"102,keyasint"`
		}{w.NomNaissance, w.Prenoms, w.DateNaissance, w.PaysNaissance, w.CommuneNaissance, w.TypeDocument, w.Sexe, w.DateAcquisition, "x"})
		if err != nil {
			t.Fatal(err)
		}
		var f Family
		if err := f.decodeGroup(GroupEtatCivil, raw2); err != nil {
			t.Fatal(err)
		}
		if *f.EtatCivil != *ec {
			t.Fatalf("got %+v, want %+v", *f.EtatCivil, *ec)
		}
	})

	t.Run("keys", func(t *testing.T) {
		// ... 6 "CNI" 18 64 01 18 65 1a <20261206>: keys 100 and 101, after 1..6.
		want := []byte{0x18, 0x64, 0x01, 0x18, 0x65, 0x1a, 0x01, 0x35, 0x29, 0x56}
		if len(raw) < len(want) || string(raw[len(raw)-len(want):]) != string(want) {
			t.Fatalf("encoding ends % x, want % x", raw[max(0, len(raw)-len(want)):], want)
		}
	})
}

func TestEtatCivilVersion2Refusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*wireEtatCivil)
		field string
	}{
		{"sexe 3", func(w *wireEtatCivil) { w.Sexe = 3 }, "etatCivil.sexe"},
		{"acquisition lunar", func(w *wireEtatCivil) { w.DateAcquisition = 20260000 }, "etatCivil.dateAcquisition"},
		{"acquisition month 13", func(w *wireEtatCivil) { w.DateAcquisition = 20261306 }, "etatCivil.dateAcquisition"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := toWireEtatCivil(testEtatCivil())
			tc.edit(w)
			raw, err := marshal(w)
			if err != nil {
				t.Fatal(err)
			}
			var f Family
			err = f.decodeGroup(GroupEtatCivil, raw)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, ErrInvalidField) {
				t.Fatalf("err = %v, want a FieldError on %s", err, tc.field)
			}
		})
	}
}
