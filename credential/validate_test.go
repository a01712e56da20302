package credential_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
)

// NIR keys computed independently of the code, from the rule: the key is
// 97 − (N mod 97), where N is the 13-character body read as a number, with
// the Corsican département 2A read as 19 and 2B as 18. For example
//
//	1 85 05 78 006 084:  N = 1850578006084, N mod 97 = 6,  key = 91
//	1 85 05 2A 006 084:  N = 1850519006084, N mod 97 = 62, key = 35
//	2 93 12 2B 123 456:  N = 2931218123456, N mod 97 = 76, key = 21
//	1 85 05 78 006 078:  N = 1850578006078, N mod 97 = 0,  key = 97
func TestNIRKeysByHand(t *testing.T) {
	for _, tc := range []struct {
		name, nir string
		key       int
	}{
		{"metropole", "185057800608491", 91},
		{"corse du sud 2A", "185052A00608435", 35},
		{"haute corse 2B", "293122B12345621", 21},
		{"key 97 (N divisible by 97)", "185057800607897", 97},
		{"ouvrant droit of the fixtures", "278057512345675", 75},
		{"NIA prefix 7", "785059912345695", 95},
		{"NIA prefix 8", "801019900000194", 94},
		{"incomplete civil status, month 20", "175209912345658", 58},
		{"incomplete civil status, month 35", "250357500100227", 27},
		{"incomplete civil status, month 62", "100629900100181", 81},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := credential.NIR(tc.nir)
			if err := n.Validate(); err != nil {
				t.Fatalf("Validate(%s) = %v", tc.nir, err)
			}
			k, err := credential.ComputeKey(tc.nir[:13])
			if err != nil || k != tc.key {
				t.Fatalf("ComputeKey(%s) = %d, %v; want %d", tc.nir[:13], k, err, tc.key)
			}
			spaced := n.Format()
			p, err := credential.ParseNIR(strings.ToLower(spaced))
			if err != nil || p != n {
				t.Fatalf("ParseNIR(%q) = %q, %v", strings.ToLower(spaced), p, err)
			}
		})
	}
}

func TestNIRInvalid(t *testing.T) {
	for _, tc := range []struct{ name, nir string }{
		{"empty", ""},
		{"14 characters", "18505780060849"},
		{"16 characters", "1850578006084910"},
		{"wrong key", "185057800608492"},
		{"key 00", "185057800608400"},
		{"key of 2B used for 2A", "185052B00608435"},
		{"letter in body", "18505780O608491"},
		{"letter in key", "18505780060849A"},
		{"sign in key", "1850578006084+1"},
		{"space inside (Validate does not strip)", "1850578 0608491"},
		{"sex digit 5", "585057800608491"},
		{"sex digit 0", "085057800608491"},
		{"month 00", string(nirWithKey("1850078006084"))},
		{"month 13", string(nirWithKey("1851378006084"))},
		{"month 25", string(nirWithKey("1852578006084"))},
		{"month 45", string(nirWithKey("1854578006084"))},
		{"lower-case 2a", "185052a00608435"},
		{"3A is not a département", "185053A00608435"},
		{"non-ASCII", "18505780060849é"[:15]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := credential.NIR(tc.nir).Validate()
			var fe *credential.FieldError
			if !errors.As(err, &fe) || fe.Field != "nir" || fe.Reason == "" {
				t.Fatalf("Validate(%q) = %v, want a *FieldError for field nir", tc.nir, err)
			}
			if !errors.Is(err, credential.ErrInvalidField) {
				t.Fatalf("error does not wrap ErrInvalidField")
			}
			if strings.Contains(err.Error(), tc.nir[min(len(tc.nir), 5):]) && len(tc.nir) == 15 {
				t.Errorf("error %q leaks the NIR", err)
			}
		})
	}
}

func TestNIRFormatMaskSex(t *testing.T) {
	n := credential.NIR("278057512345675")
	if got := n.Format(); got != "2 78 05 75 123 456 75" {
		t.Errorf("Format = %q", got)
	}
	if got := n.Masked(); got != "2 78 05 ** *** *** 75" {
		t.Errorf("Masked = %q", got)
	}
	if got := n.String(); got != n.Masked() {
		t.Errorf("String = %q, want the masked form", got)
	}
	if n.Sex() != credential.SexFemale || credential.NIR("185057800608491").Sex() != credential.SexMale ||
		credential.NIR("785059912345695").Sex() != credential.SexMale || credential.NIR("").Sex() != 0 {
		t.Error("Sex")
	}
	if got := credential.NIR("123").Masked(); got != "***" {
		t.Errorf("Masked(short) = %q", got)
	}
}

