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
// deck says the app was deployed ("Les départements déployés à ce jour
// sont : Ain (01), Allier (03), Alpes-de-Haute-Provence (04),
// Alpes-Maritimes (06), Ardèche (07), Bas-Rhin (67), Bouches-du-Rhône (13),
// Cantal (15), Drome (26), Hautes-Alpes (05), Haute-Loire (43),
// Haute-Savoie (74), Isère (38), Loire (42), Loire-Atlantique (44),
// Puy-de-Dôme (63), Rhône (69), Saône-et-Loire (71), Sarthe (72),
// Savoie (73), Seine-Maritime (76), Var (83), Vaucluse (84)"), in code
// order. It is a preset: a tester sets Eligibility.Departements to any list
// (nil for everywhere).
var TrainingDeckDepartements = []string{
	"01", "03", "04", "05", "06", "07", "13", "15", "26", "38", "42", "43",
	"44", "63", "67", "69", "71", "72", "73", "74", "76", "83", "84",
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
	return e.CheckOrganisme(o)
}

// CheckOrganisme is Check without the départements: nil when an insured
// person of organisme o may activate the app, or an error wrapping
// ErrNotEligible.
func (e Eligibility) CheckOrganisme(o credential.Organisme) error {
	if len(e.Organismes) > 0 {
		code := o.Regime + o.Caisse + o.Centre
		if !slices.ContainsFunc(e.Organismes, func(p string) bool { return strings.HasPrefix(code, strings.ReplaceAll(p, " ", "")) }) {
			return fmt.Errorf("issuer: organisme %s not deployed: %w", o, ErrNotEligible)
		}
	}
	return nil
}
