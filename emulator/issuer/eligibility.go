package issuer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apcvkit/apcvkit/credential"
)

// Eligibility says where the app is deployed. An empty list means "all": the
// zero Eligibility admits everyone.
type Eligibility struct {
	// Departements lists the départements of residence where the app is
	// deployed ("01", "2A", "974"); empty means all.
	Departements []string
	// Organismes lists organisme prefixes, digits only: "01" (a régime),
	// "01261" (a caisse) or "012619850" (a centre); empty means all.
	Organismes []string
}

// TrainingDeckDepartements are the 23 départements where the ApCV training
// deck says the app was deployed: the 12 of Auvergne-Rhône-Alpes (01 Ain,
// 03 Allier, 07 Ardèche, 15 Cantal, 26 Drôme, 38 Isère, 42 Loire,
// 43 Haute-Loire, 63 Puy-de-Dôme, 69 Rhône, 73 Savoie, 74 Haute-Savoie) and
// 13, 14, 21, 44, 59, 64, 67, 75, 76, 83, 93. It is a preset: a tester sets
// Eligibility.Departements to any list (nil for everywhere).
var TrainingDeckDepartements = []string{
	"01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74",
	"13", "14", "21", "44", "59", "64", "67", "75", "76", "83", "93",
}

// TrainingDeck returns the eligibility of the training deck: its 23
// départements, every organisme.
func TrainingDeck() Eligibility {
	return Eligibility{Departements: slices.Clone(TrainingDeckDepartements)}
}

// Check returns nil when an insured person of organisme o living in
// département dept may activate the app, or an error wrapping ErrNotEligible
// that says which rule refused.
func (e Eligibility) Check(o credential.Organisme, dept string) error {
	if len(e.Departements) > 0 && !slices.Contains(e.Departements, strings.ToUpper(dept)) {
		return fmt.Errorf("issuer: département %s not deployed: %w", dept, ErrNotEligible)
	}
	if len(e.Organismes) > 0 {
		code := o.Regime + o.Caisse + o.Centre
		if !slices.ContainsFunc(e.Organismes, func(p string) bool { return strings.HasPrefix(code, strings.ReplaceAll(p, " ", "")) }) {
			return fmt.Errorf("issuer: organisme %s not deployed: %w", o, ErrNotEligible)
		}
	}
	return nil
}