func TestINSOID(t *testing.T) {
	for oid, want := range map[string]bool{
		"1.2.250.1.213.1.4.8": true, "1.2.250.1.213.1.4.9": true, "1.2.250.1.213.1.4.10": true, "1.2.250.1.213.1.4.11": true,
		"1.2.250.1.213.1.4.7": false, "1.2.250.1.213.1.4.8.1": false, "": false, " 1.2.250.1.213.1.4.8": false, "1.2.250.1.213.1.4.12": false,
	} {
		if got := credential.ValidINSOID(oid); got != want {
			t.Errorf("ValidINSOID(%q) = %v", oid, got)
		}
	}
}

func TestLunarDates(t *testing.T) {
	for _, tc := range []struct {
		d     credential.Date
		lunar bool
	}{
		{credential.Date{Year: 1978}, true},
		{credential.Date{Year: 1978, Month: 5}, true},
		{credential.Date{Year: 1975, Month: 2, Day: 31}, true},
		{credential.Date{Year: 1975, Month: 2, Day: 29}, true},
		{credential.Date{Year: 1976, Month: 2, Day: 29}, false},
		{credential.Date{Year: 1900, Month: 2, Day: 29}, true},
		{credential.Date{Year: 2000, Month: 2, Day: 29}, false},
		{credential.Date{Year: 1978, Month: 4, Day: 31}, true},
		{credential.Date{Year: 1978, Month: 12, Day: 31}, false},
		{credential.Date{Year: 1978, Month: 13, Day: 1}, true},
	} {
		if got := tc.d.Lunar(); got != tc.lunar {
			t.Errorf("%s.Lunar() = %v", tc.d, got)
		}
	}
	if s := (credential.Date{Year: 1978}).String(); s != "00/00/1978" {
		t.Errorf("String = %q", s)
	}
	// Lunar birth dates are legal and survive issuance and verification.
	for _, d := range []credential.Date{{Year: 1978}, {Year: 1975, Month: 2, Day: 31}} {
		w := newWorld(t, 1)
		f := testFamily(t, 1)
		f.Beneficiaires[0].DateNaissance = d
		f.Beneficiaires[0].INS.DateNaissance = d
		f.EtatCivil.DateNaissance = d
		h, err := credential.Issue(w.issuer, w.claims(f), nil2rand())
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		tr := transcript(t)
		resp, _ := h.PresentNFC(w.device, tr, credential.AllGroups, nil)
		p, err := w.verifier(t).VerifyNFC(resp, tr, credential.AllGroups)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if p.Family.Beneficiaires[0].DateNaissance != d || p.Family.Beneficiaires[0].INS.DateNaissance != d || p.Family.EtatCivil.DateNaissance != d {
			t.Errorf("%s came back as %+v", d, p.Family)
		}
	}
}

func TestOrganisme(t *testing.T) {
	for _, tc := range []struct {
		o  credential.Organisme
		ok bool
	}{
		{credential.Organisme{"01", "261", "9850"}, true},
		{credential.Organisme{"02", "000", "0000"}, true},
		{credential.Organisme{"1", "261", "9850"}, false},
		{credential.Organisme{"01", "26", "19850"}, false},
		{credential.Organisme{"01", "261", "985"}, false},
		{credential.Organisme{"0A", "261", "9850"}, false},
		{credential.Organisme{"01", "261", "98 0"}, false},
		{credential.Organisme{}, false},
	} {
		err := tc.o.Validate()
		var fe *credential.FieldError
		if tc.ok != (err == nil) || !tc.ok && (!errors.As(err, &fe) || fe.Field != "organisme") {
			t.Errorf("%q.Validate() = %v", tc.o.String(), err)
		}
	}
	if s := (credential.Organisme{"01", "261", "9850"}).String(); s != "01 261 9850" {
		t.Errorf("String = %q", s)
	}
}

