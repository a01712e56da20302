package phone_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/profiles"
)

// TestProfileDroits: explicit rights are read, and refused when malformed
// or when they name no beneficiary of the family.
func TestProfileDroits(t *testing.T) {
	p, err := phone.BuiltinProfile("isere-solo")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rights) != 1 || p.Rights[0].C2S == nil || !p.Rights[0].MedecinTraitant {
		t.Fatalf("isere-solo's rights: %+v", p.Rights)
	}
	data, err := fs.ReadFile(profiles.FS, "isere-solo.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, field string }{
		{"caisse", `"caisse": "381"`, `"caisse": "38"`, "droits[0].caisse"},
		{"c2s date", `"fin": "2027-03-31"`, `"fin": "2027-02-30"`, "droits[0].c2s.fin"},
		{"stranger", `"nir": "288023818506636", "rang": 1, "regime"`, `"nir": "288023818506636", "rang": 2, "regime"`, "droits[0].nir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(string(data), tc.from, tc.to, 1)
			if bad == string(data) {
				t.Fatalf("%q not in the profile", tc.from)
			}
			_, err := phone.ParseProfile("isere-solo.json", []byte(bad))
			var pe *phone.ProfileError
			if !errors.As(err, &pe) || pe.Field != tc.field || !errors.Is(err, credential.ErrInvalidField) {
				t.Errorf("err = %v (field %q), want a field error on %s", err, fieldOf(pe), tc.field)
			}
		})
	}
}

func fieldOf(pe *phone.ProfileError) string {
	if pe == nil {
		return ""
	}
	return pe.Field
}
