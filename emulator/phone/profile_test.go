package phone_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// TestBuiltinProfiles validates every fixture and checks that the set covers
// what testers need.
func TestBuiltinProfiles(t *testing.T) {
	names := phone.Profiles()
	if len(names) < 7 {
		t.Fatalf("Profiles() = %v, want at least 7", names)
	}
	var (
		maxFamily                                   int
		lunar, corse2A, corse2B, born75In92, hyphAc bool
		oids                                        = map[string]bool{}
		oses                                        = map[phone.OS]bool{}
	)
	for _, name := range names {
		p, err := phone.BuiltinProfile(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The same file read from disk gives the same profile.
		q, err := phone.LoadProfile(filepath.Join("..", "profiles", name+".json"))
		if err != nil || q.Name != p.Name || len(q.Family.Beneficiaires) != len(p.Family.Beneficiaires) {
			t.Fatalf("%s: LoadProfile = %v, %v", name, q, err)
		}
		maxFamily = max(maxFamily, len(p.Family.Beneficiaires))
		oses[p.Device.OS] = true
		for i, b := range p.Family.Beneficiaires {
			if _, err := credential.ParseNIR(string(b.NIR)); err != nil {
				t.Errorf("%s: beneficiaires[%d]: %v", name, i, err)
			}
			n := string(b.NIR)
			lunar = lunar || b.DateNaissance == credential.Date{Year: 1978}
			corse2A = corse2A || n[5:7] == "2A"
			corse2B = corse2B || n[5:7] == "2B"
			born75In92 = born75In92 || (n[5:7] == "75" && p.Departement == "92")
			hyphAc = hyphAc || (strings.Contains(b.Prenoms, "-") && strings.ContainsAny(b.Prenoms, "éèëêïîôœàçÉ") && len([]rune(b.Prenoms)) >= 20)
			if b.INS != nil {
				oids[b.INS.OID] = true
			}
		}
		if p.Device.OS == phone.IOS && p.Device.HasNFC() {
			t.Errorf("%s: an iPhone reports NFC for the applet", name)
		}
	}
	for what, ok := range map[string]bool{
		"family of 6": maxFamily >= 6, "lunar 00/00/1978": lunar, "Corsican 2A NIR": corse2A, "Corsican 2B NIR": corse2B,
		"born in 75 living in 92": born75In92, "long composed first names with accents": hyphAc,
		"android": oses[phone.Android], "ios": oses[phone.IOS],
		"OID NIR": oids[credential.OIDInsNIR], "OID NIA": oids[credential.OIDInsNIA],
		"OID test NIR": oids[credential.OIDInsTestNIR], "OID test NIA": oids[credential.OIDInsTestNIA],
	} {
		if !ok {
			t.Errorf("no built-in profile has: %s", what)
		}
	}
}

func TestBuiltinProfileUnknown(t *testing.T) {
	if _, err := phone.BuiltinProfile("nobody"); err == nil {
		t.Fatal("unknown profile loaded")
	}
	if _, err := phone.LoadProfile(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

const goodProfile = `{
  "name": "t",
  "email": "a@example.test",
  "departement": "38",
  "phone": {"os": "android", "version": "14", "model": "Pixel", "nfc": true},
  "beneficiaires": [
    {"nir": "2 88 02 38 185 066 36", "nomFamille": "DURAND", "prenoms": "Camille", "dateNaissance": "1988-02-29",
     "rangNaissance": 1, "qualite": 0, "organisme": "01 381 3811", "dateMiseAJour": "2025-01-08",
     "ins": {"matricule": "288023818506636", "oid": "1.2.250.1.213.1.4.8", "nomsNaissance": "DURAND", "prenomsActe": "Camille", "sexe": "F", "dateNaissance": "1988-02-29", "lieuNaissance": "38185"}}
  ],
  "etatCivil": {"nomNaissance": "DURAND", "prenoms": "Camille", "dateNaissance": "1988-02-29", "paysNaissance": "99100", "communeNaissance": "38185", "typeDocument": "CNI"}
}`

// profileErrorCases are edits of goodProfile, each breaking one field.
var profileErrorCases = []struct {
	name, old, new string
	field          string // "" for whole-file errors
	malformed      bool   // wraps credential.ErrMalformed instead of ErrInvalidField
}{
	{"bad NIR key", `066 36"`, `066 37"`, "beneficiaires[0].nir", false},
	{"short NIR", `"2 88 02 38 185 066 36"`, `"2880238185066"`, "beneficiaires[0].nir", false},
	{"NIR year differs from birth date", `"dateNaissance": "1988-02-29",
     "rangNaissance"`, `"dateNaissance": "1989-02-29",
     "rangNaissance"`, "beneficiaires[0].nir", false},
	{"bad date", `"dateMiseAJour": "2025-01-08"`, `"dateMiseAJour": "08/01/2025"`, "beneficiaires[0].dateMiseAJour", false},
	{"lunar update date", `"dateMiseAJour": "2025-01-08"`, `"dateMiseAJour": "2025-01-00"`, "beneficiaires[0].dateMiseAJour", false},
	{"bad organisme", `"01 381 3811"`, `"01 38 3811"`, "beneficiaires[0].organisme", false},
	{"bad qualité", `"qualite": 0`, `"qualite": 7`, "beneficiaires[0].qualite", false},
	{"first not assuré", `"qualite": 0`, `"qualite": 2`, "beneficiaires[0].qualite", false},
	{"rang 0", `"rangNaissance": 1`, `"rangNaissance": 0`, "beneficiaires[0].rangNaissance", false},
	{"empty first names", `"prenoms": "Camille", "dateNaissance"`, `"prenoms": " ", "dateNaissance"`, "beneficiaires[0].prenoms", false},
	{"INS sex differs from NIR", `"sexe": "F"`, `"sexe": "M"`, "beneficiaires[0].ins.sexe", false},
	{"INS sex unknown", `"sexe": "F"`, `"sexe": "X"`, "beneficiaires[0].ins.sexe", false},
	{"INS NIA OID on a NIR", `"1.2.250.1.213.1.4.8"`, `"1.2.250.1.213.1.4.9"`, "beneficiaires[0].ins.oid", false},
	{"INS unknown OID", `"1.2.250.1.213.1.4.8"`, `"1.2.250.1.213.1.4.7"`, "beneficiaires[0].ins.oid", false},
	{"INS bad COG", `"lieuNaissance": "38185"`, `"lieuNaissance": "3818"`, "beneficiaires[0].ins.lieuNaissance", false},
	{"INS matricule differs", `"288023818506636"`, `"190077511423659"`, "beneficiaires[0].ins.matricule", false},
	{"bad département", `"departement": "38"`, `"departement": "20"`, "departement", false},
	{"bad OS", `"os": "android"`, `"os": "symbian"`, "phone.os", false},
	{"bad version", `"version": "14"`, `"version": "14.x"`, "phone.version", false},
	{"empty model", `"model": "Pixel"`, `"model": ""`, "phone.model", false},
	{"bad e-mail", `"a@example.test"`, `"a.example.test"`, "email", false},
	{"bad name", `"name": "t"`, `"name": "T T"`, "name", false},
	{"document type", `"typeDocument": "CNI"`, `"typeDocument": "PERMIS"`, "etatCivil.typeDocument", false},
	{"commune abroad", `"paysNaissance": "99100"`, `"paysNaissance": "99350"`, "etatCivil.communeNaissance", false},
	{"no état civil", `,
  "etatCivil": {"nomNaissance": "DURAND", "prenoms": "Camille", "dateNaissance": "1988-02-29", "paysNaissance": "99100", "communeNaissance": "38185", "typeDocument": "CNI"}`, ``, "etatCivil", false},
	{"no beneficiary", `"beneficiaires": [`, `"beneficiaires": [], "x": [`, "x", false},
	{"unknown field", `"email":`, `"e-mail": "", "email":`, "e-mail", false},
	{"wrong type", `"rangNaissance": 1`, `"rangNaissance": "1"`, "beneficiaires.rangNaissance", false},
	{"syntax error", `"email": "a@example.test",`, `"email": "a@example.test"`, "", true},
	{"truncated", `"etatCivil"`, `"etatCivil`, "", true},
	{"trailing data", `"typeDocument": "CNI"}
}`, `"typeDocument": "CNI"}
} {}`, "", true},
}

func TestParseProfileErrors(t *testing.T) {
	if _, err := phone.ParseProfile("t.json", []byte(goodProfile)); err != nil {
		t.Fatalf("good profile: %v", err)
	}
	for _, tt := range profileErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(goodProfile, tt.old) {
				t.Fatalf("test edit %q not found", tt.old)
			}
			data := strings.Replace(goodProfile, tt.old, tt.new, 1)
			_, err := phone.ParseProfile("t.json", []byte(data))
			var pe *phone.ProfileError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ProfileError", err)
			}
			if pe.File != "t.json" || pe.Field != tt.field {
				t.Fatalf("file, field = %q, %q; want t.json, %q (err %v)", pe.File, pe.Field, tt.field, err)
			}
			if !strings.Contains(err.Error(), "t.json") || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("message %q does not name the file and field", err)
			}
			want := credential.ErrInvalidField
			if tt.malformed {
				want = credential.ErrMalformed
			}
			if !errors.Is(err, want) {
				t.Fatalf("err = %v, want it to wrap %v", err, want)
			}
		})
	}
}

