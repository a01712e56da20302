package rights_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
)

func family() credential.Family {
	org := credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}
	return credential.Family{Beneficiaires: []credential.Beneficiary{
		{NIR: "281042636204703", DateNaissance: credential.Date{Year: 1981, Month: 4, Day: 12}, RangNaissance: 1, Organisme: org},
		{NIR: "209062636221894", DateNaissance: credential.Date{Year: 2009, Month: 6, Day: 21}, RangNaissance: 1, Qualite: credential.QualiteEnfant, Organisme: org},
	}}
}

func TestDeriveDeterministicAndValid(t *testing.T) {
	fam := family()
	a, b := rights.DeriveAll(fam), rights.DeriveAll(fam)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Derive differs between two runs")
	}
	for i, r := range a {
		if err := r.Validate(); err != nil {
			t.Errorf("beneficiary %d: %v", i, err)
		}
		if r.NIR != fam.Beneficiaires[i].NIR || r.Rang != 1 || r.Caisse != "261" {
			t.Errorf("beneficiary %d: %+v", i, r)
		}
		if !r.OpenOn(credential.Date{Year: 2026, Month: 12, Day: 6}) {
			t.Errorf("beneficiary %d: rights not open today", i)
		}
	}
	// Family-wide choices are shared.
	if (a[0].C2S == nil) != (a[1].C2S == nil) || (a[0].AMC == nil) != (a[1].AMC == nil) {
		t.Errorf("C2S/AMC not family-wide: %+v %+v", a[0], a[1])
	}
	if a[1].Exoneration != nil {
		t.Errorf("a child with an exonération drawn for adults: %+v", a[1].Exoneration)
	}
	if r := rights.Derive(fam, 5); !reflect.DeepEqual(r, rights.Rights{}) {
		t.Errorf("out of range: %+v", r)
	}
}

// TestDeriveSpread: over many NIRs every branch is taken, in plausible
// proportions.
func TestDeriveSpread(t *testing.T) {
	var c2s, amc, exo, mt, n int
	for k := 0; k < 2000; k++ {
		body := []byte("1800526" + string(rune('0'+k/1000%10)) + string(rune('0'+k/100%10)) + string(rune('0'+k/10%10)) + string(rune('0'+k%10)) + "00")
		key, _ := credential.ComputeKey(string(body))
		nir := credential.NIR(string(body) + string(rune('0'+key/10)) + string(rune('0'+key%10)))
		fam := credential.Family{Beneficiaires: []credential.Beneficiary{{NIR: nir, DateNaissance: credential.Date{Year: 1980, Month: 5, Day: 1},
			RangNaissance: 1, Organisme: credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}}}}
		r := rights.Derive(fam, 0)
		if err := r.Validate(); err != nil {
			t.Fatalf("%s: %v", nir.Masked(), err)
		}
		n++
		if r.C2S != nil {
			c2s++
			if r.AMC != nil {
				t.Fatal("C2S and AMC together")
			}
		}
		if r.AMC != nil {
			amc++
		}
		if r.Exoneration != nil {
			exo++
		}
		if r.MedecinTraitant {
			mt++
		}
	}
	check := func(name string, got int, lo, hi float64) {
		if f := float64(got) / float64(n); f < lo || f > hi {
			t.Errorf("%s: %.3f not in [%.2f, %.2f]", name, f, lo, hi)
		}
	}
	check("c2s", c2s, 0.09, 0.16)
	check("amc", amc, 0.60, 0.72)
	check("exonération", exo, 0.13, 0.21)
	check("médecin traitant", mt, 0.76, 0.84)
}

