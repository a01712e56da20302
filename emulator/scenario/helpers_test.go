package scenario_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/phone"
)

// piiOfProfiles returns the NIRs (plain and spaced), names and birth dates
// of every built-in profile, case profiles included.
func piiOfProfiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, n := range append(phone.Profiles(), phone.CaseProfiles()...) {
		p, err := phone.BuiltinProfile(n)
		if err != nil {
			t.Fatal(err)
		}
		if ec := p.Family.EtatCivil; ec != nil {
			out = append(out, ec.NomNaissance, ec.DateNaissance.String())
			for _, w := range strings.FieldsFunc(ec.Prenoms, func(r rune) bool { return r == ' ' || r == '-' || r == ',' }) {
				if len(w) > 3 {
					out = append(out, w)
				}
			}
		}
		for _, b := range p.Family.Beneficiaires {
			out = append(out, string(b.NIR), b.NIR.Format(), b.NomFamille, b.DateNaissance.String())
			for _, w := range strings.FieldsFunc(b.Prenoms, func(r rune) bool { return r == ' ' || r == '-' || r == ',' }) {
				if len(w) > 3 {
					out = append(out, w)
				}
			}
		}
	}
	return out
}

// piiShown returns the profiles' personal strings that transcript shows, as
// whole words ("Marc" may appear in "March").
func piiShown(t *testing.T, transcript string) (found []string) {
	t.Helper()
	for _, pii := range piiOfProfiles(t) {
		if regexp.MustCompile(`(^|[^\pL\pN])` + regexp.QuoteMeta(pii) + `($|[^\pL\pN])`).MatchString(transcript) {
			found = append(found, pii)
		}
	}
	return found
}