func TestParseProfileLimits(t *testing.T) {
	big := make([]byte, phone.MaxProfileSize+1)
	if _, err := phone.ParseProfile("big.json", big); !errors.Is(err, credential.ErrTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
	if _, err := phone.ParseProfile("other.json", []byte(goodProfile)); err == nil || !strings.Contains(err.Error(), "name") {
		t.Fatalf("name differing from the file name: %v", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "t.json")
	if err := os.WriteFile(path, []byte(strings.Replace(goodProfile, "066 36", "066 99", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := phone.LoadProfile(path); err == nil || !strings.Contains(err.Error(), "t.json: beneficiaires[0].nir") {
		t.Fatalf("LoadProfile error does not name file and field: %v", err)
	}
}

func FuzzParseProfile(f *testing.F) {
	f.Add([]byte(goodProfile))
	for _, tt := range profileErrorCases {
		f.Add([]byte(strings.Replace(goodProfile, tt.old, tt.new, 1)))
	}
	for _, name := range phone.Profiles() {
		if b, err := os.ReadFile(filepath.Join("..", "profiles", name+".json")); err == nil {
			f.Add(b)
		}
	}
	for _, name := range phone.CaseProfiles() { // CNIe, answers, faults, devices
		if b, err := os.ReadFile(filepath.Join("..", "profiles", phone.CaseDir, name+".json")); err == nil {
			f.Add(bytes.ReplaceAll(b, []byte(`"name": "`+name+`"`), []byte(`"name": "t"`)))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := phone.ParseProfile("t.json", data)
		if err != nil {
			var pe *phone.ProfileError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a *ProfileError: %v", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted profile fails Validate: %v", err)
		}
	})
}