// Family.Validate names the failing field with its full path.
func TestFamilyValidatePaths(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(f *credential.Family)
		field string
	}{
		{"valid", func(f *credential.Family) {}, ""},
		{"no beneficiary", func(f *credential.Family) { f.Beneficiaires = nil }, "beneficiaires"},
		{"33 beneficiaries", func(f *credential.Family) {
			for len(f.Beneficiaires) < 33 {
				f.Beneficiaires = append(f.Beneficiaires, f.Beneficiaires[1])
			}
		}, "beneficiaires"},
		{"bad NIR of the third", func(f *credential.Family) { f.Beneficiaires[2].NIR = "110057523456700" }, "beneficiaires[2].nir"},
		{"bad INS OID", func(f *credential.Family) {
			ins := *f.Beneficiaires[0].INS
			ins.OID = "1.2.3"
			f.Beneficiaires[2].INS = &ins
		}, "beneficiaires[2].ins.oid"},
		{"bad INS matricule", func(f *credential.Family) { f.Beneficiaires[0].INS.Matricule = "1" }, "beneficiaires[0].ins.matricule.nir"},
		{"bad INS sex", func(f *credential.Family) { f.Beneficiaires[0].INS.Sexe = 3 }, "beneficiaires[0].ins.sexe"},
		{"bad INS birth place", func(f *credential.Family) { f.Beneficiaires[0].INS.LieuNaissance = "2C001" }, "beneficiaires[0].ins.lieuNaissance"},
		{"INS birth place in 2A is fine", func(f *credential.Family) { f.Beneficiaires[0].INS.LieuNaissance = "2A004" }, ""},
		{"empty family name", func(f *credential.Family) { f.Beneficiaires[1].NomFamille = "  " }, "beneficiaires[1].nomFamille"},
		{"control character in first names", func(f *credential.Family) { f.Beneficiaires[1].Prenoms = "Léo\nX" }, "beneficiaires[1].prenoms"},
		{"81-character name", func(f *credential.Family) { f.Beneficiaires[1].NomUsage = strings.Repeat("é", 81) }, "beneficiaires[1].nomUsage"},
		{"80-character name is fine", func(f *credential.Family) { f.Beneficiaires[1].NomUsage = strings.Repeat("é", 80) }, ""},
		{"invalid UTF-8", func(f *credential.Family) { f.Beneficiaires[1].NomFamille = "\xff" }, "beneficiaires[1].nomFamille"},
		{"rang 0", func(f *credential.Family) { f.Beneficiaires[3].RangNaissance = 0 }, "beneficiaires[3].rangNaissance"},
		{"rang 10", func(f *credential.Family) { f.Beneficiaires[3].RangNaissance = 10 }, "beneficiaires[3].rangNaissance"},
		{"qualité 7", func(f *credential.Family) { f.Beneficiaires[3].Qualite = 7 }, "beneficiaires[3].qualite"},
		{"first is not the assuré", func(f *credential.Family) { f.Beneficiaires[0].Qualite = credential.QualiteConjoint }, "beneficiaires[0].qualite"},
		{"organisme", func(f *credential.Family) { f.Beneficiaires[1].Organisme.Centre = "12" }, "beneficiaires[1].organisme"},
		{"birth year 1849", func(f *credential.Family) { f.Beneficiaires[1].DateNaissance.Year = 1849 }, "beneficiaires[1].dateNaissance"},
		{"birth day 32", func(f *credential.Family) { f.Beneficiaires[1].DateNaissance.Day = 32 }, "beneficiaires[1].dateNaissance"},
		{"lunar update date", func(f *credential.Family) {
			f.Beneficiaires[1].DateMiseAJour = credential.Date{Year: 2026, Month: 2, Day: 30}
		}, "beneficiaires[1].dateMiseAJour"},
		{"état civil country", func(f *credential.Family) { f.EtatCivil.PaysNaissance = "FR" }, "etatCivil.paysNaissance"},
		{"état civil document", func(f *credential.Family) { f.EtatCivil.TypeDocument = "PERMIS" }, "etatCivil.typeDocument"},
		{"état civil commune", func(f *credential.Family) { f.EtatCivil.CommuneNaissance = "7511" }, "etatCivil.communeNaissance"},
		{"état civil born abroad", func(f *credential.Family) { f.EtatCivil.PaysNaissance, f.EtatCivil.CommuneNaissance = "99134", "" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := testFamily(t, 4)
			tc.edit(&f)
			err := f.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *credential.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("Validate() = %v, want a *FieldError for %s", err, tc.field)
			}
			if !errors.Is(err, credential.ErrInvalidField) {
				t.Fatal("does not wrap ErrInvalidField")
			}
			// Issue refuses what Validate refuses, with the same field.
			w := newWorld(t, 1)
			_, err = credential.Issue(w.issuer, w.claims(f), nil2rand())
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("Issue() = %v, want a *FieldError for %s", err, tc.field)
			}
		})
	}
}

func TestGroupsAndQualite(t *testing.T) {
	for _, g := range credential.AllGroups {
		p, err := credential.ParseGroup(g.String())
		if err != nil || p != g {
			t.Errorf("ParseGroup(%q) = %v, %v", g, p, err)
		}
	}
	if _, err := credential.ParseGroup("amo"); !errors.Is(err, credential.ErrInvalidField) {
		t.Errorf("ParseGroup(amo) = %v", err)
	}
	if credential.Group(9).String() != "Group(9)" || credential.Qualite(7).Valid() || !credential.QualiteEnfant.Valid() ||
		credential.QualiteEnfant.String() != "enfant" || credential.Sex(0).String() != "?" {
		t.Error("names")
	}
}

// Personal data never reach a log through String or LogValue.
func TestBeneficiaryDoesNotLeak(t *testing.T) {
	b := testFamily(t, 1).Beneficiaires[0]
	for _, s := range []string{b.String(), b.LogValue().String(), b.NIR.LogValue().String()} {
		if strings.Contains(s, string(b.NIR)) || strings.Contains(s, b.NomFamille) || strings.Contains(s, b.Prenoms) || strings.Contains(s, "123 456") {
			t.Errorf("%q leaks personal data", s)
		}
	}
}
