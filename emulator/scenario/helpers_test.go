package scenario_test

import (
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/phone"
)

// piiOfProfiles returns the NIRs (plain and spaced), names and birth dates
// of every built-in profile.
func piiOfProfiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, n := range phone.Profiles() {
		p, err := phone.BuiltinProfile(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range p.Family.Beneficiaires {
			out = append(out, string(b.NIR), b.NIR.Format(), b.NomFamille, b.DateNaissance.String())
			for _, w := range strings.Fields(b.Prenoms) {
				if len(w) > 3 {
					out = append(out, w)
				}
			}
		}
	}
	return out
}