func TestJSONRoundTrip(t *testing.T) {
	for i, r := range rights.DeriveAll(family()) {
		r.Exoneration = &rights.Exoneration{Code: "4", ALD: true, Libelle: "ALD"}
		r.C2S = &rights.Periode{Debut: credential.Date{Year: 2026, Month: 1, Day: 1}, Fin: credential.Date{Year: 2026, Month: 12, Day: 31}, Nature: rights.NatureC2S}
		data, err := json.Marshal(rights.JSONOf(r))
		if err != nil {
			t.Fatal(err)
		}
		var j rights.RightsJSON
		if err := json.Unmarshal(data, &j); err != nil {
			t.Fatal(err)
		}
		back, err := j.Rights()
		if err != nil {
			t.Fatalf("%d: %v\n%s", i, err, data)
		}
		if !reflect.DeepEqual(back, r) {
			t.Errorf("%d: round trip\n got %+v\nwant %+v", i, back, r)
		}
	}
}

func TestJSONRefused(t *testing.T) {
	good := rights.JSONOf(rights.Derive(family(), 0))
	for _, tc := range []struct {
		name  string
		edit  func(*rights.RightsJSON)
		field string
	}{
		{"bad nir key", func(j *rights.RightsJSON) { j.NIR = "281042636204704" }, "nir"},
		{"rang 0", func(j *rights.RightsJSON) { j.Rang = 0 }, "rang"},
		{"regime letters", func(j *rights.RightsJSON) { j.Regime = "0A" }, "regime"},
		{"caisse short", func(j *rights.RightsJSON) { j.Caisse = "26" }, "caisse"},
		{"centre long", func(j *rights.RightsJSON) { j.Centre = "98500" }, "centre"},
		{"code gestion", func(j *rights.RightsJSON) { j.CodeGestion = "1" }, "codeGestion"},
		{"no period", func(j *rights.RightsJSON) { j.Periodes = nil }, "periodes"},
		{"period date", func(j *rights.RightsJSON) { j.Periodes[0].Debut = "2016-13-01" }, "periodes[0].debut"},
		{"period lunar", func(j *rights.RightsJSON) { j.Periodes[0].Debut = "2016-00-00" }, "periodes[0].debut"},
		{"period nature", func(j *rights.RightsJSON) { j.Periodes[0].Nature = "C2S" }, "periodes[0].nature"},
		{"fin before debut", func(j *rights.RightsJSON) { j.Periodes[0].Fin = "2015-12-31" }, "periodes[0].fin"},
		{"c2s nature", func(j *rights.RightsJSON) { j.C2S = &rights.PeriodeJSON{Debut: "2026-01-01", Nature: "AMO"} }, "c2s.nature"},
		{"exoneration code", func(j *rights.RightsJSON) { j.Exoneration = &rights.ExonerationJSON{Code: ""} }, "exoneration.code"},
		{"amc numero", func(j *rights.RightsJSON) { j.AMC = &rights.AMCJSON{Numero: "123", Nom: "X", Debut: "2026-01-01"} }, "amc.numero"},
		{"amc nom", func(j *rights.RightsJSON) { j.AMC = &rights.AMCJSON{Numero: "12345678", Nom: " ", Debut: "2026-01-01"} }, "amc.nom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := good
			j.Periodes = append([]rights.PeriodeJSON(nil), good.Periodes...)
			tc.edit(&j)
			_, err := j.Rights()
			var fe *credential.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, credential.ErrInvalidField) || fe.Field != tc.field {
				t.Errorf("err = %v, want a field error on %s", err, tc.field)
			}
		})
	}
}

func TestWhoJSON(t *testing.T) {
	w := rights.WhoOf(family().Beneficiaires[1])
	got, err := rights.WhoJSONOf(w).Who()
	if err != nil || got != w {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if s := w.String(); s != "2 09 06 ** *** *** 94 rang 1" {
		t.Errorf("String = %q: not masked", s)
	}
	for _, j := range []rights.WhoJSON{
		{NIR: "209062636221895", DateNaissance: "2009-06-21", Rang: 1},
		{NIR: "209062636221894", DateNaissance: "21/06/2009", Rang: 1},
		{NIR: "209062636221894", DateNaissance: "2009-06-21", Rang: 0},
		{NIR: "209062636221894", DateNaissance: "", Rang: 1},
	} {
		if _, err := j.Who(); !errors.Is(err, credential.ErrInvalidField) {
			t.Errorf("%+v: err = %v, want invalid-field", j, err)
		}
	}
}
