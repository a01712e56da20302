package credential_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testfamily"
)

// TestFamilyJSONRoundTrip: the unmasked form decodes to the family it was
// made of, through encoding/json, lunar dates and INS included.
func TestFamilyJSONRoundTrip(t *testing.T) {
	for n := 1; n <= 6; n++ {
		f := testfamily.Family(n, testfamily.Options{Lunar: true, INS: true})
		data, err := json.Marshal(credential.JSONOf(f, false))
		if err != nil {
			t.Fatal(err)
		}
		var j credential.FamilyJSON
		if err := json.Unmarshal(data, &j); err != nil {
			t.Fatal(err)
		}
		got, err := j.Family()
		if err != nil {
			t.Fatalf("n=%d: %v\n%s", n, err, data)
		}
		if !reflect.DeepEqual(got, f) {
			t.Fatalf("n=%d: round trip differs:\n got %+v\nwant %+v", n, got, f)
		}
	}
}

// TestFamilyJSONMasked: no NIR, name or full birth date in the masked form,
// and it does not decode.
func TestFamilyJSONMasked(t *testing.T) {
	f := testfamily.Family(6, testfamily.Options{Lunar: true, INS: true})
	j := credential.JSONOf(f, true)
	data, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range f.Beneficiaires {
		for _, s := range []string{string(b.NIR), b.NomFamille, b.Prenoms, b.NomUsage} {
			if s != "" && bytes.Contains(data, []byte(s)) {
				t.Errorf("masked form holds %q:\n%s", s, data)
			}
		}
	}
	if got := j.Beneficiaires[0].DateNaissance; got != "1978-**-**" {
		t.Errorf("masked birth date %q, want 1978-**-**", got)
	}
	if _, err := j.Family(); !errors.Is(err, credential.ErrInvalidField) {
		t.Errorf("a masked form decoded: err = %v", err)
	}
}

func TestFamilyJSONErrors(t *testing.T) {
	good := func() credential.FamilyJSON {
		return credential.JSONOf(testfamily.Family(2, testfamily.Options{INS: true}), false)
	}
	tests := []struct {
		name  string
		edit  func(*credential.FamilyJSON)
		field string
	}{
		{"date DD/MM/YYYY", func(j *credential.FamilyJSON) { j.Beneficiaires[1].DateNaissance = "03/06/1979" }, "beneficiaires[1].dateNaissance"},
		{"day 32", func(j *credential.FamilyJSON) { j.Beneficiaires[0].DateNaissance = "1978-05-32" }, "beneficiaires[0].dateNaissance"},
		{"month 13", func(j *credential.FamilyJSON) { j.Beneficiaires[0].DateNaissance = "1978-13-01" }, "beneficiaires[0].dateNaissance"},
		{"year 1849", func(j *credential.FamilyJSON) { j.Beneficiaires[0].DateNaissance = "1849-01-01" }, "beneficiaires[0].dateNaissance"},
		{"short date", func(j *credential.FamilyJSON) { j.Beneficiaires[0].DateNaissance = "1978-5-14" }, "beneficiaires[0].dateNaissance"},
		{"update date", func(j *credential.FamilyJSON) { j.Beneficiaires[0].DateMiseAJour = "2026-09" }, "beneficiaires[0].dateMiseAJour"},
		{"qualité 7", func(j *credential.FamilyJSON) { j.Beneficiaires[1].Qualite = 7 }, "beneficiaires[1].qualite"},
		{"qualité 256", func(j *credential.FamilyJSON) { j.Beneficiaires[1].Qualite = 256 }, "beneficiaires[1].qualite"},
		{"qualité -1", func(j *credential.FamilyJSON) { j.Beneficiaires[1].Qualite = -1 }, "beneficiaires[1].qualite"},
		{"organisme 8 digits", func(j *credential.FamilyJSON) { j.Beneficiaires[0].Organisme = "01261985" }, "beneficiaires[0].organisme"},
		{"organisme letters", func(j *credential.FamilyJSON) { j.Beneficiaires[0].Organisme = "01261985A" }, "beneficiaires[0].organisme"},
		{"INS sex", func(j *credential.FamilyJSON) { j.Beneficiaires[1].INS.Sexe = "X" }, "beneficiaires[1].ins.sexe"},
		{"INS date", func(j *credential.FamilyJSON) { j.Beneficiaires[1].INS.DateNaissance = "" }, "beneficiaires[1].ins.dateNaissance"},
		{"état civil date", func(j *credential.FamilyJSON) { j.EtatCivil.DateNaissance = "14/05/1978" }, "etatCivil.dateNaissance"},
		{"état civil sex", func(j *credential.FamilyJSON) { j.EtatCivil.Sexe = "f" }, "etatCivil.sexe"},
		{"acquisition date", func(j *credential.FamilyJSON) { j.EtatCivil.DateAcquisition = "08/11/2023" }, "etatCivil.dateAcquisition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := good()
			tt.edit(&j)
			_, err := j.Family()
			var fe *credential.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("err = %v, want a FieldError on %s", err, tt.field)
			}
		})
	}
	// Spaces, as people write NIRs and organismes, are accepted.
	j := good()
	j.Beneficiaires[0].NIR = "2 78 05 75 123 456 " + j.Beneficiaires[0].NIR[13:]
	j.Beneficiaires[0].Organisme = "01 261 9850"
	f, err := j.Family()
	if err != nil {
		t.Fatal(err)
	}
	if want := testfamily.Family(2, testfamily.Options{INS: true}); !reflect.DeepEqual(f, want) {
		t.Fatalf("with spaces: %+v", f)
	}
}

// TestEtatCivilJSONVersion2: the état civil's sex and acquisition date
// round-trip, and a form without them (a credential of version 1) reads
// as unknown.
func TestEtatCivilJSONVersion2(t *testing.T) {
	f := testfamily.Family(1, testfamily.Options{INS: true})
	j := credential.JSONOf(f, false)
	if j.EtatCivil.Sexe != "F" || j.EtatCivil.DateAcquisition != "2023-11-08" {
		t.Fatalf("JSON %+v", j.EtatCivil)
	}
	back, err := j.Family()
	if err != nil {
		t.Fatal(err)
	}
	if *back.EtatCivil != *f.EtatCivil {
		t.Fatalf("round trip %+v, want %+v", *back.EtatCivil, *f.EtatCivil)
	}
	j.EtatCivil.Sexe, j.EtatCivil.DateAcquisition = "", ""
	back, err = j.Family()
	if err != nil {
		t.Fatal(err)
	}
	if ec := back.EtatCivil; ec.Sexe != 0 || !ec.DateAcquisition.IsZero() {
		t.Fatalf("without them: %+v", *ec)
	}
	if m := credential.JSONOf(f, true); m.EtatCivil.Sexe != "F" {
		t.Fatalf("masked %+v", m.EtatCivil)
	}
}
